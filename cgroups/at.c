/* Paths under the cgroup mounts, looked up from a dirfd of their common
 * parent (/sys/fs/cgroup).
 *
 * A lookup of /sys/fs/cgroup/cpu/... walks /sys and /sys/fs first: sysfs
 * directories, whose revalidation takes sysfs's kernfs lock for reading.
 * A new network namespace takes that lock for writing again and again
 * while it registers its lo device, and at an early start the child makes
 * one while this process makes the cgroups (~25 lookups): each waited for
 * the other (sched_switch stacks: kernfs_dop_revalidate in our openat and
 * mkdir, kernfs_activate in the child's unshare).  From the dirfd no sysfs
 * directory is looked up. */
#include "internal.h"

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char base[PATH_MAX];
static size_t base_len;
static int base_fd = -1;
static pid_t base_pid;

static bool under(const char *path, const char *dir, size_t len)
{
	return strncmp(path, dir, len) == 0 && (path[len] == '/' || path[len] == '\0');
}

size_t cg_mounts_dir(const struct cg_host *host, char *buf, size_t size)
{
	size_t len = 0;

	for (size_t i = 0; i < host->n; i++) {
		const char *mnt = host->h[i].mnt;
		size_t n = strlen(mnt);

		if (mnt[0] != '/' || n >= size) {
			len = 0;
			break;
		}
		if (i == 0) {
			memcpy(buf, mnt, n + 1);
			len = n;
			continue;
		}
		/* up a directory at a time until mnt is in it ("/" is not kept) */
		while (len > 0 && !under(mnt, buf, len))
			while (len > 0 && buf[--len] != '/')
				;
		if (len == 0)
			break;
	}
	if (size > 0)
		buf[len] = '\0';
	return len;
}

void cg_at_init(const struct cg_host *host)
{
	pthread_mutex_lock(&lock);
	if (base_fd >= 0 && base_pid == getpid()) {
		pthread_mutex_unlock(&lock);
		return;
	}
	/* a child of the process that opened it may have closed it (and the
	 * number may name another file now): never use an inherited one */
	base_fd = -1;
	base_len = cg_mounts_dir(host, base, sizeof(base));
	if (base_len > 0)
		base_fd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
	base_pid = getpid();
	pthread_mutex_unlock(&lock);
}

int cg_at(const char *path, const char **rel)
{
	int fd;

	*rel = path;
	pthread_mutex_lock(&lock);
	fd = base_fd >= 0 && base_pid == getpid() ? base_fd : -1;
	pthread_mutex_unlock(&lock);
	if (fd < 0 || !under(path, base, base_len))
		return AT_FDCWD;
	path += base_len;
	while (*path == '/')
		path++;
	*rel = *path ? path : ".";
	return fd;
}
