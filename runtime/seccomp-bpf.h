/* Classic BPF as seccomp runs it, for checking the programs capsa builds
 * (runtime/seccomp-shrink.c): run a program on one seccomp_data, and find
 * the constants it compares the syscall number and the architecture with.
 * Only what a seccomp filter may use; nothing here loads a filter. */
#ifndef CAPSA_RUNTIME_SECCOMP_BPF_H
#define CAPSA_RUNTIME_SECCOMP_BPF_H

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rt_bpf_result {
	uint32_t ret;	   /* what the filter returned */
	bool reads_more;   /* it loaded a field other than nr and arch */
	size_t first_more; /* with reads_more: the first such load's index */
};

/* Run p on d as the kernel would.  0 with *res; -EINVAL for what the kernel
 * refuses (a jump or a load out of range, a division by zero, no return at
 * the end); -ENOTSUP for an instruction this emulator does not know. */
int rt_bpf_run(const struct sock_filter *p, size_t len, const struct seccomp_data *d,
	       struct rt_bpf_result *res);

/* A growing, then sorted, set of 32-bit values. */
struct rt_u32set {
	uint32_t *v;
	size_t n, cap;
};

int rt_u32set_add(struct rt_u32set *s, uint32_t v);
/* Sort and drop duplicates. */
void rt_u32set_finish(struct rt_u32set *s);
void rt_u32set_free(struct rt_u32set *s);

/* Add to *nr and *arch every constant p compares the syscall number and the
 * architecture with (on any path), and to *other (may be NULL) every other
 * constant it compares or combines with.  -ENOTSUP when p does anything
 * else with nr or arch than compare them with a constant (arithmetic, jset,
 * X, scratch memory): then its decision is not known to be constant between
 * two consecutive breakpoints K and K + 1 of these sets.  -EINVAL as
 * rt_bpf_run, -ENOMEM. */
int rt_bpf_keys(const struct sock_filter *p, size_t len, struct rt_u32set *nr, struct rt_u32set *arch,
		struct rt_u32set *other);

#endif
