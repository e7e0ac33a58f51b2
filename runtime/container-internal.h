/* Shared between the container*.c files only. */
#ifndef CAPSA_RUNTIME_CONTAINER_INTERNAL_H
#define CAPSA_RUNTIME_CONTAINER_INTERNAL_H

#include <limits.h>
#include <signal.h>

#include "runtime.h"
#include "spec.h"
#include "state.h"

struct cg_manager;
struct rt_seccomp_prog;

/* Everything a create/run made, so a failure can undo exactly that. */
struct launch {
	const struct rt_create_opts *o;
	struct rt_spec *spec;
	char state_dir[PATH_MAX];
	char rootfs[PATH_MAX];
	struct rt_state st;
	char *state_json;
	struct cg_manager *cg;
	struct rt_seccomp_prog *sp;
	int ns_fds[RT_NS_MAX];
	int *idmap_fds; /* per spec mount, -1 where no idmap */
	size_t spec_n_mounts;
	pid_t pid;
	int pidfd;
	int sock;
	int pty_master;
	int lock_fd;
	int child_exit; /* the exit code the child reported with an error */
	bool state_created;
	bool cg_created;
	bool early;	     /* clone before the v1 cgroups exist (see late_cgroups()) */
	bool state_deferred; /* state.json and config.json written after the clone */
	char *config_text;   /* config.json as read, until it is saved in the state dir */
	size_t config_len;
	bool image_mounted;
	bool net_attached;
	bool started;
	bool exec_at_ready; /* foreground run: the process execs once ready, no EXEC_NOW */
	struct rt_mount *extra_mounts;
	size_t n_extra_mounts;
	void *img_cfg;
};

void launch_abort(struct launch *l);
void launch_free(struct launch *l);
int launch_dialogue(struct launch *l, struct rt_err *err);
int launch_state_json(struct launch *l, enum rt_status status, struct rt_err *err);
int launch_annotations(struct launch *l, struct rt_err *err);

/* container-extras.c: image rootfs and network, on top of the spec. */
int launch_prepare_extras(struct launch *l, struct rt_err *err);
int launch_attach_network(struct launch *l, struct rt_err *err);
int launch_release_extras(struct launch *l, struct rt_err *err);
/* For delete: undo the extras recorded in a saved state. */
int rt_release_extras_of(const char *root, const struct rt_state *st, const char *image_root,
			 struct rt_err *err);

/* supervise.c: the foreground run. */
void rt_supervise_sigset(sigset_t *set);
int launch_start_foreground(struct launch *l, const sigset_t *fwd, int *ret_exit, char **ret_stats,
			    struct rt_err *err);
/* Wait for pid (our child), forwarding signals and proxying the pty.
 * Returns the exit code convention (status, 128+signal). */
int rt_supervise(pid_t pid, int pty_master, const sigset_t *fwd, int *ret_exit, struct rt_err *err);
/* Poststop hooks after a foreground container was started and removed. */
void launch_teardown(struct launch *l);

#endif
