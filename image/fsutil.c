#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/util.h"

bool img_fs_no_openat2;

static int open_dir_walk(int rootfd, const char *rel, bool create, int *ret_fd)
{
	_cleanup_close_ int cur = -EBADF;
	char buf[PATH_MAX];
	char *save = NULL, *comp;

	if (strlen(rel) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, rel);
	cur = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0)
		return -errno;
	for (comp = strtok_r(buf, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
		int nfd;

		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0)
			return -EXDEV;
		for (int tries = 0;; tries++) {
			nfd = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (nfd >= 0)
				break;
			if (errno == ENOENT && create && tries == 0) {
				if (mkdirat(cur, comp, 0755) < 0 && errno != EEXIST)
					return -errno;
				continue;
			}
			if (errno == ENOTDIR) {
				struct stat st;

				/* O_NOFOLLOW|O_DIRECTORY on a symlink says ENOTDIR */
				if (fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
					return -ELOOP;
			}
			return -errno;
		}
		close(cur);
		cur = nfd;
	}
	*ret_fd = TAKE_FD(cur);
	return 0;
}

int img_open_dir_at(int rootfd, const char *rel, bool create, int *ret_fd)
{
	if (!img_fs_no_openat2) {
		struct open_how how = {
			.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
			.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
		};
		long fd = syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));

		if (fd >= 0) {
			*ret_fd = (int)fd;
			return 0;
		}
		if (errno == ELOOP || errno == ENOTDIR || errno == EXDEV)
			return -errno;
		if (errno != ENOENT && errno != ENOSYS && errno != EPERM && errno != EAGAIN)
			return -errno;
		if (errno == ENOENT && !create)
			return -ENOENT;
	}
	return open_dir_walk(rootfd, rel, create, ret_fd);
}

static int rm_children(int fd, dev_t dev)
{
	DIR *d;
	struct dirent *de;
	int r = 0;

	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	while ((errno = 0, de = readdir(d))) {
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN) {
			if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT && r == 0)
				r = -errno;
			continue;
		}
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT && r == 0)
				r = -errno;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT && r == 0)
				r = -errno;
			continue;
		}
		if (st.st_dev != dev) {
			if (r == 0)
				r = -EBUSY;
			continue;
		}
		int cfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0) {
			if (errno != ENOENT && r == 0)
				r = -errno;
			continue;
		}
		int q = rm_children(cfd, dev);
		if (q < 0 && r == 0)
			r = q;
		if (unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT && r == 0)
			r = -errno;
	}
	if (errno && r == 0)
		r = -errno;
	closedir(d);
	return r;
}

int img_rm_rf_at(int dirfd, const char *name)
{
	struct stat st;
	int fd, r;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	r = rm_children(fd, st.st_dev);
	if (r < 0)
		return r;
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}
