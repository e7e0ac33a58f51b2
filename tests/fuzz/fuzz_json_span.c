/* libFuzzer target for rt_json_span (runtime/json-span.c), against jansson:
 * the seccomp cache's fast path trusts the span it reports to be exactly
 * the value jansson would see at linux.seccomp.  Aborts when
 *  - the scanner calls text malformed that jansson accepts (except text
 *    with a NUL byte: jansson stops reading at one, the scanner refuses
 *    it, so the fast path is never taken for such text), or
 *  - it reports a span and jansson, accepting the text, has a different
 *    value there (or none). */
#include <errno.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/json-span.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const path[] = { "linux", "seccomp" };
	const char *text = (const char *)data;
	size_t off = 0, len = 0;
	int r = rt_json_span(text, size, path, 2, &off, &len);
	json_t *root = json_loadb(text, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
	json_t *want, *got;

	if (root && r == -EINVAL && !memchr(text, '\0', size))
		abort();
	if (root && r == 1) {
		want = json_object_get(json_object_get(root, "linux"), "seccomp");
		got = json_loadb(text + off, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
		if (!want || !got || !json_equal(want, got))
			abort();
		json_decref(got);
	}
	json_decref(root);
	return 0;
}
