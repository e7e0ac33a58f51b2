/* Creating the container's init (and exec'd processes): clone into the
 * namespaces, then a short dialogue with the child over the sync socket.
 *
 *   parent (capsa)                           child (becomes the container init)
 *   ------------------------------------------------------------------------
 *   cgroup created; pid/time ns joined
 *   clone3(CLONE_NEW*, INTO_CGROUP v2) ----> joins its v1 cgroups ("0" > tasks);
 *                                             PDEATHSIG; signal mask restored
 *   uid/gid maps; network
 *   SYNC 1 GO ------------------------------> join ns by path; root in userns;
 *                                             cgroupns; mounts (rootfs_prepare)
 *                         <------------------ SYNC 2 HOOKS (only with hooks)
 *   prestart + createRuntime hooks
 *   SYNC 3 HOOKS_DONE ----------------------> createContainer hooks; pivot_root;
 *                                             masked/ro paths; hostname; sysctl
 *                         <------------------ SYNC 4 PTY (terminal: the master)
 *                         <------------------ SYNC 5 READY
 *   create: save state, exit                  wait: exec.fifo (create) or
 *   run, exec: SYNC 6 EXEC_NOW ------------->       EXEC_NOW (run, exec; none
 *                                                   when nobody waits on the
 *                                                   pid: no pid file, console
 *                                                   socket or (run)
 *                                                   startContainer hook)
 *                                             startContainer hooks; user, caps,
 *                                             nnp, seccomp; execve
 *   EOF on the socket = execve happened      (an error instead: SYNC ERROR)
 *
 * Early start (v1 and hybrid hosts; container.c, late_cgroups()): the
 * clone makes the pid namespace only, and the v1 cgroups come after it:
 *
 *   v2 cgroup created; pid/time ns joined
 *   clone3(CLONE_NEWPID, INTO_CGROUP v2) --> unshare(the other CLONE_NEW*);
 *   child kept off our CPU (affinity.h);      lo up
 *   [state written]; v1 cgroups created,      [no network: the new proc, tmpfs,
 *   limits applied; their tasks opened;        devpts, mqueue, sysfs at the
 *   child's CPU mask reset                     head of the mounts (child.c,
 *                                              go_before_binds)]
 *   [no network: SYNC 1 GO + the tasks fds]
 *                                     <----- [network: SYNC NS_READY]
 *   [network; SYNC 1 GO + the tasks fds] ---> joins its v1 cgroups ("0" > tasks);
 *                                             then as above
 */
#ifndef CAPSA_RUNTIME_SPAWN_H
#define CAPSA_RUNTIME_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

#include "err.h"
#include "mount.h"
#include "spec.h"
#include "state.h"

struct rt_seccomp_prog;
struct cg_join;
struct cg_manager;

struct rt_child_ctx {
	const struct rt_spec *spec;
	const struct rt_process *process; /* spec->process, or the exec'd one */
	struct rt_rootfs_opts rootfs;
	int sync_fd;	       /* child's end */
	int lock_fd;	       /* the container lock: closed first, or it stays held */
	int fifo_fd;	       /* exec.fifo opened for reading (create), or -1 (run) */
	int errfile_fd;	       /* create: init.err, where a failure after `create` returned goes (-1: none) */
	int ns_fds[RT_NS_MAX]; /* namespaces to join by path (-1: none) */
	unsigned long clone_flags;   /* the namespaces it gets, at clone or by unshare_flags */
	unsigned long unshare_flags; /* early start: of those, the ones it makes itself first */
	const struct rt_seccomp_prog *seccomp;
	struct cg_join *cg_join;    /* joined first thing (v1 tasks files), or NULL */
	struct cg_manager *cg_late; /* early start: v1 cgroups joined after GO */
	int preserve_fds;
	bool no_new_keyring;
	bool is_exec;		   /* joining a running container: no rootfs work */
	bool exec_wait;		   /* run/exec: wait for EXEC_NOW (else exec at READY) */
	bool ns_ready;		   /* early start: say NS_READY after unshare (a network to attach) */
	bool detached;		   /* nobody stays to supervise: drop PDEATHSIG before execve */
	const char *state_json;	   /* the runtime's view of the state (seccomp listener) */
	const struct rt_state *st; /* for the hooks run in the container's namespaces */
};

/* The child's whole life: never returns.  Exits 127/126 when execve fails,
 * 1 on a setup error (after reporting it over the sync socket). */
_Noreturn void rt_child_run(struct rt_child_ctx *c);

/* clone3 (falling back to clone) with flags; cgroup_fd >= 0 places the child
 * into that v2 cgroup at birth.  Returns the pid in the parent, 0 in the
 * child; *ret_pidfd gets a pidfd when the kernel gives one (else -1).
 * *ret_in_cgroup (set in both processes) is false when the kernel could not
 * place the child (too old for CLONE_INTO_CGROUP); the clone then had no
 * CLONE_NEWCGROUP either. */
pid_t rt_clone(unsigned long flags, int cgroup_fd, int *ret_pidfd, bool *ret_in_cgroup);

/* pid and time namespaces apply to the children of the caller: join
 * pid_fd/time_fd (either may be -1) for the next clone, remembering where we
 * were in saved[2]; rt_leave_for_children() goes back.  Call leave even
 * when enter failed. */
int rt_enter_for_children(int pid_fd, int time_fd, int saved[2], struct rt_err *err);
void rt_leave_for_children(int saved[2]);

/* Write uid_map/gid_map of pid from the spec's mappings. */
int rt_write_id_maps(pid_t pid, const struct rt_spec *spec, struct rt_err *err);

#endif
