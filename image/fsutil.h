/* fd-relative file system helpers for the image store: nothing here follows
 * a symlink it did not expect, so layer contents (hostile by assumption) can
 * never redirect a create, a chmod or a delete outside their directory. */
#ifndef CAPSA_IMAGE_FSUTIL_H
#define CAPSA_IMAGE_FSUTIL_H

#include <stdbool.h>

/* Set by tests to exercise the component-walk fallback instead of openat2. */
extern bool img_fs_no_openat2;

/* Open the directory rel (relative, already cleaned, "." for root itself)
 * below rootfd as O_RDONLY|O_DIRECTORY.  No component may be a symlink
 * (-ELOOP) or a non-directory (-ENOTDIR).  With create, missing components
 * are made with mode 0755.  openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS) when
 * the kernel has it, a component-by-component O_NOFOLLOW walk otherwise. */
int img_open_dir_at(int rootfd, const char *rel, bool create, int *ret_fd);

/* Remove name below dirfd: a file, or a whole tree, never following symlinks
 * and never crossing into another mount (-EBUSY).  A missing name is fine. */
int img_rm_rf_at(int dirfd, const char *name);

#endif
