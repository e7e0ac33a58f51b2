/* /dev inside the container: the default devices runc creates, the spec's
 * linux.devices, and the standard links. */
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "mount.h"
#include "path.h"
#include "util.h"

struct dev_default {
	const char *path;
	unsigned int major, minor;
};

static const struct dev_default default_devices[] = {
	{ "/dev/null", 1, 3 },	 { "/dev/zero", 1, 5 },	   { "/dev/full", 1, 7 },
	{ "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
};

/* The directory a device or link goes into, opened once for all the
 * entries that share it (most are in /dev). */
struct parent_dir {
	char path[PATH_MAX];
	int fd;
	bool setgid; /* new nodes take its group, not ours */
};

static int split_parent(int rootfd, struct parent_dir *pd, const char *path, char *name, size_t size)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t dlen;
	struct stat st;

	if (!slash || !slash[1] || strlen(slash + 1) >= size)
		return -EINVAL;
	strcpy(name, slash + 1);
	dlen = (size_t)(slash - path);
	if (dlen >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, path, dlen);
	dir[dlen] = '\0';
	if (!dlen)
		strcpy(dir, "/");
	if (pd->fd >= 0 && strcmp(pd->path, dir) == 0)
		return pd->fd;
	if (pd->fd >= 0)
		close(pd->fd);
	pd->fd = rt_open_in_root(rootfd, dir, O_DIRECTORY, RT_PATH_CREATE_DIR, false);
	if (pd->fd < 0)
		return pd->fd;
	strcpy(pd->path, dir);
	pd->setgid = fstat(pd->fd, &st) < 0 || (st.st_mode & S_ISGID);
	return pd->fd;
}

/* In a user namespace mknod is not allowed: bind the host's node instead. */
static int bind_device(int dirfd, const char *name, const char *host_path, struct rt_err *err)
{
	_cleanup_close_ int fd = -EBADF;
	char target[64];

	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return rt_err_set(err, errno, "create %s", host_path);
	if (mount(host_path, rt_fd_path(fd, target, sizeof(target)), NULL, MS_BIND, NULL) < 0)
		return rt_err_set(err, errno, "bind device %s", host_path);
	return 0;
}

static int make_device(int rootfd, struct parent_dir *pd, const char *path, mode_t type, unsigned int major,
		       unsigned int minor, mode_t perm, uid_t uid, gid_t gid, bool use_bind,
		       struct rt_err *err)
{
	char name[NAME_MAX + 1];
	int dirfd = split_parent(rootfd, pd, path, name, sizeof(name));

	if (dirfd < 0)
		return rt_err_set(err, -dirfd, "device %s", path);
	if (use_bind && type != S_IFIFO)
		return bind_device(dirfd, name, path, err);
	if (mknodat(dirfd, name, type | perm, makedev(major, minor)) < 0) {
		if (errno != EEXIST)
			return rt_err_set(err, errno, "mknod %s", path);
		/* replace whatever the rootfs had there (never follow it) */
		if (unlinkat(dirfd, name, 0) < 0 ||
		    mknodat(dirfd, name, type | perm, makedev(major, minor)) < 0)
			return rt_err_set(err, errno, "mknod %s", path);
	}
	/* owned by our fsuid/fsgid already, unless a setgid directory chose */
	if ((uid != geteuid() || gid != getegid() || pd->setgid) &&
	    fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return rt_err_set(err, errno, "chown %s", path);
	/* the umask is 0: mknod gave exactly perm, but for the special bits
	 * (which a chown also clears): set after it */
	if ((perm & 07000) && fchmodat(dirfd, name, perm, 0) < 0)
		return rt_err_set(err, errno, "chmod %s", path);
	return 0;
}

static int make_link(int rootfd, struct parent_dir *pd, const char *target, const char *path,
		     struct rt_err *err)
{
	char name[NAME_MAX + 1];
	int dirfd = split_parent(rootfd, pd, path, name, sizeof(name));

	if (dirfd < 0)
		return rt_err_set(err, -dirfd, "link %s", path);
	if (symlinkat(target, dirfd, name) < 0 && errno != EEXIST)
		return rt_err_set(err, errno, "symlink %s", path);
	return 0;
}

static bool devpts_mounted(const struct rt_spec *spec)
{
	for (size_t i = 0; i < spec->n_mounts; i++)
		if (strcmp(spec->mounts[i].destination, "/dev/pts") == 0)
			return true;
	return false;
}

int rt_devices_setup(int rootfd, const struct rt_spec *spec, bool use_bind, struct rt_err *err)
{
	static const char *const links[][2] = {
		{ "/proc/self/fd", "/dev/fd" },
		{ "/proc/self/fd/0", "/dev/stdin" },
		{ "/proc/self/fd/1", "/dev/stdout" },
		{ "/proc/self/fd/2", "/dev/stderr" },
	};
	struct parent_dir pd = { .fd = -EBADF };
	mode_t old_umask = umask(0);
	int r = 0;

	for (size_t i = 0; i < ARRAY_SIZE(default_devices) && r >= 0; i++) {
		const struct dev_default *d = &default_devices[i];
		bool in_spec = false;

		for (size_t j = 0; j < spec->linux_.n_devices; j++)
			if (strcmp(spec->linux_.devices[j].path, d->path) == 0)
				in_spec = true;
		if (!in_spec)
			r = make_device(rootfd, &pd, d->path, S_IFCHR, d->major, d->minor, 0666, 0, 0,
					use_bind, err);
	}
	for (size_t i = 0; i < spec->linux_.n_devices && r >= 0; i++) {
		const struct rt_device *d = &spec->linux_.devices[i];
		mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;

		r = make_device(rootfd, &pd, d->path, type, (unsigned int)d->major, (unsigned int)d->minor,
				d->has_file_mode ? (d->file_mode & 07777) : 0666, d->has_uid ? d->uid : 0,
				d->has_gid ? d->gid : 0, use_bind, err);
	}
	for (size_t i = 0; i < ARRAY_SIZE(links) && r >= 0; i++)
		r = make_link(rootfd, &pd, links[i][0], links[i][1], err);
	if (r >= 0 && devpts_mounted(spec)) {
		char name[NAME_MAX + 1];
		int devfd = split_parent(rootfd, &pd, "/dev/ptmx", name, sizeof(name));

		/* /dev/ptmx must be the devpts instance's: replace a node by the link */
		if (devfd >= 0) {
			unlinkat(devfd, "ptmx", 0);
			if (symlinkat("pts/ptmx", devfd, "ptmx") < 0 && errno != EEXIST)
				r = rt_err_set(err, errno, "symlink /dev/ptmx");
		}
	}
	if (pd.fd >= 0)
		close(pd.fd);
	umask(old_umask);
	return r;
}
