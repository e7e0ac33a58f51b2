/* Setting up the container's process, shared by the init and exec: rlimits,
 * scheduling, I/O priority, personality, user, capabilities, no_new_privs,
 * seccomp, environment, and the final execve. */
#ifndef CAPSA_RUNTIME_PROCESS_H
#define CAPSA_RUNTIME_PROCESS_H

#include "err.h"
#include "spec.h"

struct rt_seccomp_prog;

/* Resource and scheduling properties: run while still privileged. */
int rt_process_limits(const struct rt_process *p, struct rt_err *err);

/* Personality (linux.personality). */
int rt_process_personality(const struct rt_personality *pers, struct rt_err *err);

/* What the final step needs besides the process. */
struct rt_exec_opts {
	const struct rt_process *process;
	const struct rt_seccomp_prog *seccomp; /* NULL: none */
	int preserve_fds;		       /* fds 3 .. 3+N-1 stay open */
	int *ret_listener_fd;		       /* seccomp notify fd, when the profile asks */
	bool create_cwd;		       /* the init: a missing cwd is created (runc) */
};

/* cwd (checked to be inside the root), user and groups, capabilities,
 * no_new_privs, seccomp, then close every other fd on exec.  After it returns
 * only rt_process_exec may follow. */
int rt_process_finalize(const struct rt_exec_opts *o, struct rt_err *err);

/* Find args[0] (in the process's PATH unless it has a '/') as runc does,
 * before the container reports ready, so create fails for a missing binary.
 * On failure *ret_exit is 127 (not found) or 126 (not executable). */
int rt_process_lookup(const struct rt_process *p, char *ret, size_t size, int *ret_exit, struct rt_err *err);

/* execve the looked-up path.  Only returns on failure (exit code in *ret_exit). */
int rt_process_exec(const struct rt_process *p, const char *path, int *ret_exit, struct rt_err *err);

#endif
