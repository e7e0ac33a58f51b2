#include "path.h"

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

#define MAX_SYMLINKS 40

const char *rt_fd_path(int fd, char *buf, size_t size)
{
	snprintf(buf, size, "/proc/self/fd/%d", fd);
	return buf;
}

int rt_reopen(int pathfd, int flags)
{
	char p[64];
	int fd = open(rt_fd_path(pathfd, p, sizeof(p)), flags | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

bool rt_path_force_walk;

static bool openat2_disabled(void)
{
	static int disabled = -1;

	if (rt_path_force_walk)
		return true;
	if (disabled < 0) {
		const char *e = getenv("CAPSA_NO_OPENAT2");

		disabled = e && *e == '1';
	}
	return disabled;
}

static int try_openat2(int rootfd, const char *path, int flags, bool nofollow)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	if (nofollow)
		how.flags |= O_NOFOLLOW;
	fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	return fd < 0 ? -errno : (int)fd;
}

/* Split off the next component of *p (skipping slashes) into comp. */
static bool next_component(const char **p, char *comp, size_t size)
{
	const char *s = *p, *e;

	while (*s == '/')
		s++;
	if (!*s)
		return false;
	e = strchrnul(s, '/');
	if ((size_t)(e - s) >= size)
		return false;
	memcpy(comp, s, (size_t)(e - s));
	comp[e - s] = '\0';
	*p = e;
	return true;
}

static bool only_slashes(const char *p)
{
	while (*p == '/')
		p++;
	return *p == '\0';
}

/* The walk: a stack of directory fds from the root, so ".." pops (never above
 * the root) and an absolute symlink target restarts at the root. */
struct walk {
	int fds[256];
	int depth; /* fds[0] is the root (not owned) */
};

static void walk_pop_all(struct walk *w)
{
	while (w->depth > 0)
		close(w->fds[w->depth--]);
}

static int walk_path(struct walk *w, const char *path, int extra_flags, enum rt_path_create create,
		     bool nofollow, int *nlinks, bool final_part);

static int walk_component(struct walk *w, const char *comp, bool last, int extra_flags,
			  enum rt_path_create create, bool nofollow, int *nlinks, bool final_part)
{
	int cur = w->fds[w->depth], fd;
	struct stat st;

	if (strcmp(comp, ".") == 0)
		return 0;
	if (strcmp(comp, "..") == 0) {
		if (w->depth > 0)
			close(w->fds[w->depth--]);
		return 0;
	}
	fd = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create != RT_PATH_NO_CREATE) {
		if (last && final_part && create == RT_PATH_CREATE_FILE) {
			int wfd =
			    openat(cur, comp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0755);

			if (wfd < 0 && errno != EEXIST)
				return -errno;
			if (wfd >= 0)
				close(wfd);
		} else if (mkdirat(cur, comp, 0755) < 0 && errno != EEXIST) {
			return -errno;
		}
		fd = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	if (S_ISLNK(st.st_mode) && !(last && final_part && nofollow)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);
		int r;

		close(fd);
		if (n < 0)
			return -errno;
		target[n] = '\0';
		if (++*nlinks > MAX_SYMLINKS)
			return -ELOOP;
		if (target[0] == '/')
			walk_pop_all(w);
		r = walk_path(w, target, extra_flags, create, nofollow, nlinks, last && final_part);
		return r;
	}
	if (!last || !final_part) {
		if (!S_ISDIR(st.st_mode)) {
			close(fd);
			return -ENOTDIR;
		}
	}
	if ((size_t)w->depth + 1 >= ARRAY_SIZE(w->fds)) {
		close(fd);
		return -ENAMETOOLONG;
	}
	w->fds[++w->depth] = fd;
	return 0;
}

static int walk_path(struct walk *w, const char *path, int extra_flags, enum rt_path_create create,
		     bool nofollow, int *nlinks, bool final_part)
{
	const char *p = path;
	char comp[NAME_MAX + 1];
	int r;

	while (next_component(&p, comp, sizeof(comp))) {
		bool last = only_slashes(p);

		r = walk_component(w, comp, last, extra_flags, create, nofollow, nlinks, final_part);
		if (r < 0)
			return r;
	}
	if (*p && !only_slashes(p))
		return -ENAMETOOLONG;
	return 0;
}

static int open_by_walk(int rootfd, const char *path, int extra_flags, enum rt_path_create create,
			bool nofollow)
{
	struct walk w = { .depth = 0 };
	int nlinks = 0, r, fd;

	w.fds[0] = rootfd;
	r = walk_path(&w, path, extra_flags, create, nofollow, &nlinks, true);
	if (r < 0) {
		walk_pop_all(&w);
		return r;
	}
	if (w.depth == 0)
		fd = openat(rootfd, ".", O_PATH | O_CLOEXEC);
	else
		fd = TAKE_FD(w.fds[w.depth--]);
	walk_pop_all(&w);
	if (fd < 0)
		return -errno;
	if (extra_flags & O_DIRECTORY) {
		struct stat st;

		if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode)) {
			close(fd);
			return -ENOTDIR;
		}
	}
	return fd;
}

int rt_open_in_root(int rootfd, const char *path, int extra_flags, enum rt_path_create create, bool nofollow)
{
	int fd;

	if (!openat2_disabled()) {
		fd = try_openat2(rootfd, path, O_PATH | extra_flags, nofollow);
		if (fd >= 0 || (fd != -ENOSYS && fd != -EPERM && !(fd == -ENOENT && create)))
			return fd;
	}
	return open_by_walk(rootfd, path, extra_flags, create, nofollow);
}
