/* Read-only questions about containers that do not need the container's
 * lock: the list verb, and the poll loop of `events`.  state.json is
 * replaced atomically (temp + rename), so an unlocked reader always sees a
 * whole one; a command holding the lock (a create in progress) never blocks
 * these. */
#ifndef CAPSA_RUNTIME_CONTAINER_QUERY_H
#define CAPSA_RUNTIME_CONTAINER_QUERY_H

#include <stdint.h>

#include "err.h"
#include "state.h"

/* Load the container's state and derive its status now (pid + start time,
 * exec fifo, freezer).  -ENOENT ("container ID does not exist") when there
 * is no such id, or its directory has no state.json yet (a create still
 * running, or one that was killed).  *ret is owned by the caller
 * (rt_state_clear) and written only on success. */
int rt_container_query(const char *root, const char *id, struct rt_state *ret, enum rt_status *ret_status,
		       struct rt_err *err);

/* How many times the kernel OOM killer has killed a process of the
 * container's cgroup so far (memory.oom_control on v1, memory.events on v2;
 * 0 without a memory controller). */
int rt_container_oom_kills(const char *root, const char *id, uint64_t *ret, struct rt_err *err);

#endif
