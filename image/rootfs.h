/* Running on an image: the overlay rootfs and the image config.
 *
 * The rootfs of a container is an overlay mount: lowerdir = the image's
 * layer dirs (top layer first), upperdir and workdir per container under its
 * state dir.  Layers are passed one by one with the new mount API's
 * "lowerdir+" so many layers never hit the mount option size limit; on
 * kernels without it the classic option string is used (and refused with a
 * clear error when it would be too long).  The spec annotation that names an
 * image is IMG_ANNOTATION. */
#ifndef CAPSA_IMAGE_ROOTFS_H
#define CAPSA_IMAGE_ROOTFS_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/err.h"
#include "runtime/spec.h"

#define IMG_ANNOTATION "org.capsa.image"

/* The parts of the image config (config.config) a container uses.  String
 * vectors are NULL-terminated as well as counted. */
struct img_config {
	char **entrypoint;
	size_t n_entrypoint;
	char **cmd;
	size_t n_cmd;
	char **env;
	size_t n_env;
	char *working_dir;
	char *user;
};

/* Set by tests to force the classic mount(2) option-string path. */
extern bool img_rootfs_no_new_mount_api;

/* Mount the image `name` (NAME[:TAG] or id) for container `id`:
 * state_dir/upper and state_dir/work are created (empty), the overlay is
 * mounted at state_dir/rootfs in the caller's mount namespace, and the
 * container is recorded as a user of the image (so `image rm` refuses).
 * *ret_rootfs (malloc'd path) and *ret_cfg (img_config_free) are written on
 * success only; on failure nothing is left mounted or recorded. */
int img_rootfs_mount(const char *image_root, const char *name, const char *id, const char *state_dir,
		     char **ret_rootfs, struct img_config **ret_cfg, struct rt_err *err);

/* Undo img_rootfs_mount; idempotent (fine when nothing is mounted or the
 * dirs are gone).  umount, falling back to MNT_DETACH when busy; upper and
 * work are removed unless keep; the user record is dropped. */
int img_rootfs_unmount(const char *image_root, const char *id, const char *state_dir, bool keep,
		       struct rt_err *err);

/* Parse the image config JSON (the whole config blob). */
int img_config_parse(const char *buf, size_t len, struct img_config **ret, struct rt_err *err);

/* Fill what the spec leaves empty; the spec always wins:
 *  - process.args empty: Entrypoint + Cmd (an error when both are empty);
 *  - process.env: image variables whose name the spec does not set are added;
 *  - process.cwd "" or "/": WorkingDir;
 *  - process.user still 0:0 with no additional gids: User, "uid[:gid]"
 *    numeric or names looked up in the rootfs's /etc/passwd and /etc/group
 *    (opened below spec->root_path with RESOLVE_IN_ROOT, so root_path must be
 *    the mounted rootfs); without a group the user's passwd group, plus the
 *    groups that list the user as supplementary gids. */
int img_config_apply(const struct img_config *c, struct rt_spec *spec, struct rt_err *err);

void img_config_free(struct img_config *c);

#endif
