/* linux.* of config.json: namespaces, id mappings, time offsets, devices,
 * seccomp, personality, intelRdt, memoryPolicy and the path lists.
 * linux.resources is in spec-resources.c.  linux.netDevices is ignored. */
#include "spec-linux.h"

#include <seccomp-lib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>

#include "spec-resources.h"
#include "util.h"

/* ---- namespaces ---- */

struct ns_entry {
	int type;
	char *path;
};

static int p_ns_type(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	struct ns_entry *e = base;
	int t = rt_ns_type_from_name(json_string_value(v));

	(void)f;
	if (t < 0)
		return sj_error(c, "unknown namespace type \"%.64s\"", json_string_value(v));
	e->type = t;
	return 0;
}

static int p_namespaces(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	static const struct sj_field fields[] = {
		SJ_F("type", SJ_STRING, p_ns_type, SJ_REQUIRED),
		SJ_STR("path", struct ns_entry, path, SJ_ABSPATH | SJ_NONEMPTY),
	};
	struct rt_linux *l = base;

	(void)f;
	for (size_t i = 0; i < json_array_size(v); i++) {
		size_t saved = sj_push_index(c, i);
		struct ns_entry e = { .type = -1, .path = NULL };
		int r = sj_object_expect(c, json_array_get(v, i), fields, ARRAY_SIZE(fields), &e);

		if (r < 0) {
			free(e.path);
			return r;
		}
		if (l->namespaces[e.type].present) {
			free(e.path);
			return sj_error_at(c, "type", "duplicate namespace type \"%s\"",
					   rt_ns_type_name(e.type));
		}
		l->namespaces[e.type].present = true;
		l->namespaces[e.type].path = e.path;
		sj_pop(c, saved);
	}
	return 0;
}

/* ---- timeOffsets ---- */

struct time_offset {
	int64_t secs;
	uint32_t nanosecs;
};

static int p_time_offsets(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	static const struct sj_field fields[] = {
		SJ_INTN("secs", sj_p_i64, struct time_offset, secs, 0),
		SJ_INTN("nanosecs", sj_p_u32, struct time_offset, nanosecs, 0),
	};
	struct rt_linux *l = base;
	const char *key;
	json_t *val;

	(void)f;
	json_object_foreach(v, key, val)
	{
		size_t saved = sj_push_key(c, key);
		struct time_offset t = { 0 };
		int r;

		if (strcmp(key, "monotonic") != 0 && strcmp(key, "boottime") != 0)
			return sj_error(c, "unknown clock (expected \"monotonic\" or \"boottime\")");
		r = sj_object_expect(c, val, fields, ARRAY_SIZE(fields), &t);
		if (r < 0)
			return r;
		if (t.nanosecs >= 1000000000u)
			return sj_error_at(c, "nanosecs", "must be less than 1000000000");
		if (key[0] == 'm') {
			l->time_offsets.has_monotonic = true;
			l->time_offsets.monotonic_secs = t.secs;
			l->time_offsets.monotonic_nanosecs = t.nanosecs;
		} else {
			l->time_offsets.has_boottime = true;
			l->time_offsets.boottime_secs = t.secs;
			l->time_offsets.boottime_nanosecs = t.nanosecs;
		}
		sj_pop(c, saved);
	}
	return 0;
}

/* ---- devices ---- */

static int p_device_type(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	struct rt_device *d = base;
	const char *s = json_string_value(v);

	(void)f;
	if (strlen(s) != 1 || !strchr("cbup", s[0]))
		return sj_error(c, "unknown device type \"%.16s\" (expected c, b, u or p)", s);
	d->type = s[0];
	return 0;
}

static int device_elem(struct sj_ctx *c, json_t *v, void *e)
{
	static const struct sj_field fields[] = {
		SJ_F("type", SJ_STRING, p_device_type, SJ_REQUIRED),
		SJ_STR("path", struct rt_device, path, SJ_REQUIRED | SJ_ABSPATH),
		SJ_INTN("major", sj_p_i64, struct rt_device, major, 0),
		SJ_INTN("minor", sj_p_i64, struct rt_device, minor, 0),
		SJ_INTF("fileMode", sj_p_u32, struct rt_device, file_mode, has_file_mode, 0),
		SJ_INTF("uid", sj_p_u32, struct rt_device, uid, has_uid, 0),
		SJ_INTF("gid", sj_p_u32, struct rt_device, gid, has_gid, 0),
	};
	struct rt_device *d = e;
	int r = sj_object_expect(c, v, fields, ARRAY_SIZE(fields), d);

	if (r < 0)
		return r;
	if (d->type != 'p') {
		if (!json_is_integer(json_object_get(v, "major")))
			return sj_error_at(c, "major", "is required for device type '%c'", d->type);
		if (!json_is_integer(json_object_get(v, "minor")))
			return sj_error_at(c, "minor", "is required for device type '%c'", d->type);
	}
	if (d->major < 0 || d->major > UINT32_MAX || d->minor < 0 || d->minor > UINT32_MAX)
		return sj_error(c, "major/minor out of range");
	return 0;
}

static int p_devices(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	struct rt_linux *l = base;

	(void)f;
	return sj_array(c, v, sizeof(struct rt_device), &l->devices, &l->n_devices, device_elem);
}

static int p_resources(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	struct rt_linux *l = base;

	(void)f;
	return rt_spec_resources_fill(c, v, &l->resources);
}

/* ---- rootfsPropagation ---- */

static int p_rootfs_propagation(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	static const struct {
		const char *name;
		unsigned long flags;
	} t[] = {
		{ "shared", MS_SHARED },	 { "rshared", MS_SHARED | MS_REC },
		{ "slave", MS_SLAVE },		 { "rslave", MS_SLAVE | MS_REC },
		{ "private", MS_PRIVATE },	 { "rprivate", MS_PRIVATE | MS_REC },
		{ "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
	};
	struct rt_linux *l = base;
	const char *s = json_string_value(v);

	(void)f;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		if (strcmp(t[i].name, s) == 0) {
			l->rootfs_propagation = t[i].flags;
			return 0;
		}
	return sj_error(c, "unknown propagation \"%.32s\"", s);
}

/* ---- seccomp ---- */

#ifndef SCMP_ARCH_LOONGARCH64
#define SCMP_ARCH_LOONGARCH64 AUDIT_ARCH_LOONGARCH64
#endif
#ifndef SCMP_ARCH_M68K
#define SCMP_ARCH_M68K AUDIT_ARCH_M68K
#endif
#ifndef SCMP_ARCH_SH
#define SCMP_ARCH_SH AUDIT_ARCH_SHEL
#endif
#ifndef SCMP_ARCH_SHEB
#define SCMP_ARCH_SHEB AUDIT_ARCH_SH
#endif

/* Every OCI name gets its libseccomp token even when this libseccomp cannot
 * load it: honouring it is seccomp.c's job (seccomp_arch_add fails there). */
static const struct {
	const char *name;
	uint32_t token;
} seccomp_archs[] = {
	{ "SCMP_ARCH_X86", SCMP_ARCH_X86 },
	{ "SCMP_ARCH_X86_64", SCMP_ARCH_X86_64 },
	{ "SCMP_ARCH_X32", SCMP_ARCH_X32 },
	{ "SCMP_ARCH_ARM", SCMP_ARCH_ARM },
	{ "SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64 },
	{ "SCMP_ARCH_MIPS", SCMP_ARCH_MIPS },
	{ "SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64 },
	{ "SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32 },
	{ "SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL },
	{ "SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64 },
	{ "SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32 },
	{ "SCMP_ARCH_PPC", SCMP_ARCH_PPC },
	{ "SCMP_ARCH_PPC64", SCMP_ARCH_PPC64 },
	{ "SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE },
	{ "SCMP_ARCH_S390", SCMP_ARCH_S390 },
	{ "SCMP_ARCH_S390X", SCMP_ARCH_S390X },
	{ "SCMP_ARCH_PARISC", SCMP_ARCH_PARISC },
	{ "SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64 },
	{ "SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64 },
	{ "SCMP_ARCH_LOONGARCH64", SCMP_ARCH_LOONGARCH64 },
	{ "SCMP_ARCH_M68K", SCMP_ARCH_M68K },
	{ "SCMP_ARCH_SH", SCMP_ARCH_SH },
	{ "SCMP_ARCH_SHEB", SCMP_ARCH_SHEB },
};

static const struct {
	const char *name;
	uint32_t action;
} seccomp_actions[] = {
	{ "SCMP_ACT_KILL", SCMP_ACT_KILL },
	{ "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS },
	{ "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD },
	{ "SCMP_ACT_TRAP", SCMP_ACT_TRAP },
	{ "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0) },
	{ "SCMP_ACT_TRACE", SCMP_ACT_TRACE(0) },
	{ "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW },
	{ "SCMP_ACT_LOG", SCMP_ACT_LOG },
	{ "SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY },
};

static const char *const seccomp_flag_names[] = {
	"SECCOMP_FILTER_FLAG_TSYNC",
	"SECCOMP_FILTER_FLAG_LOG",
	"SECCOMP_FILTER_FLAG_SPEC_ALLOW",
	"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};

static const struct {
	const char *name;
	int op;
} seccomp_ops[] = {
	{ "SCMP_CMP_NE", SCMP_CMP_NE },
	{ "SCMP_CMP_LT", SCMP_CMP_LT },
	{ "SCMP_CMP_LE", SCMP_CMP_LE },
	{ "SCMP_CMP_EQ", SCMP_CMP_EQ },
	{ "SCMP_CMP_GE", SCMP_CMP_GE },
	{ "SCMP_CMP_GT", SCMP_CMP_GT },
	{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

static int seccomp_action(struct sj_ctx *c, json_t *v, uint32_t *ret)
{
	const char *s = json_string_value(v);

	for (size_t i = 0; i < ARRAY_SIZE(seccomp_actions); i++)
		if (strcmp(seccomp_actions[i].name, s) == 0) {
			*ret = seccomp_actions[i].action;
			return 0;
		}
	return sj_error(c, "unknown seccomp action \"%.64s\"", s);
}

static bool action_takes_errno(uint32_t a)
{
	return a == SCMP_ACT_ERRNO(0) || a == SCMP_ACT_TRACE(0);
}

static int p_default_action(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	struct rt_seccomp *s = base;

	(void)f;
	return seccomp_action(c, v, &s->default_action);
}

static int p_errno_ret(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	int64_t x = 0;
	int r = sj_get_int(c, v, 0, 0xffff, &x);

	if (r < 0)
		return r;
	*(uint32_t *)((char *)base + f->off) = (uint32_t)x;
	*(bool *)((char *)base + f->aux) = true;
	return 0;
}

static int p_archs(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	struct rt_seccomp *s = base;
	size_t n = json_array_size(v);

	(void)f;
	s->architectures = calloc(n ? n : 1, sizeof(uint32_t));
	if (!s->architectures)
		return sj_oom(c);
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(v, i);
		size_t saved = sj_push_index(c, i), k;

		if (!json_is_string(e))
			return sj_error(c, "expected a string");
		for (k = 0; k < ARRAY_SIZE(seccomp_archs); k++)
			if (strcmp(seccomp_archs[k].name, json_string_value(e)) == 0)
				break;
		if (k == ARRAY_SIZE(seccomp_archs))
			return sj_error(c, "unknown seccomp architecture \"%.64s\"", json_string_value(e));
		s->architectures[s->n_architectures++] = seccomp_archs[k].token;
		sj_pop(c, saved);
	}
	return 0;
}

static int p_seccomp_flags(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	struct rt_seccomp *s = base;
	int r = sj_p_strv(c, v, base, f);

	if (r < 0)
		return r;
	for (size_t i = 0; i < s->n_flags; i++) {
		size_t k;

		for (k = 0; k < ARRAY_SIZE(seccomp_flag_names); k++)
			if (strcmp(seccomp_flag_names[k], s->flags[i]) == 0)
				break;
		if (k == ARRAY_SIZE(seccomp_flag_names)) {
			sj_push_index(c, i);
			return sj_error(c, "unknown seccomp flag \"%.64s\"", s->flags[i]);
		}
	}
	return 0;
}

static int p_arg_op(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	struct rt_seccomp_arg *a = base;
	const char *s = json_string_value(v);

	(void)f;
	for (size_t i = 0; i < ARRAY_SIZE(seccomp_ops); i++)
		if (strcmp(seccomp_ops[i].name, s) == 0) {
			a->op = seccomp_ops[i].op;
			return 0;
		}
	return sj_error(c, "unknown seccomp operator \"%.64s\"", s);
}

static int p_arg_index(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	struct rt_seccomp_arg *a = base;
	int64_t x = 0;
	int r = sj_get_int(c, v, 0, 5, &x);

	(void)f;
	if (r < 0)
		return sj_error(c, "must be an integer from 0 to 5 (a syscall has 6 arguments)");
	a->index = (uint32_t)x;
	return 0;
}

static int arg_elem(struct sj_ctx *c, json_t *v, void *e)
{
	static const struct sj_field fields[] = {
		SJ_F("index", SJ_INT, p_arg_index, SJ_REQUIRED),
		SJ_INTN("value", sj_p_u64, struct rt_seccomp_arg, value, SJ_REQUIRED | SJ_U64MAX),
		SJ_INTN("valueTwo", sj_p_u64, struct rt_seccomp_arg, value_two, SJ_U64MAX),
		SJ_F("op", SJ_STRING, p_arg_op, SJ_REQUIRED),
	};
	return sj_object_expect(c, v, fields, ARRAY_SIZE(fields), e);
}

static int p_rule_action(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	struct rt_seccomp_rule *rule = base;

	(void)f;
	return seccomp_action(c, v, &rule->action);
}

static int p_rule_args(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	struct rt_seccomp_rule *rule = base;

	(void)f;
	return sj_array(c, v, sizeof(struct rt_seccomp_arg), &rule->args, &rule->n_args, arg_elem);
}

static int rule_elem(struct sj_ctx *c, json_t *v, void *e)
{
	static const struct sj_field fields[] = {
		SJ_STRV("names", struct rt_seccomp_rule, names, n_names, SJ_REQUIRED | SJ_NONEMPTY),
		SJ_F("action", SJ_STRING, p_rule_action, SJ_REQUIRED),
		{ "errnoRet", SJ_INT, p_errno_ret, offsetof(struct rt_seccomp_rule, errno_ret),
		  offsetof(struct rt_seccomp_rule, has_errno_ret), 0 },
		SJ_F("args", SJ_ARRAY, p_rule_args, 0),
	};
	struct rt_seccomp_rule *rule = e;
	int r = sj_object_expect(c, v, fields, ARRAY_SIZE(fields), rule);

	if (r < 0)
		return r;
	if (rule->has_errno_ret && !action_takes_errno(rule->action))
		return sj_error_at(c, "errnoRet", "only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno");
	return 0;
}

static int p_syscalls(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	struct rt_seccomp *s = base;

	(void)f;
	return sj_array(c, v, sizeof(struct rt_seccomp_rule), &s->syscalls, &s->n_syscalls, rule_elem);
}

static int p_seccomp(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	static const struct sj_field fields[] = {
		SJ_F("defaultAction", SJ_STRING, p_default_action, SJ_REQUIRED),
		{ "defaultErrnoRet", SJ_INT, p_errno_ret, offsetof(struct rt_seccomp, default_errno_ret),
		  offsetof(struct rt_seccomp, has_default_errno_ret), 0 },
		SJ_F("architectures", SJ_ARRAY, p_archs, 0),
		{ "flags", SJ_ARRAY, p_seccomp_flags, offsetof(struct rt_seccomp, flags),
		  offsetof(struct rt_seccomp, n_flags), 0 },
		SJ_STR("listenerPath", struct rt_seccomp, listener_path, SJ_ABSPATH),
		SJ_STR("listenerMetadata", struct rt_seccomp, listener_metadata, 0),
		SJ_F("syscalls", SJ_ARRAY, p_syscalls, 0),
	};
	struct rt_linux *l = base;
	struct rt_seccomp *s = &l->seccomp;
	int r;

	(void)f;
	s->present = true;
	r = sj_object(c, v, fields, ARRAY_SIZE(fields), s);
	if (r < 0)
		return r;
	if (s->default_action == SCMP_ACT_NOTIFY)
		return sj_error_at(c, "defaultAction", "SCMP_ACT_NOTIFY cannot be the default action");
	if (s->has_default_errno_ret && !action_takes_errno(s->default_action))
		return sj_error_at(c, "defaultErrnoRet",
				   "only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno");
	if (s->listener_metadata && !s->listener_path)
		return sj_error_at(c, "listenerMetadata", "requires listenerPath");
	for (size_t i = 0; i < s->n_syscalls; i++)
		if (s->syscalls[i].action == SCMP_ACT_NOTIFY && !s->listener_path) {
			size_t saved = sj_push_key(c, "syscalls");

			sj_push_index(c, i);
			r = sj_error_at(c, "action", "SCMP_ACT_NOTIFY requires seccomp.listenerPath");
			sj_pop(c, saved);
			return r;
		}
	return 0;
}

/* ---- personality, intelRdt, memoryPolicy ---- */

static int p_personality_domain(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	struct rt_personality *p = base;
	const char *s = json_string_value(v);

	(void)f;
	if (strcmp(s, "LINUX") == 0)
		p->domain = PER_LINUX;
	else if (strcmp(s, "LINUX32") == 0)
		p->domain = PER_LINUX32;
	else
		return sj_error(c, "unknown personality domain \"%.32s\" (expected LINUX or LINUX32)", s);
	return 0;
}

static int p_personality(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	static const struct sj_field fields[] = {
		SJ_F("domain", SJ_STRING, p_personality_domain, SJ_REQUIRED),
		SJ_STRV("flags", struct rt_personality, flags, n_flags, 0),
	};
	struct rt_linux *l = base;

	(void)f;
	l->personality.present = true;
	return sj_object(c, v, fields, ARRAY_SIZE(fields), &l->personality);
}

/* Schemas are written to resctrl's schemata file one per line. */
static int no_newline(struct sj_ctx *c, const char *key, const char *s)
{
	if (s && strchr(s, '\n'))
		return sj_error_at(c, key, "must not contain a newline");
	return 0;
}

static int p_intel_rdt(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	static const struct sj_field fields[] = {
		SJ_STR("closID", struct rt_intel_rdt, clos_id, 0),
		SJ_STR("l3CacheSchema", struct rt_intel_rdt, l3_cache_schema, 0),
		SJ_STR("memBwSchema", struct rt_intel_rdt, mem_bw_schema, 0),
		SJ_STRV("schemata", struct rt_intel_rdt, schemata, n_schemata, 0),
		SJ_BOOL("enableCMT", struct rt_intel_rdt, enable_cmt),
		SJ_BOOL("enableMBM", struct rt_intel_rdt, enable_mbm),
		SJ_BOOL("enableMonitoring", struct rt_intel_rdt, enable_monitoring),
	};
	struct rt_intel_rdt *rdt = &((struct rt_linux *)base)->intel_rdt;
	int r;

	(void)f;
	rdt->present = true;
	r = sj_object(c, v, fields, ARRAY_SIZE(fields), rdt);
	if (r >= 0)
		r = no_newline(c, "closID", rdt->clos_id);
	if (r >= 0)
		r = no_newline(c, "l3CacheSchema", rdt->l3_cache_schema);
	if (r >= 0)
		r = no_newline(c, "memBwSchema", rdt->mem_bw_schema);
	for (size_t i = 0; r >= 0 && i < rdt->n_schemata; i++)
		r = no_newline(c, "schemata", rdt->schemata[i]);
	return r;
}

static int p_mpol_mode(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	static const char *const modes[] = {
		"MPOL_DEFAULT",
		"MPOL_PREFERRED",
		"MPOL_BIND",
		"MPOL_INTERLEAVE",
		"MPOL_LOCAL",
		"MPOL_PREFERRED_MANY",
		"MPOL_WEIGHTED_INTERLEAVE",
	};
	struct rt_memory_policy *mp = base;
	const char *s = json_string_value(v);

	(void)f;
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++)
		if (strcmp(modes[i], s) == 0) {
			mp->mode = (int)i; /* MPOL_* are the indices above */
			return 0;
		}
	return sj_error(c, "unknown memory policy mode \"%.64s\"", s);
}

static int p_mpol_flags(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	struct rt_memory_policy *mp = base;

	(void)f;
	for (size_t i = 0; i < json_array_size(v); i++) {
		json_t *e = json_array_get(v, i);
		size_t saved = sj_push_index(c, i);
		const char *s = json_string_value(e);

		if (!s)
			return sj_error(c, "expected a string");
		if (strcmp(s, "MPOL_F_NUMA_BALANCING") == 0)
			mp->flags |= RT_MPOL_F_NUMA_BALANCING;
		else if (strcmp(s, "MPOL_F_RELATIVE_NODES") == 0)
			mp->flags |= RT_MPOL_F_RELATIVE_NODES;
		else if (strcmp(s, "MPOL_F_STATIC_NODES") == 0)
			mp->flags |= RT_MPOL_F_STATIC_NODES;
		else
			return sj_error(c, "unknown memory policy flag \"%.64s\"", s);
		sj_pop(c, saved);
	}
	return 0;
}

static int p_memory_policy(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	static const struct sj_field fields[] = {
		SJ_F("mode", SJ_STRING, p_mpol_mode, SJ_REQUIRED),
		SJ_STR("nodes", struct rt_memory_policy, nodes, 0),
		SJ_F("flags", SJ_ARRAY, p_mpol_flags, 0),
	};
	struct rt_linux *l = base;

	(void)f;
	l->memory_policy.present = true;
	return sj_object(c, v, fields, ARRAY_SIZE(fields), &l->memory_policy);
}

static const struct sj_field linux_fields[] = {
	SJ_F("namespaces", SJ_ARRAY, p_namespaces, 0),
	{ "uidMappings", SJ_ARRAY, rt_spec_p_idmaps, offsetof(struct rt_linux, uid_mappings),
	  offsetof(struct rt_linux, n_uid_mappings), 0 },
	{ "gidMappings", SJ_ARRAY, rt_spec_p_idmaps, offsetof(struct rt_linux, gid_mappings),
	  offsetof(struct rt_linux, n_gid_mappings), 0 },
	SJ_F("timeOffsets", SJ_OBJECT, p_time_offsets, 0),
	SJ_F("devices", SJ_ARRAY, p_devices, 0),
	SJ_STR("cgroupsPath", struct rt_linux, cgroups_path, 0),
	SJ_F("resources", SJ_OBJECT, p_resources, 0),
	SJ_F("rootfsPropagation", SJ_STRING, p_rootfs_propagation, 0),
	SJ_F("seccomp", SJ_OBJECT, p_seccomp, 0),
	SJ_KV("sysctl", struct rt_linux, sysctl, n_sysctl),
	SJ_STRV("maskedPaths", struct rt_linux, masked_paths, n_masked_paths, SJ_ABSPATH),
	SJ_STRV("readonlyPaths", struct rt_linux, readonly_paths, n_readonly_paths, SJ_ABSPATH),
	SJ_STR("mountLabel", struct rt_linux, mount_label, 0),
	SJ_F("personality", SJ_OBJECT, p_personality, 0),
	SJ_F("intelRdt", SJ_OBJECT, p_intel_rdt, 0),
	SJ_F("memoryPolicy", SJ_OBJECT, p_memory_policy, 0),
};

int rt_spec_linux_fill(struct sj_ctx *c, json_t *v, struct rt_linux *l)
{
	int r = sj_object(c, v, linux_fields, ARRAY_SIZE(linux_fields), l);

	if (r < 0)
		return r;
	if ((l->uid_mappings || l->gid_mappings) && !l->namespaces[RT_NS_USER].present)
		return sj_error_at(c, l->uid_mappings ? "uidMappings" : "gidMappings",
				   "id mappings require a user namespace in linux.namespaces");
	if ((l->time_offsets.has_monotonic || l->time_offsets.has_boottime) &&
	    !l->namespaces[RT_NS_TIME].present)
		return sj_error_at(c, "timeOffsets",
				   "time offsets require a time namespace in linux.namespaces");
	return 0;
}

void rt_spec_linux_clear(struct rt_linux *l)
{
	for (int t = 0; t < RT_NS_MAX; t++)
		free(l->namespaces[t].path);
	free(l->uid_mappings);
	free(l->gid_mappings);
	for (size_t i = 0; l->devices && i < l->n_devices; i++)
		free(l->devices[i].path);
	free(l->devices);
	free(l->cgroups_path);
	rt_resources_clear(&l->resources);
	free(l->seccomp.architectures);
	sj_strv_free(l->seccomp.flags, l->seccomp.n_flags);
	free(l->seccomp.listener_path);
	free(l->seccomp.listener_metadata);
	for (size_t i = 0; l->seccomp.syscalls && i < l->seccomp.n_syscalls; i++) {
		sj_strv_free(l->seccomp.syscalls[i].names, l->seccomp.syscalls[i].n_names);
		free(l->seccomp.syscalls[i].args);
	}
	free(l->seccomp.syscalls);
	rt_kv_free(l->sysctl, l->n_sysctl);
	sj_strv_free(l->masked_paths, l->n_masked_paths);
	sj_strv_free(l->readonly_paths, l->n_readonly_paths);
	free(l->mount_label);
	sj_strv_free(l->personality.flags, l->personality.n_flags);
	free(l->intel_rdt.clos_id);
	free(l->intel_rdt.l3_cache_schema);
	free(l->intel_rdt.mem_bw_schema);
	sj_strv_free(l->intel_rdt.schemata, l->intel_rdt.n_schemata);
	free(l->memory_policy.nodes);
	memset(l, 0, sizeof(*l));
}
