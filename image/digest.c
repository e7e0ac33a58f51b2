#include "digest.h"

#include <errno.h>
#include <openssl/evp.h>
#include <unistd.h>

int img_sha256_init(struct img_sha256 *h)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	if (!c)
		return -ENOMEM;
	if (EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(c);
		return -ENOMEM;
	}
	h->ctx = c;
	return 0;
}

void img_sha256_update(struct img_sha256 *h, const void *buf, size_t len)
{
	if (h->ctx && len)
		EVP_DigestUpdate(h->ctx, buf, len);
}

void img_sha256_final(struct img_sha256 *h, char hex[IMG_DIGEST_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	EVP_DigestFinal_ex(h->ctx, md, &n);
	for (unsigned int i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[IMG_DIGEST_HEX_LEN] = '\0';
	img_sha256_free(h);
}

void img_sha256_free(struct img_sha256 *h)
{
	if (h->ctx)
		EVP_MD_CTX_free(h->ctx);
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
