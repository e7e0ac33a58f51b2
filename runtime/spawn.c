#include "spawn.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

pid_t rt_clone(unsigned long flags, int cgroup_fd, int *ret_pidfd, bool *ret_in_cgroup)
{
	struct clone_args args = {
		.flags = flags | CLONE_PIDFD,
		.exit_signal = SIGCHLD,
	};
	int pidfd = -1;
	long pid;

	args.pidfd = (uint64_t)(uintptr_t)&pidfd;
	if (cgroup_fd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)cgroup_fd;
	}
	*ret_in_cgroup = cgroup_fd >= 0;
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0 && (errno == ENOSYS || errno == E2BIG || errno == EINVAL)) {
		/* a kernel without clone3 (< 5.3) or CLONE_INTO_CGROUP (< 5.7):
		 * plain clone, no pidfd; the caller moves the child (and it
		 * makes its cgroup namespace once it is in) */
		pid = syscall(SYS_clone, (unsigned long)((flags & ~(unsigned long)CLONE_NEWCGROUP) | SIGCHLD),
			      NULL, NULL, NULL, NULL);
		pidfd = -1;
		*ret_in_cgroup = false;
	}
	if (pid == 0)
		return 0;
	if (ret_pidfd)
		*ret_pidfd = pid > 0 ? pidfd : -1;
	else if (pidfd >= 0)
		close(pidfd);
	return (pid_t)pid;
}

static int write_map(pid_t pid, const char *file, const struct rt_idmap *m, size_t n, struct rt_err *err)
{
	char path[64], buf[4096];
	size_t len = 0;
	int r;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(buf + len, sizeof(buf) - len, "%u %u %u\n", m[i].container_id, m[i].host_id,
				 m[i].size);

		if (w < 0 || (size_t)w >= sizeof(buf) - len)
			return rt_err_msg(err, E2BIG, "%s: too many mappings", file);
		len += (size_t)w;
	}
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	r = rt_write_file_at(AT_FDCWD, path, buf, len);
	if (r < 0)
		return rt_err_set(err, -r, "write %s", path);
	return 0;
}

int rt_write_id_maps(pid_t pid, const struct rt_spec *spec, struct rt_err *err)
{
	int r = write_map(pid, "uid_map", spec->linux_.uid_mappings, spec->linux_.n_uid_mappings, err);

	if (r < 0)
		return rt_err_prefix(err, "linux.uidMappings");
	r = write_map(pid, "gid_map", spec->linux_.gid_mappings, spec->linux_.n_gid_mappings, err);
	if (r < 0)
		return rt_err_prefix(err, "linux.gidMappings");
	return 0;
}

int rt_enter_for_children(int pid_fd, int time_fd, int saved[2], struct rt_err *err)
{
	saved[0] = saved[1] = -1;
	if (pid_fd >= 0) {
		saved[0] = open("/proc/self/ns/pid_for_children", O_RDONLY | O_CLOEXEC);
		if (setns(pid_fd, CLONE_NEWPID) < 0)
			return rt_err_set(err, errno, "join the pid namespace");
	}
	if (time_fd >= 0) {
		saved[1] = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
		if (setns(time_fd, CLONE_NEWTIME) < 0)
			return rt_err_set(err, errno, "join the time namespace");
	}
	return 0;
}

void rt_leave_for_children(int saved[2])
{
	if (saved[0] >= 0) {
		setns(saved[0], CLONE_NEWPID);
		close(saved[0]);
	}
	if (saved[1] >= 0) {
		setns(saved[1], CLONE_NEWTIME);
		close(saved[1]);
	}
	saved[0] = saved[1] = -1;
}
