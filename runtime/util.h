/* Small shared helpers: scope-bound cleanup, fd/pointer ownership transfer,
 * whole-file read/write.  Every folder may include this header. */
#ifndef CAPSA_RUNTIME_UTIL_H
#define CAPSA_RUNTIME_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "err.h"

static inline void rt_freep(void *p)
{
	free(*(void **)p);
}

static inline void rt_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline void rt_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define _cleanup_(x)	 __attribute__((cleanup(x)))
#define _cleanup_free_	 _cleanup_(rt_freep)
#define _cleanup_close_	 _cleanup_(rt_closep)
#define _cleanup_fclose_ _cleanup_(rt_fclosep)

/* Generate a cleanup function for a library type: DEFINE_CLEANUP(cap_t, cap_free) */
#define DEFINE_CLEANUP_FUNC(type, func)     \
	static inline void func##p(type *p) \
	{                                   \
		if (*p)                     \
			func(*p);           \
	}

#define TAKE_PTR(p)                      \
	({                               \
		__typeof__(p) _p_ = (p); \
		(p) = NULL;              \
		_p_;                     \
	})
#define TAKE_FD(fd)              \
	({                       \
		int _fd_ = (fd); \
		(fd) = -EBADF;   \
		_fd_;            \
	})

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Read a whole file (at most max bytes; -EFBIG beyond) into a NUL-terminated
 * malloc'd buffer.  dirfd may be AT_FDCWD. */
int rt_read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len);
/* The same from an open fd, from its current offset. */
int rt_read_fd(int fd, size_t max, char **ret, size_t *ret_len);

/* Write buf to an existing file (no O_CREAT, no O_TRUNC): for /proc, /sys and cgroupfs. */
int rt_write_file_at(int dirfd, const char *path, const char *buf, size_t len);

/* Write a file atomically: temp file in the same dir, fsync-less, swapped
 * in (or renamed when path does not exist yet). */
int rt_write_file_atomic(const char *path, const char *buf, size_t len, mode_t mode);

/* Open (creating, mode 0600, no symlink) and flock(LOCK_EX) a lock file,
 * waiting for it; the fd or -errno. */
int rt_lock_file(const char *path);

/* write(2) the whole buffer, retrying on EINTR and short writes. */
int rt_write_all(int fd, const void *buf, size_t len);

/* ts as RFC 3339 in UTC: "2026-11-25T16:30:00Z", or with nanoseconds
 * "2026-11-25T16:30:00.123456789Z".  Pure arithmetic: glibc's gmtime_r
 * reads /etc/localtime (tzset) on the first call, a file open on the
 * start path for nothing. */
void rt_utc_rfc3339(const struct timespec *ts, bool nanoseconds, char *buf, size_t size);

/* /proc/PID/stat (see util-procstat.c) read into buf, NUL-terminated,
 * without allocating: 0 or -errno. */
int rt_proc_stat_read(const char *path, char *buf, size_t size);
/* Its state letter (field 3), or '\0' when stat is malformed. */
char rt_proc_stat_state(const char *stat);
/* Its numeric fields first..last (first >= 4) into out[0..last-first]:
 * 0, or -EINVAL when stat has fewer or a field is not a number. */
int rt_proc_stat_fields(const char *stat, int first, int last, unsigned long long *out);

/* mkdir -p; existing directories are fine. */
int rt_mkdir_p(const char *path, mode_t mode);

/* strdup that aborts on ENOMEM is not allowed: returns NULL like strdup. */

#endif
