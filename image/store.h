/* The image store under an image root (default /var/lib/capsa):
 *
 *   lock                    flock: exclusive for import/rm/prune, shared for readers
 *   blobs/sha256/<hex>      manifests and configs, content-addressed, verified
 *   layers/<diffid hex>/    each layer unpacked once (overlay whiteouts inside)
 *   images/<id hex>.json    capsa's record of an image: config and manifest
 *                           digests, layer diff ids base first, size, created
 *   index.json              name index {"NAME:TAG": "<id hex>"}
 *   containers/<id>         a container using an image (content: the image id)
 *   tmp/                    unpack and extraction scratch; stale entries are
 *                           removed by the next import or prune
 *
 * Everything becomes visible by rename() only when complete: a layer dir
 * after its diff id was verified, then the record, then the index entry, so
 * a crash leaves at worst unreferenced layers that prune removes. */
#ifndef CAPSA_IMAGE_STORE_H
#define CAPSA_IMAGE_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "names.h"
#include "runtime/util.h"

#ifndef _cleanup_json_
#define _cleanup_json_ _cleanup_(json_decrefp)
#endif

struct img_store {
	int rootfd;
	int lockfd;
	char *root;
};

enum img_lock { IMG_LOCK_SHARED, IMG_LOCK_EXCLUSIVE };

/* Open (creating when create is set) the store at root and take the lock. */
int img_store_open(const char *root, bool create, enum img_lock lock, struct img_store **ret,
		   struct rt_err *err);
void img_store_close(struct img_store *s);

/* A fresh scratch dir tmp/<prefix>XXXXXX; its name (relative to the root) and an fd. */
int img_store_mktemp(struct img_store *s, const char *prefix, char **ret_rel, int *ret_fd,
		     struct rt_err *err);
/* Remove everything under tmp/ (exclusive lock only). */
int img_store_clean_tmp(struct img_store *s, struct rt_err *err);

/* Write a blob after checking its digest; existing blobs are kept. */
int img_store_put_blob(struct img_store *s, const char *hex, const void *buf, size_t len, struct rt_err *err);
/* Read a blob (at most max bytes) and check its digest. */
int img_store_get_blob(struct img_store *s, const char *hex, size_t max, char **ret, size_t *ret_len,
		       struct rt_err *err);

bool img_store_has_layer(struct img_store *s, const char *diff_hex);
/* Move a complete unpacked tmp dir into layers/<diff_hex>; if another import
 * got there first the tmp dir is removed instead. */
int img_store_commit_layer(struct img_store *s, const char *tmp_rel, const char *diff_hex,
			   struct rt_err *err);

/* Image records (images/<id>.json). */
int img_store_put_image(struct img_store *s, const char *id_hex, json_t *record, struct rt_err *err);
int img_store_get_image(struct img_store *s, const char *id_hex, json_t **ret, struct rt_err *err);

/* Point NAME:TAG at an image. */
int img_store_tag(struct img_store *s, const struct img_ref *ref, const char *id_hex, struct rt_err *err);

/* Resolve NAME[:TAG], a full id, "sha256:<id>" or a unique id prefix (>= 4
 * hex digits) to an image id.  -ENOENT with a message when unknown. */
int img_store_resolve(struct img_store *s, const char *what, char ret_hex[IMG_DIGEST_HEX_LEN + 1],
		      struct rt_err *err);

/* All "NAME:TAG" pointing at id_hex (a json array of strings). */
int img_store_names_of(struct img_store *s, const char *id_hex, json_t **ret, struct rt_err *err);

/* The ids of all image records, a json array of strings. */
int img_store_list(struct img_store *s, json_t **ret, struct rt_err *err);

/* Container users of an image.  Ids must pass img_container_id_valid. */
int img_store_user_add(struct img_store *s, const char *container_id, const char *id_hex, struct rt_err *err);
int img_store_user_del(struct img_store *s, const char *container_id, struct rt_err *err);
/* Containers using id_hex, a json array of strings. */
int img_store_users_of(struct img_store *s, const char *id_hex, json_t **ret, struct rt_err *err);

/* `image rm`: untag NAME:TAG (or, given an id, every name); when no name is
 * left the record goes, then unreferenced layers and blobs.  Refused with
 * -EBUSY while a container uses the image; with force every name goes but
 * the record and layers stay until the last user is gone (then prune). */
int img_store_remove(struct img_store *s, const char *what, bool force, struct rt_err *err);

/* Remove layers and blobs no image record references, then tmp/ (exclusive
 * lock only).  Nothing is removed when a record cannot be read. */
int img_store_gc(struct img_store *s, struct rt_err *err);

/* `image prune`: images without a name and without users, then unreferenced
 * layers and blobs, then tmp/.  The number of images removed goes to *ret_n. */
int img_store_prune(struct img_store *s, unsigned *ret_n, struct rt_err *err);

/* Open a store-relative path for reading without following symlinks. */
int img_store_open_file(struct img_store *s, const char *rel, int *ret_fd);

#endif
