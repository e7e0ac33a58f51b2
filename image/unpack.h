/* Unpack one layer (a tar stream, uncompressed or gzip/zstd/xz/bzip2) into a
 * directory with libarchive's reader and our own fd-relative writer.
 *
 * Every entry is created below dirfd only: names are cleaned first (absolute
 * names and ".." refused), parents are opened without following symlinks
 * (so a symlink planted by an earlier entry can never be written through),
 * hardlink targets obey the same rules.  OCI whiteouts become overlayfs
 * whiteouts: ".wh.NAME" a 0/0 character device NAME, ".wh..wh..opq" the
 * trusted.overlay.opaque=y xattr on its directory.  Every refusal names the
 * entry.  While reading, the raw input and the decompressed tar are hashed so
 * the caller can check the blob digest and the diff id. */
#ifndef CAPSA_IMAGE_UNPACK_H
#define CAPSA_IMAGE_UNPACK_H

#include <stdint.h>

#include "names.h"

enum {
	/* Outer archives (oci-archive, docker-archive): only files, dirs and
	 * symlinks; no ownership, xattrs, devices or whiteout handling. */
	IMG_UNPACK_PLAIN = 1u << 0,
};

#define IMG_UNPACK_MAX_ENTRIES_DEFAULT (1u << 20)
#define IMG_UNPACK_MAX_DEPTH	       256

struct img_unpack_opts {
	unsigned flags;
	uint64_t max_entries;	     /* 0: IMG_UNPACK_MAX_ENTRIES_DEFAULT */
	const char *expect_blob_hex; /* sha256 of the raw input; NULL: not checked */
	int64_t expect_size;	     /* size of the raw input; -1: not checked */
	const char *expect_diff_hex; /* sha256 of the uncompressed tar; NULL: not checked */
	void (*progress)(void *userdata, uint64_t bytes_in); /* raw bytes read so far */
	void *userdata;
};

struct img_unpack_result {
	char blob_hex[IMG_DIGEST_HEX_LEN + 1];
	char diff_hex[IMG_DIGEST_HEX_LEN + 1];
	uint64_t bytes_in;  /* raw input size */
	uint64_t bytes_out; /* uncompressed tar size */
	uint64_t entries;
};

/* Read srcfd to its end and unpack into dirfd (an empty directory).  On any
 * error the directory holds a partial tree the caller must remove. */
int img_unpack(int srcfd, int dirfd, const struct img_unpack_opts *opts, struct img_unpack_result *ret,
	       struct rt_err *err);

#endif
