/* What cmd/ uses: container lifecycle operations.  Everything reports
 * through struct rt_err; nothing here prints. */
#ifndef CAPSA_RUNTIME_RUNTIME_H
#define CAPSA_RUNTIME_RUNTIME_H

#include <stdbool.h>
#include <sys/types.h>

#include "err.h"
#include "spec.h"
#include "state.h"

struct rt_net_opts;

struct rt_create_opts {
	const char *root; /* state root */
	const char *id;
	const char *bundle;	 /* absolute */
	const char *config_path; /* default BUNDLE/config.json */
	const char *pid_file;
	const char *console_socket;
	bool no_pivot;
	bool no_new_keyring;
	int preserve_fds;
	int listen_fds;	   /* LISTEN_FDS from socket activation: passed on with LISTEN_PID=1 */
	const char *image; /* run on an overlay of this image (--image / annotation) */
	const char *image_root;
	bool keep_rootfs;
	const char *net;	    /* --net: none|host|bridge[=NAME]|ns:PATH, NULL = spec */
	const char *const *publish; /* --publish values */
	size_t n_publish;
	bool stats; /* run: print the cgroup summary at exit */
	void (*debug)(void *ctx, const char *msg);
	void *debug_ctx;
};

/* create: the init waits for start.  Returns 0 with the init's pid. */
int rt_container_create(const struct rt_create_opts *o, pid_t *ret_pid, struct rt_err *err);

/* run in the foreground: create, start, forward signals (and the terminal),
 * wait, delete.  *ret_exit is the container's exit status (128+N for a
 * signal).  With detach, it returns after start like create+start. */
int rt_container_run(const struct rt_create_opts *o, bool detach, int *ret_exit, char **ret_stats,
		     struct rt_err *err);

int rt_container_start(const char *root, const char *id, struct rt_err *err);

/* Signal the init (all: every process in the cgroup). */
int rt_container_kill(const char *root, const char *id, int sig, bool all, struct rt_err *err);

/* Remove a stopped container (force: kill it first).  A missing id with
 * force is success. */
int rt_container_delete(const char *root, const char *id, bool force, struct rt_err *err);

/* The OCI state JSON of a container. */
int rt_container_state(const char *root, const char *id, char **ret_json, struct rt_err *err);

int rt_container_pause(const char *root, const char *id, bool pause, struct rt_err *err);

/* Host pids of every process of the container. */
int rt_container_pids(const char *root, const char *id, pid_t **ret, size_t *ret_n, struct rt_err *err);

int rt_container_update(const char *root, const char *id, const struct rt_resources *res, struct rt_err *err);

int rt_container_stats(const char *root, const char *id, char **ret_json, struct rt_err *err);

/* exec a process in a running container. */
struct rt_exec_req {
	const char *root;
	const char *id;
	struct rt_process *process;
	const char *console_socket;
	const char *pid_file;
	bool detach;
	int preserve_fds;
	bool inherit_seccomp;	    /* apply the container's seccomp profile (default) */
	const struct rt_spec *spec; /* the container's spec when the caller has loaded it, else NULL */
	/* with spec: the program rt_container_spec_seccomp loaded with it
	 * (borrowed; NULL when the spec has no linux.seccomp) */
	const struct rt_seccomp_prog *seccomp;
};
int rt_container_exec(const struct rt_exec_req *req, int *ret_exit, struct rt_err *err);

/* Load the spec a container was created with. */
int rt_container_spec(const char *root, const char *id, struct rt_spec **ret, struct rt_err *err);
/* The same with its seccomp program (*ret_prog; NULL when it has no
 * linux.seccomp), from the seccomp cache under root (rt_spec_parse_seccomp). */
struct rt_seccomp_prog;
int rt_container_spec_seccomp(const char *root, const char *id, struct rt_spec **ret,
			      struct rt_seccomp_prog **ret_prog, struct rt_err *err);

/* Once, first thing in the program: seeds the JSON library's hash function
 * with getrandom (left to itself it opens and reads /dev/urandom). */
void rt_init(void);

#endif
