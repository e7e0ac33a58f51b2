/* The container's root filesystem, built inside its new mount namespace:
 * rootfs propagation, the rootfs bind, every spec mount in order (each
 * destination resolved and created inside the rootfs, mounted through its
 * fd), /dev, pivot_root (or chroot with --no-pivot), masked and readonly
 * paths, a readonly root. */
#ifndef CAPSA_RUNTIME_MOUNT_H
#define CAPSA_RUNTIME_MOUNT_H

#include <stdbool.h>

#include "err.h"
#include "spec.h"

struct cg_manager;

struct rt_rootfs_opts {
	const struct rt_spec *spec;
	const char *rootfs;	     /* absolute host path of the root filesystem */
	const struct cg_manager *cg; /* the container's cgroup (for cgroup mounts) */
	bool new_cgroupns;
	bool new_userns;
	bool new_netns;
	bool no_pivot;
	bool terminal;
	const int *idmap_fds;	      /* per spec mount: its idmap user namespace fd, or -1 */
	const struct rt_mount *extra; /* runtime-provided binds (/etc/hosts...) */
	size_t n_extra;
	/* If set, called once before the first mount that is not a new proc,
	 * tmpfs, devpts, mqueue or sysfs (so before any bind, cgroup mount or
	 * device node), or at the end of the mounts: the early start's GO and
	 * cgroup joins (child.c) come there, after what needs neither. */
	int (*before_binds)(void *arg, struct rt_err *err);
	void *before_binds_arg;
};

/* Everything up to (not including) the pivot.  Returns the rootfs dirfd. */
int rt_rootfs_prepare(const struct rt_rootfs_opts *o, struct rt_err *err);

/* pivot_root into rootfd (or MS_MOVE + chroot with no_pivot); closes rootfd. */
int rt_rootfs_pivot(int rootfd, bool no_pivot, struct rt_err *err);

/* After the pivot: masked paths, readonly paths, readonly root, root propagation. */
int rt_rootfs_finalize(const struct rt_spec *spec, struct rt_err *err);

/* Bind the pty slave (an open fd) onto /dev/console, by fd. */
int rt_mount_console(int slave_fd, struct rt_err *err);

/* The user namespace (an fd) carrying an idmap mount's mapping: made by the
 * runtime before the clone, where /proc shows its pids (mount-idmap.c). */
int rt_idmap_userns(const struct rt_mount *m, const struct rt_spec *spec, struct rt_err *err);
/* An idmapped bind of m->source onto the O_PATH target_fd. */
int rt_mount_idmapped(const struct rt_mount *m, int userns_fd, int target_fd, struct rt_err *err);

/* Mount one cgroup filesystem view at dest fd (mount-cgroup.c). */
int rt_mount_cgroup(int rootfd, const struct rt_mount *m, const struct cg_manager *cg, bool new_cgroupns,
		    struct rt_err *err);

/* Create the default devices and the spec's devices under rootfd's /dev, plus
 * the /dev/fd, stdin, stdout, stderr, ptmx links (devices.c). */
int rt_devices_setup(int rootfd, const struct rt_spec *spec, bool use_bind, struct rt_err *err);

#endif
