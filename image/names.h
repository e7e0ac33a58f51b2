/* Pure helpers of the image store: image references, digests, layer entry
 * names and OCI whiteout names.  No I/O here, so the unit tests cover all of
 * it (tests/unit/test_image_names.c). */
#ifndef CAPSA_IMAGE_NAMES_H
#define CAPSA_IMAGE_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/err.h"

#define IMG_DIGEST_HEX_LEN 64
#define IMG_NAME_MAX	   255
#define IMG_TAG_MAX	   128

/* A NAME[:TAG] reference.  "busybox" -> busybox:latest; "reg:5000/a/b:v1"
 * -> name "reg:5000/a/b", tag "v1" (a ':' before the last '/' is a port).
 * A "@sha256:..." suffix is refused: the store names images by tag only. */
struct img_ref {
	char name[IMG_NAME_MAX + 1];
	char tag[IMG_TAG_MAX + 1];
};

/* Parse and validate a reference: name components [a-z0-9._-/:] (lowercase,
 * no empty component, no "." or ".." component), tag [A-Za-z0-9_.-], at most
 * 128 chars, not starting with '.' or '-'.  -EINVAL with a message naming the
 * reference. */
int img_ref_parse(const char *s, struct img_ref *ret, struct rt_err *err);

/* "name:tag" into buf; -ENAMETOOLONG if it does not fit. */
int img_ref_format(const struct img_ref *r, char *buf, size_t size);

/* Validate "sha256:<64 lowercase hex>" and copy the hex part (65 bytes with
 * the NUL) to ret_hex.  Other algorithms are refused with -ENOTSUP. */
int img_digest_parse(const char *digest, char ret_hex[IMG_DIGEST_HEX_LEN + 1], struct rt_err *err);

/* True for exactly 64 lowercase hex characters. */
bool img_hex_valid(const char *hex);

/* Normalise a layer entry name in place and check it stays in the layer:
 * leading "./" and duplicate or trailing '/' are dropped; an absolute name,
 * an empty component after normalisation or a ".." component is refused
 * (-EINVAL with a message naming the entry).  The root itself normalises to
 * "." */
int img_entry_name_clean(char *name, struct rt_err *err);

enum img_whiteout {
	IMG_WH_NONE = 0, /* an ordinary name */
	IMG_WH_FILE,	 /* ".wh.NAME": NAME is deleted */
	IMG_WH_OPAQUE,	 /* ".wh..wh..opq": the directory hides lower content */
	IMG_WH_META,	 /* other ".wh..wh.*" (aufs bookkeeping): skipped */
};

/* Classify a base name (no '/').  For IMG_WH_FILE *ret_target points into
 * base at NAME; a whiteout of "", "." or ".." is refused with -EINVAL. */
int img_whiteout_parse(const char *base, enum img_whiteout *ret_kind, const char **ret_target);

/* Container ids recorded in the store: [A-Za-z0-9_.-]{1,255}, not "." or "..". */
bool img_container_id_valid(const char *id);

#endif
