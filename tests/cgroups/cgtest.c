/* Real-kernel test of the cgroup facade (root only): creates a container
 * cgroup with limits on this host (v1, hybrid or pure v2), runs children in
 * it and checks what the kernel enforces and reports.  Built and run by
 * tests/cgroups/run.sh.  Prints "ok"/"not ok" lines and "N passed, N failed". */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "cgroups/cgroup.h"
#include "cgroups/devices-bpf.h"
#include "cgroups/internal.h"
#include "runtime/util.h"

static int n_pass, n_fail;
/* controllers this host offers (a VM or a stripped-down host may lack some):
 * the checks that need a missing one are skipped, and say so */
static bool has_mem, has_pids, has_cpu;

static void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", ok ? "ok" : "not ok", n_pass + n_fail + 1);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (ok)
		n_pass++;
	else
		n_fail++;
}

static void msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* file content with the trailing newline removed, "" when unreadable */
static char *readf(const char *dir, const char *file)
{
	static char out[4096];
	char path[1024];
	char *buf = NULL;

	out[0] = '\0';
	if (!dir)
		return out;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (rt_read_file_at(AT_FDCWD, path, 1 << 20, &buf, NULL) < 0)
		return out;
	snprintf(out, sizeof(out), "%s", buf);
	free(buf);
	if (out[0] && out[strlen(out) - 1] == '\n')
		out[strlen(out) - 1] = '\0';
	return out;
}

static bool exists(const char *dir)
{
	struct stat st;

	return dir && stat(dir, &st) == 0;
}

/* count *capsa* directories under /sys/fs/cgroup */
static int count_capsa_dirs(void)
{
	FILE *f = popen("find /sys/fs/cgroup -name '*capsa*' 2>/dev/null | wc -l", "r");
	int n = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &n) != 1)
		n = -1;
	pclose(f);
	return n;
}

/* ---- children ---- */

struct child {
	pid_t pid;
	int go; /* write end: a byte releases the child */
};

typedef int (*child_fn)(void *);

static int spawn(struct cg_manager *m, child_fn fn, void *arg, struct child *c)
{
	int p[2];
	struct rt_err err;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	c->pid = fork();
	if (c->pid < 0)
		return -errno;
	if (c->pid == 0) {
		char b;

		close(p[1]);
		if (read(p[0], &b, 1) != 1)
			_exit(99);
		_exit(fn(arg));
	}
	close(p[0]);
	c->go = p[1];
	if (cg_add_pid(m, c->pid, &err) < 0) {
		printf("# cg_add_pid: %s\n", err.msg);
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
		close(c->go);
		return -1;
	}
	return 0;
}

static void go(struct child *c)
{
	if (write(c->go, "x", 1) != 1)
		perror("write");
	close(c->go);
}

static int wait_child(struct child *c)
{
	int st = 0;

	waitpid(c->pid, &st, 0);
	return st;
}

/* arg: a directory to mknod in (removed by the caller) */
static int child_devices(void *arg)
{
	char node[PATH_MAX];
	int fd, bad;

	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	close(fd);
	fd = open("/dev/kmsg", O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	bad = fd >= 0 || errno != EPERM;
	if (fd >= 0)
		close(fd);
	if (bad)
		return 2;
	/* no "c *:* m" in the defaults: mknod of 1:11 is refused, of 1:3 not */
	snprintf(node, sizeof(node), "%s/kmsg", (const char *)arg);
	if (mknod(node, S_IFCHR | 0600, makedev(1, 11)) == 0 || errno != EPERM)
		return 3;
	snprintf(node, sizeof(node), "%s/null", (const char *)arg);
	if (mknod(node, S_IFCHR | 0600, makedev(1, 3)) < 0)
		return 4;
	return 0;
}

static volatile unsigned long *counter;

static int child_spin(void *arg)
{
	(void)arg;
	for (;;)
		(*counter)++;
	return 0;
}

static int child_grandspin(void *arg)
{
	pid_t p = fork();

	if (p == 0)
		child_spin(arg);
	return p > 0 ? 0 : 1;
}

static int child_forks(void *arg)
{
	pid_t kids[32];
	int n = 0, e = 0;

	(void)arg;
	for (int i = 0; i < 20; i++) {
		pid_t p = fork();

		if (p == 0) {
			pause();
			_exit(0);
		}
		if (p < 0) {
			e = errno;
			break;
		}
		kids[n++] = p;
	}
	for (int i = 0; i < n; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	/* exit code: forks that succeeded, +100 when the failure was EAGAIN */
	return n + (e == EAGAIN ? 100 : 0);
}

static int child_busy2s(void *arg)
{
	struct timespec a, b;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &a);
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 2000000000L);
	return 0;
}

static int child_hog(void *arg)
{
	size_t sz = 64u << 20;
	volatile char *p = malloc(sz);

	(void)arg;
	if (!p)
		return 3;
	for (size_t i = 0; i < sz; i += 4096)
		p[i] = 1;
	return 0;
}

/* ---- helpers on the manager ---- */

static int64_t cpu_usage_usec(struct cg_manager *m)
{
	int64_t v = 0;

	if (cg_ctrl_is_v2(m, CG_CPUACCT)) {
		cg_read_keyed(m, CG_CPUACCT, "cpu.stat", "usage_usec", &v);
		return v;
	}
	cg_read_u64(m, CG_CPUACCT, "cpuacct.usage", &v);
	return v / 1000;
}

static bool in_all_hierarchies(struct cg_manager *m, pid_t pid)
{
	char path[64], line[1024];
	FILE *f;
	size_t n = 0, want = m->host->n;
	bool v2_seen = m->host->v2 < 0;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char *p = strrchr(line, ':');

		if (!p)
			continue;
		p[strcspn(p, "\n")] = '\0';
		if (strcmp(p + 1, cg_path(m)) == 0) {
			n++;
			if (strncmp(line, "0::", 3) == 0)
				v2_seen = true;
		}
	}
	fclose(f);
	return n == want && v2_seen;
}

/* ---- tests ---- */

static void test_paths(void)
{
	struct cg_manager *m = NULL;
	struct rt_err err = { 0 };
	int r;

	r = cg_open("/a/../b", "x", &m, &err);
	check(r == -EINVAL && strstr(err.msg, ".."), "\"..\" in cgroupsPath refused: %s", err.msg);
	r = cg_open(NULL, "capsa-t", &m, &err);
	check(r == 0 && strcmp(cg_path(m), "/capsa-capsa-t") == 0, "default path /capsa-<id>: %s",
	      r == 0 ? cg_path(m) : err.msg);
	cg_free(m);
	m = NULL;
	r = cg_open("//x//./y/", "id", &m, &err);
	check(r == 0 && strcmp(cg_path(m), "/x/y") == 0, "path normalised: %s",
	      r == 0 ? cg_path(m) : err.msg);
	cg_free(m);
	m = NULL;
	r = cg_open("rel/c", "id", &m, &err);
	check(r == 0 && strlen(cg_path(m)) >= 6 && strcmp(cg_path(m) + strlen(cg_path(m)) - 6, "/rel/c") == 0,
	      "relative path under the caller's cgroup: %s", r == 0 ? cg_path(m) : err.msg);
	cg_free(m);
}

static void test_missing_controller(const char *id)
{
	struct cg_manager *m = NULL;
	struct rt_resources res = { 0 };
	struct rt_err err = { 0 };
	int before = count_capsa_dirs(), r;
	enum cg_ctrl c;
	bool missing = false;

	/* a controller this host lacks: net_cls (never on v2), else hugetlb */
	if (cg_open(NULL, id, &m, &err) < 0)
		return check(false, "cg_open: %s", err.msg);
	if (!cg_ctrl_dir(m, CG_NET_CLS)) {
		c = CG_NET_CLS;
		res.network.has_class_id = true;
		res.network.class_id = 0x100001;
		missing = true;
	} else {
		c = CG_CTRL_MAX;
	}
	if (missing) {
		r = cg_create(m, &res, &err);
		check(r < 0 && strstr(err.msg, cg_ctrl_name_v1(c)),
		      "missing controller is an error naming it: %s", err.msg);
		check(count_capsa_dirs() == before, "failed create leaves nothing behind");
	}
	cg_free(m);
}

static void test_unified_refused(struct cg_manager *m)
{
	struct rt_kv kv = { .key = (char *)"memory.high", .value = (char *)"100M" };
	struct rt_resources res = { .unified = &kv, .n_unified = 1 };
	struct rt_err err = { 0 };
	int r;

	if (cg_ctrl_is_v2(m, CG_MEMORY)) {
		r = cg_update(m, &res, &err);
		check(r == 0 && strcmp(readf(cg_ctrl_dir(m, CG_MEMORY), "memory.high"), "104857600") == 0,
		      "unified memory.high written on v2: %s", r < 0 ? err.msg : "");
		return;
	}
	r = cg_update(m, &res, &err);
	check(r < 0 && strstr(err.msg, "memory controller"),
	      "unified memory.high refused when memory is on v1: %s", err.msg);
	if (cg_v2_dir(m)) {
		kv.key = (char *)"cgroup.max.descendants";
		kv.value = (char *)"7";
		r = cg_update(m, &res, &err);
		check(r == 0 && strcmp(readf(cg_v2_dir(m), "cgroup.max.descendants"), "7") == 0,
		      "unified cgroup.max.descendants written in the v2 hierarchy: %s", r < 0 ? err.msg : "");
	}
}

static void check_limits(struct cg_manager *m, int64_t mem, int64_t pids, int64_t quota, const char *when)
{
	const char *md = cg_ctrl_dir(m, CG_MEMORY), *pd = cg_ctrl_dir(m, CG_PIDS),
		   *cd = cg_ctrl_dir(m, CG_CPU);
	char want[64];

	snprintf(want, sizeof(want), "%lld", (long long)mem);
	if (!has_mem)
		printf("# skip: no memory controller\n");
	else if (cg_ctrl_is_v2(m, CG_MEMORY))
		check(strcmp(readf(md, "memory.max"), want) == 0, "%s: memory.max = %s (%s)", when, want,
		      readf(md, "memory.max"));
	else
		check(strcmp(readf(md, "memory.limit_in_bytes"), want) == 0,
		      "%s: memory.limit_in_bytes = %s (%s)", when, want, readf(md, "memory.limit_in_bytes"));
	snprintf(want, sizeof(want), "%lld", (long long)pids);
	if (has_pids)
		check(strcmp(readf(pd, "pids.max"), want) == 0, "%s: pids.max = %s (%s)", when, want,
		      readf(pd, "pids.max"));
	if (!has_cpu) {
		printf("# skip: no cpu controller\n");
	} else if (cg_ctrl_is_v2(m, CG_CPU)) {
		snprintf(want, sizeof(want), "%lld 100000", (long long)quota);
		check(strcmp(readf(cd, "cpu.max"), want) == 0, "%s: cpu.max = %s (%s)", when, want,
		      readf(cd, "cpu.max"));
	} else {
		snprintf(want, sizeof(want), "%lld", (long long)quota);
		check(strcmp(readf(cd, "cpu.cfs_quota_us"), want) == 0 &&
			  strcmp(readf(cd, "cpu.cfs_period_us"), "100000") == 0,
		      "%s: cpu.cfs_quota_us = %s (%s)", when, want, readf(cd, "cpu.cfs_quota_us"));
	}
}

static void test_container(const char *id)
{
	struct cg_manager *m = NULL;
	struct rt_device_rule deny_all = {
		.allow = false, .type = 'a', .major = -1, .minor = -1, .access = "rwm"
	};
	struct rt_resources res = { .present = true };
	struct rt_err err = { 0 };
	struct child c;
	char **dirs_copy;
	size_t ndirs;
	char nodedir[] = "/tmp/capsa-cgtest-XXXXXX";
	bool have_nodedir;
	int before = count_capsa_dirs(), st, r;

	if (cg_open(NULL, id, &m, &err) < 0)
		return check(false, "cg_open: %s", err.msg);
	has_mem = cg_ctrl_dir(m, CG_MEMORY);
	has_pids = cg_ctrl_dir(m, CG_PIDS);
	has_cpu = cg_ctrl_dir(m, CG_CPU) && cg_ctrl_dir(m, CG_CPUACCT);
	printf("# controllers: memory %d, pids %d, cpu %d\n", has_mem, has_pids, has_cpu);
	res.memory.has_limit = has_mem;
	res.memory.limit = 32 << 20;
	res.pids.has_limit = has_pids;
	res.pids.limit = 10;
	res.cpu.has_quota = res.cpu.has_period = res.cpu.has_shares = has_cpu;
	res.cpu.quota = 20000;
	res.cpu.period = 100000;
	res.cpu.shares = 512;
	res.devices = &deny_all;
	res.n_devices = 1;

	r = cg_create(m, &res, &err);
	check(r == 0, "cg_create %s: %s", cg_path(m), r < 0 ? err.msg : "ok");
	if (r < 0) {
		cg_free(m);
		return;
	}
	for (size_t i = 0; i < m->host->n; i++)
		check(exists(m->dirs[i]), "created in every hierarchy: %s", m->dirs[i]);
	check_limits(m, 32 << 20, 10, 20000, "create");
	if (!has_cpu)
		;
	else if (cg_ctrl_is_v2(m, CG_CPU))
		check(strcmp(readf(cg_ctrl_dir(m, CG_CPU), "cpu.weight"), "20") == 0,
		      "cpu.weight from shares 512 = 20 (%s)", readf(cg_ctrl_dir(m, CG_CPU), "cpu.weight"));
	else
		check(strcmp(readf(cg_ctrl_dir(m, CG_CPU), "cpu.shares"), "512") == 0, "cpu.shares = 512");
	if (!cg_ctrl_is_v2(m, CG_DEVICES)) {
		const char *list = readf(cg_ctrl_dir(m, CG_DEVICES), "devices.list");

		check(strstr(list, "c 1:3 rwm") && !strstr(list, "a *:* rwm"),
		      "devices.list: deny all + defaults (%.60s...)", list);
	} else {
		_cleanup_close_ int fd = open(cg_v2_dir(m), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		check(cg_bpf_devices_count(fd) == 1, "one device BPF program attached");
	}

	/* devices + membership */
	have_nodedir = mkdtemp(nodedir) != NULL;
	if (!have_nodedir)
		check(false, "mkdtemp: %s", strerror(errno));
	else if (spawn(m, child_devices, nodedir, &c) == 0) {
		check(in_all_hierarchies(m, c.pid), "child is in the cgroup in every hierarchy%s",
		      m->host->layout == CG_LAYOUT_HYBRID ? " (unified too)" : "");
		{
			pid_t *pids = NULL;
			size_t n = 0;

			r = cg_pids(m, &pids, &n, &err);
			check(r == 0 && n == 1 && pids[0] == c.pid, "cg_pids lists the child");
			free(pids);
		}
		go(&c);
		st = wait_child(&c);
		check(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "/dev/null opens and mknods, /dev/kmsg (not allowed) fails open and mknod with EPERM "
		      "(status %d)",
		      WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st));
	}
	if (have_nodedir) {
		char node[PATH_MAX];

		snprintf(node, sizeof(node), "%s/kmsg", nodedir);
		unlink(node);
		snprintf(node, sizeof(node), "%s/null", nodedir);
		unlink(node);
		rmdir(nodedir);
	}

	/* freezer */
	counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (counter != MAP_FAILED && spawn(m, child_spin, NULL, &c) == 0) {
		unsigned long a, b;

		go(&c);
		msleep(50);
		r = cg_freeze(m, true, &err);
		check(r == 0 && cg_is_frozen(m) == 1, "freeze: %s", r < 0 ? err.msg : "frozen");
		a = *counter;
		msleep(300);
		b = *counter;
		check(a == b, "no progress while frozen (%lu -> %lu)", a, b);
		r = cg_freeze(m, false, &err);
		msleep(100);
		check(r == 0 && cg_is_frozen(m) == 0 && *counter > b, "thaw: progress again");
		r = cg_kill(m, SIGTERM, &err);
		st = wait_child(&c);
		check(r == 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "cg_kill SIGTERM");
	}

	/* pids.max 10: the child + 9 forks, the 10th fork fails */
	if (has_pids && spawn(m, child_forks, NULL, &c) == 0) {
		go(&c);
		st = wait_child(&c);
		check(WIFEXITED(st) && WEXITSTATUS(st) == 109,
		      "pids.max 10: 9 forks succeed, the next fails with EAGAIN (status %d)",
		      WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	}

	/* cpu quota 20%: about 0.4 s of CPU in 2 s, from the cgroup's counter */
	if (has_cpu && spawn(m, child_busy2s, NULL, &c) == 0) {
		int64_t u0 = cpu_usage_usec(m), u1;

		go(&c);
		wait_child(&c);
		u1 = cpu_usage_usec(m);
		check(u1 - u0 > 100000 && u1 - u0 < 600000,
		      "cpu quota 20%%: busy 2 s used %lld ms of CPU (expect ~400)",
		      (long long)(u1 - u0) / 1000);
	}

	/* memory 32M: a 64M hog is OOM-killed */
	if (has_mem && spawn(m, child_hog, NULL, &c) == 0) {
		char *sum = NULL;

		go(&c);
		st = wait_child(&c);
		check(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "64M hog killed by SIGKILL");
		check(cg_oom_killed(m) == 1, "cg_oom_killed reports it");
		if (cg_summary_json(m, &sum, &err) == 0) {
			json_t *j = json_loads(sum, 0, NULL);
			json_int_t peak = json_integer_value(json_object_get(j, "memory_peak_bytes"));

			check(peak > (16 << 20) && peak <= (32 << 20) &&
				  json_integer_value(json_object_get(j, "oom_kills")) >= 1,
			      "summary: peak %lld <= limit, oom_kills >= 1: %s", (long long)peak, sum);
			json_decref(j);
			free(sum);
		} else {
			check(false, "cg_summary_json: %s", err.msg);
		}
	}

	/* update */
	res.memory.limit = 64 << 20;
	res.pids.limit = 20;
	res.cpu.quota = 50000;
	res.n_devices = 0;
	r = cg_update(m, &res, &err);
	check(r == 0, "cg_update: %s", r < 0 ? err.msg : "ok");
	check_limits(m, 64 << 20, 20, 50000, "update");
	test_unified_refused(m);

	/* checkBeforeUpdate: a limit below the usage is refused.  The spinner
	 * is a grandchild (reparented and reaped by init) so that cg_destroy
	 * has a live process to kill and no zombie of ours blocks the rmdir. */
	if (spawn(m, child_grandspin, NULL, &c) == 0) {
		struct rt_resources low = { .present = true };

		go(&c);
		wait_child(&c);
		msleep(50);
		low.memory.has_limit = true;
		low.memory.limit = 4096;
		low.memory.check_before_update = true;
		r = has_mem ? cg_update(m, &low, &err) : -1;
		check(!has_mem || (r < 0 && strstr(err.msg, "below the current usage")),
		      "checkBeforeUpdate refuses a limit below usage: %s", err.msg);

		/* stats while something runs */
		{
			char *s = NULL;

			r = cg_stats_json(m, &s, &err);
			if (r == 0 && (!has_mem || !has_pids || !has_cpu)) {
				json_t *j = json_loads(s, 0, NULL);

				check(j != NULL, "stats: valid JSON: %.200s", s);
				json_decref(j);
				free(s);
			} else if (r == 0) {
				json_t *j = json_loads(s, 0, NULL);

				check(json_integer_value(json_object_get(
					  json_object_get(json_object_get(j, "memory"), "usage"), "limit")) ==
					      (64 << 20) &&
					  json_integer_value(
					      json_object_get(json_object_get(j, "pids"), "current")) == 1 &&
					  json_integer_value(json_object_get(
					      json_object_get(json_object_get(j, "cpu"), "usage"), "total")) >
					      0,
				      "stats: memory.usage.limit, pids.current, cpu.usage.total");
				json_decref(j);
				free(s);
			} else {
				check(false, "cg_stats_json: %s", err.msg);
			}
		}
		/* destroy kills what is left */
	}

	ndirs = m->host->n;
	dirs_copy = calloc(ndirs, sizeof(char *));
	for (size_t i = 0; i < ndirs; i++) {
		char sub[PATH_MAX];

		dirs_copy[i] = strdup(m->dirs[i]);
		/* a cgroup made inside the container: destroy removes it too */
		snprintf(sub, sizeof(sub), "%s/nested", m->dirs[i]);
		check(mkdir(sub, 0755) == 0, "mkdir %s", sub);
	}
	r = cg_destroy(m, &err);
	check(r == 0, "cg_destroy: %s", r < 0 ? err.msg : "ok");
	for (size_t i = 0; i < ndirs; i++) {
		check(!exists(dirs_copy[i]), "removed: %s", dirs_copy[i]);
		free(dirs_copy[i]);
	}
	free(dirs_copy);
	check(count_capsa_dirs() == before, "no *capsa* cgroup left (%d before, %d after)", before,
	      count_capsa_dirs());
	r = cg_destroy(m, &err);
	check(r == 0, "cg_destroy again is a no-op: %s", r < 0 ? err.msg : "ok");
	cg_free(m);
}

/* The v2 device program on its own, in a scratch cgroup of the v2
 * hierarchy (on hybrid: /sys/fs/cgroup/unified, which needs no controller
 * for device programs). */
static int child_open(void *arg)
{
	const char **paths = arg;
	int res = 0;

	for (int i = 0; paths[i]; i++) {
		int fd = open(paths[i], O_RDONLY | O_CLOEXEC | O_NONBLOCK);

		if (fd >= 0) {
			res |= 1 << i;
			close(fd);
		}
	}
	return res;
}

/* A child in the v2 cgroup tries to open paths (child_open); its status. */
static int open_in_v2_cgroup(struct cg_manager *m, const char **paths)
{
	struct child c = { .go = -1 };

	c.pid = fork();
	if (c.pid == 0) {
		char b[24];
		int fd = open(cg_v2_dir(m), O_RDONLY | O_DIRECTORY);

		snprintf(b, sizeof(b), "%d", (int)getpid());
		if (rt_write_file_at(fd, "cgroup.procs", b, strlen(b)) < 0)
			_exit(99);
		_exit(child_open(paths));
	}
	return wait_child(&c);
}

static void test_bpf_program(const char *id)
{
	struct cg_manager *m = NULL;
	struct rt_err err = { 0 };
	static const char *paths[] = { "/dev/null", "/dev/zero", "/dev/full", NULL };
	struct rt_device_rule rules1[] = {
		{ .allow = true, .type = 'a', .major = -1, .minor = -1, .access = "rwm" },
		{ .allow = false, .type = 'c', .major = 1, .minor = 7, .access = "rwm" },
		{ .allow = true, .type = 'c', .major = 1, .minor = 3, .access = "w" },
	};
	struct rt_device_rule rules2[] = {
		{ .allow = true, .type = 'c', .major = 1, .minor = -1, .access = "r" },
		{ .allow = false, .type = 'c', .major = 1, .minor = 5, .access = "rw" },
	};
	struct bpf_insn *prog = NULL;
	size_t len;
	int cgfd, pfd = -1, pfd2 = -1, st;
	char path[128];

	snprintf(path, sizeof(path), "/%s", id);
	if (cg_open(path, id, &m, &err) < 0 || !cg_v2_dir(m)) {
		cg_free(m);
		return;
	}
	/* only the v2 hierarchy: mkdir it directly */
	if (mkdir(cg_v2_dir(m), 0755) < 0)
		return check(false, "mkdir %s: %m", cg_v2_dir(m));
	cgfd = open(cg_v2_dir(m), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	check(cg_bpf_devices_build(rules1, 3, &prog, &len) == 0 &&
		  cg_bpf_devices_load(prog, len, &pfd, &err) == 0 &&
		  cg_bpf_devices_attach(cgfd, pfd, &err) == 0,
	      "bpf: build, load, attach program 1: %s", err.msg);
	free(prog);
	prog = NULL;
	st = open_in_v2_cgroup(m, paths);
	/* last match wins: null (write-only rule does not match a read, falls
	 * to allow-all) yes, zero yes, full denied */
	check(WIFEXITED(st) && WEXITSTATUS(st) == 3, "bpf program 1: null+zero open, full denied (%d)",
	      WEXITSTATUS(st));

	check(cg_bpf_devices_build(rules2, 2, &prog, &len) == 0 &&
		  cg_bpf_devices_load(prog, len, &pfd2, &err) == 0 &&
		  cg_bpf_devices_attach(cgfd, pfd2, &err) == 0,
	      "bpf: replace with program 2: %s", err.msg);
	free(prog);
	check(cg_bpf_devices_count(cgfd) == 1, "bpf: exactly one program after the replace");
	st = open_in_v2_cgroup(m, paths);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 5, "bpf program 2: null+full read ok, zero denied (%d)",
	      WEXITSTATUS(st));
	/* two attached (another multi program), then a new one replaces both */
	if (bpf_prog_attach(pfd, cgfd, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI) == 0) {
		int pfd3 = -1;

		check(cg_bpf_devices_count(cgfd) == 2, "bpf: two programs attached");
		check(cg_bpf_devices_build(rules1, 3, &prog, &len) == 0 &&
			  cg_bpf_devices_load(prog, len, &pfd3, &err) == 0 &&
			  cg_bpf_devices_attach(cgfd, pfd3, &err) == 0 && cg_bpf_devices_count(cgfd) == 1,
		      "bpf: attach over two programs leaves one: %s", err.msg);
		free(prog);
		close(pfd3);
	}
	close(pfd);
	close(pfd2);
	close(cgfd);
	check(rmdir(cg_v2_dir(m)) == 0, "bpf: scratch cgroup removed");
	cg_free(m);
}

int main(void)
{
	char id[64];

	if (geteuid() != 0) {
		printf("# skipped: needs root\n0 passed, 0 failed\n");
		return 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("# layout: %s\n", cg_layout() == CG_LAYOUT_V2	   ? "v2"
				 : cg_layout() == CG_LAYOUT_HYBRID ? "hybrid"
								   : "v1");
	snprintf(id, sizeof(id), "cgtest-%d", (int)getpid());
	test_paths();
	test_missing_controller(id);
	test_container(id);
	snprintf(id, sizeof(id), "capsa-bpftest-%d", (int)getpid());
	test_bpf_program(id);
	printf("%d passed, %d failed\n", n_pass, n_fail);
	return n_fail ? 1 : 0;
}
