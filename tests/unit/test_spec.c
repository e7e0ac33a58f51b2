/* The config.json parser: every field of tests/unit/data/full.json lands in
 * the right struct member, the upstream good examples parse, and every file of
 * tests/badspec/ fails with the substring in its .expect file.
 *
 * Data is found relative to this source file (__FILE__), so the test runs from
 * the repository root as `make unit` does; CAPSA_SRCDIR (the repo root)
 * overrides that.  tests/unit/data/spec-example.json is the upstream schema
 * example with ociVersion 0.5.0-dev changed to 1.0.2-dev (capsa rejects 0.x). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>
#include <seccomp-lib.h>

#include "runtime/spec-json.h"
#include "runtime/spec.h"
#include "runtime/util.h"

static char srcdir[PATH_MAX];

static void find_srcdir(void)
{
	const char *env = getenv("CAPSA_SRCDIR");
	const char *file = __FILE__, *p;

	if (env && *env) {
		snprintf(srcdir, sizeof(srcdir), "%s", env);
		return;
	}
	/* __FILE__ is "tests/unit/test_spec.c" (or an absolute path). */
	p = strstr(file, "tests/unit/test_spec.c");
	if (!p || p == file)
		snprintf(srcdir, sizeof(srcdir), ".");
	else
		snprintf(srcdir, sizeof(srcdir), "%.*s", (int)(p - file - 1), file);
}

static char *srcpath(const char *rel)
{
	static char buf[PATH_MAX * 2];

	snprintf(buf, sizeof(buf), "%s/%s", srcdir, rel);
	return buf;
}

static struct rt_spec *load_ok(const char *rel)
{
	struct rt_spec *s = NULL;
	struct rt_err err = { 0 };
	int r = rt_spec_load(srcpath(rel), &s, &err);

	if (r < 0)
		fail_msg("%s: %s", rel, err.msg);
	assert_non_null(s);
	return s;
}

static int parse_str(const char *json, struct rt_spec **s, struct rt_err *err)
{
	return rt_spec_parse(json, strlen(json), "config.json", s, err);
}

static const char *cur_label = "inline";

static void expect_error(const char *json, size_t len, const char *want)
{
	struct rt_spec *s = (struct rt_spec *)0x1;
	struct rt_err err = { 0 };
	int r = rt_spec_parse(json, len, "config.json", &s, &err);

	if (r >= 0)
		fail_msg("%s: parsed but expected error \"%s\"", cur_label, want);
	assert_int_equal(r, -err.errnum);
	assert_ptr_equal(s, (struct rt_spec *)0x1); /* *ret untouched on failure */
	if (strncmp(err.msg, "config.json: ", 13) != 0 || !strstr(err.msg, want))
		fail_msg("%s: got \"%s\", want \"%s\"", cur_label, err.msg, want);
}

/* ---- good inputs ---- */

static void test_good_examples(void **state)
{
	static const char *const files[] = {
		"tests/unit/data/minimal.json",	     "tests/unit/data/minimal-for-start.json",
		"tests/unit/data/linux-rdma.json",   "tests/unit/data/linux-netdevice.json",
		"tests/unit/data/spec-example.json", "tests/unit/data/full.json",
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		rt_spec_free(load_ok(files[i]));
}

static void test_spec_example(void **state)
{
	struct rt_spec *s = load_ok("tests/unit/data/spec-example.json");
	struct rt_process *p = &s->process;
	struct rt_linux *l = &s->linux_;

	(void)state;
	assert_string_equal(s->oci_version, "1.0.2-dev");
	assert_string_equal(s->root_path, "rootfs");
	assert_true(s->root_readonly);
	assert_true(s->has_process);
	assert_true(p->terminal);
	assert_int_equal(p->user.uid, 1);
	assert_int_equal(p->user.n_additional_gids, 2);
	assert_int_equal(p->user.additional_gids[1], 6);
	assert_int_equal(p->n_args, 1);
	assert_string_equal(p->args[0], "sh");
	assert_null(p->args[1]);
	assert_int_equal(p->n_env, 2);
	assert_true(p->caps.present);
	assert_int_equal(p->caps.effective, (1ull << 29) | (1ull << 5)); /* AUDIT_WRITE, KILL */
	assert_int_equal(p->caps.ambient, 1ull << 10);			 /* NET_BIND_SERVICE */
	assert_int_equal(p->n_rlimits, 2);
	assert_int_equal(p->rlimits[0].resource, RLIMIT_CORE);
	assert_int_equal(p->rlimits[1].resource, RLIMIT_NOFILE);
	assert_true(p->no_new_privileges);
	assert_string_equal(s->hostname, "slartibartfast");
	assert_int_equal(s->n_mounts, 7);
	assert_string_equal(s->mounts[2].destination, "/dev/pts");
	assert_int_equal(s->mounts[2].flags, MS_NOSUID | MS_NOEXEC);
	assert_string_equal(s->mounts[2].data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
	assert_int_equal(s->mounts[6].flags, MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY);
	assert_null(s->mounts[6].data);
	assert_int_equal(s->hooks.n_hooks[RT_HOOK_PRESTART], 2);
	assert_int_equal(s->hooks.hooks[RT_HOOK_POSTSTART][0].timeout, 5);
	assert_int_equal(l->n_devices, 2);
	assert_int_equal(l->devices[1].type, 'b');
	assert_int_equal(l->devices[1].file_mode, 432);
	assert_true(l->namespaces[RT_NS_TIME].present);
	assert_int_equal(l->time_offsets.boottime_secs, 604800);
	assert_int_equal(l->resources.n_hugepage_limits, 2);
	assert_int_equal(l->resources.hugepage_limits[0].limit, 9223372036854772000ull);
	assert_int_equal(l->resources.pids.limit, 32771);
	assert_int_equal(l->rootfs_propagation, MS_SLAVE);
	assert_int_equal(l->seccomp.default_action, SCMP_ACT_ALLOW);
	assert_int_equal(l->seccomp.architectures[1], SCMP_ARCH_X32);
	assert_int_equal(l->seccomp.syscalls[0].action, SCMP_ACT_ERRNO(0));
	assert_false(l->seccomp.syscalls[0].has_errno_ret);
	assert_int_equal(s->n_annotations, 2);
	rt_spec_free(s);
}

static void test_full(void **state)
{
	struct rt_spec *s = load_ok("tests/unit/data/full.json");
	struct rt_process *p = &s->process;
	struct rt_linux *l = &s->linux_;
	struct rt_resources *res = &l->resources;
	struct rt_seccomp *sc = &l->seccomp;
	struct rt_mount *m;

	(void)state;
	assert_string_equal(s->oci_version, "1.3.0");
	assert_string_equal(s->root_path, "/var/lib/capsa/rootfs");
	assert_true(s->root_readonly);
	assert_string_equal(s->hostname, "h1");
	assert_string_equal(s->domainname, "example.test");
	assert_int_equal(s->n_annotations, 2);
	assert_string_equal(s->annotations[1].value, "");

	/* mounts */
	assert_int_equal(s->n_mounts, 4);
	m = &s->mounts[1];
	assert_int_equal(m->flags, MS_NOSUID | MS_STRICTATIME);
	assert_string_equal(m->data, "mode=755,size=65536k");
	assert_false(m->bind);
	m = &s->mounts[2];
	assert_null(m->type);
	assert_true(m->bind);
	assert_true(m->recursive);
	assert_int_equal(m->flags, MS_NODEV);
	assert_int_equal(m->clear_flags, MS_RDONLY); /* ro then rw: rw wins */
	assert_int_equal(m->propagation, MS_SLAVE | MS_REC);
	assert_true(m->idmap);
	assert_true(m->idmap_recursive);
	assert_true(m->tmpcopyup);
	assert_null(m->data);
	assert_int_equal(m->attr_set, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOATIME);
	assert_int_equal(m->attr_clr, MOUNT_ATTR__ATIME);
	assert_int_equal(m->n_uid_mappings, 1);
	assert_int_equal(m->uid_mappings[0].host_id, 100000);
	assert_int_equal(m->gid_mappings[0].size, 1000);
	m = &s->mounts[3];
	/* '..' is resolved safely at mount time, not rejected here */
	assert_string_equal(m->destination, "/../../etc/escape");
	assert_true(m->bind);
	assert_false(m->recursive);
	assert_int_equal(m->propagation, MS_PRIVATE);
	assert_int_equal(m->flags, MS_NOSYMFOLLOW | MS_REMOUNT);

	/* process */
	assert_true(p->terminal);
	assert_true(p->has_console_size);
	assert_int_equal(p->console_height, 25);
	assert_int_equal(p->console_width, 80);
	assert_int_equal(p->user.uid, 1000);
	assert_int_equal(p->user.gid, 1001);
	assert_true(p->user.has_umask);
	assert_int_equal(p->user.umask, 022);
	assert_int_equal(p->user.additional_gids[1], 4294967295u);
	assert_int_equal(p->n_args, 3);
	assert_string_equal(p->args[2], "echo hi");
	assert_string_equal(p->env[1], "TERM=xterm");
	assert_string_equal(p->cwd, "/home/u");
	assert_int_equal(p->caps.bounding, (1ull << 21) | (1ull << 5) | (1ull << 40));
	assert_int_equal(p->caps.inheritable, 0);
	assert_int_equal(p->caps.permitted, (1ull << 5) | (1ull << 0));
	assert_int_equal(p->n_rlimits, 3);
	assert_int_equal(p->rlimits[0].soft, 1024);
	assert_int_equal(p->rlimits[0].hard, 4096);
	assert_int_equal(p->rlimits[1].soft, UINT64_MAX);
	assert_int_equal(p->rlimits[1].hard, UINT64_MAX);
	assert_int_equal(p->rlimits[2].resource, RLIMIT_RTTIME);
	assert_int_equal(p->rlimits[2].hard, INT64_MAX);
	assert_true(p->no_new_privileges);
	assert_string_equal(p->apparmor_profile, "capsa-default");
	assert_string_equal(p->selinux_label, "system_u:system_r:container_t:s0");
	assert_true(p->has_oom_score_adj);
	assert_int_equal(p->oom_score_adj, -500);
	assert_true(p->scheduler.present);
	assert_int_equal(p->scheduler.policy, 6 /* SCHED_DEADLINE */);
	assert_int_equal(p->scheduler.nice, -5);
	assert_int_equal(p->scheduler.priority, 10);
	assert_int_equal(p->scheduler.flags, 0x41);
	assert_int_equal(p->scheduler.runtime, 100);
	assert_int_equal(p->scheduler.deadline, 200);
	assert_int_equal(p->scheduler.period, 300);
	assert_true(p->io_priority.present);
	assert_int_equal(p->io_priority.class, 2);
	assert_int_equal(p->io_priority.priority, 7);
	assert_string_equal(p->exec_cpu_affinity_initial, "0-1");
	assert_string_equal(p->exec_cpu_affinity_final, "1");

	/* hooks */
	assert_int_equal(s->hooks.n_hooks[RT_HOOK_PRESTART], 1);
	assert_int_equal(s->hooks.n_hooks[RT_HOOK_CREATE_CONTAINER], 2);
	assert_string_equal(s->hooks.hooks[RT_HOOK_CREATE_CONTAINER][1].path, "/usr/bin/cc2");
	assert_string_equal(s->hooks.hooks[RT_HOOK_CREATE_RUNTIME][0].args[1], "a");
	assert_string_equal(s->hooks.hooks[RT_HOOK_CREATE_RUNTIME][0].env[0], "K=V");
	assert_true(s->hooks.hooks[RT_HOOK_CREATE_RUNTIME][0].has_timeout);
	assert_int_equal(s->hooks.hooks[RT_HOOK_CREATE_RUNTIME][0].timeout, 5);
	assert_false(s->hooks.hooks[RT_HOOK_PRESTART][0].has_timeout);
	assert_string_equal(s->hooks.hooks[RT_HOOK_START_CONTAINER][0].path, "/usr/bin/sc");
	assert_string_equal(s->hooks.hooks[RT_HOOK_POSTSTART][0].path, "/usr/bin/ps");
	assert_int_equal(s->hooks.hooks[RT_HOOK_POSTSTOP][0].timeout, 1);

	/* linux */
	assert_true(s->has_linux);
	for (int t = 0; t < RT_NS_MAX; t++)
		assert_true(l->namespaces[t].present);
	assert_string_equal(l->namespaces[RT_NS_NET].path, "/var/run/netns/n1");
	assert_null(l->namespaces[RT_NS_PID].path);
	assert_int_equal(l->n_uid_mappings, 2);
	assert_int_equal(l->uid_mappings[1].container_id, 1);
	assert_int_equal(l->uid_mappings[1].size, 65536);
	assert_int_equal(l->n_gid_mappings, 1);
	assert_true(l->time_offsets.has_monotonic);
	assert_int_equal(l->time_offsets.monotonic_secs, -86400);
	assert_int_equal(l->time_offsets.monotonic_nanosecs, 5);
	assert_true(l->time_offsets.has_boottime);
	assert_int_equal(l->n_devices, 2);
	assert_int_equal(l->devices[0].major, 10);
	assert_int_equal(l->devices[0].minor, 229);
	assert_true(l->devices[0].has_file_mode);
	assert_int_equal(l->devices[0].gid, 5);
	assert_int_equal(l->devices[1].type, 'p');
	assert_false(l->devices[1].has_uid);
	assert_string_equal(l->cgroups_path, "system.slice:capsa:c1");
	assert_int_equal(l->rootfs_propagation, MS_SLAVE | MS_REC);
	assert_int_equal(l->n_sysctl, 1);
	assert_string_equal(l->sysctl[0].key, "net.ipv4.ip_forward");
	assert_int_equal(l->n_masked_paths, 2);
	assert_string_equal(l->readonly_paths[0], "/proc/sys");
	assert_string_equal(l->mount_label, "system_u:object_r:container_file_t:s0");
	assert_true(l->personality.present);
	assert_int_equal(l->personality.domain, PER_LINUX32);
	assert_true(l->intel_rdt.present);
	assert_string_equal(l->intel_rdt.clos_id, "c1");
	assert_string_equal(l->intel_rdt.mem_bw_schema, "MB:0=20");
	assert_string_equal(l->intel_rdt.schemata[0], "L2:0=f");
	assert_true(l->intel_rdt.enable_cmt);
	assert_false(l->intel_rdt.enable_mbm);
	assert_true(l->intel_rdt.enable_monitoring);
	assert_true(l->memory_policy.present);
	assert_int_equal(l->memory_policy.mode, 3 /* MPOL_INTERLEAVE */);
	assert_string_equal(l->memory_policy.nodes, "0-1");
	assert_int_equal(l->memory_policy.flags, RT_MPOL_F_STATIC_NODES);

	/* resources */
	assert_true(res->present);
	assert_int_equal(res->n_devices, 3);
	assert_false(res->devices[0].allow);
	assert_int_equal(res->devices[0].type, 'a');
	assert_int_equal(res->devices[0].major, -1);
	assert_string_equal(res->devices[0].access, "rwm");
	assert_string_equal(res->devices[1].access, "mw");
	assert_int_equal(res->devices[2].type, 'b');
	assert_int_equal(res->devices[2].major, 8);
	assert_int_equal(res->devices[2].minor, -1);
	assert_true(res->memory.has_limit);
	assert_int_equal(res->memory.limit, 536870912);
	assert_int_equal(res->memory.reservation, 1024);
	assert_int_equal(res->memory.swap, -1);
	assert_int_equal(res->memory.kernel, -1);
	assert_true(res->memory.has_kernel_tcp);
	assert_int_equal(res->memory.kernel_tcp, 0);
	assert_true(res->memory.has_swappiness);
	assert_int_equal(res->memory.swappiness, 60);
	assert_true(res->memory.disable_oom_killer);
	assert_true(res->memory.use_hierarchy);
	assert_true(res->memory.check_before_update);
	assert_int_equal(res->cpu.shares, 1024);
	assert_int_equal(res->cpu.quota, -1);
	assert_int_equal(res->cpu.burst, 1000);
	assert_int_equal(res->cpu.period, 100000);
	assert_int_equal(res->cpu.realtime_runtime, 950000);
	assert_int_equal(res->cpu.realtime_period, 1000000);
	assert_string_equal(res->cpu.cpus, "0-1");
	assert_string_equal(res->cpu.mems, "0");
	assert_true(res->cpu.has_idle);
	assert_int_equal(res->cpu.idle, 1);
	assert_true(res->pids.has_limit);
	assert_int_equal(res->pids.limit, 0);
	assert_int_equal(res->block_io.weight, 10);
	assert_int_equal(res->block_io.leaf_weight, 20);
	assert_int_equal(res->block_io.n_weight_device, 2);
	assert_false(res->block_io.weight_device[1].has_weight);
	assert_int_equal(res->block_io.weight_device[1].leaf_weight, 7);
	assert_int_equal(res->block_io.throttle_read_bps[0].rate, 600);
	assert_int_equal(res->block_io.throttle_write_bps[0].rate, 601);
	assert_int_equal(res->block_io.throttle_read_iops[0].rate, 602);
	assert_int_equal(res->block_io.throttle_write_iops[0].minor, 3);
	assert_int_equal(res->n_hugepage_limits, 2);
	assert_string_equal(res->hugepage_limits[1].page_size, "1GB");
	assert_int_equal(res->network.class_id, 1048577);
	assert_string_equal(res->network.priorities[0].name, "eth0");
	assert_int_equal(res->network.priorities[0].priority, 500);
	assert_int_equal(res->n_rdma, 1);
	assert_string_equal(res->rdma[0].device, "mlx5_1");
	assert_int_equal(res->rdma[0].hca_objects, 10000);
	assert_int_equal(res->n_unified, 2);
	assert_string_equal(res->unified[1].key, "memory.high");

	/* seccomp */
	assert_true(sc->present);
	assert_int_equal(sc->default_action, SCMP_ACT_ERRNO(0));
	assert_true(sc->has_default_errno_ret);
	assert_int_equal(sc->default_errno_ret, 38);
	assert_int_equal(sc->n_architectures, 5);
	assert_int_equal(sc->architectures[0], SCMP_ARCH_X86_64);
	assert_int_equal(sc->architectures[1], SCMP_ARCH_X86);
	assert_int_equal(sc->architectures[3], SCMP_ARCH_AARCH64);
	assert_int_equal(sc->n_flags, 2);
	assert_string_equal(sc->flags[1], "SECCOMP_FILTER_FLAG_SPEC_ALLOW");
	assert_string_equal(sc->listener_path, "/run/agent.sock");
	assert_string_equal(sc->listener_metadata, "meta");
	assert_int_equal(sc->n_syscalls, 9);
	assert_string_equal(sc->syscalls[0].names[1], "write");
	assert_int_equal(sc->syscalls[1].n_args, 2);
	assert_int_equal(sc->syscalls[1].args[0].value, 4294967295u);
	assert_int_equal(sc->syscalls[1].args[0].op, SCMP_CMP_EQ);
	assert_int_equal(sc->syscalls[1].args[1].index, 5);
	assert_int_equal(sc->syscalls[1].args[1].value, UINT64_MAX);
	assert_int_equal(sc->syscalls[1].args[1].value_two, 3);
	assert_int_equal(sc->syscalls[1].args[1].op, SCMP_CMP_MASKED_EQ);
	assert_true(sc->syscalls[2].has_errno_ret);
	assert_int_equal(sc->syscalls[2].errno_ret, 1);
	assert_int_equal(sc->syscalls[3].action, SCMP_ACT_TRACE(0));
	assert_int_equal(sc->syscalls[4].action, SCMP_ACT_NOTIFY);
	assert_int_equal(sc->syscalls[5].action, SCMP_ACT_KILL_PROCESS);
	assert_int_equal(sc->syscalls[6].action, SCMP_ACT_LOG);
	assert_int_equal(sc->syscalls[7].action, SCMP_ACT_TRAP);
	assert_int_equal(sc->syscalls[8].action, SCMP_ACT_KILL);
	rt_spec_free(s);
}

/* ---- mount options ---- */

static const struct {
	const char *opts; /* JSON array body */
	unsigned long flags, clear, prop;
	bool bind, rec;
	const char *data;
} mount_cases[] = {
	{ "", 0, 0, 0, false, false, NULL },
	{ "\"defaults\"", 0, 0, 0, false, false, NULL },
	{ "\"ro\",\"nosuid\",\"nodev\",\"noexec\"", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, 0, 0, false,
	  false, NULL },
	{ "\"rw\",\"suid\",\"dev\",\"exec\"", 0, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, 0, false,
	  false, NULL },
	{ "\"sync\",\"dirsync\",\"mand\"", MS_SYNCHRONOUS | MS_DIRSYNC | MS_MANDLOCK, 0, 0, false, false,
	  NULL },
	{ "\"async\",\"nomand\"", 0, MS_SYNCHRONOUS | MS_MANDLOCK, 0, false, false, NULL },
	{ "\"noatime\",\"nodiratime\",\"relatime\",\"strictatime\"",
	  MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME, 0, 0, false, false, NULL },
	{ "\"atime\",\"diratime\",\"norelatime\",\"nostrictatime\"", 0,
	  MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME, 0, false, false, NULL },
	{ "\"nosymfollow\",\"remount\"", MS_NOSYMFOLLOW | MS_REMOUNT, 0, 0, false, false, NULL },
	{ "\"bind\"", 0, 0, 0, true, false, NULL },
	{ "\"rbind\",\"rprivate\"", 0, 0, MS_PRIVATE | MS_REC, true, true, NULL },
	{ "\"shared\"", 0, 0, MS_SHARED, false, false, NULL },
	{ "\"rshared\"", 0, 0, MS_SHARED | MS_REC, false, true, NULL },
	{ "\"slave\"", 0, 0, MS_SLAVE, false, false, NULL },
	{ "\"unbindable\"", 0, 0, MS_UNBINDABLE, false, false, NULL },
	{ "\"runbindable\"", 0, 0, MS_UNBINDABLE | MS_REC, false, true, NULL },
	{ "\"private\",\"shared\"", 0, 0, MS_SHARED, false, false, NULL }, /* last wins */
	{ "\"ro\",\"rw\"", 0, MS_RDONLY, 0, false, false, NULL },
	{ "\"rw\",\"ro\"", MS_RDONLY, 0, 0, false, false, NULL },
	{ "\"mode=755\",\"ro\",\"size=1k\",\"tmpcopyup\"", MS_RDONLY, 0, 0, false, false,
	  "mode=755,size=1k" },
	{ "\"newinstance\",\"\",\"gid=5\"", 0, 0, 0, false, false, "newinstance,gid=5" },
	{ "\"lazytime\",\"iversion\",\"silent\"", MS_LAZYTIME | MS_I_VERSION | MS_SILENT, 0, 0, false, false,
	  NULL },
};

static void test_mount_options(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(mount_cases); i++) {
		char json[1024];
		struct rt_spec *s = NULL;
		struct rt_err err = { 0 };
		struct rt_mount *m;

		snprintf(json, sizeof(json),
			 "{\"ociVersion\":\"1.0.0\",\"mounts\":[{\"destination\":\"/m\",\"options\":[%s]}]}",
			 mount_cases[i].opts);
		if (parse_str(json, &s, &err) < 0)
			fail_msg("[%s]: %s", mount_cases[i].opts, err.msg);
		m = &s->mounts[0];
		if (m->flags != mount_cases[i].flags || m->clear_flags != mount_cases[i].clear ||
		    m->propagation != mount_cases[i].prop || m->bind != mount_cases[i].bind ||
		    m->recursive != mount_cases[i].rec)
			fail_msg("[%s]: flags %#lx clear %#lx prop %#lx bind %d rec %d", mount_cases[i].opts,
				 m->flags, m->clear_flags, m->propagation, m->bind, m->recursive);
		if (mount_cases[i].data)
			assert_string_equal(m->data, mount_cases[i].data);
		else
			assert_null(m->data);
		rt_spec_free(s);
	}
}

/* ---- versions ---- */

static void test_versions(void **state)
{
	static const char *const ok[] = { "1.0.0", "1.0.2-dev",	    "1.1.0-rc.1", "1.2.1",
					  "1.3.0", "1.3.7+build.5", "1.0.0-rc5" };
	static const char *const bad[] = { "0.5", "0.5.0",  "2.0.0",  "1.4.0",	"1.0",	  "1",
					   "",	  "1.0.0-", "v1.0.0", "01.0.0", "1.0.0 ", "1.03.0" };
	char json[256];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		struct rt_spec *s = NULL;
		struct rt_err err = { 0 };

		snprintf(json, sizeof(json), "{\"ociVersion\":\"%s\"}", ok[i]);
		if (parse_str(json, &s, &err) < 0)
			fail_msg("%s: %s", ok[i], err.msg);
		assert_string_equal(s->oci_version, ok[i]);
		rt_spec_free(s);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(json, sizeof(json), "{\"ociVersion\":\"%s\"}", bad[i]);
		expect_error(json, strlen(json), "ociVersion: unsupported version");
	}
}

/* ---- bad inputs built in code ---- */

static void test_bad_inline(void **state)
{
	static const struct {
		const char *json;
		const char *want;
	} cases[] = {
		{ "", "invalid JSON at line 1, column 0" },
		{ "{", "invalid JSON at line 1, column 1" },
		{ "{\"ociVersion\":\"1.0.0\",\n \"hostname\": tru}", "invalid JSON at line 2" },
		{ "\"just a string\"", "invalid JSON" },
		{ "null", "invalid JSON" },
		{ "{\"ociVersion\":null}", "ociVersion: is required" },
		{ "{\"ociVersion\":\"1.0.0\",\"process\":null,\"root\":{\"path\":\"\"}}",
		  "root.path: must not be empty" },
		{ "{\"ociVersion\":\"1.0.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/"
		  "\",\"user\":{\"uid\":1e3,\"gid\":0}}}",
		  "process.user.uid: expected an integer" },
		{ "{\"ociVersion\":\"1.0.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/"
		  "\",\"user\":{\"uid\":0,\"gid\":0,\"additionalGids\":[-1]}}}",
		  "process.user.additionalGids[0]: must not be negative" },
		{ "{\"ociVersion\":\"1.0.0\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/"
		  "\",\"user\":{\"uid\":0,\"gid\":0,\"additionalGids\":[0,1,2,3,4,5,6,7,8,9,-1]}}}",
		  "process.user.additionalGids[10]: must not be negative" },
		{ "{\"ociVersion\":\"1.0.0\",\"linux\":{\"resources\":{\"memory\":{\"limit\":-"
		  "18446744073709551615}}}}",
		  "too big negative integer" },
		{ "{\"ociVersion\":\"1.0.0\",\"linux\":{\"resources\":{\"memory\":{\"limit\":"
		  "18446744073709551616}}}}",
		  "too big integer" },
		{ "{\"ociVersion\":\"1.0.0\",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
		  "\"syscalls\":[{\"names\":[\"x\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,"
		  "\"value\":18446744073709551614,\"op\":\"SCMP_CMP_EQ\"}]}]}}}",
		  "too big integer" },
		{ "{\"ociVersion\":\"1.0.0\",\"annotations\":{\"k\":\"18446744073709551615\",\"n\":"
		  "18446744073709551615}}",
		  "annotations[\"n\"]: expected a string" },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		expect_error(cases[i].json, strlen(cases[i].json), cases[i].want);
}

/* sj_push_index writes its digits by hand: every width, and pop restores. */
static void test_push_index(void **state)
{
	static const struct {
		size_t i;
		const char *want;
	} cases[] = { { 0, "a[0]" },
		      { 9, "a[9]" },
		      { 10, "a[10]" },
		      { 1234567890, "a[1234567890]" },
		      { SIZE_MAX, "a[18446744073709551615]" } };
	struct rt_err err = { 0 };
	struct sj_ctx c = { .err = &err, .name = "t" };

	(void)state;
	sj_push_key(&c, "a");
	for (size_t k = 0; k < ARRAY_SIZE(cases); k++) {
		size_t saved = sj_push_index(&c, cases[k].i);

		assert_string_equal(c.path, cases[k].want);
		sj_pop(&c, saved);
		assert_string_equal(c.path, "a");
	}
}

static void test_deep_nesting(void **state)
{
	size_t depth = 10000, len = 0;
	char *buf = malloc(depth * 2 + 64);

	(void)state;
	assert_non_null(buf);
	len += (size_t)sprintf(buf, "{\"ociVersion\":\"1.0.0\",\"x\":");
	memset(buf + len, '[', depth);
	len += depth;
	memset(buf + len, ']', depth);
	len += depth;
	buf[len++] = '}';
	expect_error(buf, len, "maximum parsing depth reached");
	free(buf);
}

static void test_embedded_nul_byte(void **state)
{
	static const char json[] = "{\"ociVersion\":\"1.0\0.0\"}";

	(void)state;
	expect_error(json, sizeof(json) - 1, "invalid JSON");
}

static void test_oversized(void **state)
{
	size_t len = RT_SPEC_MAX_SIZE + 1;
	char *buf = malloc(len);
	char dir[] = "/tmp/capsa-test-spec-XXXXXX", path[64];
	struct rt_spec *s = NULL;
	struct rt_err err = { 0 };
	int fd, r;

	(void)state;
	assert_non_null(buf);
	/* A valid document padded with whitespace: only the size is wrong. */
	memset(buf, ' ', len);
	memcpy(buf, "{\"ociVersion\":\"1.0.0\"}", 22);
	expect_error(buf, len, "too large");
	/* Exactly at the limit is fine. */
	r = rt_spec_parse(buf, len - 1, "config.json", &s, &err);
	assert_int_equal(r, 0);
	rt_spec_free(s);
	s = NULL;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/config.json", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(rt_write_all(fd, buf, len), 0);
	close(fd);
	free(buf);
	r = rt_spec_load(path, &s, &err);
	assert_int_equal(r, -EFBIG);
	assert_null(s);
	assert_non_null(strstr(err.msg, "too large"));
	/* Exactly at the limit is fine. */
	assert_int_equal(truncate(path, RT_SPEC_MAX_SIZE), 0);
	r = rt_spec_load(path, &s, &err);
	assert_int_equal(r, 0);
	rt_spec_free(s);
	unlink(path);
	rmdir(dir);
	s = NULL;
	r = rt_spec_load("/nonexistent/config.json", &s, &err);
	assert_int_equal(r, -ENOENT);
	assert_non_null(strstr(err.msg, "/nonexistent/config.json"));
}

/* ---- tests/badspec/ ---- */

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_badspec_dir(void **state)
{
	char dirpath[PATH_MAX];
	char *names[512];
	size_t n = 0;
	struct dirent *de;
	DIR *d;

	(void)state;
	snprintf(dirpath, sizeof(dirpath), "%s", srcpath("tests/badspec"));
	d = opendir(dirpath);
	if (!d)
		fail_msg("opendir %s: %s (run from the repo root or set CAPSA_SRCDIR)", dirpath,
			 strerror(errno));
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (l > 5 && strcmp(de->d_name + l - 5, ".json") == 0 && n < ARRAY_SIZE(names))
			names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), name_cmp);
	assert_true(n >= 60);
	for (size_t i = 0; i < n; i++) {
		char path[PATH_MAX * 2], want[512];
		_cleanup_free_ char *buf = NULL;
		size_t len = 0;
		FILE *f;

		snprintf(path, sizeof(path), "%s/%.*s.expect", dirpath, (int)(strlen(names[i]) - 5),
			 names[i]);
		f = fopen(path, "re");
		if (!f || !fgets(want, sizeof(want), f))
			fail_msg("%s: missing expectation", path);
		fclose(f);
		want[strcspn(want, "\n")] = '\0';
		assert_true(want[0] != '\0');
		snprintf(path, sizeof(path), "%s/%s", dirpath, names[i]);
		assert_int_equal(rt_read_file_at(AT_FDCWD, path, RT_SPEC_MAX_SIZE, &buf, &len), 0);
		cur_label = names[i];
		expect_error(buf, len, want);
		cur_label = "inline";
		free(names[i]);
	}
}

/* ---- process.json and resources alone ---- */

static void test_process_parse(void **state)
{
	static const char ok[] = "{\"args\":[\"/bin/ls\",\"-l\"],\"cwd\":\"/tmp\",\"env\":[\"A=1\"],"
				 "\"user\":{\"uid\":5,\"gid\":6},\"terminal\":false,"
				 "\"capabilities\":{\"bounding\":[\"CAP_CHOWN\"]},\"futureField\":{}}";
	static const char bad[] = "{\"args\":[],\"cwd\":\"/\"}";
	struct rt_process p = { 0 }, untouched = { .n_args = 42 };
	struct rt_err err = { 0 };

	(void)state;
	assert_int_equal(rt_process_parse(ok, strlen(ok), NULL, &p, &err), 0);
	assert_int_equal(p.n_args, 2);
	assert_string_equal(p.args[1], "-l");
	assert_string_equal(p.cwd, "/tmp");
	assert_int_equal(p.user.gid, 6);
	assert_int_equal(p.caps.bounding, 1);
	rt_process_clear(&p);
	assert_null(p.args);
	assert_int_equal(rt_process_parse(bad, strlen(bad), "process.json", &untouched, &err), -EINVAL);
	assert_string_equal(err.msg, "process.json: args: must be a non-empty array of strings");
	assert_int_equal(untouched.n_args, 42);
	assert_true(rt_process_parse("{\"args\":[\"x\"]}", 14, "p.json", &p, &err) < 0);
	assert_string_equal(err.msg, "p.json: cwd: is required");
}

static void test_resources_parse(void **state)
{
	static const char ok[] =
	    "{\"memory\":{\"limit\":1048576,\"swap\":-1,\"swappiness\":18446744073709551615},"
	    "\"cpu\":{\"quota\":50000,\"period\":100000},\"pids\":{\"limit\":-1},"
	    "\"blockIO\":{\"weight\":100}}";
	static const char bad[] = "{\"memory\":{\"limit\":1.5}}";
	struct rt_resources r = { 0 };
	struct rt_err err = { 0 };

	(void)state;
	assert_int_equal(rt_resources_parse(ok, strlen(ok), NULL, &r, &err), 0);
	assert_true(r.present);
	assert_int_equal(r.memory.limit, 1048576);
	assert_int_equal(r.memory.swap, -1);
	assert_false(r.memory.has_swappiness); /* docker's "unset" */
	assert_false(r.memory.has_reservation);
	assert_int_equal(r.cpu.quota, 50000);
	assert_int_equal(r.pids.limit, -1);
	assert_int_equal(r.block_io.weight, 100);
	rt_resources_clear(&r);
	assert_true(rt_resources_parse(bad, strlen(bad), "resources.json", &r, &err) < 0);
	assert_string_equal(err.msg, "resources.json: memory.limit: expected an integer");
}

/* ---- lookups ---- */

static void test_signals(void **state)
{
	static const struct {
		const char *name;
		int sig;
	} cases[] = {
		{ "KILL", SIGKILL },	{ "SIGKILL", SIGKILL }, { "kill", SIGKILL },
		{ "sigterm", SIGTERM }, { "TERM", SIGTERM },	{ "9", 9 },
		{ "15", 15 },		{ "HUP", SIGHUP },	{ "SIGUSR1", SIGUSR1 },
		{ "WINCH", SIGWINCH },	{ "CHLD", SIGCHLD },	{ "SIGCLD", SIGCHLD },
		{ "RTMIN", 0 },		{ "RTMIN+3", 3 },	{ "SIGRTMAX-1", -1 },
		{ "SIGRTMAX", -2 },	{ "SIGPWR", SIGPWR },	{ "SIGSYS", SIGSYS },
	};
	static const char *const bad[] = { "",	 "FOO",	     "SIGFOO", "0",   "65",    "-9",
					   "9x", "RTMIN+40", "RTMIN+", "SIG", "KILL ", "99999999999" };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int want = cases[i].sig;

		if (strstr(cases[i].name, "RTMIN"))
			want = SIGRTMIN + want;
		else if (strstr(cases[i].name, "RTMAX"))
			want = SIGRTMAX + (want == -2 ? 0 : want);
		if (rt_signal_from_name(cases[i].name) != want)
			fail_msg("%s: got %d want %d", cases[i].name, rt_signal_from_name(cases[i].name),
				 want);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (rt_signal_from_name(bad[i]) != -EINVAL)
			fail_msg("\"%s\" accepted as %d", bad[i], rt_signal_from_name(bad[i]));
	assert_int_equal(rt_signal_from_name(NULL), -EINVAL);
}

static void test_namespaces(void **state)
{
	static const struct {
		enum rt_ns_type t;
		const char *name;
		int flag;
	} cases[] = {
		{ RT_NS_USER, "user", CLONE_NEWUSER },	     { RT_NS_PID, "pid", CLONE_NEWPID },
		{ RT_NS_NET, "network", CLONE_NEWNET },	     { RT_NS_MOUNT, "mount", CLONE_NEWNS },
		{ RT_NS_IPC, "ipc", CLONE_NEWIPC },	     { RT_NS_UTS, "uts", CLONE_NEWUTS },
		{ RT_NS_CGROUP, "cgroup", CLONE_NEWCGROUP }, { RT_NS_TIME, "time", CLONE_NEWTIME },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_string_equal(rt_ns_type_name(cases[i].t), cases[i].name);
		assert_int_equal(rt_ns_clone_flag(cases[i].t), cases[i].flag);
		assert_int_equal(rt_ns_type_from_name(cases[i].name), cases[i].t);
	}
	assert_null(rt_ns_type_name(RT_NS_MAX));
	assert_int_equal(rt_ns_clone_flag(RT_NS_MAX), -EINVAL);
	assert_int_equal(rt_ns_type_from_name("net"), -EINVAL);
}

/* Null is "absent", unknown keys are ignored, and a parse error leaves no
 * leak (the ASan build checks the latter across all bad inputs). */
static void test_leniency(void **state)
{
	static const char json[] =
	    "{\"ociVersion\":\"1.1.0\",\"hostname\":null,\"process\":{\"args\":[\"a\"],\"cwd\":\"/\","
	    "\"rlimits\":null,\"user\":{\"uid\":0,\"gid\":0,\"username\":\"root\"}},\"solaris\":{\"x\":1},"
	    "\"linux\":{\"resources\":{\"oomScoreAdj\":5,\"memory\":{\"limit\":null}},\"namespaces\":[]}}";
	struct rt_spec *s = NULL;
	struct rt_err err = { 0 };

	(void)state;
	if (parse_str(json, &s, &err) < 0)
		fail_msg("%s", err.msg);
	assert_null(s->hostname);
	assert_int_equal(s->process.n_rlimits, 0);
	assert_false(s->linux_.resources.memory.has_limit);
	assert_false(s->linux_.namespaces[RT_NS_PID].present);
	assert_false(s->linux_.seccomp.present);
	assert_false(s->process.caps.present);
	rt_spec_free(s);
	rt_spec_free(NULL);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_examples), cmocka_unit_test(test_spec_example),
		cmocka_unit_test(test_full),	      cmocka_unit_test(test_mount_options),
		cmocka_unit_test(test_versions),      cmocka_unit_test(test_bad_inline),
		cmocka_unit_test(test_deep_nesting),  cmocka_unit_test(test_embedded_nul_byte),
		cmocka_unit_test(test_oversized),     cmocka_unit_test(test_badspec_dir),
		cmocka_unit_test(test_process_parse), cmocka_unit_test(test_resources_parse),
		cmocka_unit_test(test_signals),	      cmocka_unit_test(test_namespaces),
		cmocka_unit_test(test_leniency),      cmocka_unit_test(test_push_index),
	};

	if (argc > 1)
		setenv("CAPSA_SRCDIR", argv[1], 1);
	find_srcdir();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
