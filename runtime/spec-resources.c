/* linux.resources: the cgroup settings, in config.json and alone for
 * `update --resources`. */
#include "spec-resources.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- devices (the cgroup allow list) ---- */

static int p_rule_type(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	struct rt_device_rule *d = base;
	const char *s = json_string_value(v);

	(void)f;
	if (strlen(s) != 1 || !strchr("acb", s[0]))
		return sj_error(c, "unknown device type \"%.16s\" (expected a, c or b)", s);
	d->type = s[0];
	return 0;
}

static int p_rule_access(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	struct rt_device_rule *d = base;
	const char *s = json_string_value(v);
	bool seen[3] = { false, false, false };
	size_t n = strlen(s);

	(void)f;
	if (n == 0 || n > 3)
		return sj_error(c, "invalid access \"%.16s\" (a combination of r, w and m)", s);
	for (size_t i = 0; i < n; i++) {
		const char *p = strchr("rwm", s[i]);

		if (!p || s[i] == '\0' || seen[p - "rwm"])
			return sj_error(c, "invalid access \"%.16s\" (a combination of r, w and m)", s);
		seen[p - "rwm"] = true;
	}
	memcpy(d->access, s, n + 1);
	return 0;
}

static int rule_elem(struct sj_ctx *c, json_t *v, void *e)
{
	static const struct sj_field fields[] = {
		{ "allow", SJ_BOOL, sj_p_bool, offsetof(struct rt_device_rule, allow), SJ_NOAUX,
		  SJ_REQUIRED },
		SJ_F("type", SJ_STRING, p_rule_type, 0),
		SJ_INTN("major", sj_p_i64, struct rt_device_rule, major, SJ_MINUS1),
		SJ_INTN("minor", sj_p_i64, struct rt_device_rule, minor, SJ_MINUS1),
		SJ_F("access", SJ_STRING, p_rule_access, 0),
	};
	struct rt_device_rule *d = e;

	d->type = 'a';
	d->major = -1;
	d->minor = -1;
	memcpy(d->access, "rwm", 4);
	return sj_object_expect(c, v, fields, ARRAY_SIZE(fields), d);
}

static int p_devices(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	struct rt_resources *r = base;

	(void)f;
	return sj_array(c, v, sizeof(struct rt_device_rule), &r->devices, &r->n_devices, rule_elem);
}

/* ---- memory, cpu, pids ---- */

typedef __typeof__(((struct rt_resources *)0)->memory) mem_t;
typedef __typeof__(((struct rt_resources *)0)->cpu) cpu_t;
typedef __typeof__(((struct rt_resources *)0)->pids) pids_t;

static int p_swappiness(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	mem_t *m = base;
	uint64_t x = 0;
	int r = sj_get_u64(c, v, SJ_U64MAX, &x);

	(void)f;
	if (r < 0)
		return r;
	/* Docker writes (uint64)-1 for "not set", as runc accepts. */
	if (x == UINT64_MAX)
		return 0;
	if (x > 100)
		return sj_error(c, "value %llu out of range (0..100)", (unsigned long long)x);
	m->swappiness = x;
	m->has_swappiness = true;
	return 0;
}

static int p_memory(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	static const struct sj_field fields[] = {
		SJ_INTF("limit", sj_p_i64, mem_t, limit, has_limit, SJ_MINUS1),
		SJ_INTF("reservation", sj_p_i64, mem_t, reservation, has_reservation, SJ_MINUS1),
		SJ_INTF("swap", sj_p_i64, mem_t, swap, has_swap, SJ_MINUS1),
		SJ_INTF("kernel", sj_p_i64, mem_t, kernel, has_kernel, SJ_MINUS1),
		SJ_INTF("kernelTCP", sj_p_i64, mem_t, kernel_tcp, has_kernel_tcp, SJ_MINUS1),
		SJ_F("swappiness", SJ_INT, p_swappiness, 0),
		SJ_BOOL("disableOOMKiller", mem_t, disable_oom_killer),
		SJ_BOOL("useHierarchy", mem_t, use_hierarchy),
		SJ_BOOL("checkBeforeUpdate", mem_t, check_before_update),
	};
	(void)f;
	return sj_object(c, v, fields, ARRAY_SIZE(fields), &((struct rt_resources *)base)->memory);
}

static int p_cpu(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	static const struct sj_field fields[] = {
		SJ_INTF("shares", sj_p_u64, cpu_t, shares, has_shares, 0),
		SJ_INTF("quota", sj_p_i64, cpu_t, quota, has_quota, 0),
		SJ_INTF("burst", sj_p_u64, cpu_t, burst, has_burst, 0),
		SJ_INTF("period", sj_p_u64, cpu_t, period, has_period, 0),
		SJ_INTF("realtimeRuntime", sj_p_i64, cpu_t, realtime_runtime, has_realtime_runtime, 0),
		SJ_INTF("realtimePeriod", sj_p_u64, cpu_t, realtime_period, has_realtime_period, 0),
		SJ_STR("cpus", cpu_t, cpus, 0),
		SJ_STR("mems", cpu_t, mems, 0),
		SJ_INTF("idle", sj_p_i64, cpu_t, idle, has_idle, 0),
	};
	(void)f;
	return sj_object(c, v, fields, ARRAY_SIZE(fields), &((struct rt_resources *)base)->cpu);
}

static int p_pids(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	static const struct sj_field fields[] = {
		SJ_INTF("limit", sj_p_i64, pids_t, limit, has_limit, SJ_MINUS1),
	};
	(void)f;
	return sj_object(c, v, fields, ARRAY_SIZE(fields), &((struct rt_resources *)base)->pids);
}

/* ---- blockIO ---- */

typedef __typeof__(((struct rt_resources *)0)->block_io) bio_t;

static int weight_dev_elem(struct sj_ctx *c, json_t *v, void *e)
{
	static const struct sj_field fields[] = {
		SJ_INTN("major", sj_p_i64, struct rt_weight_device, major, SJ_REQUIRED),
		SJ_INTN("minor", sj_p_i64, struct rt_weight_device, minor, SJ_REQUIRED),
		SJ_INTF("weight", sj_p_u16, struct rt_weight_device, weight, has_weight, 0),
		SJ_INTF("leafWeight", sj_p_u16, struct rt_weight_device, leaf_weight, has_leaf_weight, 0),
	};
	struct rt_weight_device *w = e;
	int r = sj_object_expect(c, v, fields, ARRAY_SIZE(fields), w);

	if (r < 0)
		return r;
	if (w->major < 0 || w->minor < 0)
		return sj_error(c, "major and minor must not be negative");
	if (!w->has_weight && !w->has_leaf_weight)
		return sj_error(c, "needs weight or leafWeight");
	return 0;
}

static int throttle_elem(struct sj_ctx *c, json_t *v, void *e)
{
	static const struct sj_field fields[] = {
		SJ_INTN("major", sj_p_i64, struct rt_throttle_device, major, SJ_REQUIRED),
		SJ_INTN("minor", sj_p_i64, struct rt_throttle_device, minor, SJ_REQUIRED),
		SJ_INTN("rate", sj_p_u64, struct rt_throttle_device, rate, SJ_REQUIRED),
	};
	struct rt_throttle_device *t = e;
	int r = sj_object_expect(c, v, fields, ARRAY_SIZE(fields), t);

	if (r < 0)
		return r;
	if (t->major < 0 || t->minor < 0)
		return sj_error(c, "major and minor must not be negative");
	return 0;
}

static int p_weight_devs(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	bio_t *b = base;

	(void)f;
	return sj_array(c, v, sizeof(struct rt_weight_device), &b->weight_device, &b->n_weight_device,
			weight_dev_elem);
}

static int p_throttle(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	return sj_array(c, v, sizeof(struct rt_throttle_device), (char *)base + f->off,
			(size_t *)((char *)base + f->aux), throttle_elem);
}

#define THROTTLE(n, m)                                                                 \
	{                                                                              \
		n, SJ_ARRAY, p_throttle, offsetof(bio_t, m), offsetof(bio_t, n_##m), 0 \
	}

static int p_block_io(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	static const struct sj_field fields[] = {
		SJ_INTF("weight", sj_p_u16, bio_t, weight, has_weight, 0),
		SJ_INTF("leafWeight", sj_p_u16, bio_t, leaf_weight, has_leaf_weight, 0),
		SJ_F("weightDevice", SJ_ARRAY, p_weight_devs, 0),
		THROTTLE("throttleReadBpsDevice", throttle_read_bps),
		THROTTLE("throttleWriteBpsDevice", throttle_write_bps),
		THROTTLE("throttleReadIOPSDevice", throttle_read_iops),
		THROTTLE("throttleWriteIOPSDevice", throttle_write_iops),
	};
	(void)f;
	return sj_object(c, v, fields, ARRAY_SIZE(fields), &((struct rt_resources *)base)->block_io);
}

/* ---- hugepageLimits, network, rdma ---- */

/* <size><K|M|G>B, as the schema's pattern ^[1-9][0-9]*[KMG]B$ */
static int p_page_size(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	const char *s = json_string_value(v);
	size_t n = strlen(s), i;

	if (n < 3 || s[0] < '1' || s[0] > '9' || s[n - 1] != 'B' || !strchr("KMG", s[n - 2]) ||
	    s[n - 2] == '\0')
		goto bad;
	for (i = 1; i < n - 2; i++)
		if (s[i] < '0' || s[i] > '9')
			goto bad;
	return sj_p_str(c, v, base, f);
bad:
	return sj_error(c, "invalid page size \"%.32s\" (expected e.g. 64KB, 2MB, 1GB)", s);
}

static int hugepage_elem(struct sj_ctx *c, json_t *v, void *e)
{
	static const struct sj_field fields[] = {
		{ "pageSize", SJ_STRING, p_page_size, offsetof(struct rt_hugepage_limit, page_size), SJ_NOAUX,
		  SJ_REQUIRED },
		SJ_INTN("limit", sj_p_u64, struct rt_hugepage_limit, limit, SJ_REQUIRED),
	};
	return sj_object_expect(c, v, fields, ARRAY_SIZE(fields), e);
}

static int p_hugepages(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	struct rt_resources *r = base;

	(void)f;
	return sj_array(c, v, sizeof(struct rt_hugepage_limit), &r->hugepage_limits, &r->n_hugepage_limits,
			hugepage_elem);
}

static int priority_elem(struct sj_ctx *c, json_t *v, void *e)
{
	static const struct sj_field fields[] = {
		SJ_STR("name", struct rt_net_priority, name, SJ_REQUIRED | SJ_NONEMPTY),
		SJ_INTN("priority", sj_p_u32, struct rt_net_priority, priority, SJ_REQUIRED),
	};
	return sj_object_expect(c, v, fields, ARRAY_SIZE(fields), e);
}

typedef __typeof__(((struct rt_resources *)0)->network) net_t;

static int p_priorities(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	net_t *n = base;

	(void)f;
	return sj_array(c, v, sizeof(struct rt_net_priority), &n->priorities, &n->n_priorities,
			priority_elem);
}

static int p_network(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	static const struct sj_field fields[] = {
		SJ_INTF("classID", sj_p_u32, net_t, class_id, has_class_id, 0),
		SJ_F("priorities", SJ_ARRAY, p_priorities, 0),
	};
	(void)f;
	return sj_object(c, v, fields, ARRAY_SIZE(fields), &((struct rt_resources *)base)->network);
}

static int p_rdma(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	static const struct sj_field fields[] = {
		SJ_INTF("hcaHandles", sj_p_u32, struct rt_rdma, hca_handles, has_hca_handles, 0),
		SJ_INTF("hcaObjects", sj_p_u32, struct rt_rdma, hca_objects, has_hca_objects, 0),
	};
	struct rt_resources *r = base;
	size_t n = json_object_size(v);
	const char *key;
	json_t *val;

	(void)f;
	r->rdma = calloc(n ? n : 1, sizeof(*r->rdma));
	if (!r->rdma)
		return sj_oom(c);
	json_object_foreach(v, key, val)
	{
		struct rt_rdma *d = &r->rdma[r->n_rdma++];
		size_t saved = sj_push_mapkey(c, key);
		int ret;

		d->device = strdup(key);
		if (!d->device)
			return sj_oom(c);
		ret = sj_object_expect(c, val, fields, ARRAY_SIZE(fields), d);
		if (ret < 0)
			return ret;
		if (!d->has_hca_handles && !d->has_hca_objects)
			return sj_error(c, "needs hcaHandles or hcaObjects");
		sj_pop(c, saved);
	}
	return 0;
}

static const struct sj_field resources_fields[] = {
	SJ_F("devices", SJ_ARRAY, p_devices, 0),
	SJ_F("memory", SJ_OBJECT, p_memory, 0),
	SJ_F("cpu", SJ_OBJECT, p_cpu, 0),
	SJ_F("pids", SJ_OBJECT, p_pids, 0),
	SJ_F("blockIO", SJ_OBJECT, p_block_io, 0),
	SJ_F("hugepageLimits", SJ_ARRAY, p_hugepages, 0),
	SJ_F("network", SJ_OBJECT, p_network, 0),
	SJ_F("rdma", SJ_OBJECT, p_rdma, 0),
	SJ_KV("unified", struct rt_resources, unified, n_unified),
};

int rt_spec_resources_fill(struct sj_ctx *c, json_t *v, struct rt_resources *r)
{
	r->present = true;
	return sj_object(c, v, resources_fields, ARRAY_SIZE(resources_fields), r);
}

int rt_resources_parse(const char *buf, size_t len, const char *name, struct rt_resources *ret,
		       struct rt_err *err)
{
	struct rt_resources res = { 0 };
	struct sj_ctx c = { .err = err };
	json_t *root = NULL;
	int r;

	if (!name)
		name = "resources.json";
	c.name = name;
	r = sj_load(buf, len, name, &root, err);
	if (r < 0)
		return r;
	r = rt_spec_resources_fill(&c, root, &res);
	json_decref(root);
	if (r < 0) {
		rt_resources_clear(&res);
		return r;
	}
	*ret = res;
	return 0;
}

void rt_resources_clear(struct rt_resources *r)
{
	bio_t *b;

	if (!r)
		return;
	b = &r->block_io;
	free(r->devices);
	free(r->cpu.cpus);
	free(r->cpu.mems);
	free(b->weight_device);
	free(b->throttle_read_bps);
	free(b->throttle_write_bps);
	free(b->throttle_read_iops);
	free(b->throttle_write_iops);
	for (size_t i = 0; r->hugepage_limits && i < r->n_hugepage_limits; i++)
		free(r->hugepage_limits[i].page_size);
	free(r->hugepage_limits);
	for (size_t i = 0; r->network.priorities && i < r->network.n_priorities; i++)
		free(r->network.priorities[i].name);
	free(r->network.priorities);
	for (size_t i = 0; r->rdma && i < r->n_rdma; i++)
		free(r->rdma[i].device);
	free(r->rdma);
	rt_kv_free(r->unified, r->n_unified);
	free(r->best_effort);
	memset(r, 0, sizeof(*r));
}
