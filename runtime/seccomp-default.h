/* The default seccomp profile: the same syscall policy as docker's and
 * podman's default (moby profiles/seccomp/default.json, containers/common
 * seccomp.json), kept as data in seccomp-default.c:
 *  - defaultAction SCMP_ACT_ERRNO with EPERM (defaultErrnoRet 1);
 *  - an allow list of ordinary syscalls;
 *  - argument filters: socket() except AF_VSOCK, personality() only with the
 *    5 harmless personas, clone() without CLONE_NEW* flags (unless
 *    CAP_SYS_ADMIN), clone3 -> ENOSYS so libc falls back to the filtered clone;
 *  - groups allowed only with a capability (CAP_SYS_ADMIN: mount, unshare,
 *    setns, ...; CAP_SYS_PTRACE; CAP_SYS_MODULE; CAP_SYS_BOOT; CAP_SYS_TIME;
 *    CAP_SYS_NICE; CAP_SYS_PACCT; CAP_SYS_RAWIO; CAP_SYS_TTY_CONFIG;
 *    CAP_SYSLOG; CAP_BPF; CAP_PERFMON; CAP_DAC_READ_SEARCH; CAP_SYS_CHROOT);
 *  - architectures: the native one and its compat ABIs (x86_64: x86_64, x86,
 *    x32);
 *  - docker's "minKernel 4.8" group (ptrace, process_vm_readv/writev) is
 *    always in: capsa needs a far newer kernel than 4.8 anyway.
 * The syscalls newer than the profile get ENOSYS from the compiler (seccomp.h).
 */
#ifndef CAPSA_RUNTIME_SECCOMP_DEFAULT_H
#define CAPSA_RUNTIME_SECCOMP_DEFAULT_H

#include <jansson.h>
#include <stdint.h>

#include "err.h"
#include "spec.h"

/* Fill *ret (present = true) with the default profile for the native
 * architecture and the capability set caps (bitmask indexed by CAP_*, as
 * struct rt_caps; pass the bounding set).  Everything in *ret is owned:
 * release it with rt_seccomp_default_clear(). */
int rt_seccomp_default(uint64_t caps, struct rt_seccomp *ret, struct rt_err *err);

/* Free what rt_seccomp_default() allocated and zero *s. */
void rt_seccomp_default_clear(struct rt_seccomp *s);

/* The linux.seccomp object of config.json for s (names of actions, arches,
 * operators as the runtime-spec spells them).  Returns a new reference. */
int rt_seccomp_to_json(const struct rt_seccomp *s, json_t **ret, struct rt_err *err);

/* rt_seccomp_default() as config.json's linux.seccomp object. */
int rt_seccomp_default_json(uint64_t caps, json_t **ret, struct rt_err *err);

#endif
