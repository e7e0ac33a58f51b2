/* Pure conversions from OCI linux.resources values to cgroup file contents.
 * No I/O here: everything is table-tested in tests/unit/test_cgroup.c. */
#ifndef CAPSA_CGROUPS_CONVERT_H
#define CAPSA_CGROUPS_CONVERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/err.h"
#include "runtime/spec.h"

/* The v1/v2 controllers capsa knows, as bits of a mask. */
enum cg_ctrl {
	CG_CPU = 0,
	CG_CPUACCT,
	CG_CPUSET,
	CG_MEMORY,
	CG_DEVICES,
	CG_FREEZER,
	CG_BLKIO, /* "io" on v2 */
	CG_PIDS,
	CG_HUGETLB,
	CG_NET_CLS,
	CG_NET_PRIO,
	CG_RDMA,
	CG_PERF_EVENT,
	CG_MISC,
	CG_CTRL_MAX
};
#define CG_BIT(c) (1u << (c))

/* v1 name ("blkio") and v2 name ("io", NULL when v2 has no such controller:
 * devices and freezer are core features there, cpuacct is folded into cpu). */
const char *cg_ctrl_name_v1(enum cg_ctrl c);
const char *cg_ctrl_name_v2(enum cg_ctrl c);
/* Name (either version's) -> enum; -1 when unknown. */
int cg_ctrl_from_name(const char *name);

/* Controllers whose limits may be best-effort ("true" selects these). */
#define CG_BEST_EFFORT_ALL                                                                             \
	(CG_BIT(CG_CPU) | CG_BIT(CG_CPUSET) | CG_BIT(CG_MEMORY) | CG_BIT(CG_PIDS) | CG_BIT(CG_BLKIO) | \
	 CG_BIT(CG_HUGETLB) | CG_BIT(CG_RDMA) | CG_BIT(CG_NET_CLS) | CG_BIT(CG_NET_PRIO))

/* The annotation's value -> a mask of CG_BIT()s: "true" (every controller
 * of CG_BEST_EFFORT_ALL), "false" or "" (none), or a comma-separated list
 * of names (cpu, cpuset, memory, pids, io or blkio, hugetlb, rdma, net_cls,
 * net_prio; spaces around names are ignored).  Device rules are never
 * best-effort: "devices" is an error, as is an unknown name; the message
 * names the annotation.  NULL value: mask 0. */
int cg_best_effort_parse(const char *value, uint32_t *ret_mask, struct rt_err *err);

/* cpu.shares (2..262144) -> cpu.weight (1..10000) with the linear formula of
 * runc 1.1 / crun < 1.23: 1 + ((shares - 2) * 9999) / 262142.  Out-of-range
 * shares are clamped first; 0 means "unset" and returns 0. */
uint64_t cg_shares_to_weight(uint64_t shares);

/* blkio.weight (10..1000) -> io.weight (1..10000), runc's linear mapping. */
uint64_t cg_blkio_weight_to_io_weight(uint64_t weight);

/* cpu.max content: "QUOTA PERIOD", "max PERIOD", or without the period when
 * the spec leaves it unset (the kernel keeps its current period).  Returns 0
 * and leaves buf empty when neither is set. */
int cg_cpu_max(char *buf, size_t size, bool has_quota, int64_t quota, bool has_period, uint64_t period);

/* v2 memory.swap.max from OCI swap (= memory + swap) and limit.
 * Sets *ret_max to true for "max" (swap -1).  Errors (no limit, swap < limit)
 * return -EINVAL with err filled. */
int cg_swap_v2(bool has_limit, int64_t limit, int64_t swap, int64_t *ret_value, bool *ret_max,
	       struct rt_err *err);

/* A memory/pids style limit: "-1" semantic -> "max" on v2, "-1" on v1. */
void cg_limit_str(char *buf, size_t size, int64_t value, bool v2);

/* One io.max line for a device: "MAJ:MIN rbps=N wbps=N riops=N wiops=N" with
 * only the keys that are set (has[i]); rate 0 is written as "max" (no limit).
 * Order of rates/has: rbps, wbps, riops, wiops. */
int cg_io_max_line(char *buf, size_t size, int64_t major, int64_t minor, const bool has[4],
		   const uint64_t rates[4]);

/* One device rule in the v1 devices.allow/deny syntax: "c 1:3 rwm",
 * "b *:* m", "a" (type a means everything: the kernel ignores the rest). */
int cg_device_rule_v1(char *buf, size_t size, const struct rt_device_rule *r);

/* One write of a v1 device-rule transition: LINE to devices.allow (allow)
 * or devices.deny. */
struct cg_dev_write {
	bool allow;
	char line[64];
};

/* Plan the writes that take a v1 devices cgroup from its current state
 * (cur_list: the content of its devices.list) to the state that "deny
 * everything, then rules[0..n) in order" leaves, as the kernel would
 * compute it (an allow adds access bits to the exception with the same
 * type:major:minor, a deny removes them, type 'a' resets the default and
 * drops every exception).  When the cgroup denies by default before and
 * after, only the differences are written -- removals first, then additions
 * -- so an access that both rule sets allow is never refused in between.
 * Otherwise (a current or new default of allow-all: devices.list then hides
 * the exceptions) the plan resets the default with "a" and writes every
 * exception.  *ret is malloc'd (NULL with *ret_n 0 when nothing changes).
 * -EINVAL with err filled for a bad rule; a devices.list that cannot be
 * parsed is treated as unknown (full reset). */
int cg_devices_v1_plan(const char *cur_list, const struct rt_device_rule *rules, size_t n,
		       struct cg_dev_write **ret, size_t *ret_n, struct rt_err *err);

/* The default device rules, applied after "deny everything" and after the
 * spec's own rules (so a spec that starts with deny-all still gets /dev/null):
 * runc's list without its mknod-of-anything wildcards, all "rwm". */
extern const struct rt_device_rule cg_default_device_rules[];
extern const size_t cg_n_default_device_rules;

/* Hugepage size as the kernel names it in hugetlb files: "2MB", "1GB", "64KB".
 * From the sysfs directory size in kB (hugepages-2048kB -> 2048). */
int cg_hugepage_name_from_kb(uint64_t kb, char *buf, size_t size);
/* Validate an OCI pageSize ("2MB"): digits then KB, MB or GB. */
bool cg_hugepage_name_valid(const char *name);

/* The controller of a unified-map key ("memory.high" -> "memory",
 * "cgroup.max.depth" -> "cgroup").  Rejects keys with '/' or without a dot.
 * The controller name is written to buf. */
int cg_unified_key_controller(const char *key, char *buf, size_t size, struct rt_err *err);

/* Can a unified key be applied when the v2 hierarchy offers v2_ctrls
 * (mask of CG_BIT) and has_v2 says whether a v2 hierarchy exists at all?
 * Core "cgroup.*" keys only need the v2 hierarchy. */
int cg_unified_check(const char *key, bool has_v2, uint32_t v2_ctrls, struct rt_err *err);

#endif
