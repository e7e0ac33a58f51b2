/* linux.resources -> cgroup files, on v1 and v2.  Each controller is written
 * where the host has it (internal.h: cg_ctrl_dir); the pure value conversions
 * are in convert.c.
 *
 * Ignored on purpose (the caller logs them): memory.kernel and
 * memory.kernelTCP (deprecated in the runtime-spec, the kernel dropped
 * kmem limits in 5.16+ / cgroup v2 has no such files), memory.useHierarchy
 * (always on in current kernels), and on v2 swappiness and disableOOMKiller,
 * which have no v2 equivalent (runc ignores them there too). */
#include "internal.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroups/devices-bpf.h"
#include "runtime/util.h"

#define NUM 32

/* Before a controller's limits: 0 apply them, 1 skip them (the host cannot
 * apply them and the spec made them best-effort: one warning), < 0 error. */
static int need(struct cg_manager *m, enum cg_ctrl c, const char *what, struct rt_err *err)
{
	struct rt_err why = { 0 };
	int r = cg_require(m, c, what, &why);

	if (r >= 0)
		return 0;
	if (!(m->best_effort & CG_BIT(c))) {
		*err = why;
		return r;
	}
	rt_warn("%s: skipped (best-effort)", why.msg);
	return 1;
}

static int write_i64(struct cg_manager *m, enum cg_ctrl c, const char *file, int64_t v, struct rt_err *err)
{
	char buf[NUM];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return cg_write(m, c, file, buf, err);
}

static int write_u64(struct cg_manager *m, enum cg_ctrl c, const char *file, uint64_t v, struct rt_err *err)
{
	char buf[NUM];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return cg_write(m, c, file, buf, err);
}

/* An optional number for one file of a controller: written when `has`. */
struct num_write {
	bool has;
	const char *file;
	bool is_signed;
	uint64_t u;
	int64_t i;
};

static int write_nums(struct cg_manager *m, enum cg_ctrl c, const struct num_write *w, size_t n,
		      struct rt_err *err)
{
	for (size_t k = 0; k < n; k++) {
		int r = 0;

		if (w[k].has)
			r = w[k].is_signed ? write_i64(m, c, w[k].file, w[k].i, err)
					   : write_u64(m, c, w[k].file, w[k].u, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- memory ---- */

static int check_usage(struct cg_manager *m, const char *file, const char *usage_file, int64_t limit,
		       struct rt_err *err)
{
	int64_t usage;

	if (limit < 0 || cg_read_u64(m, CG_MEMORY, usage_file, &usage) < 0)
		return 0;
	if (usage > limit)
		return rt_err_msg(err, EBUSY,
				  "%s: new limit %" PRId64 " is below the current usage %" PRId64
				  " (checkBeforeUpdate)",
				  file, limit, usage);
	return 0;
}

static int memory_v1(struct cg_manager *m, const struct rt_resources *res, bool update, struct rt_err *err)
{
	const typeof(res->memory) *mem = &res->memory;
	char lim[NUM], sw[NUM];
	int r;

	if (mem->has_limit && update && mem->check_before_update) {
		r = check_usage(m, "memory.limit_in_bytes", "memory.usage_in_bytes", mem->limit, err);
		if (r < 0)
			return r;
	}
	cg_limit_str(lim, sizeof(lim), mem->has_limit ? mem->limit : -1, false);
	cg_limit_str(sw, sizeof(sw), mem->has_swap ? mem->swap : -1, false);
	if (mem->has_limit && mem->has_swap) {
		int64_t cur = 0;

		/* memory.limit_in_bytes <= memory.memsw.limit_in_bytes at every
		 * moment: when the new memsw is above the current memory limit
		 * (raising), write memsw first; otherwise the limit first. */
		if (cg_read_u64(m, CG_MEMORY, "memory.limit_in_bytes", &cur) < 0)
			cur = -1;
		if (mem->swap == -1 || (cur >= 0 && cur < mem->swap)) {
			r = cg_write(m, CG_MEMORY, "memory.memsw.limit_in_bytes", sw, err);
			if (r >= 0)
				r = cg_write(m, CG_MEMORY, "memory.limit_in_bytes", lim, err);
		} else {
			r = cg_write(m, CG_MEMORY, "memory.limit_in_bytes", lim, err);
			if (r >= 0)
				r = cg_write(m, CG_MEMORY, "memory.memsw.limit_in_bytes", sw, err);
		}
		if (r < 0)
			return r;
	} else if (mem->has_limit) {
		r = cg_write(m, CG_MEMORY, "memory.limit_in_bytes", lim, err);
		if (r < 0)
			return r;
	} else if (mem->has_swap) {
		r = cg_write(m, CG_MEMORY, "memory.memsw.limit_in_bytes", sw, err);
		if (r < 0)
			return r;
	}
	if (mem->has_reservation) {
		char buf[NUM];

		cg_limit_str(buf, sizeof(buf), mem->reservation, false);
		r = cg_write(m, CG_MEMORY, "memory.soft_limit_in_bytes", buf, err);
		if (r < 0)
			return r;
	}
	if (mem->has_swappiness) {
		if (mem->swappiness > 100)
			return rt_err_msg(err, EINVAL, "memory.swappiness: %" PRIu64 " is out of range 0-100",
					  mem->swappiness);
		r = write_u64(m, CG_MEMORY, "memory.swappiness", mem->swappiness, err);
		if (r < 0)
			return r;
	}
	if (mem->disable_oom_killer) {
		r = cg_write(m, CG_MEMORY, "memory.oom_control", "1", err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int memory_v2(struct cg_manager *m, const struct rt_resources *res, bool update, struct rt_err *err)
{
	const typeof(res->memory) *mem = &res->memory;
	char buf[NUM];
	int r;

	if (mem->has_swap) {
		int64_t v;
		bool max;

		r = cg_swap_v2(mem->has_limit, mem->limit, mem->swap, &v, &max, err);
		if (r < 0)
			return r;
		cg_limit_str(buf, sizeof(buf), max ? -1 : v, true);
		r = cg_write(m, CG_MEMORY, "memory.swap.max", buf, err);
		/* no swap accounting on this kernel: "unlimited" is what it
		 * has anyway */
		if (r == -ENOENT && max)
			r = 0;
		if (r < 0)
			return r;
	}
	if (mem->has_limit) {
		if (update && mem->check_before_update) {
			r = check_usage(m, "memory.max", "memory.current", mem->limit, err);
			if (r < 0)
				return r;
		}
		cg_limit_str(buf, sizeof(buf), mem->limit, true);
		r = cg_write(m, CG_MEMORY, "memory.max", buf, err);
		if (r < 0)
			return r;
	}
	if (mem->has_reservation) {
		cg_limit_str(buf, sizeof(buf), mem->reservation, true);
		r = cg_write(m, CG_MEMORY, "memory.low", buf, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int memory(struct cg_manager *m, const struct rt_resources *res, bool update, struct rt_err *err)
{
	const typeof(res->memory) *mem = &res->memory;
	int r;

	if (!mem->has_limit && !mem->has_swap && !mem->has_reservation && !mem->has_swappiness &&
	    !mem->disable_oom_killer)
		return 0;
	r = need(m, CG_MEMORY, "linux.resources.memory", err);
	if (r != 0)
		return r < 0 ? r : 0;
	return cg_ctrl_is_v2(m, CG_MEMORY) ? memory_v2(m, res, update, err) : memory_v1(m, res, update, err);
}

/* ---- cpu, cpuset ---- */

static int cpu_v1(struct cg_manager *m, const struct rt_resources *res, struct rt_err *err)
{
	const typeof(res->cpu) *cpu = &res->cpu;
	/* 0 shares means unset, as in runc (docker sends 0 for "not given") */
	const struct num_write shares = { cpu->has_shares && cpu->shares != 0, "cpu.shares",
					  .u = cpu->shares };
	const struct num_write tail[] = {
		{ cpu->has_burst, "cpu.cfs_burst_us", .u = cpu->burst },
		/* rt: the period first, the runtime must fit in it */
		{ cpu->has_realtime_period, "cpu.rt_period_us", .u = cpu->realtime_period },
		{ cpu->has_realtime_runtime, "cpu.rt_runtime_us", true, .i = cpu->realtime_runtime },
		{ cpu->has_idle, "cpu.idle", true, .i = cpu->idle },
	};
	int r = write_nums(m, CG_CPU, &shares, 1, err);

	if (r < 0)
		return r;
	if (cpu->has_period || cpu->has_quota) {
		struct rt_err first;

		/* The kernel checks quota against period at every write: try
		 * period then quota, and the other order if the first fails. */
		r = cpu->has_period ? write_u64(m, CG_CPU, "cpu.cfs_period_us", cpu->period, &first) : 0;
		if (r >= 0 && cpu->has_quota)
			r = write_i64(m, CG_CPU, "cpu.cfs_quota_us", cpu->quota > 0 ? cpu->quota : -1, err);
		else if (r < 0 && cpu->has_quota) {
			r = write_i64(m, CG_CPU, "cpu.cfs_quota_us", cpu->quota > 0 ? cpu->quota : -1, err);
			if (r >= 0)
				r = write_u64(m, CG_CPU, "cpu.cfs_period_us", cpu->period, err);
		} else if (r < 0) {
			*err = first;
		}
		if (r < 0)
			return r;
	}
	return write_nums(m, CG_CPU, tail, ARRAY_SIZE(tail), err);
}

static int cpu_v2(struct cg_manager *m, const struct rt_resources *res, struct rt_err *err)
{
	const typeof(res->cpu) *cpu = &res->cpu;
	const struct num_write weight = { cpu->has_shares && cpu->shares != 0, "cpu.weight",
					  .u = cg_shares_to_weight(cpu->shares) };
	const struct num_write tail[] = {
		{ cpu->has_burst, "cpu.max.burst", .u = cpu->burst },
		{ cpu->has_idle, "cpu.idle", true, .i = cpu->idle },
	};
	char buf[64];
	int r;

	if ((cpu->has_realtime_runtime && cpu->realtime_runtime != 0) ||
	    (cpu->has_realtime_period && cpu->realtime_period != 0))
		return rt_err_msg(err, EOPNOTSUPP,
				  "linux.resources.cpu: realtimeRuntime/realtimePeriod are not "
				  "supported on cgroup v2");
	r = write_nums(m, CG_CPU, &weight, 1, err);
	if (r < 0)
		return r;
	r = cg_cpu_max(buf, sizeof(buf), cpu->has_quota, cpu->quota, cpu->has_period, cpu->period);
	if (r < 0)
		return rt_err_set(err, -r, "cpu.max");
	if (buf[0]) {
		r = cg_write(m, CG_CPU, "cpu.max", buf, err);
		if (r < 0)
			return r;
	}
	return write_nums(m, CG_CPU, tail, ARRAY_SIZE(tail), err);
}

static int cpu(struct cg_manager *m, const struct rt_resources *res, struct rt_err *err)
{
	const typeof(res->cpu) *c = &res->cpu;
	int r;

	if (c->has_shares || c->has_quota || c->has_period || c->has_burst || c->has_realtime_period ||
	    c->has_realtime_runtime || c->has_idle) {
		r = need(m, CG_CPU, "linux.resources.cpu", err);
		if (r < 0)
			return r;
		if (r == 0)
			r = cg_ctrl_is_v2(m, CG_CPU) ? cpu_v2(m, res, err) : cpu_v1(m, res, err);
		if (r < 0)
			return r;
	}
	if (c->cpus || c->mems) {
		r = need(m, CG_CPUSET, c->cpus ? "linux.resources.cpu.cpus" : "linux.resources.cpu.mems",
			 err);
		if (r != 0)
			return r < 0 ? r : 0;
	}
	/* cpuset: mems first would not matter; cpus and mems are independent */
	if (c->cpus) {
		r = cg_write(m, CG_CPUSET, "cpuset.cpus", c->cpus, err);
		if (r < 0)
			return r;
	}
	if (c->mems) {
		r = cg_write(m, CG_CPUSET, "cpuset.mems", c->mems, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- pids ---- */

static int pids(struct cg_manager *m, const struct rt_resources *res, struct rt_err *err)
{
	char buf[NUM];

	int r;

	if (!res->pids.has_limit)
		return 0;
	r = need(m, CG_PIDS, "linux.resources.pids", err);
	if (r != 0)
		return r < 0 ? r : 0;
	/* spec.h: -1 and 0 both mean unlimited */
	cg_limit_str(buf, sizeof(buf), res->pids.limit > 0 ? res->pids.limit : -1, true);
	return cg_write(m, CG_PIDS, "pids.max", buf, err);
}

/* ---- block io ---- */

static int write_dev_lines(struct cg_manager *m, const char *file, const struct rt_throttle_device *d,
			   size_t n, struct rt_err *err)
{
	for (size_t i = 0; i < n; i++) {
		char buf[96];
		int r;

		snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64 " %" PRIu64, d[i].major, d[i].minor,
			 d[i].rate);
		r = cg_write(m, CG_BLKIO, file, buf, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int blkio_v1(struct cg_manager *m, const struct rt_resources *res, struct rt_err *err)
{
	const typeof(res->block_io) *b = &res->block_io;
	int r;

	/* weights of 0 mean unset, as in runc (docker sends 0) */
	if (b->has_weight && b->weight != 0) {
		/* kernels with BFQ only expose blkio.bfq.weight */
		r = write_u64(m, CG_BLKIO, "blkio.weight", b->weight, err);
		if (r == -ENOENT)
			r = write_u64(m, CG_BLKIO, "blkio.bfq.weight", b->weight, err);
		if (r < 0)
			return r;
	}
	if (b->has_leaf_weight && b->leaf_weight != 0) {
		r = write_u64(m, CG_BLKIO, "blkio.leaf_weight", b->leaf_weight, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < b->n_weight_device; i++) {
		const struct rt_weight_device *d = &b->weight_device[i];
		char buf[96];

		if (d->has_weight) {
			snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64 " %u", d->major, d->minor,
				 d->weight);
			r = cg_write(m, CG_BLKIO, "blkio.weight_device", buf, err);
			if (r == -ENOENT)
				r = cg_write(m, CG_BLKIO, "blkio.bfq.weight_device", buf, err);
			if (r < 0)
				return r;
		}
		if (d->has_leaf_weight) {
			snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64 " %u", d->major, d->minor,
				 d->leaf_weight);
			r = cg_write(m, CG_BLKIO, "blkio.leaf_weight_device", buf, err);
			if (r < 0)
				return r;
		}
	}
	r = write_dev_lines(m, "blkio.throttle.read_bps_device", b->throttle_read_bps, b->n_throttle_read_bps,
			    err);
	if (r >= 0)
		r = write_dev_lines(m, "blkio.throttle.write_bps_device", b->throttle_write_bps,
				    b->n_throttle_write_bps, err);
	if (r >= 0)
		r = write_dev_lines(m, "blkio.throttle.read_iops_device", b->throttle_read_iops,
				    b->n_throttle_read_iops, err);
	if (r >= 0)
		r = write_dev_lines(m, "blkio.throttle.write_iops_device", b->throttle_write_iops,
				    b->n_throttle_write_iops, err);
	return r;
}

static bool io_file_exists(struct cg_manager *m, const char *file)
{
	_cleanup_free_ char *p = NULL;
	const char *dir = cg_ctrl_dir(m, CG_BLKIO);

	if (!dir || asprintf(&p, "%s/%s", dir, file) < 0)
		return false;
	return access(p, F_OK) == 0;
}

static int blkio_v2(struct cg_manager *m, const struct rt_resources *res, struct rt_err *err)
{
	const typeof(res->block_io) *b = &res->block_io;
	const struct rt_throttle_device *lists[4] = { b->throttle_read_bps, b->throttle_write_bps,
						      b->throttle_read_iops, b->throttle_write_iops };
	const size_t counts[4] = { b->n_throttle_read_bps, b->n_throttle_write_bps, b->n_throttle_read_iops,
				   b->n_throttle_write_iops };
	bool bfq = io_file_exists(m, "io.bfq.weight");
	int r;

	/* BFQ takes the v1 range (1-1000) as it is; io.weight needs the
	 * conversion to 1-10000.  leafWeight has no v2 counterpart.  0 is unset. */
	if (b->has_weight && b->weight != 0) {
		if (bfq)
			r = write_u64(m, CG_BLKIO, "io.bfq.weight", b->weight, err);
		else
			r = write_u64(m, CG_BLKIO, "io.weight", cg_blkio_weight_to_io_weight(b->weight), err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < b->n_weight_device; i++) {
		const struct rt_weight_device *d = &b->weight_device[i];
		char buf[96];

		if (!d->has_weight)
			continue;
		if (bfq)
			snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64 " %u", d->major, d->minor,
				 d->weight);
		else
			snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor,
				 cg_blkio_weight_to_io_weight(d->weight));
		r = cg_write(m, CG_BLKIO, bfq ? "io.bfq.weight" : "io.weight", buf, err);
		if (r < 0)
			return r;
	}
	/* io.max: one line per device with all of its limits */
	for (int l = 0; l < 4; l++) {
		for (size_t i = 0; i < counts[l]; i++) {
			int64_t maj = lists[l][i].major, min = lists[l][i].minor;
			bool has[4] = { false }, seen = false;
			uint64_t rates[4] = { 0 };
			char line[160];

			for (int e = 0; e < l && !seen; e++)
				for (size_t j = 0; j < counts[e]; j++)
					if (lists[e][j].major == maj && lists[e][j].minor == min)
						seen = true;
			for (size_t j = 0; j < i && !seen; j++)
				if (lists[l][j].major == maj && lists[l][j].minor == min)
					seen = true;
			if (seen)
				continue;
			for (int e = 0; e < 4; e++)
				for (size_t j = 0; j < counts[e]; j++)
					if (lists[e][j].major == maj && lists[e][j].minor == min) {
						has[e] = true;
						rates[e] = lists[e][j].rate;
					}
			r = cg_io_max_line(line, sizeof(line), maj, min, has, rates);
			if (r < 0)
				return rt_err_set(err, -r, "io.max");
			r = cg_write(m, CG_BLKIO, "io.max", line, err);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int blkio(struct cg_manager *m, const struct rt_resources *res, struct rt_err *err)
{
	const typeof(res->block_io) *b = &res->block_io;
	int r;

	if (!b->has_weight && !b->has_leaf_weight && !b->n_weight_device && !b->n_throttle_read_bps &&
	    !b->n_throttle_write_bps && !b->n_throttle_read_iops && !b->n_throttle_write_iops)
		return 0;
	r = need(m, CG_BLKIO, "linux.resources.blockIO", err);
	if (r != 0)
		return r < 0 ? r : 0;
	return cg_ctrl_is_v2(m, CG_BLKIO) ? blkio_v2(m, res, err) : blkio_v1(m, res, err);
}

/* ---- hugetlb, network, rdma ---- */

static int hugetlb(struct cg_manager *m, const struct rt_resources *res, struct rt_err *err)
{
	int r;

	for (size_t i = 0; i < res->n_hugepage_limits; i++) {
		const char *ps = res->hugepage_limits[i].page_size;

		if (!ps || !cg_hugepage_name_valid(ps))
			return rt_err_msg(err, EINVAL,
					  "linux.resources.hugepageLimits: invalid pageSize \"%s\"",
					  ps ? ps : "");
	}
	r = res->n_hugepage_limits ? need(m, CG_HUGETLB, "linux.resources.hugepageLimits", err) : 0;
	if (r != 0)
		return r < 0 ? r : 0;
	for (size_t i = 0; i < res->n_hugepage_limits; i++) {
		const struct rt_hugepage_limit *h = &res->hugepage_limits[i];
		char file[96];

		snprintf(file, sizeof(file),
			 cg_ctrl_is_v2(m, CG_HUGETLB) ? "hugetlb.%s.max" : "hugetlb.%s.limit_in_bytes",
			 h->page_size);
		r = write_u64(m, CG_HUGETLB, file, h->limit, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int network(struct cg_manager *m, const struct rt_resources *res, struct rt_err *err)
{
	int r;

	if (res->network.has_class_id) {
		r = need(m, CG_NET_CLS, "linux.resources.network.classID", err);
		if (r == 0)
			r = write_u64(m, CG_NET_CLS, "net_cls.classid", res->network.class_id, err);
		if (r < 0)
			return r;
	}
	r = res->network.n_priorities ? need(m, CG_NET_PRIO, "linux.resources.network.priorities", err) : 0;
	if (r != 0)
		return r < 0 ? r : 0;
	for (size_t i = 0; i < res->network.n_priorities; i++) {
		char buf[128];

		snprintf(buf, sizeof(buf), "%s %u", res->network.priorities[i].name,
			 res->network.priorities[i].priority);
		r = cg_write(m, CG_NET_PRIO, "net_prio.ifpriomap", buf, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int rdma(struct cg_manager *m, const struct rt_resources *res, struct rt_err *err)
{
	int r = res->n_rdma ? need(m, CG_RDMA, "linux.resources.rdma", err) : 0;

	if (r != 0)
		return r < 0 ? r : 0;
	for (size_t i = 0; i < res->n_rdma; i++) {
		const struct rt_rdma *d = &res->rdma[i];
		char buf[192], h[NUM], o[NUM];

		if (d->has_hca_handles)
			snprintf(h, sizeof(h), "%u", d->hca_handles);
		else
			snprintf(h, sizeof(h), "max");
		if (d->has_hca_objects)
			snprintf(o, sizeof(o), "%u", d->hca_objects);
		else
			snprintf(o, sizeof(o), "max");
		snprintf(buf, sizeof(buf), "%s hca_handle=%s hca_object=%s", d->device, h, o);
		r = cg_write(m, CG_RDMA, "rdma.max", buf, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- unified ---- */

/* A key of a real v2 controller (not a misspelt one) that is best-effort */
static bool unified_best_effort(const struct cg_manager *m, const char *key)
{
	struct rt_err ignored;
	char ctrl[64];
	int c;

	if (cg_unified_key_controller(key, ctrl, sizeof(ctrl), &ignored) < 0)
		return false;
	c = cg_ctrl_from_name(ctrl);
	return c >= 0 && cg_ctrl_name_v2((enum cg_ctrl)c) &&
	       strcmp(ctrl, cg_ctrl_name_v2((enum cg_ctrl)c)) == 0 && (m->best_effort & CG_BIT(c));
}

static int unified(struct cg_manager *m, const struct rt_resources *res, struct rt_err *err)
{
	const char *dir = cg_v2_dir(m);

	for (size_t i = 0; i < res->n_unified; i++) {
		const struct rt_kv *kv = &res->unified[i];
		int r;

		r = cg_unified_check(kv->key, dir != NULL, m->v2_ctrls, err);
		if (r == -EOPNOTSUPP && unified_best_effort(m, kv->key)) {
			rt_warn("%s: skipped (best-effort)", err->msg);
			continue;
		}
		if (r < 0)
			return r;
		r = cg_write_dir(dir, kv->key, kv->value, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- devices ---- */

/* The full ordered list: the spec's rules, then runc's defaults (which
 * therefore win over a spec's blanket deny, as with runc). */
static int device_rules(const struct rt_resources *res, struct rt_device_rule **ret, size_t *ret_n)
{
	size_t n = res->n_devices + cg_n_default_device_rules;
	struct rt_device_rule *v = calloc(n, sizeof(*v));

	if (!v)
		return -ENOMEM;
	if (res->n_devices)
		memcpy(v, res->devices, res->n_devices * sizeof(*v));
	memcpy(v + res->n_devices, cg_default_device_rules, cg_n_default_device_rules * sizeof(*v));
	*ret = v;
	*ret_n = n;
	return 0;
}

/* Write each planned line with its own write() through one fd per file
 * (the kernel takes one rule per write). */
static int devices_v1_write(int dfd, const struct cg_dev_write *w, size_t n, struct rt_err *err)
{
	_cleanup_close_ int allow_fd = -EBADF, deny_fd = -EBADF;

	for (size_t i = 0; i < n; i++) {
		const char *file = w[i].allow ? "devices.allow" : "devices.deny";
		int *fd = w[i].allow ? &allow_fd : &deny_fd;
		size_t len = strlen(w[i].line);
		ssize_t k;

		if (*fd < 0) {
			*fd = openat(dfd, file, O_WRONLY | O_CLOEXEC);
			if (*fd < 0)
				return rt_err_set(err, errno, "%s: open", file);
		}
		k = write(*fd, w[i].line, len);
		if (k < 0)
			return rt_err_set(err, errno, "%s: write %s", file, w[i].line);
		if ((size_t)k != len)
			return rt_err_set(err, EIO, "%s: write %s: short write", file, w[i].line);
	}
	return 0;
}

/* The kernel applies what we write at once: the plan (convert.c) goes from
 * the cgroup's devices.list to the new rules without a deny-all moment
 * when the default is deny before and after (the `update` case). */
static int devices_v1(struct cg_manager *m, const struct rt_device_rule *rules, size_t n, struct rt_err *err)
{
	_cleanup_free_ struct cg_dev_write *w = NULL;
	_cleanup_free_ char *list = NULL;
	_cleanup_close_ int dfd = -EBADF;
	const char *rel;
	size_t nw = 0;
	int at, r;

	at = cg_at(cg_ctrl_dir(m, CG_DEVICES), &rel);
	dfd = openat(at, rel, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return rt_err_set(err, errno, "devices: open %s", cg_ctrl_dir(m, CG_DEVICES));
	/* unreadable: plan from scratch (deny all, then every rule) */
	if (rt_read_file_at(dfd, "devices.list", 1u << 20, &list, NULL) < 0)
		list = NULL;
	r = cg_devices_v1_plan(list, rules, n, &w, &nw, err);
	if (r < 0)
		return r;
	return devices_v1_write(dfd, w, nw, err);
}

static int devices_v2(struct cg_manager *m, const struct rt_device_rule *rules, size_t n, struct rt_err *err)
{
	_cleanup_free_ struct bpf_insn *prog = NULL;
	_cleanup_close_ int cgfd = -EBADF, pfd = -EBADF;
	size_t len = 0;
	int r;

	r = cg_bpf_devices_build(rules, n, &prog, &len);
	if (r < 0)
		return rt_err_set(err, -r, "linux.resources.devices: build the BPF program");
	r = cg_bpf_devices_load(prog, len, &pfd, err);
	if (r < 0)
		return r;
	cgfd = open(cg_v2_dir(m), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0)
		return rt_err_set(err, errno, "devices: open %s", cg_v2_dir(m));
	r = cg_bpf_devices_attach(cgfd, pfd, err);
	if (r < 0)
		return r;
	if (m->bpf_prog_fd >= 0)
		close(m->bpf_prog_fd);
	m->bpf_prog_fd = TAKE_FD(pfd);
	return 0;
}

static int devices(struct cg_manager *m, const struct rt_resources *res, bool update, struct rt_err *err)
{
	_cleanup_free_ struct rt_device_rule *rules = NULL;
	size_t n = 0;
	int r;

	if (update && res->n_devices == 0)
		return 0;
	r = cg_require(m, CG_DEVICES, "linux.resources.devices", err);
	if (r < 0)
		return r;
	if (device_rules(res, &rules, &n) < 0)
		return rt_err_set(err, ENOMEM, "devices");
	return cg_ctrl_is_v2(m, CG_DEVICES) ? devices_v2(m, rules, n, err) : devices_v1(m, rules, n, err);
}

int cg_apply_resources(struct cg_manager *m, const struct rt_resources *res, bool update, struct rt_err *err)
{
	int r = cg_best_effort_parse(res->best_effort, &m->best_effort, err);

	if (r < 0)
		return r;

	/* Limits first, then devices: a failing limit leaves no half-open
	 * device policy behind (cg_create removes the cgroup anyway). */
	r = memory(m, res, update, err);
	if (r >= 0)
		r = cpu(m, res, err);
	if (r >= 0)
		r = pids(m, res, err);
	if (r >= 0)
		r = blkio(m, res, err);
	if (r >= 0)
		r = hugetlb(m, res, err);
	if (r >= 0)
		r = network(m, res, err);
	if (r >= 0)
		r = rdma(m, res, err);
	if (r >= 0)
		r = unified(m, res, err);
	if (r >= 0)
		r = devices(m, res, update, err);
	return r;
}
