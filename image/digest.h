/* Streaming SHA-256 (nettle, which libarchive links anyway) for content-addressed blobs. */
#ifndef CAPSA_IMAGE_DIGEST_H
#define CAPSA_IMAGE_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "names.h"

struct img_sha256 {
	void *ctx; /* struct sha256_ctx */
};

/* Start a hash.  -ENOMEM on failure. */
int img_sha256_init(struct img_sha256 *h);
void img_sha256_update(struct img_sha256 *h, const void *buf, size_t len);
/* Finish into 64 lowercase hex digits + NUL, and free the context. */
void img_sha256_final(struct img_sha256 *h, char hex[IMG_DIGEST_HEX_LEN + 1]);
/* Free without finishing (error paths); safe on a zeroed or finished struct. */
void img_sha256_free(struct img_sha256 *h);

/* Hash the rest of fd; the byte count goes to *ret_size when non-NULL. */
int img_sha256_fd(int fd, char hex[IMG_DIGEST_HEX_LEN + 1], uint64_t *ret_size);

/* Hash a memory buffer. */
void img_sha256_buf(const void *buf, size_t len, char hex[IMG_DIGEST_HEX_LEN + 1]);

#endif
