/* One error convention for all of capsa.
 *
 * Fallible functions return int: >= 0 on success, a negative errno on failure,
 * and fill a caller-provided struct rt_err with a human message.  Callers add
 * context on the way up with rt_err_prefix().  Fixed size: no allocation on
 * error paths, and the child can ship it to the parent over the sync socket
 * as it is.  Library code never prints; cmd/ prints once. */
#ifndef CAPSA_RUNTIME_ERR_H
#define CAPSA_RUNTIME_ERR_H

#include <errno.h>

#define RT_ERR_MSG_MAX 512

struct rt_err {
	int errnum; /* positive errno, 0 if the message alone says it */
	char msg[RT_ERR_MSG_MAX];
};

/* Set the message (printf-style) and errnum.  If errnum != 0, ": strerror" is
 * appended.  Returns -errnum (or -EINVAL when errnum is 0), so
 * `return rt_err_set(err, errno, "open %s", path);` reads naturally. */
int rt_err_set(struct rt_err *err, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Like rt_err_set but without the strerror suffix: for validation messages
 * such as "process.args: must be a non-empty array of strings". */
int rt_err_msg(struct rt_err *err, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prepend "CONTEXT: " to the current message.  Returns -errnum (-EINVAL if 0). */
int rt_err_prefix(struct rt_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Return value helper: -errnum, or -EINVAL when no errno was recorded. */
int rt_err_ret(const struct rt_err *err);

/* Warnings (a failing poststop hook, say): the library hands them to the
 * handler cmd/ registers, which prints them; without one they are dropped. */
void rt_set_warn_handler(void (*fn)(void *ctx, const char *msg), void *ctx);
void rt_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static inline void rt_err_clear(struct rt_err *err)
{
	err->errnum = 0;
	err->msg[0] = '\0';
}

#endif
