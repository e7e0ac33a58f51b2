/* The seccomp cache's fast path: linux.seccomp's own text as the key.  A
 * container engine passes the same profile (docker's default is 12 KB of
 * JSON) to every container; lexing it with jansson and hashing it field by
 * field costs more than the rest of config.json together.  The text is
 * found with a grammar check (runtime/json-span.c), not a parse. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json-span.h"
#include "seccomp.h"

/* Parsed instead of a cached profile's text: fails closed if it ever got
 * compiled instead of the cached program. */
#define PLACEHOLDER "{\"defaultAction\":\"SCMP_ACT_KILL\"}"

/* buf with [off, off + n) replaced by the placeholder (*ret_len bytes). */
static char *with_placeholder(const char *buf, size_t len, size_t off, size_t n, size_t *ret_len)
{
	size_t pl = strlen(PLACEHOLDER);
	char *copy = malloc(len - n + pl + 1);

	if (!copy)
		return NULL;
	memcpy(copy, buf, off);
	memcpy(copy + off, PLACEHOLDER, pl);
	memcpy(copy + off + pl, buf + off + n, len - off - n);
	*ret_len = len - n + pl;
	copy[*ret_len] = '\0';
	return copy;
}

/* The fast path: true with *ret_spec and *ret_prog on a hit; false on a
 * miss or any error (the slow path then reports it). */
static bool parse_cached(const char *buf, size_t len, size_t off, size_t n, const char *name, unsigned flags,
			 const char *cache_dir, struct rt_spec **ret_spec, struct rt_seccomp_prog **ret_prog)
{
	struct rt_seccomp_prog *prog = NULL;
	struct rt_err ignored;
	size_t copy_len = 0;
	char *copy;
	int r;

	if (rt_seccomp_cache_load_raw(cache_dir, buf + off, n, &prog) < 0)
		return false;
	copy = with_placeholder(buf, len, off, n, &copy_len);
	r = copy ? rt_spec_parse_flags(copy, copy_len, name, flags, ret_spec, &ignored) : -ENOMEM;
	free(copy);
	if (r < 0) {
		/* the slow path says what is wrong, at the original's lines */
		rt_seccomp_prog_free(prog);
		return false;
	}
	*ret_prog = prog;
	return true;
}

int rt_spec_parse_seccomp(const char *buf, size_t len, const char *name, unsigned flags,
			  const char *cache_dir, struct rt_spec **ret_spec, struct rt_seccomp_prog **ret_prog,
			  struct rt_err *err)
{
	static const char *const path[] = { "linux", "seccomp" };
	size_t off = 0, n = 0;
	bool span = rt_json_span(buf, len, path, 2, &off, &n) == 1;
	int r;

	*ret_spec = NULL;
	*ret_prog = NULL;
	if (span) {
		if (parse_cached(buf, len, off, n, name, flags, cache_dir, ret_spec, ret_prog))
			return 0;
	}
	r = rt_spec_parse_flags(buf, len, name, flags, ret_spec, err);
	if (r < 0 || !(*ret_spec)->linux_.seccomp.present)
		return r;
	r = rt_seccomp_compile_cached(&(*ret_spec)->linux_.seccomp, cache_dir, ret_prog, err);
	if (r < 0) {
		rt_spec_free(*ret_spec);
		*ret_spec = NULL;
		return rt_err_prefix(err, "config.json: linux.seccomp");
	}
	/* best effort, as the other cache entry */
	if (span && !rt_seccomp_prog_wants_listener(*ret_prog))
		(void)rt_seccomp_cache_store_raw(cache_dir, buf + off, n, *ret_prog);
	return 0;
}
