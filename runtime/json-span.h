/* Where a member's value sits in JSON text, found without parsing the text
 * into a tree: the seccomp cache's fast path (runtime/seccomp-raw.c) keys on
 * the exact bytes of linux.seccomp and must find them without paying for a
 * parse of a 12 KB profile. */
#ifndef CAPSA_RUNTIME_JSON_SPAN_H
#define CAPSA_RUNTIME_JSON_SPAN_H

#include <stddef.h>

/* The span [*off, *off + *span_len) of the value at `path` (the keys of
 * nested objects, from the top-level object).  The whole text is checked
 * to be well-formed JSON (RFC 8259 grammar; UTF-8 is not checked).
 * Returns 1 when found; 0 when the text does not have it unambiguously: a
 * key on the path is missing or repeated, an object on the way is not an
 * object, or a key of an object on the path is written with a backslash
 * escape (it could spell a path key); -EINVAL when the text is not
 * well-formed or nests deeper than 2048 levels (jansson's limit). */
int rt_json_span(const char *buf, size_t len, const char *const *path, size_t depth, size_t *off,
		 size_t *span_len);

#endif
