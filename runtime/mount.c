#include "mount.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "path.h"
#include "util.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

/* Flags a bind remount must keep when the kernel locked them (user
 * namespaces): read back from the mount itself. */
static unsigned long locked_flags(const char *target)
{
	struct statvfs sv;
	unsigned long f = 0;

	if (statvfs(target, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_RDONLY)
		f |= MS_RDONLY;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

static int bind_remount(const char *target, unsigned long flags, struct rt_err *err)
{
	unsigned long f = MS_BIND | MS_REMOUNT | (flags & ~(MS_BIND | MS_REC | MS_REMOUNT));

	if (mount(NULL, target, NULL, f, NULL) == 0)
		return 0;
	if (errno == EPERM) {
		/* keep what the kernel locked, then try again */
		f |= locked_flags(target) & ~0UL;
		if (mount(NULL, target, NULL, f, NULL) == 0)
			return 0;
	}
	return rt_err_set(err, errno, "remount %s", target);
}

static bool is_bind(const struct rt_mount *m)
{
	return m->bind || (m->type && strcmp(m->type, "bind") == 0);
}

/* Source is a file (not a dir) for a bind: the destination is then a file. */
static bool bind_source_is_file(const struct rt_mount *m)
{
	struct stat st;

	return m->source && stat(m->source, &st) == 0 && !S_ISDIR(st.st_mode);
}

static int mount_one(int rootfd, const struct rt_rootfs_opts *o, const struct rt_mount *m, int idmap_fd,
		     struct rt_err *err)
{
	_cleanup_close_ int dfd = -EBADF, after = -EBADF;
	char target[64];
	bool bind = is_bind(m), remount;
	const char *type = m->type;
	unsigned long flags = m->flags;
	int r;

	if (!bind && type && (strcmp(type, "cgroup") == 0 || strcmp(type, "cgroup2") == 0))
		return rt_mount_cgroup(rootfd, m, o->cg, o->new_cgroupns, err);

	/* procfs and sysfs go only on real directories: a symlink there could
	 * redirect later writes to /proc (CVE-2019-16884, CVE-2019-19921) */
	if (!bind && type && (strcmp(type, "proc") == 0 || strcmp(type, "sysfs") == 0)) {
		struct stat st;

		dfd = rt_open_in_root(rootfd, m->destination, 0, RT_PATH_CREATE_DIR, true);
		if (dfd >= 0 && (fstat(dfd, &st) < 0 || !S_ISDIR(st.st_mode)))
			return rt_err_msg(err, EINVAL,
					  "mount %s on %s: the destination is not a directory (a symlink?)",
					  type, m->destination);
	} else {
		dfd = rt_open_in_root(
		    rootfd, m->destination, 0,
		    bind && bind_source_is_file(m) ? RT_PATH_CREATE_FILE : RT_PATH_CREATE_DIR, false);
	}
	if (dfd < 0)
		return rt_err_set(err, -dfd, "mount destination %s", m->destination);
	rt_fd_path(dfd, target, sizeof(target));

	if (m->tmpcopyup)
		return rt_err_msg(err, EOPNOTSUPP, "mount %s: the tmpcopyup option is not supported",
				  m->destination);
	if (m->idmap) {
		if (!bind)
			return rt_err_msg(err, EINVAL, "mount %s: idmap is only for bind mounts",
					  m->destination);
		r = rt_mount_idmapped(m, idmap_fd, dfd, err);
		if (r < 0)
			return r;
	} else if (bind) {
		if (!m->source)
			return rt_err_msg(err, EINVAL, "mount %s: bind mount without a source",
					  m->destination);
		if (mount(m->source, target, NULL, MS_BIND | (m->recursive ? MS_REC : 0), NULL) < 0)
			return rt_err_set(err, errno, "bind mount %s on %s", m->source, m->destination);
	} else {
		r = mount(m->source ? m->source : type, target, type, flags & ~(MS_BIND | MS_REC), m->data);
		if (r < 0 && errno == EPERM && type && strcmp(type, "sysfs") == 0 && !o->new_netns) {
			/* sysfs can only be mounted by the owner of the netns: like runc,
			 * fall back to a recursive read-only bind of the host's /sys */
			if (mount("/sys", target, NULL, MS_BIND | MS_REC, NULL) < 0)
				return rt_err_set(err, errno, "bind /sys on %s", m->destination);
			flags |= MS_RDONLY;
			bind = true;
		} else if (r < 0 && errno == EPERM && type && strcmp(type, "mqueue") == 0 && o->new_userns) {
			if (mount("/dev/mqueue", target, NULL, MS_BIND, NULL) < 0)
				return rt_err_set(err, errno, "bind /dev/mqueue on %s", m->destination);
		} else if (r < 0) {
			return rt_err_set(err, errno, "mount %s (%s) on %s", m->source ? m->source : "none",
					  type ? type : "none", m->destination);
		}
	}

	/* The mount went onto the dentry dfd holds, wherever the path points
	 * now.  What is still to do needs the new mount itself: reopen the
	 * destination, inside the rootfs, when there is any.  (bind and flags
	 * as they are now: the sysfs fallback above binds read-only.) */
	remount = bind && (flags & ~(MS_BIND | MS_REC)) != 0;
	if (!remount && !m->propagation && !m->attr_set && !m->attr_clr)
		return 0;
	after = rt_open_in_root(rootfd, m->destination, 0, RT_PATH_NO_CREATE, false);
	if (after < 0)
		return rt_err_set(err, -after, "mount %s: destination vanished", m->destination);
	rt_fd_path(after, target, sizeof(target));

	if (remount) {
		r = bind_remount(target, flags, err);
		if (r < 0)
			return rt_err_prefix(err, "mount %s", m->destination);
	}
	if (m->propagation && mount(NULL, target, NULL, m->propagation, NULL) < 0)
		return rt_err_set(err, errno, "set propagation of %s", m->destination);
	if (m->attr_set || m->attr_clr) {
		/* the recursive options (rro, rnosuid, ...): mount_setattr over
		 * the whole tree under the destination */
		struct mount_attr attr = { .attr_set = m->attr_set, .attr_clr = m->attr_clr };

		if (syscall(SYS_mount_setattr, after, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) <
		    0)
			return rt_err_set(err, errno, "mount %s: set recursive attributes", m->destination);
	}
	return 0;
}

/* A new instance of a kernel filesystem, neither a bind nor a cgroup view:
 * it needs nothing from the host (see before_binds in mount.h). */
static bool is_new_kernel_fs(const struct rt_mount *m)
{
	static const char *const types[] = { "proc", "tmpfs", "devpts", "mqueue", "sysfs" };

	if (is_bind(m) || m->idmap || !m->type)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		if (strcmp(m->type, types[i]) == 0)
			return true;
	return false;
}

static int call_before_binds(const struct rt_rootfs_opts *o, bool *done, struct rt_err *err)
{
	if (*done || !o->before_binds)
		return 0;
	*done = true;
	return o->before_binds(o->before_binds_arg, err);
}

static bool spec_mounts(const struct rt_spec *spec, const char *dest)
{
	for (size_t i = 0; i < spec->n_mounts; i++)
		if (strcmp(spec->mounts[i].destination, dest) == 0)
			return true;
	return false;
}

int rt_rootfs_prepare(const struct rt_rootfs_opts *o, struct rt_err *err)
{
	const struct rt_spec *spec = o->spec;
	_cleanup_close_ int rootfd = -EBADF;
	unsigned long prop = spec->linux_.rootfs_propagation;
	bool hooked = false;
	int r;

	if (prop == 0)
		prop = MS_REC | MS_PRIVATE;
	/* Nothing we mount may propagate back to the host: a recursive
	 * private or slave rootfsPropagation says so itself (one walk of the
	 * mount tree, not two); any other starts from a recursive slave. */
	if (!((prop & MS_REC) && (prop & (MS_SLAVE | MS_PRIVATE))) &&
	    mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return rt_err_set(err, errno, "make / a recursive slave");
	if (mount(NULL, "/", NULL, prop & (MS_REC | MS_SLAVE | MS_PRIVATE), NULL) < 0 &&
	    (prop & (MS_SLAVE | MS_PRIVATE)))
		return rt_err_set(err, errno, "set rootfs propagation");

	/* The rootfs must be a mount point for pivot_root. */
	if (mount(o->rootfs, o->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return rt_err_set(err, errno, "bind mount rootfs %s", o->rootfs);
	rootfd = open(o->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return rt_err_set(err, errno, "open rootfs %s", o->rootfs);

	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct rt_mount *m = &spec->mounts[i];

		if (!is_new_kernel_fs(m) && (r = call_before_binds(o, &hooked, err)) < 0)
			return r;
		r = mount_one(rootfd, o, m, o->idmap_fds ? o->idmap_fds[i] : -1, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < o->n_extra; i++) {
		if (spec_mounts(spec, o->extra[i].destination))
			continue;
		r = call_before_binds(o, &hooked, err);
		if (r < 0)
			return r;
		r = mount_one(rootfd, o, &o->extra[i], -1, err);
		if (r < 0)
			return r;
	}
	r = call_before_binds(o, &hooked, err);
	if (r < 0)
		return r;
	r = rt_devices_setup(rootfd, spec, o->new_userns, err);
	if (r < 0)
		return r;
	return TAKE_FD(rootfd);
}

int rt_rootfs_pivot(int rootfd, bool no_pivot, struct rt_err *err)
{
	_cleanup_close_ int fd = rootfd;
	char p[64];

	if (fchdir(fd) < 0)
		return rt_err_set(err, errno, "chdir into rootfs");
	if (no_pivot) {
		if (mount(rt_fd_path(fd, p, sizeof(p)), "/", NULL, MS_MOVE, NULL) < 0)
			return rt_err_set(err, errno, "move rootfs to /");
		if (chroot(".") < 0)
			return rt_err_set(err, errno, "chroot");
	} else {
		/* pivot_root(".", "."): the old root ends up on top of the new
		 * one; make it a slave so unmounting it cannot reach the host,
		 * then lazily detach it. */
		if (syscall(SYS_pivot_root, ".", ".") < 0)
			return rt_err_set(err, errno, "pivot_root");
		if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
			return rt_err_set(err, errno, "make old root a slave");
		if (umount2(".", MNT_DETACH) < 0)
			return rt_err_set(err, errno, "detach old root");
	}
	if (chdir("/") < 0)
		return rt_err_set(err, errno, "chdir /");
	return 0;
}

/* Open /dev/null and make sure it is the real 1:3 device (CVE-2025-31133). */
static int open_dev_null(struct rt_err *err)
{
	struct stat st;
	int fd = rt_open_in_root(AT_FDCWD, "/dev/null", 0, RT_PATH_NO_CREATE, true);

	if (fd < 0)
		return rt_err_set(err, -fd, "open /dev/null");
	if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)) {
		close(fd);
		return rt_err_msg(err, EPERM, "/dev/null in the container is not the 1:3 character device");
	}
	return fd;
}

/* Masked directories share one empty read-only tmpfs: the first gets it,
 * the others a bind of its root (*dirfd, O_PATH), one superblock per
 * container instead of one per directory (a bind keeps the read-only
 * superblock and the nosuid, nodev, noexec mount flags).  Masked files
 * get a bind of /dev/null (*nullfd). */
static int mask_path(const char *path, int *nullfd, int *dirfd, struct rt_err *err)
{
	_cleanup_close_ int fd = -EBADF;
	char target[64], src[64];
	struct statfs sf;
	struct stat st;

	fd = rt_open_in_root(AT_FDCWD, path, 0, RT_PATH_NO_CREATE, false);
	if (fd == -ENOENT || fd == -ENOTDIR)
		return 0;
	if (fd < 0)
		return rt_err_set(err, -fd, "masked path %s", path);
	if (fstat(fd, &st) < 0)
		return rt_err_set(err, errno, "masked path %s", path);
	rt_fd_path(fd, target, sizeof(target));
	if (S_ISDIR(st.st_mode) && *dirfd >= 0) {
		if (mount(rt_fd_path(*dirfd, src, sizeof(src)), target, NULL, MS_BIND, NULL) < 0)
			return rt_err_set(err, errno, "mask %s", path);
		return 0;
	}
	if (S_ISDIR(st.st_mode)) {
		if (mount("tmpfs", target, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0k") <
		    0)
			return rt_err_set(err, errno, "mask %s", path);
		*dirfd = rt_open_in_root(AT_FDCWD, path, O_DIRECTORY, RT_PATH_NO_CREATE, false);
		if (*dirfd < 0)
			return rt_err_set(err, -*dirfd, "mask %s", path);
		/* what the others get must be the empty read-only tmpfs */
		if (fstatfs(*dirfd, &sf) < 0 || sf.f_type != TMPFS_MAGIC || !(sf.f_flags & ST_RDONLY))
			return rt_err_msg(err, EIO, "mask %s: not the read-only tmpfs just mounted", path);
		return 0;
	}
	if (*nullfd < 0) {
		*nullfd = open_dev_null(err);
		if (*nullfd < 0)
			return *nullfd;
	}
	if (mount(rt_fd_path(*nullfd, src, sizeof(src)), target, NULL, MS_BIND, NULL) < 0)
		return rt_err_set(err, errno, "mask %s", path);
	return 0;
}

static int readonly_path(const char *path, struct rt_err *err)
{
	_cleanup_close_ int fd = -EBADF, after = -EBADF;
	char target[64];

	fd = rt_open_in_root(AT_FDCWD, path, 0, RT_PATH_NO_CREATE, false);
	if (fd == -ENOENT || fd == -ENOTDIR)
		return 0;
	if (fd < 0)
		return rt_err_set(err, -fd, "readonly path %s", path);
	if (mount(rt_fd_path(fd, target, sizeof(target)), target, NULL, MS_BIND | MS_REC, NULL) < 0)
		return rt_err_set(err, errno, "bind readonly path %s", path);
	after = rt_open_in_root(AT_FDCWD, path, 0, RT_PATH_NO_CREATE, false);
	if (after < 0)
		return rt_err_set(err, -after, "readonly path %s", path);
	return bind_remount(rt_fd_path(after, target, sizeof(target)),
			    MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, err);
}

int rt_rootfs_finalize(const struct rt_spec *spec, struct rt_err *err)
{
	_cleanup_close_ int nullfd = -EBADF, dirfd = -EBADF;
	unsigned long prop = spec->linux_.rootfs_propagation;
	int r;

	for (size_t i = 0; i < spec->linux_.n_masked_paths; i++) {
		r = mask_path(spec->linux_.masked_paths[i], &nullfd, &dirfd, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < spec->linux_.n_readonly_paths; i++) {
		r = readonly_path(spec->linux_.readonly_paths[i], err);
		if (r < 0)
			return r;
	}
	if (spec->root_readonly) {
		r = bind_remount("/", MS_RDONLY, err);
		if (r < 0)
			return rt_err_prefix(err, "readonly root");
	}
	if (prop & (MS_SHARED | MS_UNBINDABLE)) {
		if (mount(NULL, "/", NULL, prop, NULL) < 0)
			return rt_err_set(err, errno, "set rootfs propagation");
	}
	return 0;
}

int rt_mount_console(int slave_fd, struct rt_err *err)
{
	_cleanup_close_ int fd = -EBADF;
	char src[64], dst[64];

	fd = rt_open_in_root(AT_FDCWD, "/dev/console", 0, RT_PATH_CREATE_FILE, true);
	if (fd < 0)
		return rt_err_set(err, -fd, "create /dev/console");
	if (mount(rt_fd_path(slave_fd, src, sizeof(src)), rt_fd_path(fd, dst, sizeof(dst)), NULL, MS_BIND,
		  NULL) < 0)
		return rt_err_set(err, errno, "bind the console on /dev/console");
	return 0;
}
