/* OCI hooks: each runs as path + args + env, the container state JSON on its
 * stdin, killed when its timeout (seconds) passes. */
#ifndef CAPSA_RUNTIME_HOOKS_H
#define CAPSA_RUNTIME_HOOKS_H

#include "err.h"
#include "spec.h"

/* Run every hook of one kind in order; stop at the first failure (non-zero
 * exit, signal, timeout) and say which one failed. */
int rt_hooks_run(const struct rt_hooks *hooks, enum rt_hook_kind kind, const char *state_json,
		 struct rt_err *err);

/* Run every hook of one kind even when some fail, each failure a warning
 * (rt_warn): poststop.  Returns the number that failed. */
int rt_hooks_run_all(const struct rt_hooks *hooks, enum rt_hook_kind kind, const char *state_json);

const char *rt_hook_kind_name(enum rt_hook_kind kind);

#endif
