/* Paths inside a container's root filesystem, resolved relative to a root
 * directory fd so that no symlink (absolute or full of "..") can lead out of
 * it: openat2(RESOLVE_IN_ROOT) when the kernel has it, else an equivalent
 * component-by-component walk that treats the root fd as "/" (both are
 * tested; CAPSA_NO_OPENAT2=1 in the environment forces the walk). */
#ifndef CAPSA_RUNTIME_PATH_H
#define CAPSA_RUNTIME_PATH_H

#include <stdbool.h>
#include <sys/types.h>

#include "err.h"

/* Tests and fuzzers set this to exercise the fallback walk. */
extern bool rt_path_force_walk;

enum rt_path_create {
	RT_PATH_NO_CREATE = 0,
	RT_PATH_CREATE_DIR,  /* missing components and the last one as directories */
	RT_PATH_CREATE_FILE, /* missing parents as directories, the last as an empty file */
};

/* Open path (absolute or relative, both taken relative to rootfd) with
 * O_PATH|O_CLOEXEC (plus extra_flags, e.g. O_DIRECTORY), creating it first
 * when asked.  The final component is not followed if it is a symlink only
 * when nofollow is set.  Returns the fd or -errno. */
int rt_open_in_root(int rootfd, const char *path, int extra_flags, enum rt_path_create create, bool nofollow);

/* Reopen an O_PATH fd with real access flags through /proc/self/fd. */
int rt_reopen(int pathfd, int flags);

/* "/proc/self/fd/N" into buf (for mount(2) targets). */
const char *rt_fd_path(int fd, char *buf, size_t size);

#endif
