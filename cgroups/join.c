/* Putting a new process (the init, or an exec'd one) into its cgroups without
 * the kernel's global lock.
 *
 * Writing a pid into a v1 `cgroup.procs` (or any pid into `tasks`) takes
 * cgroup_threadgroup_rwsem for writing, and the first writer after a quiet
 * spell waits a whole RCU grace period for it: 5-13 ms measured on this
 * 2-CPU VM, the largest single cost of a container start.  A thread that
 * writes "0" (itself) into `tasks` moves only itself and the kernel skips
 * that lock (cgroup_procs_write_start); 0.01-0.04 ms.  The new process is
 * single-threaded, so moving its one thread moves the process.  So the parent
 * opens the `tasks` files (its credentials are the ones the kernel checks,
 * file->f_cred) and the child writes "0" into each before it does anything
 * else.  The v2 part (hybrid and pure v2) is done at birth by clone3's
 * CLONE_INTO_CGROUP, which only takes that lock for reading. */
#include "internal.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hierarchy.h"
#include "runtime/util.h"

int cg_join_open(struct cg_manager *m, struct cg_join *j, struct rt_err *err)
{
	return cg_join_open_parts(m, CG_JOIN_V2 | CG_JOIN_V1, j, err);
}

int cg_join_open_parts(struct cg_manager *m, unsigned parts, struct cg_join *j, struct rt_err *err)
{
	int r = 0;

	*j = (struct cg_join){ .clone_fd = -1, .m = m };
	if (m->host->n > ARRAY_SIZE(j->fds))
		return rt_err_msg(err, E2BIG, "%zu cgroup hierarchies: at most %zu are supported", m->host->n,
				  ARRAY_SIZE(j->fds));
	for (size_t i = 0; i < m->host->n && r == 0; i++) {
		char path[PATH_MAX];
		const char *rel;
		int fd, at;

		if (!(parts & (m->host->h[i].v2 ? CG_JOIN_V2 : CG_JOIN_V1)))
			continue;
		if (m->host->h[i].v2) {
			at = cg_at(m->dirs[i], &rel);
			j->clone_fd = openat(at, rel, O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (j->clone_fd < 0)
				r = rt_err_set(err, errno, "open cgroup %s", m->dirs[i]);
			continue;
		}
		snprintf(path, sizeof(path), "%s/tasks", m->dirs[i]);
		at = cg_at(path, &rel);
		fd = openat(at, rel, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0) {
			r = rt_err_set(err, errno, "open %s", path);
			continue;
		}
		j->hier[j->n] = i;
		j->fds[j->n++] = fd;
	}
	if (r < 0)
		cg_join_close(j);
	return r;
}

int cg_join_adopt(struct cg_manager *m, const int *fds, size_t n, struct cg_join *j, struct rt_err *err)
{
	*j = (struct cg_join){ .clone_fd = -1, .m = m };
	for (size_t i = 0; i < m->host->n && j->n < ARRAY_SIZE(j->fds); i++)
		if (!m->host->h[i].v2)
			j->hier[j->n++] = i;
	if (j->n != n) {
		size_t want = j->n;

		for (size_t i = 0; i < n; i++)
			close(fds[i]);
		j->n = 0;
		return rt_err_msg(err, EPROTO, "cgroup %s: %zu tasks files for %zu v1 hierarchies", m->path,
				  n, want);
	}
	memcpy(j->fds, fds, n * sizeof(int));
	return 0;
}

int cg_join_self(struct cg_join *j, struct rt_err *err)
{
	int r = 0;

	for (size_t i = 0; i < j->n; i++) {
		if (r == 0 && write(j->fds[i], "0", 1) != 1) {
			char label[128];

			cg_hier_label(&j->m->host->h[j->hier[i]], label, sizeof(label));
			r = rt_err_set(err, errno, "join cgroup %s (%s): write tasks", j->m->dirs[j->hier[i]],
				       label);
		}
		close(j->fds[i]);
		j->fds[i] = -1;
	}
	j->n = 0;
	return r;
}

void cg_join_close(struct cg_join *j)
{
	for (size_t i = 0; i < j->n; i++)
		if (j->fds[i] >= 0)
			close(j->fds[i]);
	j->n = 0;
	if (j->clone_fd >= 0)
		close(j->clone_fd);
	j->clone_fd = -1;
}

int cg_join_v2_pid(struct cg_join *j, pid_t pid, struct rt_err *err)
{
	char buf[24];
	int r;

	if (j->clone_fd < 0)
		return 0;
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	r = rt_write_file_at(j->clone_fd, "cgroup.procs", buf, strlen(buf));
	if (r < 0)
		return rt_err_set(err, -r, "add pid %d to %s/cgroup.procs", (int)pid, cg_v2_dir(j->m));
	return 0;
}
