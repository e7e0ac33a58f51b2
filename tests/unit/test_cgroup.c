/* Table tests of the cgroup value conversions (cgroups/convert.c), the host
 * layout parser (cgroups/hierarchy.c) and the shape of the v2 device BPF
 * program (cgroups/devices-bpf.c).  No cgroupfs needed: the kernel-side
 * behaviour is tested by tests/cgroups/run.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cgroups/convert.h"
#include "cgroups/devices-bpf.h"
#include "cgroups/hierarchy.h"

static void test_shares_to_weight(void **state)
{
	static const struct {
		uint64_t shares, weight;
	} t[] = {
		{ 0, 0 }, /* unset */
		{ 1, 1 }, /* clamped to 2 */
		{ 2, 1 }, { 512, 20 }, { 1024, 39 }, { 2048, 79 }, { 262144, 10000 }, { 1000000, 10000 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(cg_shares_to_weight(t[i].shares), t[i].weight);
}

static void test_blkio_weight(void **state)
{
	(void)state;
	assert_int_equal(cg_blkio_weight_to_io_weight(0), 0);
	assert_int_equal(cg_blkio_weight_to_io_weight(10), 1);
	assert_int_equal(cg_blkio_weight_to_io_weight(500), 4950);
	assert_int_equal(cg_blkio_weight_to_io_weight(1000), 10000);
}

static void test_cpu_max(void **state)
{
	static const struct {
		bool hq;
		int64_t q;
		bool hp;
		uint64_t p;
		const char *want;
	} t[] = {
		{ true, 20000, true, 100000, "20000 100000" }, { true, -1, true, 100000, "max 100000" },
		{ true, 0, true, 50000, "max 50000" },	       { true, 50000, false, 0, "50000" },
		{ false, 0, true, 100000, "max 100000" },      { false, 0, false, 0, "" },
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(cg_cpu_max(buf, sizeof(buf), t[i].hq, t[i].q, t[i].hp, t[i].p), 0);
		assert_string_equal(buf, t[i].want);
	}
	assert_int_equal(cg_cpu_max(buf, 4, true, 20000, true, 100000), -ENOBUFS);
}

static void test_swap(void **state)
{
	struct rt_err err = { 0 };
	int64_t v = 0;
	bool max = false;
	char buf[32];

	(void)state;
	/* v2: memory.swap.max = swap - limit (OCI swap is memory+swap) */
	assert_int_equal(cg_swap_v2(true, 32 << 20, 64 << 20, &v, &max, &err), 0);
	assert_false(max);
	assert_int_equal(v, 32 << 20);
	assert_int_equal(cg_swap_v2(true, 32 << 20, 32 << 20, &v, &max, &err), 0);
	assert_int_equal(v, 0);
	assert_int_equal(cg_swap_v2(true, 32 << 20, -1, &v, &max, &err), 0);
	assert_true(max);
	assert_int_equal(cg_swap_v2(true, 64 << 20, 32 << 20, &v, &max, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "should be >= memory limit"));
	assert_int_equal(cg_swap_v2(false, 0, 32 << 20, &v, &max, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "without a memory limit"));
	assert_int_equal(cg_swap_v2(true, -1, 32 << 20, &v, &max, &err), -EINVAL);
	/* v1 writes the OCI value as it is: memsw = memory + swap */
	cg_limit_str(buf, sizeof(buf), 64 << 20, false);
	assert_string_equal(buf, "67108864");
	cg_limit_str(buf, sizeof(buf), -1, false);
	assert_string_equal(buf, "-1");
	cg_limit_str(buf, sizeof(buf), -1, true);
	assert_string_equal(buf, "max");
}

static void test_io_max(void **state)
{
	char buf[128];
	bool has[4] = { true, false, false, true };
	uint64_t rates[4] = { 1048576, 0, 0, 0 };
	bool all[4] = { true, true, true, true };
	uint64_t r4[4] = { 1, 2, 3, 4 };

	(void)state;
	assert_int_equal(cg_io_max_line(buf, sizeof(buf), 8, 0, has, rates), 0);
	assert_string_equal(buf, "8:0 rbps=1048576 wiops=max");
	assert_int_equal(cg_io_max_line(buf, sizeof(buf), 254, 16, all, r4), 0);
	assert_string_equal(buf, "254:16 rbps=1 wbps=2 riops=3 wiops=4");
	assert_int_equal(cg_io_max_line(buf, 8, 254, 16, all, r4), -ENOBUFS);
}

static void test_device_rules_v1(void **state)
{
	static const struct {
		struct rt_device_rule r;
		const char *want;
	} t[] = {
		{ { .allow = false, .type = 'a', .major = -1, .minor = -1, .access = "rwm" }, "a" },
		{ { .allow = true, .type = 'c', .major = 1, .minor = 3, .access = "rwm" }, "c 1:3 rwm" },
		{ { .allow = true, .type = 'b', .major = -1, .minor = -1, .access = "m" }, "b *:* m" },
		{ { .allow = true, .type = 'c', .major = 136, .minor = -1, .access = "rw" }, "c 136:* rw" },
		{ { .allow = true, .type = 'c', .major = 10, .minor = 200, .access = "" }, "c 10:200 rwm" },
	};
	struct rt_device_rule bad_type = { .type = 'x', .access = "r" };
	struct rt_device_rule bad_acc = { .type = 'c', .major = 1, .minor = 1, .access = "rx" };
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(cg_device_rule_v1(buf, sizeof(buf), &t[i].r), 0);
		assert_string_equal(buf, t[i].want);
	}
	assert_int_equal(cg_device_rule_v1(buf, sizeof(buf), &bad_type), -EINVAL);
	assert_int_equal(cg_device_rule_v1(buf, sizeof(buf), &bad_acc), -EINVAL);
	/* runc's defaults minus its "c *:* m" / "b *:* m": only the standard
	 * devices, each with rwm, and never a wildcard (mknod of a device off
	 * the list must stay denied) */
	assert_int_equal(cg_n_default_device_rules, 10);
	assert_int_equal(cg_device_rule_v1(buf, sizeof(buf), &cg_default_device_rules[0]), 0);
	assert_string_equal(buf, "c 1:3 rwm");
	for (size_t i = 0; i < cg_n_default_device_rules; i++) {
		const struct rt_device_rule *d = &cg_default_device_rules[i];

		assert_true(d->allow);
		assert_int_equal(d->type, 'c');
		assert_true(d->major >= 0);
		assert_string_equal(d->access, "rwm");
	}
}

/* cg_devices_v1_plan: "want" is the writes joined as "A line|D line|..." */
static void check_plan(const char *cur, const struct rt_device_rule *rules, size_t n, const char *want)
{
	struct cg_dev_write *w = NULL;
	struct rt_err err = { 0 };
	char got[1024] = "";
	size_t nw = 99;

	assert_int_equal(cg_devices_v1_plan(cur, rules, n, &w, &nw, &err), 0);
	for (size_t i = 0; i < nw; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%c %s", i ? "|" : "",
			 w[i].allow ? 'A' : 'D', w[i].line);
	if (strcmp(got, want) != 0)
		fail_msg("plan from \"%s\": got \"%s\", want \"%s\"", cur ? cur : "(null)", got, want);
	assert_true(nw > 0 || w == NULL);
	free(w);
}

static void test_devices_v1_plan(void **state)
{
	const struct rt_device_rule null_zero[] = {
		{ .allow = true, .type = 'c', .major = 1, .minor = 3, .access = "rwm" },
		{ .allow = true, .type = 'c', .major = 1, .minor = 5, .access = "" },
	};
	/* spec: deny all, allow 1:11 r, then a later deny of 1:11 w (no-op on
	 * an exception without w), then the defaults */
	const struct rt_device_rule with_kmsg[] = {
		{ .allow = false, .type = 'a', .major = -1, .minor = -1, .access = "rwm" },
		{ .allow = true, .type = 'c', .major = 1, .minor = 11, .access = "rw" },
		{ .allow = false, .type = 'c', .major = 1, .minor = 11, .access = "w" },
		{ .allow = true, .type = 'c', .major = 1, .minor = 3, .access = "rwm" },
		{ .allow = true, .type = 'c', .major = 1, .minor = 5, .access = "rwm" },
	};
	const struct rt_device_rule allow_all[] = {
		{ .allow = true, .type = 'a', .major = -1, .minor = -1, .access = "rwm" },
		{ .allow = false, .type = 'b', .major = 8, .minor = -1, .access = "m" },
	};
	const struct rt_device_rule bad[] = { { .allow = true, .type = 'x', .access = "r" } };
	const struct rt_device_rule bad_acc[] = {
		{ .allow = true, .type = 'c', .major = 1, .access = "rq" }
	};
	struct cg_dev_write *w = NULL;
	struct rt_err err = { 0 };
	size_t nw = 0;

	(void)state;
	/* a new cgroup (inherits allow-all) or an unknown list: reset, then every exception */
	check_plan("a *:* rwm\n", null_zero, 2, "D a|A c 1:3 rwm|A c 1:5 rwm");
	check_plan(NULL, null_zero, 2, "D a|A c 1:3 rwm|A c 1:5 rwm");
	check_plan("garbage\n", null_zero, 2, "D a|A c 1:3 rwm|A c 1:5 rwm");
	check_plan("", NULL, 0, "");
	/* deny-all before and after: only the difference, removals first */
	check_plan("c 1:3 rwm\nc 1:5 rwm\n", null_zero, 2, "");
	check_plan("c 1:3 rwm\nc 1:5 rwm\n", with_kmsg, 5, "A c 1:11 r");
	check_plan("c 1:11 rw\nc 1:3 rwm\nc 1:5 rwm\n", null_zero, 2, "D c 1:11 rw");
	check_plan("c 1:3 rw\nc *:* m\nb 8:0 r\n", null_zero, 2, "D c *:* m|D b 8:0 r|A c 1:3 m|A c 1:5 rwm");
	/* allow-all as the new default: reset to it, then the denied exceptions */
	check_plan("c 1:3 rwm\n", allow_all, 2, "A a|D b 8:* m");
	check_plan("a *:* rwm\n", allow_all, 1, "");
	/* a rule list that ends in deny-all leaves no exception */
	check_plan("c 1:3 rwm\n", with_kmsg, 1, "D c 1:3 rwm");
	/* bad rules */
	assert_int_equal(cg_devices_v1_plan("", bad, 1, &w, &nw, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "devices[0]"));
	assert_int_equal(cg_devices_v1_plan("", bad_acc, 1, &w, &nw, &err), -EINVAL);
}

static void test_best_effort_parse(void **state)
{
	struct rt_err err = { 0 };
	uint32_t m = 7;

	(void)state;
	assert_int_equal(cg_best_effort_parse(NULL, &m, &err), 0);
	assert_int_equal(m, 0);
	assert_int_equal(cg_best_effort_parse("", &m, &err), 0);
	assert_int_equal(m, 0);
	assert_int_equal(cg_best_effort_parse("false", &m, &err), 0);
	assert_int_equal(m, 0);
	assert_int_equal(cg_best_effort_parse("true", &m, &err), 0);
	assert_int_equal(m, CG_BEST_EFFORT_ALL);
	assert_false(m & CG_BIT(CG_DEVICES));
	assert_true(m & CG_BIT(CG_NET_CLS));
	assert_int_equal(cg_best_effort_parse("memory", &m, &err), 0);
	assert_int_equal(m, CG_BIT(CG_MEMORY));
	/* v1 and v2 names of the same controller, spaces */
	assert_int_equal(cg_best_effort_parse("io, rdma ,net_cls", &m, &err), 0);
	assert_int_equal(m, CG_BIT(CG_BLKIO) | CG_BIT(CG_RDMA) | CG_BIT(CG_NET_CLS));
	assert_int_equal(cg_best_effort_parse("blkio", &m, &err), 0);
	assert_int_equal(m, CG_BIT(CG_BLKIO));
	/* errors name the annotation and the bad name; m is untouched */
	m = 7;
	assert_int_equal(cg_best_effort_parse("memory,bogus", &m, &err), -EINVAL);
	assert_int_equal(m, 7);
	assert_non_null(strstr(err.msg, "org.capsa.cgroups.best-effort"));
	assert_non_null(strstr(err.msg, "\"bogus\""));
	assert_int_equal(cg_best_effort_parse("devices", &m, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "never best-effort"));
	assert_int_equal(cg_best_effort_parse("freezer", &m, &err), -EINVAL);
	assert_int_equal(cg_best_effort_parse("memory,", &m, &err), -EINVAL);
	assert_int_equal(cg_best_effort_parse("True", &m, &err), -EINVAL);
}

static void test_hugepage_names(void **state)
{
	char buf[16];

	(void)state;
	assert_int_equal(cg_hugepage_name_from_kb(2048, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2MB");
	assert_int_equal(cg_hugepage_name_from_kb(1048576, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1GB");
	assert_int_equal(cg_hugepage_name_from_kb(64, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "64KB");
	assert_int_equal(cg_hugepage_name_from_kb(32768, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "32MB");
	assert_int_equal(cg_hugepage_name_from_kb(0, buf, sizeof(buf)), -EINVAL);
	assert_true(cg_hugepage_name_valid("2MB"));
	assert_true(cg_hugepage_name_valid("1GB"));
	assert_true(cg_hugepage_name_valid("64KB"));
	assert_false(cg_hugepage_name_valid("2mb"));
	assert_false(cg_hugepage_name_valid("0MB"));
	assert_false(cg_hugepage_name_valid("MB"));
	assert_false(cg_hugepage_name_valid("2M"));
	assert_false(cg_hugepage_name_valid("2MB/../x"));
}

static void test_unified_check(void **state)
{
	struct rt_err err = { 0 };
	char ctrl[32];

	(void)state;
	assert_int_equal(cg_unified_key_controller("memory.high", ctrl, sizeof(ctrl), &err), 0);
	assert_string_equal(ctrl, "memory");
	assert_int_equal(cg_unified_key_controller("cgroup.max.depth", ctrl, sizeof(ctrl), &err), 0);
	assert_string_equal(ctrl, "cgroup");
	assert_true(cg_unified_key_controller("nodot", ctrl, sizeof(ctrl), &err) < 0);
	assert_true(cg_unified_key_controller("../memory.max", ctrl, sizeof(ctrl), &err) < 0);
	assert_true(cg_unified_key_controller(".max", ctrl, sizeof(ctrl), &err) < 0);

	/* hybrid host, memory on v1: refused with a message naming it */
	assert_int_equal(cg_unified_check("memory.high", true, 0, &err), -EOPNOTSUPP);
	assert_non_null(strstr(err.msg, "memory.high"));
	assert_non_null(strstr(err.msg, "memory controller"));
	/* core files only need a v2 hierarchy */
	assert_int_equal(cg_unified_check("cgroup.max.descendants", true, 0, &err), 0);
	assert_int_equal(cg_unified_check("cgroup.max.descendants", false, 0, &err), -EOPNOTSUPP);
	assert_non_null(strstr(err.msg, "no cgroup v2"));
	/* pure v2 with the controllers enabled */
	assert_int_equal(cg_unified_check("memory.high", true, CG_BIT(CG_MEMORY), &err), 0);
	assert_int_equal(cg_unified_check("io.max", true, CG_BIT(CG_BLKIO), &err), 0);
	assert_int_equal(cg_unified_check("blkio.weight", true, CG_BIT(CG_BLKIO), &err),
			 -EOPNOTSUPP); /* a v1 name is no v2 key */
	assert_int_equal(cg_unified_check("bogus.file", true, ~0u, &err), -EOPNOTSUPP);
}

/* ---- layout parsing ---- */

static const char mi_hybrid_separate[] =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
    "99 31 0:35 / /mnt/again rw,relatime - cgroup cgroup rw,memory\n";
static const char pc_hybrid_separate[] = "9:name=systemd:/user\n"
					 "4:memory:/process_api/x\n"
					 "5:devices:/\n"
					 "2:cpuacct:/\n"
					 "1:cpu:/\n"
					 "0::/user\n";

static void test_layout_hybrid_separate(void **state)
{
	struct cg_host h;
	struct rt_err err = { 0 };
	int mem, v2;

	(void)state;
	assert_int_equal(cg_host_parse(mi_hybrid_separate, pc_hybrid_separate, "", &h, &err), 0);
	assert_int_equal(h.layout, CG_LAYOUT_HYBRID);
	assert_int_equal(h.n, 6); /* the second memory mount is the same hierarchy */
	assert_true(h.where[CG_CPU] >= 0 && h.where[CG_CPUACCT] >= 0);
	assert_int_not_equal(h.where[CG_CPU], h.where[CG_CPUACCT]);
	mem = h.where[CG_MEMORY];
	assert_string_equal(h.h[mem].mnt, "/sys/fs/cgroup/memory");
	assert_string_equal(h.h[mem].self, "/process_api/x");
	v2 = h.v2;
	assert_true(v2 >= 0);
	assert_string_equal(h.h[v2].mnt, "/sys/fs/cgroup/unified");
	assert_string_equal(h.h[v2].self, "/user");
	assert_int_equal(h.where[CG_PIDS], -1);	   /* neither v1 nor in v2's controllers */
	assert_int_equal(h.where[CG_FREEZER], v2); /* v2 core freezer stands in */
	for (size_t i = 0; i < h.n; i++)
		if (h.h[i].name)
			assert_string_equal(h.h[i].self, "/user");
	cg_host_clear(&h);
}

/* Read line by line, mountinfo can stop once every hierarchy the process
 * is in has its mount: the rest cannot change the layout. */
static void test_layout_incremental(void **state)
{
	struct cg_host h = { .v2 = -1 }, whole;
	struct rt_err err = { 0 };
	const char *p = mi_hybrid_separate;
	size_t fed = 0;

	(void)state;
	assert_int_equal(cg_host_parse(mi_hybrid_separate, pc_hybrid_separate, "", &whole, &err), 0);
	while (*p && !cg_host_has_all(&h, pc_hybrid_separate, true)) {
		const char *nl = strchr(p, '\n');
		char line[256];

		snprintf(line, sizeof(line), "%.*s", (int)(nl - p + 1), p);
		assert_int_equal(cg_host_feed_mounts(&h, line), 0);
		p = nl + 1;
		fed++;
	}
	assert_int_equal(fed, 7); /* complete with the cgroup2 line, before /mnt/again */
	assert_int_equal(cg_host_finish(&h, pc_hybrid_separate, "", &err), 0);
	assert_int_equal(h.n, whole.n);
	assert_int_equal(h.layout, whole.layout);
	assert_int_equal(h.v2, whole.v2);
	for (int c = 0; c < CG_CTRL_MAX; c++)
		assert_int_equal(h.where[c], whole.where[c]);
	for (size_t i = 0; i < h.n; i++) {
		assert_string_equal(h.h[i].mnt, whole.h[i].mnt);
		assert_string_equal(h.h[i].self, whole.h[i].self);
	}
	cg_host_clear(&h);
	cg_host_clear(&whole);

	/* controllers capsa does not know cannot hold the read up; a hierarchy
	 * mounted nowhere does (read to the end) */
	h = (struct cg_host){ .v2 = -1 };
	assert_int_equal(
	    cg_host_feed_mounts(&h, "1 0 0:1 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"), 0);
	assert_true(cg_host_has_all(&h, "3:pids:/a\n4:no_such_ctl:/\n", true));
	assert_false(cg_host_has_all(&h, "3:pids:/a\n5:name=elogind:/\n", true));
	assert_false(cg_host_has_all(&h, "3:pids:/a\n0::/\n", true));
	/* no cgroup2 at its places: the "0::" line waits for nothing */
	assert_true(cg_host_has_all(&h, "3:pids:/a\n0::/\n", false));
	cg_host_clear(&h);
}

static void test_layout_combined_cpu(void **state)
{
	static const char mi[] = "1 0 0:1 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
				 "2 0 0:2 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n";
	static const char pc[] = "3:cpu,cpuacct:/a\n2:pids:/b\n";
	struct cg_host h;
	struct rt_err err = { 0 };
	char label[64];

	(void)state;
	assert_int_equal(cg_host_parse(mi, pc, NULL, &h, &err), 0);
	assert_int_equal(h.layout, CG_LAYOUT_V1);
	assert_int_equal(h.n, 2);
	assert_int_equal(h.v2, -1);
	assert_int_equal(h.where[CG_CPU], h.where[CG_CPUACCT]);
	assert_string_equal(h.h[h.where[CG_CPU]].self, "/a");
	cg_hier_label(&h.h[h.where[CG_CPU]], label, sizeof(label));
	assert_string_equal(label, "cpu,cpuacct");
	assert_int_equal(h.where[CG_FREEZER], -1);
	cg_host_clear(&h);
}

/* at.c looks cgroup paths up from a dirfd of the directory every mount is
 * in: the deepest one, on component boundaries. */
static void test_mounts_dir(void **state)
{
	static const char hybrid[] =
	    "1 0 0:1 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
	    "2 0 0:2 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpuset\n"
	    "3 0 0:3 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n";
	static const char v2[] = "25 1 0:22 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
	static const char apart[] = "1 0 0:1 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
				    "2 0 0:2 / /cgroup/memory rw - cgroup cgroup rw,memory\n";
	struct cg_host h;
	struct rt_err err = { 0 };
	char buf[64];

	(void)state;
	assert_int_equal(cg_host_parse(hybrid, "3:cpu,cpuacct:/\n2:cpuset:/\n0::/\n", "", &h, &err), 0);
	assert_int_equal(cg_mounts_dir(&h, buf, sizeof(buf)), strlen("/sys/fs/cgroup"));
	assert_string_equal(buf, "/sys/fs/cgroup");	/* not the prefix "/sys/fs/cgroup/cpu" */
	assert_int_equal(cg_mounts_dir(&h, buf, 8), 0); /* does not fit */
	cg_host_clear(&h);
	assert_int_equal(cg_host_parse(v2, "0::/\n", "memory\n", &h, &err), 0);
	assert_int_equal(cg_mounts_dir(&h, buf, sizeof(buf)), strlen("/sys/fs/cgroup"));
	assert_string_equal(buf, "/sys/fs/cgroup");
	cg_host_clear(&h);
	assert_int_equal(cg_host_parse(apart, "2:pids:/\n1:memory:/\n", NULL, &h, &err), 0);
	assert_int_equal(cg_mounts_dir(&h, buf, sizeof(buf)), 0); /* only "/" in common */
	assert_string_equal(buf, "");
	cg_host_clear(&h);
}

static void test_layout_v2(void **state)
{
	static const char mi[] = "25 1 0:22 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"
				 "26 1 0:23 /ns\\040dir /mnt/cg\\040x rw - tmpfs tmpfs rw\n";
	struct cg_host h;
	struct rt_err err = { 0 };
	char *dir;

	(void)state;
	assert_int_equal(cg_host_parse(mi, "0::/init.scope\n", "cpuset cpu io memory pids\n", &h, &err), 0);
	assert_int_equal(h.layout, CG_LAYOUT_V2);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.where[CG_MEMORY], 0);
	assert_int_equal(h.where[CG_BLKIO], 0);
	assert_int_equal(h.where[CG_DEVICES], 0);
	assert_int_equal(h.where[CG_HUGETLB], -1);
	assert_int_equal(h.h[0].ctrls & CG_BIT(CG_RDMA), 0);
	dir = cg_hier_dir(&h.h[0], "/capsa/x");
	assert_string_equal(dir, "/sys/fs/cgroup/capsa/x");
	free(dir);
	cg_host_clear(&h);
	/* a bind-mounted subtree: the mount root is stripped */
	{
		static const char mi2[] = "7 1 0:5 /sub /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";

		assert_int_equal(cg_host_parse(mi2, NULL, NULL, &h, &err), 0);
		dir = cg_hier_dir(&h.h[0], "/sub/capsa/x");
		assert_string_equal(dir, "/sys/fs/cgroup/capsa/x");
		free(dir);
		cg_host_clear(&h);
	}
	/* cgroup2 elsewhere is not the host's layout (as runc and crun) */
	{
		static const char mi3[] = "8 1 0:5 / /mnt/cg2 rw - cgroup2 cgroup2 rw\n"
					  "9 1 0:6 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
					  "10 1 0:5 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n";

		assert_int_equal(cg_host_parse(mi3, "2:pids:/\n0::/\n", NULL, &h, &err), 0);
		assert_int_equal(h.n, 2);
		assert_string_equal(h.h[h.v2].mnt, "/sys/fs/cgroup/unified");
		assert_int_equal(h.layout, CG_LAYOUT_HYBRID);
		cg_host_clear(&h);
		assert_int_equal(
		    cg_host_parse("8 1 0:5 / /mnt/cg2 rw - cgroup2 cgroup2 rw\n", NULL, NULL, &h, &err),
		    -ENOENT);
	}
	assert_int_equal(cg_host_parse("1 0 0:1 / / rw - ext4 /dev/vda rw\n", NULL, NULL, &h, &err), -ENOENT);
}

/* ---- device program shape ---- */

static void check_jumps(const struct bpf_insn *p, size_t n)
{
	/* every mismatch jump lands right after an exit: the start of the next
	 * rule or of the default */
	for (size_t i = 0; i < n; i++) {
		if (p[i].code != (BPF_JMP | BPF_JNE | BPF_K))
			continue;
		size_t target = i + 1 + (size_t)p[i].off;

		assert_true(target < n);
		assert_int_equal(p[target - 1].code, BPF_JMP | BPF_EXIT);
	}
	assert_int_equal(p[n - 1].code, BPF_JMP | BPF_EXIT);
}

static void test_bpf_shape(void **state)
{
	struct rt_device_rule rules[] = {
		{ .allow = true, .type = 'c', .major = 1, .minor = 3, .access = "r" },
		{ .allow = false, .type = 'b', .major = 8, .minor = -1, .access = "rwm" },
		{ .allow = true, .type = 'c', .major = 136, .minor = -1, .access = "rw" },
	};
	struct rt_device_rule all = { .allow = true, .type = 'a', .major = -1, .minor = -1, .access = "rwm" };
	struct rt_device_rule bad = { .allow = true, .type = 'c', .access = "q" };
	struct bpf_insn *p = NULL;
	size_t n = 0;

	(void)state;
	/* no rules: deny everything */
	assert_int_equal(cg_bpf_devices_build(NULL, 0, &p, &n), 0);
	assert_int_equal(n, 8);
	assert_int_equal(p[6].code, BPF_ALU | BPF_MOV | BPF_K);
	assert_int_equal(p[6].imm, 0);
	free(p);

	assert_int_equal(cg_bpf_devices_build(rules, 3, &p, &n), 0);
	/* 6 prologue + (type,acc*3,major,ret*2)=7 + (type,major,ret*2)=4 +
	 * (type,acc*3,major,minor,ret*2)=8 + 2 default */
	assert_int_equal(n, 6 + 7 + 4 + 8 + 2);
	check_jumps(p, n);
	/* the last rule comes first: 136:* */
	assert_int_equal(p[6].imm, BPF_DEVCG_DEV_CHAR);
	assert_int_equal(p[10].imm, 136);
	assert_int_equal(p[11].imm, 1); /* allow */
	assert_int_equal(p[13].imm, BPF_DEVCG_DEV_BLOCK);
	assert_int_equal(p[15].imm, 0); /* deny */
	free(p);

	/* an allow-all rule shadows everything before it */
	{
		struct rt_device_rule two[] = { rules[0], all };

		assert_int_equal(cg_bpf_devices_build(two, 2, &p, &n), 0);
		assert_int_equal(n, 8);
		assert_int_equal(p[6].imm, 1);
		check_jumps(p, n);
		free(p);
	}
	assert_int_equal(cg_bpf_devices_build(&bad, 1, &p, &n), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shares_to_weight),
		cmocka_unit_test(test_blkio_weight),
		cmocka_unit_test(test_cpu_max),
		cmocka_unit_test(test_swap),
		cmocka_unit_test(test_io_max),
		cmocka_unit_test(test_device_rules_v1),
		cmocka_unit_test(test_devices_v1_plan),
		cmocka_unit_test(test_best_effort_parse),
		cmocka_unit_test(test_hugepage_names),
		cmocka_unit_test(test_unified_check),
		cmocka_unit_test(test_layout_hybrid_separate),
		cmocka_unit_test(test_layout_incremental),
		cmocka_unit_test(test_layout_combined_cpu),
		cmocka_unit_test(test_layout_v2),
		cmocka_unit_test(test_mounts_dir),
		cmocka_unit_test(test_bpf_shape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
