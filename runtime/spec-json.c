#include "spec-json.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "runtime.h"
#include "spec.h"
#include "util.h"

static size_t sj_append(struct sj_ctx *c, const char *s)
{
	size_t saved = c->len, n = strlen(s);

	if (c->len + n >= sizeof(c->path))
		n = sizeof(c->path) - 1 - c->len;
	memcpy(c->path + c->len, s, n);
	c->len += n;
	c->path[c->len] = '\0';
	return saved;
}

size_t sj_push_key(struct sj_ctx *c, const char *key)
{
	size_t saved = c->len;

	if (c->len > 0)
		sj_append(c, ".");
	sj_append(c, key);
	return saved;
}

size_t sj_push_mapkey(struct sj_ctx *c, const char *key)
{
	char buf[96];

	/* Keys are user data: keep them short in messages. */
	snprintf(buf, sizeof(buf), "[\"%.80s%s\"]", key, strlen(key) > 80 ? "..." : "");
	return sj_append(c, buf);
}

size_t sj_push_index(struct sj_ctx *c, size_t i)
{
	char buf[32], *p = buf + sizeof(buf);

	/* Pushed for every array element parsed, mostly never printed: digits
	 * by hand, as snprintf here was a quarter of parsing a seccomp profile's
	 * ~1,500 names (callgrind, issue 8). */
	*--p = '\0';
	*--p = ']';
	do
		*--p = (char)('0' + i % 10);
	while ((i /= 10) > 0);
	*--p = '[';
	return sj_append(c, p);
}

void sj_pop(struct sj_ctx *c, size_t saved)
{
	c->len = saved;
	c->path[saved] = '\0';
}

static int sj_verror(struct sj_ctx *c, int errnum, const char *fmt, va_list ap)
{
	char reason[RT_ERR_MSG_MAX];

	vsnprintf(reason, sizeof(reason), fmt, ap);
	if (c->len > 0)
		return rt_err_msg(c->err, errnum, "%s: %s: %s", c->name, c->path, reason);
	return rt_err_msg(c->err, errnum, "%s: %s", c->name, reason);
}

int sj_error(struct sj_ctx *c, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = sj_verror(c, EINVAL, fmt, ap);
	va_end(ap);
	return r;
}

int sj_error_at(struct sj_ctx *c, const char *key, const char *fmt, ...)
{
	size_t saved = sj_push_key(c, key);
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = sj_verror(c, EINVAL, fmt, ap);
	va_end(ap);
	sj_pop(c, saved);
	return r;
}

int sj_oom(struct sj_ctx *c)
{
	if (c->len > 0)
		return rt_err_msg(c->err, ENOMEM, "%s: %s: out of memory", c->name, c->path);
	return rt_err_msg(c->err, ENOMEM, "%s: out of memory", c->name);
}

const char *sj_type_name(enum sj_type t)
{
	switch (t) {
	case SJ_STRING:
		return "a string";
	case SJ_INT:
		return "an integer";
	case SJ_BOOL:
		return "a boolean";
	case SJ_OBJECT:
		return "an object";
	case SJ_ARRAY:
		return "an array";
	case SJ_ANY:
		break;
	}
	return "a value";
}

static bool sj_type_ok(enum sj_type t, json_t *v)
{
	switch (t) {
	case SJ_STRING:
		return json_is_string(v);
	case SJ_INT:
		return json_is_integer(v);
	case SJ_BOOL:
		return json_is_boolean(v);
	case SJ_OBJECT:
		return json_is_object(v);
	case SJ_ARRAY:
		return json_is_array(v);
	case SJ_ANY:
		break;
	}
	return true;
}

int sj_object(struct sj_ctx *c, json_t *obj, const struct sj_field *fields, size_t n_fields, void *base)
{
	for (size_t i = 0; i < n_fields; i++) {
		const struct sj_field *f = &fields[i];
		json_t *v = json_object_get(obj, f->name);
		size_t saved;
		int r;

		if (!v || json_is_null(v)) {
			if (f->flags & SJ_REQUIRED)
				return sj_error_at(c, f->name, "is required");
			continue;
		}
		if (!sj_type_ok(f->type, v))
			return sj_error_at(c, f->name, "expected %s", sj_type_name(f->type));
		saved = sj_push_key(c, f->name);
		r = f->parse(c, v, base, f);
		if (r < 0)
			return r;
		sj_pop(c, saved);
	}
	return 0;
}

int sj_object_expect(struct sj_ctx *c, json_t *v, const struct sj_field *fields, size_t n_fields, void *base)
{
	if (!json_is_object(v))
		return sj_error(c, "expected an object");
	return sj_object(c, v, fields, n_fields, base);
}

int sj_array(struct sj_ctx *c, json_t *arr, size_t elem_size, void *ret, size_t *ret_n, sj_elem_fn fn)
{
	size_t n;
	char *p;

	if (!json_is_array(arr))
		return sj_error(c, "expected an array");
	n = json_array_size(arr);
	p = calloc(n ? n : 1, elem_size);
	if (!p)
		return sj_oom(c);
	*(void **)ret = p;
	*ret_n = n;
	for (size_t i = 0; i < n; i++) {
		size_t saved = sj_push_index(c, i);
		int r = fn(c, json_array_get(arr, i), p + i * elem_size);

		if (r < 0)
			return r;
		sj_pop(c, saved);
	}
	return 0;
}

int sj_get_int(struct sj_ctx *c, json_t *v, int64_t min, int64_t max, int64_t *ret)
{
	json_int_t x;

	if (!json_is_integer(v))
		return sj_error(c, "expected an integer");
	x = json_integer_value(v);
	if (x < min || x > max) {
		if (min == 0 && x < 0)
			return sj_error(c, "must not be negative (got %" PRId64 ")", (int64_t)x);
		return sj_error(c, "value %" PRId64 " out of range (%" PRId64 "..%" PRId64 ")", (int64_t)x,
				min, max);
	}
	*ret = x;
	return 0;
}

int sj_get_u64(struct sj_ctx *c, json_t *v, unsigned flags, uint64_t *ret)
{
	json_int_t x;

	if (!json_is_integer(v))
		return sj_error(c, "expected an integer");
	x = json_integer_value(v);
	if (x == -1 && (flags & SJ_U64MAX)) {
		*ret = UINT64_MAX;
		return 0;
	}
	if (x < 0)
		return sj_error(c, "value %" PRId64 " out of range (0..%" PRId64 ")", (int64_t)x, INT64_MAX);
	*ret = (uint64_t)x;
	return 0;
}

int sj_get_str(struct sj_ctx *c, json_t *v, unsigned flags, char **ret)
{
	const char *s;
	char *d;

	if (!json_is_string(v))
		return sj_error(c, "expected a string");
	s = json_string_value(v);
	if ((flags & SJ_NONEMPTY) && s[0] == '\0')
		return sj_error(c, "must not be empty");
	if ((flags & SJ_ABSPATH) && s[0] != '/')
		return sj_error(c, "must be an absolute path (got \"%.200s\")", s);
	d = strdup(s);
	if (!d)
		return sj_oom(c);
	*ret = d;
	return 0;
}

#define FIELD(base, f, T) ((T *)((char *)(base) + (f)->off))
#define AUX(base, f, T)	  ((T *)((char *)(base) + (f)->aux))

static void sj_set_has(void *base, const struct sj_field *f)
{
	if (f->aux != SJ_NOAUX)
		*AUX(base, f, bool) = true;
}

int sj_p_str(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	char **dst = FIELD(base, f, char *);

	free(*dst);
	*dst = NULL;
	return sj_get_str(c, v, f->flags, dst);
}

int sj_p_bool(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	(void)c;
	*FIELD(base, f, bool) = json_is_true(v);
	sj_set_has(base, f);
	return 0;
}

#define SJ_INT_PARSER(fname, T, lo, hi)                                                              \
	int fname(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)                 \
	{                                                                                            \
		int64_t x = 0;                                                                       \
		int r = sj_get_int(c, v, (f->flags & SJ_MINUS1) && (lo) == 0 ? -1 : (lo), (hi), &x); \
		if (r < 0)                                                                           \
			return r;                                                                    \
		*FIELD(base, f, T) = (T)x;                                                           \
		sj_set_has(base, f);                                                                 \
		return 0;                                                                            \
	}

SJ_INT_PARSER(sj_p_u16, uint16_t, 0, UINT16_MAX)
SJ_INT_PARSER(sj_p_u32, uint32_t, 0, UINT32_MAX)
SJ_INT_PARSER(sj_p_i32, int32_t, INT32_MIN, INT32_MAX)

int sj_p_i64(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	int64_t x = 0;
	int r = sj_get_int(c, v, (f->flags & SJ_MINUS1) ? -1 : INT64_MIN, INT64_MAX, &x);

	if (r < 0) {
		if (f->flags & SJ_MINUS1)
			return sj_error(c, "expected a non-negative integer or -1 (unlimited)");
		return r;
	}
	*FIELD(base, f, int64_t) = x;
	sj_set_has(base, f);
	return 0;
}

int sj_p_u64(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	uint64_t x = 0;
	int r = sj_get_u64(c, v, f->flags, &x);

	if (r < 0)
		return r;
	*FIELD(base, f, uint64_t) = x;
	sj_set_has(base, f);
	return 0;
}

void sj_strv_free(char **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int sj_p_strv(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	char ***dst = FIELD(base, f, char **);
	size_t *n = AUX(base, f, size_t);
	size_t len = json_array_size(v);
	char **out;

	sj_strv_free(*dst, *n);
	*dst = NULL;
	*n = 0;
	if ((f->flags & SJ_NONEMPTY) && len == 0)
		return sj_error(c, "must not be empty");
	/* NULL-terminated as a convenience for execve() and friends. */
	out = calloc(len + 1, sizeof(char *));
	if (!out)
		return sj_oom(c);
	*dst = out;
	*n = len;
	for (size_t i = 0; i < len; i++) {
		size_t saved = sj_push_index(c, i);
		int r = sj_get_str(c, json_array_get(v, i), f->flags & SJ_ABSPATH, &out[i]);

		if (r < 0)
			return r;
		sj_pop(c, saved);
	}
	return 0;
}

int sj_p_u32v(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	uint32_t **dst = FIELD(base, f, uint32_t *);
	size_t *n = AUX(base, f, size_t);
	size_t len = json_array_size(v);
	uint32_t *out;

	free(*dst);
	*dst = NULL;
	*n = 0;
	out = calloc(len ? len : 1, sizeof(uint32_t));
	if (!out)
		return sj_oom(c);
	*dst = out;
	*n = len;
	for (size_t i = 0; i < len; i++) {
		size_t saved = sj_push_index(c, i);
		int64_t x = 0;
		int r = sj_get_int(c, json_array_get(v, i), 0, UINT32_MAX, &x);

		if (r < 0)
			return r;
		out[i] = (uint32_t)x;
		sj_pop(c, saved);
	}
	return 0;
}

int sj_p_kv(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	struct rt_kv **dst = FIELD(base, f, struct rt_kv *);
	size_t *n = AUX(base, f, size_t);
	size_t len = json_object_size(v), i = 0;
	struct rt_kv *out;
	const char *key;
	json_t *val;

	out = calloc(len ? len : 1, sizeof(*out));
	if (!out)
		return sj_oom(c);
	*dst = out;
	json_object_foreach(v, key, val)
	{
		size_t saved = sj_push_mapkey(c, key);

		if (!json_is_string(val))
			return sj_error(c, "expected a string");
		out[i].key = strdup(key);
		out[i].value = strdup(json_string_value(val));
		*n = ++i;
		if (!out[i - 1].key || !out[i - 1].value)
			return sj_oom(c);
		sj_pop(c, saved);
	}
	return 0;
}

/* jansson keeps integers as int64 and fails on larger literals.  Go runtimes
 * write RLIM_INFINITY and other "all ones" uint64 values as 18446744073709551615
 * (docker --ulimit core=-1 does), so that one literal is rewritten, outside
 * strings, to "-1" padded with spaces (same length: line/column of later errors
 * stay right).  Fields flagged SJ_U64MAX read -1 back as UINT64_MAX; every
 * other field rejects it as out of range.  Any other integer above INT64_MAX
 * stays a syntax error. */
static const char U64MAX_LIT[] = "18446744073709551615";

static int sj_prepare_buffer(const char *buf, size_t len, char **ret)
{
	bool in_str = false, esc = false;
	char *copy = NULL;
	size_t litlen = sizeof(U64MAX_LIT) - 1;

	*ret = NULL;
	/* the common case, no such literal anywhere: one fast search */
	if (!memmem(buf, len, U64MAX_LIT, litlen))
		return 0;
	for (size_t i = 0; i < len; i++) {
		char ch = buf[i];
		size_t j;

		if (in_str) {
			if (esc)
				esc = false;
			else if (ch == '\\')
				esc = true;
			else if (ch == '"')
				in_str = false;
			continue;
		}
		if (ch == '"') {
			in_str = true;
			continue;
		}
		if (ch != '-' && (ch < '0' || ch > '9'))
			continue;
		for (j = i; j < len; j++) {
			char d = buf[j];

			if (!((d >= '0' && d <= '9') || d == '-' || d == '+' || d == '.' || d == 'e' ||
			      d == 'E'))
				break;
		}
		if (j - i == litlen && memcmp(buf + i, U64MAX_LIT, litlen) == 0) {
			if (!copy) {
				copy = malloc(len);
				if (!copy)
					return -ENOMEM;
				memcpy(copy, buf, len);
			}
			memset(copy + i, ' ', litlen);
			copy[i] = '-';
			copy[i + 1] = '1';
		}
		i = j - 1;
	}
	*ret = copy;
	return 0;
}

int sj_load(const char *buf, size_t len, const char *name, json_t **ret, struct rt_err *err)
{
	_cleanup_free_ char *copy = NULL;
	json_error_t jerr;
	json_t *root;
	int r;

	if (len > RT_SPEC_MAX_SIZE)
		return rt_err_msg(err, EFBIG, "%s: file too large (%zu bytes, the limit is %u)", name, len,
				  RT_SPEC_MAX_SIZE);
	r = sj_prepare_buffer(buf, len, &copy);
	if (r < 0)
		return rt_err_msg(err, -r, "%s: out of memory", name);
	root = json_loadb(copy ? copy : buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		const char *hint = "";

		if (json_error_code(&jerr) == json_error_numeric_overflow)
			hint = " (integers must fit in a signed 64-bit integer; only "
			       "18446744073709551615 is also accepted, as -1)";
		return rt_err_msg(err, EINVAL, "%s: invalid JSON at line %d, column %d: %s%s", name,
				  jerr.line, jerr.column, jerr.text, hint);
	}
	if (!json_is_object(root)) {
		json_decref(root);
		return rt_err_msg(err, EINVAL, "%s: expected a JSON object at the top level", name);
	}
	*ret = root;
	return 0;
}

void rt_init(void)
{
	uint32_t seed = 0;

	/* 0 would make jansson read /dev/urandom itself */
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == (ssize_t)sizeof(seed) && seed)
		json_object_seed(seed);
}
