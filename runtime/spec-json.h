/* The table-driven JSON walker behind spec.c, spec-linux.c and spec-resources.c.
 * Internal to the parser: nothing outside runtime/spec*.c includes this header.
 *
 * One table per OCI object lists its fields (name, expected JSON type, parse
 * function, offsets into the target struct, flags).  sj_object() walks the
 * table, not the JSON object, so unknown keys are ignored as the spec requires.
 * A JSON null counts as "absent" (as Go's encoding/json, hence runc, treats it).
 * Every error carries "NAME: json.path: reason". */
#ifndef CAPSA_RUNTIME_SPEC_JSON_H
#define CAPSA_RUNTIME_SPEC_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define SJ_PATH_MAX 256

struct sj_ctx {
	struct rt_err *err;
	const char *name; /* "config.json" */
	char path[SJ_PATH_MAX];
	size_t len;
	unsigned flags; /* RT_SPEC_* parse flags */
};

enum sj_type { SJ_ANY = 0, SJ_STRING, SJ_INT, SJ_BOOL, SJ_OBJECT, SJ_ARRAY };

enum {
	SJ_REQUIRED = 1u << 0, /* absent or null is an error */
	SJ_ABSPATH = 1u << 1,  /* string (or each string of an array) must start with '/' */
	SJ_NONEMPTY = 1u << 2, /* string or array must not be empty */
	SJ_MINUS1 = 1u << 3,   /* int64: -1 ("unlimited") is the only negative value allowed */
	SJ_U64MAX = 1u << 4,   /* uint64: -1 means UINT64_MAX (see sj_prepare_buffer) */
};

struct sj_field;
typedef int (*sj_parse_fn)(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f);

struct sj_field {
	const char *name;
	enum sj_type type;
	sj_parse_fn parse;
	size_t off; /* the value's offset in base */
	size_t aux; /* offset of its has_* flag or n_* count; SJ_NOAUX if none */
	unsigned flags;
};

#define SJ_NOAUX ((size_t)-1)

/* Table entry helpers.  T is the target struct type. */
#define SJ_F(n, ty, fn, fl)                \
	{                                  \
		n, ty, fn, 0, SJ_NOAUX, fl \
	}
#define SJ_STR(n, T, m, fl)                                          \
	{                                                            \
		n, SJ_STRING, sj_p_str, offsetof(T, m), SJ_NOAUX, fl \
	}
#define SJ_BOOL(n, T, m)                                           \
	{                                                          \
		n, SJ_BOOL, sj_p_bool, offsetof(T, m), SJ_NOAUX, 0 \
	}
#define SJ_INTF(n, fn, T, m, has, fl)                               \
	{                                                           \
		n, SJ_INT, fn, offsetof(T, m), offsetof(T, has), fl \
	}
#define SJ_INTN(n, fn, T, m, fl)                            \
	{                                                   \
		n, SJ_INT, fn, offsetof(T, m), SJ_NOAUX, fl \
	}
#define SJ_STRV(n, T, m, cnt, fl)                                            \
	{                                                                    \
		n, SJ_ARRAY, sj_p_strv, offsetof(T, m), offsetof(T, cnt), fl \
	}
#define SJ_KV(n, T, m, cnt)                                                \
	{                                                                  \
		n, SJ_OBJECT, sj_p_kv, offsetof(T, m), offsetof(T, cnt), 0 \
	}

/* Path bookkeeping: push returns the previous length for sj_pop(). */
size_t sj_push_key(struct sj_ctx *c, const char *key);
size_t sj_push_mapkey(struct sj_ctx *c, const char *key); /* ["key"] */
size_t sj_push_index(struct sj_ctx *c, size_t i);
void sj_pop(struct sj_ctx *c, size_t saved);

/* "NAME: path: reason".  Returns -EINVAL. */
int sj_error(struct sj_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same, for a sub-key of the current path (the key need not be pushed). */
int sj_error_at(struct sj_ctx *c, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int sj_oom(struct sj_ctx *c);

const char *sj_type_name(enum sj_type t); /* "a string", "an integer", ... */

/* Walk a field table over a JSON object.  sj_object_expect first checks v is
 * an object. */
int sj_object(struct sj_ctx *c, json_t *obj, const struct sj_field *fields, size_t n_fields, void *base);
int sj_object_expect(struct sj_ctx *c, json_t *v, const struct sj_field *fields, size_t n_fields, void *base);

/* Allocate a zeroed array of json_array_size(arr) elements, store it and its
 * count in *ret / *ret_n at once (the owning struct frees it even on a later
 * error), then call fn on each element with the path pushed. */
typedef int (*sj_elem_fn)(struct sj_ctx *c, json_t *v, void *elem);
int sj_array(struct sj_ctx *c, json_t *arr, size_t elem_size, void *ret, size_t *ret_n, sj_elem_fn fn);

/* Integer getters: the value must be a JSON integer within [min, max]. */
int sj_get_int(struct sj_ctx *c, json_t *v, int64_t min, int64_t max, int64_t *ret);
/* uint64: 0..INT64_MAX; with SJ_U64MAX also -1 meaning UINT64_MAX. */
int sj_get_u64(struct sj_ctx *c, json_t *v, unsigned flags, uint64_t *ret);
/* Copy a string value (checks flags SJ_ABSPATH / SJ_NONEMPTY). */
int sj_get_str(struct sj_ctx *c, json_t *v, unsigned flags, char **ret);

/* Generic field parsers, used through the SJ_* table macros. */
int sj_p_str(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f);
int sj_p_bool(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f);
int sj_p_u16(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f);
int sj_p_u32(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f);
int sj_p_i32(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f);
int sj_p_i64(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f);
int sj_p_u64(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f);
int sj_p_strv(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f);
int sj_p_u32v(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f);
int sj_p_kv(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f);

/* Parse a whole document: size cap, the UINT64_MAX rewrite, jansson with
 * duplicate keys rejected, syntax errors with line and column, and a top-level
 * object check.  *ret is a new reference on success. */
int sj_load(const char *buf, size_t len, const char *name, json_t **ret, struct rt_err *err);

/* Freeing helpers for the owned arrays. */
void sj_strv_free(char **v, size_t n);

#endif
