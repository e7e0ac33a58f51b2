#include "process.h"

#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/close_range.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"
#include "path.h"
#include "seccomp.h"
#include "util.h"

#define IOPRIO_CLASS_SHIFT 13
#define IOPRIO_WHO_PROCESS 1

struct sched_attr_k {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
};

int rt_process_limits(const struct rt_process *p, struct rt_err *err)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const struct rt_rlimit *l = &p->rlimits[i];
		struct rlimit rl = { .rlim_cur = l->soft, .rlim_max = l->hard };

		if (setrlimit((__rlimit_resource_t)l->resource, &rl) < 0)
			return rt_err_set(err, errno, "process.rlimits[%zu]: setrlimit %d to %llu:%llu", i,
					  l->resource, (unsigned long long)l->soft,
					  (unsigned long long)l->hard);
	}
	if (p->has_oom_score_adj) {
		char buf[32];
		int n = snprintf(buf, sizeof(buf), "%d", p->oom_score_adj);
		int r = rt_write_file_at(AT_FDCWD, "/proc/self/oom_score_adj", buf, (size_t)n);

		if (r < 0)
			return rt_err_set(err, -r, "process.oomScoreAdj: write %s", buf);
	}
	if (p->scheduler.present) {
		const struct rt_scheduler *s = &p->scheduler;
		struct sched_attr_k a = {
			.size = sizeof(a),
			.sched_policy = (uint32_t)s->policy,
			.sched_flags = s->flags,
			.sched_nice = s->has_nice ? s->nice : 0,
			.sched_priority = s->has_priority ? (uint32_t)s->priority : 0,
			.sched_runtime = s->runtime,
			.sched_deadline = s->deadline,
			.sched_period = s->period,
		};

		if (syscall(SYS_sched_setattr, 0, &a, 0) < 0)
			return rt_err_set(err, errno, "process.scheduler: sched_setattr");
	}
	if (p->io_priority.present) {
		int prio = (p->io_priority.class << IOPRIO_CLASS_SHIFT) | p->io_priority.priority;

		if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, prio) < 0)
			return rt_err_set(err, errno, "process.ioPriority: ioprio_set");
	}
	return 0;
}

int rt_process_personality(const struct rt_personality *pers, struct rt_err *err)
{
	if (!pers->present)
		return 0;
	if (personality(pers->domain) < 0)
		return rt_err_set(err, errno, "linux.personality: personality(%#lx)", pers->domain);
	return 0;
}

static int set_user(const struct rt_user *u, struct rt_err *err)
{
	size_t n = u->n_additional_gids;
	const gid_t *groups = u->additional_gids;

	_Static_assert(sizeof(gid_t) == sizeof(uint32_t), "gid_t is 32 bits");
	/* exactly the list given, also when it is empty (CVE-2023-25173);
	 * EPERM happens in a user namespace with setgroups denied */
	if (setgroups(n, groups) < 0 && !(errno == EPERM && n == 0))
		return rt_err_set(err, errno, "process.user.additionalGids: setgroups");
	if (setresgid(u->gid, u->gid, u->gid) < 0)
		return rt_err_set(err, errno, "process.user.gid: setresgid %u", u->gid);
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return rt_err_set(err, errno, "prctl(PR_SET_KEEPCAPS)");
	if (setresuid(u->uid, u->uid, u->uid) < 0)
		return rt_err_set(err, errno, "process.user.uid: setresuid %u", u->uid);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return rt_err_set(err, errno, "prctl(PR_SET_KEEPCAPS)");
	return 0;
}

/* The cwd must resolve inside the container's root: a leaked directory fd
 * (/proc/self/fd/N) would put it on the host (CVE-2024-21626). */
static int enter_cwd(const char *cwd, bool create, struct rt_err *err)
{
	char buf[PATH_MAX];

	if (!cwd)
		cwd = "/";
	if (chdir(cwd) < 0) {
		int fd;

		if (errno != ENOENT || !create)
			return rt_err_set(err, errno, "process.cwd: chdir %s", cwd);
		/* created inside the root, never through a symlink out of it */
		fd = rt_open_in_root(AT_FDCWD, cwd, O_DIRECTORY, RT_PATH_CREATE_DIR, false);
		if (fd < 0)
			return rt_err_set(err, -fd, "process.cwd: create %s", cwd);
		close(fd);
		if (chdir(cwd) < 0)
			return rt_err_set(err, errno, "process.cwd: chdir %s", cwd);
	}
	if (!getcwd(buf, sizeof(buf)) || buf[0] != '/')
		return rt_err_msg(err, EPERM, "process.cwd: %s is outside the container's root", cwd);
	return 0;
}

int rt_process_finalize(const struct rt_exec_opts *o, struct rt_err *err)
{
	const struct rt_process *p = o->process;
	bool seccomp_early = o->seccomp && !p->no_new_privileges;
	int listener = -1, r;

	if (o->ret_listener_fd)
		*o->ret_listener_fd = -1;
	r = enter_cwd(p->cwd, o->create_cwd, err);
	if (r < 0)
		return r;
	if (p->user.has_umask)
		umask(p->user.umask);
	else
		umask(022);
	/* no capabilities object means no capabilities at all (runc) */
	r = rt_caps_apply_bounding(&p->caps, err);
	if (r < 0)
		return r;
	/* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: do it
	 * while we still have it (as runc); else as late as possible. */
	if (seccomp_early) {
		r = rt_seccomp_install(o->seccomp, &listener, err);
		if (r < 0)
			return r;
	}
	r = set_user(&p->user, err);
	if (r < 0)
		return r;
	r = rt_caps_apply(&p->caps, err);
	if (r < 0)
		return r;
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return rt_err_set(err, errno, "process.noNewPrivileges");
	if (o->seccomp && !seccomp_early) {
		r = rt_seccomp_install(o->seccomp, &listener, err);
		if (r < 0)
			return r;
	}
	if (o->ret_listener_fd)
		*o->ret_listener_fd = listener;
	/* Every fd but stdio and the preserved ones closes on exec. */
	if (syscall(SYS_close_range, 3 + o->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return rt_err_set(err, errno, "close_range");
	return 0;
}

static const char *env_get(const struct rt_process *p, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = p->n_env; i > 0; i--)
		if (strncmp(p->env[i - 1], name, len) == 0 && p->env[i - 1][len] == '=')
			return p->env[i - 1] + len + 1;
	return NULL;
}

static bool executable_file(const char *path, int *err)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		*err = errno;
		return false;
	}
	if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111)) {
		*err = EACCES;
		return false;
	}
	return true;
}

int rt_process_lookup(const struct rt_process *p, char *ret, size_t size, int *ret_exit, struct rt_err *err)
{
	const char *file = p->args[0], *path;
	int e = ENOENT, last = ENOENT;

	if (strchr(file, '/')) {
		if ((size_t)snprintf(ret, size, "%s", file) >= size)
			return rt_err_msg(err, ENAMETOOLONG, "exec: \"%s\": name too long", file);
		if (executable_file(ret, &e))
			return 0;
		*ret_exit = e == EACCES ? 126 : 127;
		return rt_err_set(err, e, "exec: \"%s\"", file);
	}
	path = env_get(p, "PATH");
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	while (*path) {
		const char *end = strchrnul(path, ':');
		size_t dlen = (size_t)(end - path);

		if (dlen + strlen(file) + 2 <= size) {
			memcpy(ret, path, dlen);
			snprintf(ret + dlen, size - dlen, "%s%s", dlen ? "/" : "", file);
			if (executable_file(ret, &e))
				return 0;
			if (e == EACCES)
				last = EACCES;
		}
		path = *end ? end + 1 : end;
	}
	*ret_exit = last == EACCES ? 126 : 127;
	if (last == EACCES)
		return rt_err_set(err, EACCES, "exec: \"%s\"", file);
	return rt_err_msg(err, ENOENT, "exec: \"%s\": executable file not found in $PATH", file);
}

int rt_process_exec(const struct rt_process *p, const char *path, int *ret_exit, struct rt_err *err)
{
	char **envp = p->env ? p->env : (char *[]){ NULL };

	execve(path, p->args, envp);
	*ret_exit = errno == ENOENT || errno == ENOTDIR ? 127 : 126;
	return rt_err_set(err, errno, "exec: \"%s\"", p->args[0]);
}
