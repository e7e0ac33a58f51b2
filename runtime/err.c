#include "err.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

int rt_err_ret(const struct rt_err *err)
{
	return err->errnum > 0 ? -err->errnum : -EINVAL;
}

static int err_vset(struct rt_err *err, int errnum, bool with_strerror, const char *fmt, va_list ap)
{
	int n;

	if (errnum < 0)
		errnum = -errnum;
	err->errnum = errnum;
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	if (n < 0)
		err->msg[0] = '\0';
	else if (with_strerror && errnum != 0 && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s", strerror(errnum));
	return rt_err_ret(err);
}

int rt_err_set(struct rt_err *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = err_vset(err, errnum, true, fmt, ap);
	va_end(ap);
	return r;
}

int rt_err_msg(struct rt_err *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = err_vset(err, errnum, false, fmt, ap);
	va_end(ap);
	return r;
}

int rt_err_prefix(struct rt_err *err, const char *fmt, ...)
{
	char ctx[RT_ERR_MSG_MAX], old[RT_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s: %s", ctx, old);
	return rt_err_ret(err);
}

static void (*warn_fn)(void *ctx, const char *msg);
static void *warn_ctx;

void rt_set_warn_handler(void (*fn)(void *ctx, const char *msg), void *ctx)
{
	warn_fn = fn;
	warn_ctx = ctx;
}

void rt_warn(const char *fmt, ...)
{
	char msg[RT_ERR_MSG_MAX];
	va_list ap;

	if (!warn_fn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	warn_fn(warn_ctx, msg);
}
