#include "digest.h"

#include <errno.h>
#include <nettle/sha2.h>
#include <stdlib.h>
#include <unistd.h>

int img_sha256_init(struct img_sha256 *h)
{
	struct sha256_ctx *c = malloc(sizeof(*c));

	if (!c)
		return -ENOMEM;
	sha256_init(c);
	h->ctx = c;
	return 0;
}

void img_sha256_update(struct img_sha256 *h, const void *buf, size_t len)
{
	if (h->ctx && len)
		sha256_update(h->ctx, len, buf);
}

void img_sha256_final(struct img_sha256 *h, char hex[IMG_DIGEST_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[SHA256_DIGEST_SIZE];

	sha256_digest(h->ctx, SHA256_DIGEST_SIZE, md);
	for (unsigned int i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[IMG_DIGEST_HEX_LEN] = '\0';
	img_sha256_free(h);
}

void img_sha256_free(struct img_sha256 *h)
{
	free(h->ctx);
	h->ctx = NULL;
}

int img_sha256_fd(int fd, char hex[IMG_DIGEST_HEX_LEN + 1], uint64_t *ret_size)
{
	struct img_sha256 h = { 0 };
	char buf[65536];
	uint64_t total = 0;
	int r = img_sha256_init(&h);

	if (r < 0)
		return r;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			img_sha256_free(&h);
			return r;
		}
		if (n == 0)
			break;
		img_sha256_update(&h, buf, (size_t)n);
		total += (uint64_t)n;
	}
	img_sha256_final(&h, hex);
	if (ret_size)
		*ret_size = total;
	return 0;
}

void img_sha256_buf(const void *buf, size_t len, char hex[IMG_DIGEST_HEX_LEN + 1])
{
	struct img_sha256 h = { 0 };

	if (img_sha256_init(&h) < 0) {
		hex[0] = '\0';
		return;
	}
	img_sha256_update(&h, buf, len);
	img_sha256_final(&h, hex);
}
