/* Seccomp: struct rt_seccomp (linux.seccomp of config.json) -> a classic BPF
 * program, compiled with libseccomp in the runtime (parent) process and only
 * loaded by the container child.
 *
 * Interpretation of struct rt_seccomp (runtime/spec.h), as assumed here:
 *  - default_action / rule.action are libseccomp SCMP_ACT_* values WITHOUT the
 *    errno/trace payload (SCMP_ACT_ERRNO(0) = 0x00050000, SCMP_ACT_TRACE(0) =
 *    0x7ff00000); the payload comes from *_errno_ret.  When absent it is EPERM
 *    for both ERRNO and TRACE (runc).  An errno_ret on an action that carries
 *    no payload is an error (runtime-spec: "MUST print an error and fail").
 *  - architectures are SCMP_ARCH_* tokens; the native arch is always in.
 *  - flags are "SECCOMP_FILTER_FLAG_*" names.  No flags at all (n_flags == 0,
 *    which spec.h cannot tell apart from an explicit []) means
 *    SECCOMP_FILTER_FLAG_SPEC_ALLOW, as runc >= 1.2 and crun do; if the kernel
 *    refuses that implied flag, the filter is loaded without it.
 *  - arg ops are enum scmp_compare values; index < 6.
 *
 * Rule translation follows runc:
 *  - syscall names libseccomp does not know are skipped (counted in
 *    rt_seccomp_prog_skipped()), so a profile written for a newer kernel works;
 *  - a rule whose action equals the default action is redundant and skipped;
 *  - all args of one rule are ANDed, unless two args name the same index: then
 *    every arg becomes its own rule (ORed), which is runc's behaviour.
 *
 * ENOSYS for syscalls newer than the profile: when the default action is
 * SCMP_ACT_ERRNO, a stub is prepended to the libseccomp program.  For every
 * architecture of the filter it returns ENOSYS for syscall numbers above the
 * highest syscall the profile names (under any action) for that architecture,
 * so libc sees "not implemented" and falls back (e.g. clone3 -> clone,
 * statx -> fstatat) instead of EPERM.  x86_64 and x32 share an audit arch and
 * are told apart by the x32 bit (0x40000000) in the syscall number.
 */
#ifndef CAPSA_RUNTIME_SECCOMP_H
#define CAPSA_RUNTIME_SECCOMP_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "spec.h"

/* Compiled filter: the BPF instructions, the seccomp(2) flags, whether a user
 * notification listener is wanted (some rule uses SCMP_ACT_NOTIFY). */
struct rt_seccomp_prog;

/* Compile s (s->present must be true) into a BPF program.  Parent side.
 * libseccomp's program, shrunk where seccomp-shrink.h can (same decisions,
 * checked). */
int rt_seccomp_compile(const struct rt_seccomp *s, struct rt_seccomp_prog **ret, struct rt_err *err);

/* The same, never shrunk: what the shrunk program is checked against. */
int rt_seccomp_compile_full(const struct rt_seccomp *s, struct rt_seccomp_prog **ret, struct rt_err *err);

/* Like rt_seccomp_compile, with a cache of exported programs under cache_dir
 * (created 0700 if missing), keyed by the SHA-256 of the canonical content of
 * s plus the libseccomp version: cache_dir/<hex>.bpf.  Corrupt or mismatching
 * cache files are ignored and rewritten; failing to write the cache is not an
 * error.  Returns 1 on a cache hit, 0 when it compiled. */
int rt_seccomp_compile_cached(const struct rt_seccomp *s, const char *cache_dir, struct rt_seccomp_prog **ret,
			      struct rt_err *err);

/* The same cache keyed by the exact text of a linux.seccomp value instead
 * (cache_dir/raw-<hex>.bpf), so a hit needs no parse of the profile (see
 * rt_spec_parse_seccomp).  load: 0 and *ret on a hit, -errno otherwise.
 * Programs that want a notify listener are neither stored nor returned
 * (the listener's path is in the parsed profile). */
int rt_seccomp_cache_load_raw(const char *cache_dir, const char *raw, size_t len,
			      struct rt_seccomp_prog **ret);
int rt_seccomp_cache_store_raw(const char *cache_dir, const char *raw, size_t len,
			       const struct rt_seccomp_prog *p);

/* config.json text -> the spec and, when it has linux.seccomp, the compiled
 * program (*ret_prog, else NULL), using the cache under cache_dir.  When the
 * exact text of linux.seccomp has a program cached, the profile is not
 * parsed: the spec is parsed with it replaced by a placeholder that denies
 * everything (SCMP_ACT_KILL; compiled only if this contract were broken)
 * and *ret_prog is the cached program; any error there is reported by the
 * slow path instead, so messages point into the original text.  Otherwise the
 * text is parsed as is, the profile compiled (rt_seccomp_compile_cached) and
 * the program also cached under the text.  flags: rt_spec_parse_flags'. */
int rt_spec_parse_seccomp(const char *buf, size_t len, const char *name, unsigned flags,
			  const char *cache_dir, struct rt_spec **ret_spec, struct rt_seccomp_prog **ret_prog,
			  struct rt_err *err);

/* Load the filter into the calling thread.  Child side: no allocation, no
 * locks.  Uses seccomp(2) with the program's flags (prctl(PR_SET_SECCOMP)
 * when there are none).  *ret_listener_fd gets the notify fd when the program
 * wants a listener, else -1.  The caller must have set no_new_privs or hold
 * CAP_SYS_ADMIN. */
int rt_seccomp_install(const struct rt_seccomp_prog *p, int *ret_listener_fd, struct rt_err *err);

/* True when some rule uses SCMP_ACT_NOTIFY (install will return a listener fd). */
bool rt_seccomp_prog_wants_listener(const struct rt_seccomp_prog *p);

/* Send the container process state (state_json: the runtime-spec
 * containerProcessState object, with "fds": ["seccompFd"]) and listener_fd by
 * SCM_RIGHTS over one new AF_UNIX SOCK_STREAM connection to listener_path,
 * then close the connection.  Parent side. */
int rt_seccomp_send_listener(const char *listener_path, int listener_fd, const char *state_json,
			     struct rt_err *err);

void rt_seccomp_prog_free(struct rt_seccomp_prog *p);

/* Number of BPF instructions (including the ENOSYS stub), and the
 * instructions (struct sock_filter). */
size_t rt_seccomp_prog_len(const struct rt_seccomp_prog *p);
const void *rt_seccomp_prog_insns(const struct rt_seccomp_prog *p);

/* Why rt_seccomp_compile kept libseccomp's program (a -errno of
 * rt_seccomp_shrink), or 0. */
int rt_seccomp_prog_shrink_error(const struct rt_seccomp_prog *p);

/* Number of syscall names skipped as unknown to libseccomp (0 on a cache hit:
 * the cache stores only the program); for a debug note. */
size_t rt_seccomp_prog_skipped(const struct rt_seccomp_prog *p);

/* seccomp(2) flags the program is loaded with (SECCOMP_FILTER_FLAG_*). */
unsigned int rt_seccomp_prog_flags(const struct rt_seccomp_prog *p);

#endif
