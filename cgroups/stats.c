/* Statistics: runc's `events --stats` data shape, and the one-line summary
 * of `capsa run --stats`.  Counters a host does not have are left out (or
 * 0, where runc's shape always has the key). */
#include "internal.h"

#include <dirent.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/util.h"

static json_int_t u64(int64_t v)
{
	return (json_int_t)(v < 0 ? 0 : v);
}

/* a file value, 0 when missing; "max" -> 0 (runc reports no limit as 0
 * for pids, and as the largest value for memory: see mem_limit) */
static int64_t rd(const struct cg_manager *m, enum cg_ctrl c, const char *file)
{
	int64_t v = 0;

	if (cg_read_u64(m, c, file, &v) < 0 || v < 0)
		return 0;
	return v;
}

static int64_t rdk(const struct cg_manager *m, enum cg_ctrl c, const char *file, const char *key)
{
	int64_t v = 0;

	if (cg_read_keyed(m, c, file, key, &v) < 0)
		return 0;
	return v;
}

static json_t *percpu(const struct cg_manager *m, const char *file)
{
	_cleanup_free_ char *buf = NULL;
	json_t *a = json_array();

	if (!a || cg_read(m, CG_CPUACCT, file, &buf) < 0)
		return a;
	for (char *p = buf, *end;; p = end) {
		long long v = strtoll(p, &end, 10);

		if (end == p)
			break;
		json_array_append_new(a, json_integer(v));
	}
	return a;
}

static json_t *cpu_stats(const struct cg_manager *m)
{
	json_t *usage, *thr;

	if (cg_ctrl_is_v2(m, CG_CPUACCT)) {
		usage = json_pack("{s:I,s:[],s:I,s:I}", "total",
				  (json_int_t)rdk(m, CG_CPUACCT, "cpu.stat", "usage_usec") * 1000, "percpu",
				  "kernel", (json_int_t)rdk(m, CG_CPUACCT, "cpu.stat", "system_usec") * 1000,
				  "user", (json_int_t)rdk(m, CG_CPUACCT, "cpu.stat", "user_usec") * 1000);
		thr = json_pack("{s:I,s:I,s:I}", "periods",
				(json_int_t)rdk(m, CG_CPU, "cpu.stat", "nr_periods"), "throttled_periods",
				(json_int_t)rdk(m, CG_CPU, "cpu.stat", "nr_throttled"), "throttled_time",
				(json_int_t)rdk(m, CG_CPU, "cpu.stat", "throttled_usec") * 1000);
	} else {
		int64_t user = 0, sys = 0;

		/* ns counters since 4.x; the USER_HZ ticks of cpuacct.stat otherwise */
		if (cg_read_u64(m, CG_CPUACCT, "cpuacct.usage_user", &user) < 0 ||
		    cg_read_u64(m, CG_CPUACCT, "cpuacct.usage_sys", &sys) < 0) {
			long hz = sysconf(_SC_CLK_TCK);

			hz = hz > 0 ? hz : 100;
			user = rdk(m, CG_CPUACCT, "cpuacct.stat", "user") * (1000000000 / hz);
			sys = rdk(m, CG_CPUACCT, "cpuacct.stat", "system") * (1000000000 / hz);
		}
		usage =
		    json_pack("{s:I,s:o,s:o,s:o,s:I,s:I}", "total", u64(rd(m, CG_CPUACCT, "cpuacct.usage")),
			      "percpu", percpu(m, "cpuacct.usage_percpu"), "percpu_kernel",
			      percpu(m, "cpuacct.usage_percpu_sys"), "percpu_user",
			      percpu(m, "cpuacct.usage_percpu_user"), "kernel", u64(sys), "user", u64(user));
		thr = json_pack("{s:I,s:I,s:I}", "periods",
				(json_int_t)rdk(m, CG_CPU, "cpu.stat", "nr_periods"), "throttled_periods",
				(json_int_t)rdk(m, CG_CPU, "cpu.stat", "nr_throttled"), "throttled_time",
				(json_int_t)rdk(m, CG_CPU, "cpu.stat", "throttled_time"));
	}
	return json_pack("{s:o,s:o}", "usage", usage ? usage : json_object(), "throttling",
			 thr ? thr : json_object());
}

static json_t *mem_entry(const struct cg_manager *m, const char *prefix, bool v2)
{
	char f[4][96];
	int64_t limit = -1;

	if (v2) {
		/* prefix: "memory" or "memory.swap" */
		snprintf(f[0], sizeof(f[0]), "%s.max", prefix);
		snprintf(f[1], sizeof(f[1]), "%s.current", prefix);
		snprintf(f[2], sizeof(f[2]), "%s.peak", prefix);
		if (cg_read_u64(m, CG_MEMORY, f[0], &limit) < 0)
			limit = -1;
		return json_pack("{s:I,s:I,s:I,s:I}", "limit",
				 limit < 0 ? (json_int_t)INT64_MAX : (json_int_t)limit, "usage",
				 u64(rd(m, CG_MEMORY, f[1])), "max", u64(rd(m, CG_MEMORY, f[2])), "failcnt",
				 strcmp(prefix, "memory") == 0
				     ? (json_int_t)rdk(m, CG_MEMORY, "memory.events", "max")
				     : (json_int_t)rdk(m, CG_MEMORY, "memory.swap.events", "max"));
	}
	snprintf(f[0], sizeof(f[0]), "%s.limit_in_bytes", prefix);
	snprintf(f[1], sizeof(f[1]), "%s.usage_in_bytes", prefix);
	snprintf(f[2], sizeof(f[2]), "%s.max_usage_in_bytes", prefix);
	snprintf(f[3], sizeof(f[3]), "%s.failcnt", prefix);
	return json_pack("{s:I,s:I,s:I,s:I}", "limit", u64(rd(m, CG_MEMORY, f[0])), "usage",
			 u64(rd(m, CG_MEMORY, f[1])), "max", u64(rd(m, CG_MEMORY, f[2])), "failcnt",
			 u64(rd(m, CG_MEMORY, f[3])));
}

static json_t *memory_stats(const struct cg_manager *m)
{
	_cleanup_free_ char *stat = NULL;
	bool v2 = cg_ctrl_is_v2(m, CG_MEMORY);
	json_t *raw = json_object(), *o;
	char *save = NULL;

	if (cg_read(m, CG_MEMORY, "memory.stat", &stat) >= 0) {
		for (char *line = strtok_r(stat, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char *sp = strchr(line, ' ');

			if (!sp)
				continue;
			*sp = '\0';
			json_object_set_new(raw, line, json_integer(strtoll(sp + 1, NULL, 10)));
		}
	}
	o = json_pack("{s:I,s:o,s:o}", "cache",
		      json_integer_value(json_object_get(raw, v2 ? "file" : "cache")), "usage",
		      mem_entry(m, "memory", v2), "swap",
		      mem_entry(m, v2 ? "memory.swap" : "memory.memsw", v2));
	if (o && !v2) {
		json_object_set_new(o, "kernel", mem_entry(m, "memory.kmem", false));
		json_object_set_new(o, "kernel_tcp", mem_entry(m, "memory.kmem.tcp", false));
	}
	if (o)
		json_object_set_new(o, "raw", raw);
	else
		json_decref(raw);
	return o;
}

static json_t *pids_stats(const struct cg_manager *m)
{
	return json_pack("{s:I,s:I}", "current", u64(rd(m, CG_PIDS, "pids.current")), "limit",
			 u64(rd(m, CG_PIDS, "pids.max")));
}

static void blkio_v1_list(const struct cg_manager *m, const char *file, json_t *arr)
{
	_cleanup_free_ char *buf = NULL;
	char *save = NULL;

	if (cg_read(m, CG_BLKIO, file, &buf) < 0)
		return;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned maj, min;
		char op[32];
		unsigned long long v;

		if (sscanf(line, "%u:%u %31s %llu", &maj, &min, op, &v) != 4)
			continue;
		json_array_append_new(arr, json_pack("{s:i,s:i,s:s,s:I}", "major", maj, "minor", min, "op",
						     op, "value", (json_int_t)v));
	}
}

static json_t *blkio_stats(const struct cg_manager *m)
{
	json_t *bytes = json_array(), *ios = json_array();

	if (!cg_ctrl_dir(m, CG_BLKIO)) {
	} else if (cg_ctrl_is_v2(m, CG_BLKIO)) {
		_cleanup_free_ char *buf = NULL;
		char *save = NULL;

		if (cg_read(m, CG_BLKIO, "io.stat", &buf) >= 0) {
			for (char *line = strtok_r(buf, "\n", &save); line;
			     line = strtok_r(NULL, "\n", &save)) {
				unsigned maj, min;
				unsigned long long rb = 0, wb = 0, ri = 0, wi = 0;
				char *p;

				if (sscanf(line, "%u:%u", &maj, &min) != 2)
					continue;
				if ((p = strstr(line, "rbytes=")))
					rb = strtoull(p + 7, NULL, 10);
				if ((p = strstr(line, "wbytes=")))
					wb = strtoull(p + 7, NULL, 10);
				if ((p = strstr(line, "rios=")))
					ri = strtoull(p + 5, NULL, 10);
				if ((p = strstr(line, "wios=")))
					wi = strtoull(p + 5, NULL, 10);
				json_array_append_new(bytes,
						      json_pack("{s:i,s:i,s:s,s:I}", "major", maj, "minor",
								min, "op", "Read", "value", (json_int_t)rb));
				json_array_append_new(bytes,
						      json_pack("{s:i,s:i,s:s,s:I}", "major", maj, "minor",
								min, "op", "Write", "value", (json_int_t)wb));
				json_array_append_new(ios,
						      json_pack("{s:i,s:i,s:s,s:I}", "major", maj, "minor",
								min, "op", "Read", "value", (json_int_t)ri));
				json_array_append_new(ios,
						      json_pack("{s:i,s:i,s:s,s:I}", "major", maj, "minor",
								min, "op", "Write", "value", (json_int_t)wi));
			}
		}
	} else {
		blkio_v1_list(m, "blkio.throttle.io_service_bytes_recursive", bytes);
		blkio_v1_list(m, "blkio.throttle.io_serviced_recursive", ios);
	}
	return json_pack("{s:o,s:o}", "ioServiceBytesRecursive", bytes, "ioServicedRecursive", ios);
}

static json_t *hugetlb_stats(const struct cg_manager *m)
{
	json_t *o = json_object();
	DIR *d;
	struct dirent *de;
	bool v2 = cg_ctrl_is_v2(m, CG_HUGETLB);

	if (!o || !cg_ctrl_dir(m, CG_HUGETLB))
		return o;
	d = opendir("/sys/kernel/mm/hugepages");
	if (!d)
		return o;
	while ((de = readdir(d))) {
		unsigned long long kb;
		char name[32], f[3][96];

		if (sscanf(de->d_name, "hugepages-%llukB", &kb) != 1 ||
		    cg_hugepage_name_from_kb(kb, name, sizeof(name)) < 0)
			continue;
		if (v2) {
			snprintf(f[0], sizeof(f[0]), "hugetlb.%s.current", name);
			snprintf(f[1], sizeof(f[1]), "hugetlb.%s.max", name);
			snprintf(f[2], sizeof(f[2]), "hugetlb.%s.events", name);
			json_object_set_new(o, name,
					    json_pack("{s:I,s:I,s:I}", "usage", u64(rd(m, CG_HUGETLB, f[0])),
						      "max", (json_int_t)0, "failcnt",
						      (json_int_t)rdk(m, CG_HUGETLB, f[2], "max")));
		} else {
			snprintf(f[0], sizeof(f[0]), "hugetlb.%s.usage_in_bytes", name);
			snprintf(f[1], sizeof(f[1]), "hugetlb.%s.max_usage_in_bytes", name);
			snprintf(f[2], sizeof(f[2]), "hugetlb.%s.failcnt", name);
			json_object_set_new(o, name,
					    json_pack("{s:I,s:I,s:I}", "usage", u64(rd(m, CG_HUGETLB, f[0])),
						      "max", u64(rd(m, CG_HUGETLB, f[1])), "failcnt",
						      u64(rd(m, CG_HUGETLB, f[2]))));
		}
	}
	closedir(d);
	return o;
}

static int dump(json_t *o, char **ret, struct rt_err *err)
{
	char *s = json_dumps(o, JSON_COMPACT);

	if (!s)
		return rt_err_set(err, ENOMEM, "cgroup stats");
	*ret = s;
	return 0;
}

int cg_stats_json(struct cg_manager *m, char **ret, struct rt_err *err)
{
	_cleanup_(json_decrefp) json_t *o = json_object();

	if (!o)
		return rt_err_set(err, ENOMEM, "cgroup stats");
	if (cg_ctrl_dir(m, CG_CPU) || cg_ctrl_dir(m, CG_CPUACCT))
		json_object_set_new(o, "cpu", cpu_stats(m));
	if (cg_ctrl_dir(m, CG_MEMORY))
		json_object_set_new(o, "memory", memory_stats(m));
	if (cg_ctrl_dir(m, CG_PIDS))
		json_object_set_new(o, "pids", pids_stats(m));
	json_object_set_new(o, "blkio", blkio_stats(m));
	json_object_set_new(o, "hugetlb", hugetlb_stats(m));
	return dump(o, ret, err);
}

int cg_summary_json(struct cg_manager *m, char **ret, struct rt_err *err)
{
	_cleanup_(json_decrefp) json_t *o = json_object();
	int64_t peak = 0, usage = 0, user = 0, sys = 0, pids = 0, oom = 0;

	if (!o)
		return rt_err_set(err, ENOMEM, "cgroup stats");
	if (cg_ctrl_is_v2(m, CG_MEMORY)) {
		/* memory.peak exists since 5.19; the current usage otherwise */
		if (cg_read_u64(m, CG_MEMORY, "memory.peak", &peak) < 0)
			peak = rd(m, CG_MEMORY, "memory.current");
		oom = rdk(m, CG_MEMORY, "memory.events", "oom_kill");
	} else if (cg_ctrl_dir(m, CG_MEMORY)) {
		peak = rd(m, CG_MEMORY, "memory.max_usage_in_bytes");
		oom = rdk(m, CG_MEMORY, "memory.oom_control", "oom_kill");
	}
	if (cg_ctrl_is_v2(m, CG_CPUACCT)) {
		usage = rdk(m, CG_CPUACCT, "cpu.stat", "usage_usec");
		user = rdk(m, CG_CPUACCT, "cpu.stat", "user_usec");
		sys = rdk(m, CG_CPUACCT, "cpu.stat", "system_usec");
	} else if (cg_ctrl_dir(m, CG_CPUACCT)) {
		usage = rd(m, CG_CPUACCT, "cpuacct.usage") / 1000;
		user = rd(m, CG_CPUACCT, "cpuacct.usage_user") / 1000;
		sys = rd(m, CG_CPUACCT, "cpuacct.usage_sys") / 1000;
	}
	if (cg_ctrl_dir(m, CG_PIDS) && cg_read_u64(m, CG_PIDS, "pids.peak", &pids) < 0)
		pids = rd(m, CG_PIDS, "pids.current");
	json_object_set_new(o, "memory_peak_bytes", json_integer(u64(peak)));
	json_object_set_new(o, "cpu_usage_usec", json_integer(u64(usage)));
	json_object_set_new(o, "cpu_user_usec", json_integer(u64(user)));
	json_object_set_new(o, "cpu_system_usec", json_integer(u64(sys)));
	json_object_set_new(o, "pids_peak", json_integer(u64(pids)));
	json_object_set_new(o, "oom_kills", json_integer(u64(oom)));
	return dump(o, ret, err);
}
