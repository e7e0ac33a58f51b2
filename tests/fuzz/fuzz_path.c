/* Fuzz the in-root path resolver: whatever the path, what it opens must be
 * inside the root directory, with openat2 and with the fallback walk.  The
 * root holds the hostile links a rootfs can: absolute ones to /, relative
 * ones full of "..", a loop, a link to a file outside. */
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/path.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[PATH_MAX];
static int rootfd = -1;

static void remove_root(void)
{
	static const char *const order[] = { "a/b/c",  "a/b/etc", "a/b", "a/up", "a/passwd",
					     "a/self", "a",	  "abs", "loop" };
	char p[PATH_MAX + 32];

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", root, order[i]);
		if (unlink(p) < 0)
			rmdir(p);
	}
	rmdir(root);
}

static void make_root(void)
{
	static const char *const dirs[] = { "a", "a/b", "a/b/c" };
	static const char *const links[][2] = {
		{ "abs", "/" },	    { "a/up", "../../../../../.." }, { "a/b/etc", "/etc" },
		{ "loop", "loop" }, { "a/passwd", "/etc/passwd" },   { "a/self", "/proc/self/root" },
	};
	char tmpl[] = "/tmp/capsa-fuzz-path.XXXXXX", p[PATH_MAX + 32];

	if (!mkdtemp(tmpl) || !realpath(tmpl, root))
		abort();
	atexit(remove_root);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", root, dirs[i]);
		if (mkdir(p, 0755) < 0)
			abort();
	}
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", root, links[i][0]);
		if (symlink(links[i][1], p) < 0)
			abort();
	}
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		abort();
}

static void check_inside(int fd)
{
	char link[64], target[PATH_MAX];
	ssize_t n;
	size_t rl = strlen(root);

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		abort();
	target[n] = '\0';
	if (strncmp(target, root, rl) != 0 || (target[rl] != '\0' && target[rl] != '/')) {
		fprintf(stderr, "fuzz_path: escaped the root: %s\n", target);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[PATH_MAX];

	if (rootfd < 0)
		make_root();
	if (size >= sizeof(path))
		size = sizeof(path) - 1;
	memcpy(path, data, size);
	path[size] = '\0';
	for (int walk = 0; walk < 2; walk++) {
		int fd;

		rt_path_force_walk = walk;
		fd = rt_open_in_root(rootfd, path, 0, RT_PATH_NO_CREATE, false);
		if (fd >= 0) {
			check_inside(fd);
			close(fd);
		}
	}
	return 0;
}
