/* cgroup v2 device control: a BPF_PROG_TYPE_CGROUP_DEVICE program generated
 * from the ordered OCI device rules, loaded and attached with libbpf. */
#ifndef CAPSA_CGROUPS_DEVICES_BPF_H
#define CAPSA_CGROUPS_DEVICES_BPF_H

#include <linux/bpf.h>
#include <stddef.h>

#include "runtime/err.h"
#include "runtime/spec.h"

/* Translate rules into a program: everything not matched is denied; when
 * several rules match an access the LAST one decides (the OCI semantics),
 * so the rules are emitted in reverse and the first match returns.
 * *ret is malloc'd. */
int cg_bpf_devices_build(const struct rt_device_rule *rules, size_t n, struct bpf_insn **ret, size_t *ret_n);

/* Load the program; the verifier log is in the message on failure. */
int cg_bpf_devices_load(const struct bpf_insn *insns, size_t n, int *ret_fd, struct rt_err *err);

/* Attach prog_fd to the cgroup directory fd (opened O_RDONLY|O_DIRECTORY)
 * with BPF_F_ALLOW_MULTI and replace whatever device programs were attached
 * to this cgroup before: BPF_F_REPLACE when there was exactly one, else the
 * new one is attached before the old ones are detached, so there is no
 * moment without a device policy. */
int cg_bpf_devices_attach(int cgroup_fd, int prog_fd, struct rt_err *err);

/* How many device programs are attached to the cgroup (for tests). */
int cg_bpf_devices_count(int cgroup_fd);

#endif
