/* The container's init between clone and execve: one linear list of steps,
 * one line per OCI feature.  Runs single-threaded in a copy of the runtime's
 * address space; reports any failure to the parent over the sync socket. */
#include <fcntl.h>
#include <limits.h>
#include <linux/keyctl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "affinity.h"
#include "cgroups/cgroup.h"
#include "hooks.h"
#include "mount.h"
#include "path.h"
#include "process.h"
#include "seccomp.h"
#include "spawn.h"
#include "sync.h"
#include "terminal.h"
#include "util.h"

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Close every fd from `from` up, except those in keep: the caller's leaked
 * fds must not live on in a created container, and no host directory fd may
 * be open when we chdir into process.cwd (CVE-2024-21626). */
static void close_fds_except(int from, int *keep, size_t n)
{
	unsigned int lo = (unsigned int)from;

	qsort(keep, n, sizeof(*keep), cmp_int);
	for (size_t i = 0; i < n; i++) {
		if (keep[i] < from)
			continue;
		if ((unsigned int)keep[i] > lo)
			syscall(SYS_close_range, lo, (unsigned int)keep[i] - 1, 0);
		lo = (unsigned int)keep[i] + 1;
	}
	syscall(SYS_close_range, lo, ~0U, 0);
}

static void close_fds_at_start(struct rt_child_ctx *c)
{
	size_t n_mounts = c->rootfs.idmap_fds && c->spec ? c->spec->n_mounts : 0;
	int keep[3 + RT_NS_MAX + 64];
	size_t n = 0;

	for (size_t i = 0; i < n_mounts && n < 64; i++)
		if (c->rootfs.idmap_fds[i] >= 0)
			keep[n++] = c->rootfs.idmap_fds[i];

	keep[n++] = c->sync_fd;
	if (c->fifo_fd >= 0)
		keep[n++] = c->fifo_fd;
	if (c->errfile_fd >= 0)
		keep[n++] = c->errfile_fd;
	for (int t = 0; t < RT_NS_MAX; t++)
		if (c->ns_fds[t] >= 0)
			keep[n++] = c->ns_fds[t];
	close_fds_except(3 + c->preserve_fds, keep, n);
	c->lock_fd = -1;
}

static int join_namespaces(struct rt_child_ctx *c, struct rt_err *err)
{
	/* user first: the others may belong to it; mount last but one so
	 * paths keep resolving; pid and time were joined by the parent. */
	static const enum rt_ns_type order[] = { RT_NS_USER, RT_NS_IPC,	   RT_NS_UTS,
						 RT_NS_NET,  RT_NS_CGROUP, RT_NS_MOUNT };

	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		enum rt_ns_type t = order[i];

		if (c->ns_fds[t] < 0)
			continue;
		if (setns(c->ns_fds[t], rt_ns_clone_flag(t)) < 0)
			return rt_err_set(err, errno, "join %s namespace %s", rt_ns_type_name(t),
					  c->spec && c->spec->linux_.namespaces[t].path
					      ? c->spec->linux_.namespaces[t].path
					      : "");
		close(c->ns_fds[t]);
		c->ns_fds[t] = -1;
	}
	return 0;
}

/* A new network namespace gets its loopback up, as runc and crun do. */
static int loopback_up(struct rt_err *err)
{
	struct ifreq ifr = { 0 };
	_cleanup_close_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return rt_err_set(err, errno, "loopback: socket");
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return rt_err_set(err, errno, "loopback: get flags");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return rt_err_set(err, errno, "loopback: bring lo up");
	return 0;
}

static int become_root_in_userns(struct rt_err *err)
{
	if (setresgid(0, 0, 0) < 0)
		return rt_err_set(err, errno, "setresgid 0 in the user namespace");
	if (setresuid(0, 0, 0) < 0)
		return rt_err_set(err, errno, "setresuid 0 in the user namespace");
	return 0;
}

/* Write /proc/sys/... through an fd verified to be on procfs (CVE-2025-52881). */
static int set_sysctl(const char *key, const char *value, struct rt_err *err)
{
	_cleanup_close_ int procfd = -EBADF, fd = -EBADF;
	char path[512];
	struct statfs sfs;
	int r;

	if (strlen(key) + 5 >= sizeof(path))
		return rt_err_msg(err, ENAMETOOLONG, "linux.sysctl: %s: name too long", key);
	procfd = open("/proc/sys", O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (procfd < 0)
		return rt_err_set(err, errno, "linux.sysctl: open /proc/sys");
	if (fstatfs(procfd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
		return rt_err_msg(err, EPERM, "linux.sysctl: /proc/sys is not procfs");
	snprintf(path, sizeof(path), "%s", key);
	for (char *p = path; *p; p++)
		if (*p == '.')
			*p = '/';
	fd = rt_open_in_root(procfd, path, 0, RT_PATH_NO_CREATE, true);
	if (fd < 0)
		return rt_err_set(err, -fd, "linux.sysctl: %s", key);
	r = rt_reopen(fd, O_WRONLY);
	if (r < 0)
		return rt_err_set(err, -r, "linux.sysctl: open %s", key);
	close(fd);
	fd = r;
	if (fstatfs(fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
		return rt_err_msg(err, EPERM, "linux.sysctl: %s is not on procfs", key);
	r = rt_write_all(fd, value, strlen(value));
	if (r < 0)
		return rt_err_set(err, -r, "linux.sysctl: write %s=%s", key, value);
	return 0;
}

static int set_names_and_sysctls(const struct rt_spec *s, struct rt_err *err)
{
	if (s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0)
		return rt_err_set(err, errno, "hostname: sethostname %s", s->hostname);
	if (s->domainname && setdomainname(s->domainname, strlen(s->domainname)) < 0)
		return rt_err_set(err, errno, "domainname: setdomainname %s", s->domainname);
	for (size_t i = 0; i < s->linux_.n_sysctl; i++) {
		int r = set_sysctl(s->linux_.sysctl[i].key, s->linux_.sysctl[i].value, err);

		if (r < 0)
			return r;
	}
	return 0;
}

static int setup_terminal(struct rt_child_ctx *c, struct rt_err *err)
{
	_cleanup_close_ int master = -EBADF, slave = -EBADF;
	int r;

	r = rt_pty_open(&master, &slave, err);
	if (r < 0)
		return r;
	if (!c->is_exec) {
		r = rt_mount_console(slave, err);
		if (r < 0)
			return r;
	}
	r = rt_sync_send(c->sync_fd, RT_SYNC_PTY, 0, master, NULL);
	if (r < 0)
		return rt_err_set(err, -r, "send the pty to the runtime");
	return rt_pty_become(slave, c->process->has_console_size ? c->process->console_height : 0,
			     c->process->has_console_size ? c->process->console_width : 0, err);
}

/* Block until `capsa start` writes to exec.fifo (or, for run/exec, the
 * parent says go). */
static int wait_for_start(struct rt_child_ctx *c, struct rt_err *err)
{
	if (c->fifo_fd >= 0) {
		struct pollfd p = { .fd = c->fifo_fd, .events = POLLIN };
		char b;

		while (poll(&p, 1, -1) < 0)
			if (errno != EINTR)
				return rt_err_set(err, errno, "wait for start");
		if (read(c->fifo_fd, &b, 1) != 1)
			return rt_err_msg(err, EPIPE, "start: the exec fifo closed without a start");
		/* kept open (close-on-exec): `start` waits for it to close, at
		 * execve or when we fail */
		return 0;
	}
	return rt_sync_expect(c->sync_fd, RT_SYNC_EXEC_NOW, "wait for start", NULL, err);
}

/* Hooks in the container's namespaces get the pid as the container sees it
 * (runtime.md, State). */
static int run_container_hooks(struct rt_child_ctx *c, enum rt_hook_kind kind, enum rt_status status,
			       struct rt_err *err)
{
	struct rt_state st;
	_cleanup_free_ char *json = NULL;
	int r;

	if (!c->spec->hooks.n_hooks[kind] || !c->st)
		return 0;
	st = *c->st;
	st.pid = getpid();
	r = rt_state_to_json(&st, status, &json, err);
	if (r < 0)
		return r;
	return rt_hooks_run(&c->spec->hooks, kind, json, err);
}

/* exec, once in the container's cgroup: execCPUAffinity.final, or every
 * CPU the cpuset allows (affinity.h). */
static int exec_affinity_final(const struct rt_process *p, struct rt_err *err)
{
	const char *final = p->exec_cpu_affinity_final;
	int r;

	if (final && *final) {
		r = rt_affinity_set_list(0, final);
		return r < 0 ? rt_err_set(err, -r, "process.execCPUAffinity.final: %s", final) : 0;
	}
	r = rt_affinity_reset(0);
	return r < 0 ? rt_err_set(err, -r, "reset the CPU affinity") : 0;
}

/* Early start (container.c): the namespaces the clone left out, while the
 * parent makes the v1 cgroups; with a network to attach, it waits for our
 * NS_READY first (ns_ready), else GO is already on its way. */
static int early_namespaces(struct rt_child_ctx *c, struct rt_err *err)
{
	int r;

	if (unshare((int)c->unshare_flags) < 0)
		return rt_err_set(err, errno, "unshare the container's namespaces");
	if (c->unshare_flags & CLONE_NEWNET) {
		r = loopback_up(err);
		if (r < 0)
			return r;
	}
	if (!c->ns_ready)
		return 0;
	r = rt_sync_send(c->sync_fd, RT_SYNC_NS_READY, 0, -1, NULL);
	return r < 0 ? rt_err_set(err, -r, "sync with the runtime") : 0;
}

/* Early start: into the v1 cgroups, through the tasks files the parent
 * opened and sent with GO. */
static int join_late_cgroups(struct rt_child_ctx *c, const int *fds, size_t n, struct rt_err *err)
{
	struct cg_join j;
	int r = cg_join_adopt(c->cg_late, fds, n, &j, err);

	return r < 0 ? r : cg_join_self(&j, err); /* which closes them */
}

/* SYNC 1: maps written, cgroups made (at an early start: joined now, through
 * the tasks files that come with GO), network attached. */
static int wait_go(struct rt_child_ctx *c, struct rt_err *err)
{
	int fds[RT_SYNC_MAX_FDS], r;
	size_t n;

	r = rt_sync_expect_fds(c->sync_fd, RT_SYNC_GO, "setup", fds, c->cg_late ? ARRAY_SIZE(fds) : 0, &n,
			       err);
	if (r < 0 || !c->cg_late)
		return r;
	return join_late_cgroups(c, fds, n, err);
}

static int unshare_cgroupns(struct rt_child_ctx *c, struct rt_err *err)
{
	const struct rt_spec *s = c->spec;

	if ((c->clone_flags & CLONE_NEWCGROUP) == 0 && s->linux_.namespaces[RT_NS_CGROUP].present &&
	    !s->linux_.namespaces[RT_NS_CGROUP].path && unshare(CLONE_NEWCGROUP) < 0)
		return rt_err_set(err, errno, "unshare the cgroup namespace");
	return 0;
}

/* Early start without a network to attach: the new proc, tmpfs, devpts,
 * mqueue and sysfs at the head of the spec's mounts need neither the
 * cgroups nor anything else of the parent's, so they go while the parent
 * still makes the cgroups; GO, the joins and the cgroup namespace come
 * before the first bind, cgroup mount or device node (mount.h,
 * before_binds).  The kernel memory of those mounts is charged where capsa
 * runs, as that of the namespaces (container.c, late_cgroups()). */
static int go_before_binds(void *arg, struct rt_err *err)
{
	struct rt_child_ctx *c = arg;
	int r = wait_go(c, err);

	return r < 0 ? r : unshare_cgroupns(c, err);
}

static int child_setup(struct rt_child_ctx *c, struct rt_err *err)
{
	const struct rt_spec *s = c->spec;
	bool go_in_mounts = c->cg_late && !c->ns_ready; /* cg_late: an early start */
	int rootfd, r;

	if (!go_in_mounts) {
		r = wait_go(c, err);
		if (r < 0)
			return r;
	}
	r = join_namespaces(c, err);
	if (r < 0)
		return r;
	if ((c->clone_flags & CLONE_NEWUSER) || (!c->is_exec && c->ns_fds[RT_NS_USER] >= 0) ||
	    (s && s->linux_.namespaces[RT_NS_USER].present)) {
		r = become_root_in_userns(err);
		if (r < 0)
			return r;
	}
	if (c->is_exec)
		goto process;
	if ((c->clone_flags & CLONE_NEWNET) && !(c->unshare_flags & CLONE_NEWNET)) {
		r = loopback_up(err);
		if (r < 0)
			return r;
	}
	if (!go_in_mounts) {
		r = unshare_cgroupns(c, err);
		if (r < 0)
			return r;
	}
	if (setsid() < 0)
		return rt_err_set(err, errno, "setsid");
	if (go_in_mounts) {
		c->rootfs.before_binds = go_before_binds;
		c->rootfs.before_binds_arg = c;
	}
	rootfd = rt_rootfs_prepare(&c->rootfs, err);
	if (rootfd < 0)
		return rootfd;
	if (s->hooks.n_hooks[RT_HOOK_PRESTART] || s->hooks.n_hooks[RT_HOOK_CREATE_RUNTIME]) {
		/* SYNC 2/3: the runtime namespace's hooks */
		r = rt_sync_send(c->sync_fd, RT_SYNC_HOOKS, 0, -1, NULL);
		if (r >= 0)
			r = rt_sync_expect(c->sync_fd, RT_SYNC_HOOKS_DONE, "hooks", NULL, err);
		else
			r = rt_err_set(err, -r, "sync with the runtime");
		if (r < 0) {
			close(rootfd);
			return r;
		}
	}
	r = run_container_hooks(c, RT_HOOK_CREATE_CONTAINER, RT_STATUS_CREATING, err);
	if (r < 0) {
		close(rootfd);
		return r;
	}
	r = rt_rootfs_pivot(rootfd, c->rootfs.no_pivot, err);
	if (r < 0)
		return r;
	/* sysctls before /proc/sys turns read-only */
	r = set_names_and_sysctls(s, err);
	if (r < 0)
		return r;
	r = rt_rootfs_finalize(s, err);
	if (r < 0)
		return r;
	if (!c->no_new_keyring && syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 &&
	    errno != ENOSYS && errno != EPERM)
		return rt_err_set(err, errno, "join a new session keyring");
	r = rt_process_personality(&s->linux_.personality, err);
	if (r < 0)
		return r;
process:
	if (c->is_exec && setsid() < 0)
		return rt_err_set(err, errno, "setsid");
	if (c->process->terminal) {
		r = setup_terminal(c, err);
		if (r < 0)
			return r;
	}
	r = rt_process_limits(c->process, err);
	if (r < 0)
		return r;
	return 0;
}

_Noreturn void rt_child_run(struct rt_child_ctx *c)
{
	struct rt_err err = { 0 };
	struct rt_exec_opts eo = { .process = c->process,
				   .seccomp = c->seccomp,
				   .preserve_fds = c->preserve_fds,
				   .create_cwd = !c->is_exec };
	int listener = -1, code = 1, r;
	char exe[PATH_MAX];
	sigset_t none;

	/* into the v1 cgroups before anything else (see cgroups/join.c) */
	r = c->cg_join ? cg_join_self(c->cg_join, &err) : 0;
	if (r == 0 && c->is_exec)
		r = exec_affinity_final(c->process, &err);
	close_fds_at_start(c);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* nothing in the container may ptrace or read us until execve (CVE-2016-9962) */
	prctl(PR_SET_DUMPABLE, 0);

	if (r == 0 && c->unshare_flags)
		r = early_namespaces(c, &err);
	if (r < 0)
		goto fail;
	r = child_setup(c, &err);
	if (r < 0)
		goto fail;
	/* the binary must exist before we say ready (create fails otherwise, as runc) */
	r = rt_process_lookup(c->process, exe, sizeof(exe), &code, &err);
	if (r < 0)
		goto fail;
	code = 1;
	/* SYNC 5: ready; from now on a `create` caller may be gone */
	if (c->fifo_fd >= 0 || c->detached)
		prctl(PR_SET_PDEATHSIG, 0);
	r = rt_sync_send(c->sync_fd, RT_SYNC_READY, 0, -1, NULL);
	if (r < 0) {
		rt_err_set(&err, -r, "sync with the runtime");
		goto fail;
	}
	if (c->fifo_fd >= 0 || c->exec_wait) {
		r = wait_for_start(c, &err);
		if (r < 0)
			goto fail;
	}
	if (c->spec && !c->is_exec) {
		r = run_container_hooks(c, RT_HOOK_START_CONTAINER, RT_STATUS_CREATED, &err);
		if (r < 0)
			goto fail;
	}
	eo.ret_listener_fd = &listener;
	{
		int keep[3] = { c->sync_fd, c->fifo_fd, c->errfile_fd };

		close_fds_except(3 + c->preserve_fds, keep, 3);
	}
	r = rt_process_finalize(&eo, &err);
	if (r < 0)
		goto fail;
	if (listener >= 0 && c->spec && c->spec->linux_.seccomp.listener_path) {
		r = rt_seccomp_send_listener(c->spec->linux_.seccomp.listener_path, listener, c->state_json,
					     &err);
		if (r < 0)
			goto fail;
		close(listener);
	}
	rt_process_exec(c->process, exe, &code, &err);
fail:
	/* the parent prints it; if it is gone (after create), we do, and
	 * leave it for `start` to report */
	if (rt_sync_send(c->sync_fd, RT_SYNC_ERROR, code, -1, &err) < 0) {
		dprintf(2, "capsa: %s\n", err.msg);
		if (c->errfile_fd >= 0)
			rt_write_all(c->errfile_fd, err.msg, strlen(err.msg));
	}
	_exit(code);
}
