/* CVE-2019-5736: a container process that can see the runtime while it joins
 * the container (exec), or a container whose process is /proc/self/exe (the
 * init's execve resolves it to the runtime: create, run), could open
 * /proc/PID/exe and overwrite the capsa binary on the host.  Before either,
 * capsa makes a read-only bind mount of the binary that is attached nowhere
 * (open_tree + mount_setattr: writes through /proc/PID/exe fail with EROFS)
 * and maps itself again from it, in place, making it its /proc/self/exe
 * (PR_SET_MM_MAP: no second execve).  Where that is not permitted it
 * re-executes from that mount; where the kernel or our privileges allow no
 * such mount, from a sealed memfd copy (an anonymous, immutable file). */
#ifndef CAPSA_RUNTIME_SELFPROTECT_H
#define CAPSA_RUNTIME_SELFPROTECT_H

#include "err.h"

/* Returns 0 when running from either (mapped in place, or already after a
 * re-exec), with *how saying which; otherwise re-executes with the same
 * argv/envp and only returns on failure. */
int rt_protect_self(char **argv, char **envp, const char **how, struct rt_err *err);

/* Close what the self-protection keeps open (the detached mount's fd, whose
 * last close waits for an RCU grace period): for when the caller has time
 * to spare; exit does it otherwise.  Idempotent. */
void rt_protect_self_release(void);

#endif
