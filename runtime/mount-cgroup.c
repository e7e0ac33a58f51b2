/* The cgroup filesystem inside the container.
 *
 * cgroup v2 host: a new cgroup namespace gets a real cgroup2 mount (it shows
 * the namespace root, the container's own cgroup); without one, the
 * container's cgroup directory is bind-mounted so the rest of the host tree
 * stays invisible.  v1/hybrid: a tmpfs with one directory per hierarchy,
 * each a cgroup mount (cgroup namespace) or a bind of the container's own
 * cgroup in that hierarchy.  Everything read-only unless the spec says rw
 * (CVE-2023-25809). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "mount.h"
#include "path.h"
#include "util.h"

/* Mount the view of one hierarchy on the directory dirfd/name (name "" =
 * dirfd itself, reopened through resolve for the remount).  remount false:
 * a bind keeps the source's flags; the caller sets them on the whole tree. */
static int mount_view(const struct cg_view *h, int dirfd, const char *name, int rootfd, const char *dest,
		      bool new_cgroupns, unsigned long flags, bool remount, struct rt_err *err)
{
	_cleanup_close_ int fd = -EBADF, after = -EBADF;
	char target[64];

	fd = *name ? openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : dup(dirfd);
	if (fd < 0)
		return rt_err_set(err, errno, "open %s/%s", dest, name);
	rt_fd_path(fd, target, sizeof(target));
	if (new_cgroupns) {
		if (mount("cgroup", target, h->v2 ? "cgroup2" : "cgroup", flags, h->v2 ? NULL : h->opts) < 0)
			return rt_err_set(err, errno, "mount cgroup %s", h->v2 ? "v2" : h->opts);
		return 0;
	}
	if (mount(h->dir, target, NULL, MS_BIND, NULL) < 0)
		return rt_err_set(err, errno, "bind cgroup %s", h->dir);
	if (!remount)
		return 0;
	/* the remount must name the new mount, not the directory under it */
	after = *name ? openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
		      : rt_open_in_root(rootfd, dest, O_DIRECTORY, RT_PATH_NO_CREATE, false);
	if (after < 0)
		return rt_err_set(err, after == -1 ? errno : -after, "reopen %s/%s", dest, name);
	rt_fd_path(after, target, sizeof(target));
	if (mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | flags, NULL) < 0)
		return rt_err_set(err, errno, "remount cgroup %s", h->dir);
	return 0;
}

static bool have_mount_setattr(void)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };

	/* an invalid fd: EBADF where the call exists, ENOSYS where not (an
	 * empty attr would return 0 before looking at the fd) */
	return syscall(SYS_mount_setattr, -1, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0 && errno != ENOSYS;
}

/* The bind remounts' flags, on the tmpfs and every mount under it at once. */
static int set_tree_attrs(int dfd, unsigned long flags, const char *dest, struct rt_err *err)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC };

	if (flags & MS_RDONLY)
		attr.attr_set |= MOUNT_ATTR_RDONLY;
	if (flags & MS_RELATIME) {
		attr.attr_clr = MOUNT_ATTR__ATIME;
		attr.attr_set |= MOUNT_ATTR_RELATIME;
	}
	if (syscall(SYS_mount_setattr, dfd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
		return rt_err_set(err, errno, "mount cgroup on %s: set attributes", dest);
	return 0;
}

int rt_mount_cgroup(int rootfd, const struct rt_mount *m, const struct cg_manager *cg, bool new_cgroupns,
		    struct rt_err *err)
{
	struct cg_view h[32];
	size_t n = 0;
	_cleanup_close_ int dfd = -EBADF;
	char target[64];
	unsigned long flags = (m->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME)) |
			      MS_NOSUID | MS_NODEV | MS_NOEXEC;
	bool one_setattr;
	int r;

	if (!(m->clear_flags & MS_RDONLY))
		flags |= MS_RDONLY;
	if (!cg)
		return rt_err_msg(err, EINVAL, "mount cgroup on %s: no cgroup", m->destination);
	n = cg_views(cg, h, ARRAY_SIZE(h));
	dfd = rt_open_in_root(rootfd, m->destination, O_DIRECTORY, RT_PATH_CREATE_DIR, false);
	if (dfd < 0)
		return rt_err_set(err, -dfd, "mount cgroup on %s", m->destination);
	rt_fd_path(dfd, target, sizeof(target));

	/* pure v2: one cgroup2 hierarchy at the usual place */
	if (n == 1 && h[0].v2)
		return mount_view(&h[0], dfd, "", rootfd, m->destination, new_cgroupns, flags, true, err);

	/* binds: one mount_setattr over the tmpfs and every bind at the end
	 * instead of a remount each (5.12+) */
	one_setattr = !new_cgroupns && have_mount_setattr();
	if (mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") < 0)
		return rt_err_set(err, errno, "mount tmpfs on %s", m->destination);
	close(dfd);
	dfd = rt_open_in_root(rootfd, m->destination, O_DIRECTORY, RT_PATH_NO_CREATE, false);
	if (dfd < 0)
		return rt_err_set(err, -dfd, "mount cgroup on %s", m->destination);
	rt_fd_path(dfd, target, sizeof(target));

	for (size_t i = 0; i < n; i++) {
		const char *name = strrchr(h[i].mnt, '/');

		name = name ? name + 1 : h[i].mnt;
		if (!*name || strchr(name, '.') == name)
			continue;
		if (mkdirat(dfd, name, 0755) < 0 && errno != EEXIST)
			return rt_err_set(err, errno, "mkdir %s/%s", m->destination, name);
		r = mount_view(&h[i], dfd, name, rootfd, m->destination, new_cgroupns, flags, !one_setattr,
			       err);
		if (r < 0)
			return rt_err_prefix(err, "%s/%s", m->destination, name);
		/* "cpu,cpuacct" is also reachable as "cpu" and "cpuacct", as on the host */
		if (strchr(name, ',')) {
			char buf[256], *save = NULL;

			snprintf(buf, sizeof(buf), "%s", name);
			for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
				if (symlinkat(name, dfd, t) < 0 && errno != EEXIST)
					return rt_err_set(err, errno, "symlink %s/%s", m->destination, t);
		}
	}
	if (one_setattr)
		return set_tree_attrs(dfd, flags, m->destination, err);
	if (flags & MS_RDONLY) {
		if (mount(NULL, target, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  "mode=755") < 0)
			return rt_err_set(err, errno, "remount %s read-only", m->destination);
	}
	return 0;
}
