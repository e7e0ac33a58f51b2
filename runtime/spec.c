/* config.json -> struct rt_spec.  The walker is in spec-json.c, linux.* in
 * spec-linux.c, linux.resources in spec-resources.c.  This file holds the
 * top level, process (also used for `exec --process`), mounts, hooks and the
 * small name lookups shared with the CLI. */
#include "spec.h"

#include <ctype.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "affinity.h"
#include "spec-json.h"
#include "spec-linux.h"
#include "spec-resources.h"
#include "util.h"

#define DEFAULT_NAME "config.json"

/* ---- ociVersion ---- */

static bool parse_digits(const char **p, unsigned *ret)
{
	const char *s = *p;
	unsigned v = 0;

	if (!isdigit((unsigned char)*s))
		return false;
	if (s[0] == '0' && isdigit((unsigned char)s[1]))
		return false; /* semver: no leading zeros */
	while (isdigit((unsigned char)*s)) {
		if (v > 100000)
			return false;
		v = v * 10 + (unsigned)(*s++ - '0');
	}
	*p = s;
	*ret = v;
	return true;
}

/* 1.0.0 .. 1.3.x, with optional -prerelease and +build suffixes. */
static bool version_supported(const char *v)
{
	unsigned major, minor, patch;
	const char *p = v;

	if (!parse_digits(&p, &major) || *p++ != '.' || !parse_digits(&p, &minor) || *p++ != '.' ||
	    !parse_digits(&p, &patch))
		return false;
	if (major != 1 || minor > 3)
		return false;
	if (*p == '\0')
		return true;
	if (*p != '-' && *p != '+')
		return false;
	p++;
	if (*p == '\0')
		return false;
	for (; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' && *p != '+')
			return false;
	return true;
}

static int p_version(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	const char *s = json_string_value(v);

	if (!version_supported(s))
		return sj_error(c, "unsupported version \"%.64s\" (capsa supports 1.0.0 to 1.3.x)", s);
	return sj_p_str(c, v, base, f);
}

/* ---- root ---- */

static int p_root(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	static const struct sj_field fields[] = {
		SJ_STR("path", struct rt_spec, root_path, SJ_REQUIRED | SJ_NONEMPTY),
		SJ_BOOL("readonly", struct rt_spec, root_readonly),
	};
	(void)f;
	return sj_object(c, v, fields, ARRAY_SIZE(fields), base);
}

/* ---- mounts ---- */

enum mo_kind { MO_SET, MO_CLEAR, MO_PROP, MO_BIND, MO_IDMAP, MO_ATTR_SET, MO_ATTR_CLR, MO_ATIME, MO_IGNORE };

#define MO_REC 1u

struct mount_opt {
	const char *name;
	enum mo_kind kind;
	unsigned long flag;
	unsigned rec;
};

/* Plain options toggle MS_* flags (last one wins); r* forms become
 * MOUNT_ATTR_* for mount_setattr(AT_RECURSIVE). */
static const struct mount_opt mount_opts[] = {
	{ "defaults", MO_IGNORE, 0, 0 },
	{ "tmpcopyup", MO_IGNORE, 0, 0 },
	{ "ro", MO_SET, MS_RDONLY, 0 },
	{ "rw", MO_CLEAR, MS_RDONLY, 0 },
	{ "nosuid", MO_SET, MS_NOSUID, 0 },
	{ "suid", MO_CLEAR, MS_NOSUID, 0 },
	{ "nodev", MO_SET, MS_NODEV, 0 },
	{ "dev", MO_CLEAR, MS_NODEV, 0 },
	{ "noexec", MO_SET, MS_NOEXEC, 0 },
	{ "exec", MO_CLEAR, MS_NOEXEC, 0 },
	{ "sync", MO_SET, MS_SYNCHRONOUS, 0 },
	{ "async", MO_CLEAR, MS_SYNCHRONOUS, 0 },
	{ "dirsync", MO_SET, MS_DIRSYNC, 0 },
	{ "remount", MO_SET, MS_REMOUNT, 0 },
	{ "mand", MO_SET, MS_MANDLOCK, 0 },
	{ "nomand", MO_CLEAR, MS_MANDLOCK, 0 },
	{ "noatime", MO_SET, MS_NOATIME, 0 },
	{ "atime", MO_CLEAR, MS_NOATIME, 0 },
	{ "nodiratime", MO_SET, MS_NODIRATIME, 0 },
	{ "diratime", MO_CLEAR, MS_NODIRATIME, 0 },
	{ "relatime", MO_SET, MS_RELATIME, 0 },
	{ "norelatime", MO_CLEAR, MS_RELATIME, 0 },
	{ "strictatime", MO_SET, MS_STRICTATIME, 0 },
	{ "nostrictatime", MO_CLEAR, MS_STRICTATIME, 0 },
	{ "nosymfollow", MO_SET, MS_NOSYMFOLLOW, 0 },
	{ "symfollow", MO_CLEAR, MS_NOSYMFOLLOW, 0 },
	{ "iversion", MO_SET, MS_I_VERSION, 0 },
	{ "noiversion", MO_CLEAR, MS_I_VERSION, 0 },
	{ "lazytime", MO_SET, MS_LAZYTIME, 0 },
	{ "nolazytime", MO_CLEAR, MS_LAZYTIME, 0 },
	{ "silent", MO_SET, MS_SILENT, 0 },
	{ "loud", MO_CLEAR, MS_SILENT, 0 },
	{ "bind", MO_BIND, 0, 0 },
	{ "rbind", MO_BIND, 0, MO_REC },
	{ "shared", MO_PROP, MS_SHARED, 0 },
	{ "rshared", MO_PROP, MS_SHARED, MO_REC },
	{ "slave", MO_PROP, MS_SLAVE, 0 },
	{ "rslave", MO_PROP, MS_SLAVE, MO_REC },
	{ "private", MO_PROP, MS_PRIVATE, 0 },
	{ "rprivate", MO_PROP, MS_PRIVATE, MO_REC },
	{ "unbindable", MO_PROP, MS_UNBINDABLE, 0 },
	{ "runbindable", MO_PROP, MS_UNBINDABLE, MO_REC },
	{ "idmap", MO_IDMAP, 0, 0 },
	{ "ridmap", MO_IDMAP, 0, MO_REC },
	{ "rro", MO_ATTR_SET, MOUNT_ATTR_RDONLY, 0 },
	{ "rrw", MO_ATTR_CLR, MOUNT_ATTR_RDONLY, 0 },
	{ "rnosuid", MO_ATTR_SET, MOUNT_ATTR_NOSUID, 0 },
	{ "rsuid", MO_ATTR_CLR, MOUNT_ATTR_NOSUID, 0 },
	{ "rnodev", MO_ATTR_SET, MOUNT_ATTR_NODEV, 0 },
	{ "rdev", MO_ATTR_CLR, MOUNT_ATTR_NODEV, 0 },
	{ "rnoexec", MO_ATTR_SET, MOUNT_ATTR_NOEXEC, 0 },
	{ "rexec", MO_ATTR_CLR, MOUNT_ATTR_NOEXEC, 0 },
	{ "rnodiratime", MO_ATTR_SET, MOUNT_ATTR_NODIRATIME, 0 },
	{ "rdiratime", MO_ATTR_CLR, MOUNT_ATTR_NODIRATIME, 0 },
	{ "rnosymfollow", MO_ATTR_SET, RT_MOUNT_ATTR_NOSYMFOLLOW, 0 },
	{ "rsymfollow", MO_ATTR_CLR, RT_MOUNT_ATTR_NOSYMFOLLOW, 0 },
	{ "rnoatime", MO_ATIME, MOUNT_ATTR_NOATIME, 0 },
	{ "rstrictatime", MO_ATIME, MOUNT_ATTR_STRICTATIME, 0 },
	{ "rrelatime", MO_ATIME, MOUNT_ATTR_RELATIME, 0 },
	{ "ratime", MO_ATIME, MOUNT_ATTR_RELATIME, 0 },
	{ "rnorelatime", MO_ATIME, MOUNT_ATTR_RELATIME, 0 },
	{ "rnostrictatime", MO_ATIME, MOUNT_ATTR_RELATIME, 0 },
};

static const struct mount_opt *mount_opt_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(mount_opts); i++)
		if (strcmp(mount_opts[i].name, name) == 0)
			return &mount_opts[i];
	return NULL;
}

static int mount_parse_options(struct sj_ctx *c, struct rt_mount *m)
{
	size_t data_len = 0;

	for (size_t i = 0; i < m->n_options; i++) {
		const char *o = m->options[i];
		const struct mount_opt *mo = mount_opt_find(o);

		if (!mo) {
			size_t n = strlen(o);
			char *d;

			if (n == 0)
				continue;
			d = realloc(m->data, data_len + n + 2);
			if (!d)
				return sj_oom(c);
			m->data = d;
			if (data_len > 0)
				d[data_len++] = ',';
			memcpy(d + data_len, o, n + 1);
			data_len += n;
			continue;
		}
		switch (mo->kind) {
		case MO_SET:
			m->flags |= mo->flag;
			m->clear_flags &= ~mo->flag;
			break;
		case MO_CLEAR:
			m->clear_flags |= mo->flag;
			m->flags &= ~mo->flag;
			break;
		case MO_PROP:
			m->propagation = mo->flag | (mo->rec ? MS_REC : 0);
			if (mo->rec)
				m->recursive = true;
			break;
		case MO_BIND:
			m->bind = true;
			if (mo->rec)
				m->recursive = true;
			break;
		case MO_IDMAP:
			m->idmap = true;
			m->idmap_recursive = mo->rec != 0;
			break;
		case MO_ATTR_SET:
			m->attr_set |= mo->flag;
			m->attr_clr &= ~(uint64_t)mo->flag;
			break;
		case MO_ATTR_CLR:
			m->attr_clr |= mo->flag;
			m->attr_set &= ~(uint64_t)mo->flag;
			break;
		case MO_ATIME:
			m->attr_clr |= MOUNT_ATTR__ATIME;
			m->attr_set = (m->attr_set & ~(uint64_t)MOUNT_ATTR__ATIME) | mo->flag;
			break;
		case MO_IGNORE:
			if (strcmp(o, "tmpcopyup") == 0)
				m->tmpcopyup = true;
			break;
		}
	}
	return 0;
}

static int idmap_elem(struct sj_ctx *c, json_t *v, void *e)
{
	static const struct sj_field fields[] = {
		SJ_INTN("containerID", sj_p_u32, struct rt_idmap, container_id, SJ_REQUIRED),
		SJ_INTN("hostID", sj_p_u32, struct rt_idmap, host_id, SJ_REQUIRED),
		SJ_INTN("size", sj_p_u32, struct rt_idmap, size, SJ_REQUIRED),
	};
	return sj_object_expect(c, v, fields, ARRAY_SIZE(fields), e);
}

int rt_spec_p_idmaps(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	return sj_array(c, v, sizeof(struct rt_idmap), (char *)base + f->off,
			(size_t *)((char *)base + f->aux), idmap_elem);
}

static int mount_elem(struct sj_ctx *c, json_t *v, void *e)
{
	static const struct sj_field fields[] = {
		SJ_STR("destination", struct rt_mount, destination, SJ_REQUIRED | SJ_NONEMPTY),
		SJ_STR("type", struct rt_mount, type, 0),
		SJ_STR("source", struct rt_mount, source, 0),
		SJ_STRV("options", struct rt_mount, options, n_options, 0),
		{ "uidMappings", SJ_ARRAY, rt_spec_p_idmaps, offsetof(struct rt_mount, uid_mappings),
		  offsetof(struct rt_mount, n_uid_mappings), 0 },
		{ "gidMappings", SJ_ARRAY, rt_spec_p_idmaps, offsetof(struct rt_mount, gid_mappings),
		  offsetof(struct rt_mount, n_gid_mappings), 0 },
	};
	struct rt_mount *m = e;
	int r = sj_object_expect(c, v, fields, ARRAY_SIZE(fields), m);

	if (r < 0)
		return r;
	if (!m->uid_mappings != !m->gid_mappings)
		return sj_error(c, "uidMappings and gidMappings must be given together");
	return mount_parse_options(c, m);
}

static int p_mounts(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	struct rt_spec *s = base;

	(void)f;
	return sj_array(c, v, sizeof(struct rt_mount), &s->mounts, &s->n_mounts, mount_elem);
}

/* ---- process ---- */

static int p_console_size(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	static const struct sj_field fields[] = {
		SJ_INTN("height", sj_p_u32, struct rt_process, console_height, SJ_REQUIRED),
		SJ_INTN("width", sj_p_u32, struct rt_process, console_width, SJ_REQUIRED),
	};
	struct rt_process *p = base;

	(void)f;
	p->has_console_size = true;
	return sj_object(c, v, fields, ARRAY_SIZE(fields), p);
}

static int p_umask(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	struct rt_user *u = base;
	int64_t x = 0;
	int r = sj_get_int(c, v, 0, 0777, &x);

	(void)f;
	if (r < 0)
		return r;
	u->umask = (uint32_t)x;
	u->has_umask = true;
	return 0;
}

static int p_user(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	static const struct sj_field fields[] = {
		SJ_INTN("uid", sj_p_u32, struct rt_user, uid, SJ_REQUIRED),
		SJ_INTN("gid", sj_p_u32, struct rt_user, gid, SJ_REQUIRED),
		SJ_F("umask", SJ_INT, p_umask, 0),
		{ "additionalGids", SJ_ARRAY, sj_p_u32v, offsetof(struct rt_user, additional_gids),
		  offsetof(struct rt_user, n_additional_gids), 0 },
		SJ_STR("username", struct rt_user, username, 0),
	};
	struct rt_process *p = base;

	(void)f;
	return sj_object(c, v, fields, ARRAY_SIZE(fields), &p->user);
}

static int p_args(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	size_t n = json_is_array(v) ? json_array_size(v) : 0;

	for (size_t i = 0; i < n; i++)
		if (!json_is_string(json_array_get(v, i)))
			n = 0;
	if (n == 0 && json_is_array(v) && json_array_size(v) == 0 && (c->flags & RT_SPEC_ARGS_OPTIONAL))
		return 0; /* left empty for the image config */
	if (n == 0)
		return sj_error(c, "must be a non-empty array of strings");
	return sj_p_strv(c, v, base, f);
}

static int caps_set(struct sj_ctx *c, json_t *v, uint64_t *mask)
{
	size_t n = json_array_size(v);

	*mask = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(v, i);
		size_t saved = sj_push_index(c, i);
		const char *name;
		cap_value_t cv;
		bool ok;

		if (!json_is_string(e))
			return sj_error(c, "expected a string");
		name = json_string_value(e);
		/* Only the canonical spelling: cap_from_name() would also take
		 * numbers and lower case. */
		ok = strncmp(name, "CAP_", 4) == 0 && name[4] != '\0';
		for (const char *q = name; ok && *q; q++)
			ok = isupper((unsigned char)*q) || isdigit((unsigned char)*q) || *q == '_';
		if (!ok || cap_from_name(name, &cv) < 0 || cv < 0 || cv > 63)
			return sj_error(c, "unknown capability \"%.64s\"", name);
		*mask |= UINT64_C(1) << cv;
		sj_pop(c, saved);
	}
	return 0;
}

static int p_capset(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	return caps_set(c, v, (uint64_t *)((char *)base + f->off));
}

static int p_caps(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	static const struct sj_field fields[] = {
		{ "bounding", SJ_ARRAY, p_capset, offsetof(struct rt_caps, bounding), SJ_NOAUX, 0 },
		{ "effective", SJ_ARRAY, p_capset, offsetof(struct rt_caps, effective), SJ_NOAUX, 0 },
		{ "inheritable", SJ_ARRAY, p_capset, offsetof(struct rt_caps, inheritable), SJ_NOAUX, 0 },
		{ "permitted", SJ_ARRAY, p_capset, offsetof(struct rt_caps, permitted), SJ_NOAUX, 0 },
		{ "ambient", SJ_ARRAY, p_capset, offsetof(struct rt_caps, ambient), SJ_NOAUX, 0 },
	};
	struct rt_process *p = base;

	(void)f;
	p->caps.present = true;
	return sj_object(c, v, fields, ARRAY_SIZE(fields), &p->caps);
}

static const struct {
	const char *name;
	int value;
} rlimit_names[] = {
	{ "RLIMIT_CPU", RLIMIT_CPU },		{ "RLIMIT_FSIZE", RLIMIT_FSIZE },
	{ "RLIMIT_DATA", RLIMIT_DATA },		{ "RLIMIT_STACK", RLIMIT_STACK },
	{ "RLIMIT_CORE", RLIMIT_CORE },		{ "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_NPROC", RLIMIT_NPROC },	{ "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },	{ "RLIMIT_AS", RLIMIT_AS },
	{ "RLIMIT_LOCKS", RLIMIT_LOCKS },	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE }, { "RLIMIT_NICE", RLIMIT_NICE },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO },	{ "RLIMIT_RTTIME", RLIMIT_RTTIME },
};

static int p_rlimit_type(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	struct rt_rlimit *rl = base;
	const char *name = json_string_value(v);

	(void)f;
	for (size_t i = 0; i < ARRAY_SIZE(rlimit_names); i++)
		if (strcmp(rlimit_names[i].name, name) == 0) {
			rl->resource = rlimit_names[i].value;
			return 0;
		}
	return sj_error(c, "unknown rlimit \"%.64s\"", name);
}

static int rlimit_elem(struct sj_ctx *c, json_t *v, void *e)
{
	static const struct sj_field fields[] = {
		SJ_F("type", SJ_STRING, p_rlimit_type, SJ_REQUIRED),
		SJ_INTN("soft", sj_p_u64, struct rt_rlimit, soft, SJ_REQUIRED | SJ_U64MAX),
		SJ_INTN("hard", sj_p_u64, struct rt_rlimit, hard, SJ_REQUIRED | SJ_U64MAX),
	};
	struct rt_rlimit *rl = e;
	int r;

	rl->resource = -1;
	r = sj_object_expect(c, v, fields, ARRAY_SIZE(fields), rl);
	if (r < 0)
		return r;
	if (rl->soft > rl->hard)
		return sj_error(c, "soft limit exceeds hard limit");
	return 0;
}

static const char *rlimit_name(int resource)
{
	for (size_t i = 0; i < ARRAY_SIZE(rlimit_names); i++)
		if (rlimit_names[i].value == resource)
			return rlimit_names[i].name;
	return "?";
}

static int p_rlimits(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	struct rt_process *p = base;
	int r;

	(void)f;
	r = sj_array(c, v, sizeof(struct rt_rlimit), &p->rlimits, &p->n_rlimits, rlimit_elem);
	if (r < 0)
		return r;
	for (size_t i = 1; i < p->n_rlimits; i++)
		for (size_t j = 0; j < i; j++)
			if (p->rlimits[i].resource == p->rlimits[j].resource) {
				size_t saved = sj_push_index(c, i);

				r = sj_error_at(c, "type", "duplicate rlimit \"%s\"",
						rlimit_name(p->rlimits[i].resource));
				sj_pop(c, saved);
				return r;
			}
	return 0;
}

struct name_value {
	const char *name;
	uint64_t value;
};

static int lookup(const struct name_value *t, size_t n, const char *name, uint64_t *ret)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0) {
			*ret = t[i].value;
			return 0;
		}
	return -ENOENT;
}

static const struct name_value sched_policies[] = {
	{ "SCHED_OTHER", 0 }, { "SCHED_FIFO", 1 }, { "SCHED_RR", 2 },	    { "SCHED_BATCH", 3 },
	{ "SCHED_ISO", 4 },   { "SCHED_IDLE", 5 }, { "SCHED_DEADLINE", 6 },
};

/* Values of linux/sched/types.h, not included: it clashes with <sched.h>. */
static const struct name_value sched_flags[] = {
	{ "SCHED_FLAG_RESET_ON_FORK", 0x01 },  { "SCHED_FLAG_RECLAIM", 0x02 },
	{ "SCHED_FLAG_DL_OVERRUN", 0x04 },     { "SCHED_FLAG_KEEP_POLICY", 0x08 },
	{ "SCHED_FLAG_KEEP_PARAMS", 0x10 },    { "SCHED_FLAG_UTIL_CLAMP_MIN", 0x20 },
	{ "SCHED_FLAG_UTIL_CLAMP_MAX", 0x40 },
};

static int p_sched_policy(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	struct rt_scheduler *s = base;
	uint64_t x = 0;

	(void)f;
	if (lookup(sched_policies, ARRAY_SIZE(sched_policies), json_string_value(v), &x) < 0)
		return sj_error(c, "unknown scheduler policy \"%.64s\"", json_string_value(v));
	s->policy = (int)x;
	return 0;
}

static int p_sched_flags(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	struct rt_scheduler *s = base;

	(void)f;
	for (size_t i = 0; i < json_array_size(v); i++) {
		json_t *e = json_array_get(v, i);
		size_t saved = sj_push_index(c, i);
		uint64_t x = 0;

		if (!json_is_string(e))
			return sj_error(c, "expected a string");
		if (lookup(sched_flags, ARRAY_SIZE(sched_flags), json_string_value(e), &x) < 0)
			return sj_error(c, "unknown scheduler flag \"%.64s\"", json_string_value(e));
		s->flags |= x;
		sj_pop(c, saved);
	}
	return 0;
}

static int p_scheduler(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	static const struct sj_field fields[] = {
		SJ_F("policy", SJ_STRING, p_sched_policy, SJ_REQUIRED),
		SJ_INTF("nice", sj_p_i32, struct rt_scheduler, nice, has_nice, 0),
		SJ_INTF("priority", sj_p_i32, struct rt_scheduler, priority, has_priority, 0),
		SJ_F("flags", SJ_ARRAY, p_sched_flags, 0),
		SJ_INTN("runtime", sj_p_u64, struct rt_scheduler, runtime, 0),
		SJ_INTN("deadline", sj_p_u64, struct rt_scheduler, deadline, 0),
		SJ_INTN("period", sj_p_u64, struct rt_scheduler, period, 0),
	};
	struct rt_process *p = base;

	(void)f;
	p->scheduler.present = true;
	return sj_object(c, v, fields, ARRAY_SIZE(fields), &p->scheduler);
}

static const struct name_value ioprio_classes[] = {
	{ "IOPRIO_CLASS_RT", 1 },
	{ "IOPRIO_CLASS_BE", 2 },
	{ "IOPRIO_CLASS_IDLE", 3 },
};

static int p_ioprio_class(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	struct rt_io_priority *io = base;
	uint64_t x = 0;

	(void)f;
	if (lookup(ioprio_classes, ARRAY_SIZE(ioprio_classes), json_string_value(v), &x) < 0)
		return sj_error(c, "unknown I/O priority class \"%.64s\"", json_string_value(v));
	io->class = (int)x;
	return 0;
}

static int p_ioprio_prio(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	struct rt_io_priority *io = base;
	int64_t x = 0;
	int r = sj_get_int(c, v, 0, 7, &x);

	(void)f;
	if (r < 0)
		return r;
	io->priority = (int)x;
	return 0;
}

static int p_io_priority(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	static const struct sj_field fields[] = {
		SJ_F("class", SJ_STRING, p_ioprio_class, SJ_REQUIRED),
		SJ_F("priority", SJ_INT, p_ioprio_prio, SJ_REQUIRED),
	};
	struct rt_process *p = base;

	(void)f;
	p->io_priority.present = true;
	return sj_object(c, v, fields, ARRAY_SIZE(fields), &p->io_priority);
}

static int p_oom_score_adj(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	struct rt_process *p = base;
	int64_t x = 0;
	int r = sj_get_int(c, v, -1000, 1000, &x);

	(void)f;
	if (r < 0)
		return r;
	p->oom_score_adj = (int)x;
	p->has_oom_score_adj = true;
	return 0;
}

/* a cpu list ("0-3,7"); "" is "not set" */
static int p_cpu_list(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	char **dst = (char **)(void *)((char *)base + f->off);
	cpu_set_t set;
	int r = sj_p_str(c, v, base, f);

	if (r < 0)
		return r;
	if (**dst && rt_cpulist_parse(*dst, &set) < 0)
		return sj_error(c, "\"%.64s\" is not a list of CPUs 0-1023 (like \"0-3,7\")", *dst);
	return 0;
}

static int p_cpu_affinity(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	static const struct sj_field fields[] = {
		{ "initial", SJ_STRING, p_cpu_list, offsetof(struct rt_process, exec_cpu_affinity_initial),
		  SJ_NOAUX, 0 },
		{ "final", SJ_STRING, p_cpu_list, offsetof(struct rt_process, exec_cpu_affinity_final),
		  SJ_NOAUX, 0 },
	};
	(void)f;
	return sj_object(c, v, fields, ARRAY_SIZE(fields), base);
}

static const struct sj_field process_fields[] = {
	SJ_BOOL("terminal", struct rt_process, terminal),
	SJ_F("consoleSize", SJ_OBJECT, p_console_size, 0),
	SJ_F("user", SJ_OBJECT, p_user, 0),
	{ "args", SJ_ANY, p_args, offsetof(struct rt_process, args), offsetof(struct rt_process, n_args),
	  SJ_NONEMPTY },
	SJ_STRV("env", struct rt_process, env, n_env, 0),
	SJ_STR("cwd", struct rt_process, cwd, SJ_REQUIRED | SJ_ABSPATH),
	SJ_F("capabilities", SJ_OBJECT, p_caps, 0),
	SJ_F("rlimits", SJ_ARRAY, p_rlimits, 0),
	SJ_BOOL("noNewPrivileges", struct rt_process, no_new_privileges),
	SJ_STR("apparmorProfile", struct rt_process, apparmor_profile, 0),
	SJ_STR("selinuxLabel", struct rt_process, selinux_label, 0),
	SJ_F("oomScoreAdj", SJ_INT, p_oom_score_adj, 0),
	SJ_F("scheduler", SJ_OBJECT, p_scheduler, 0),
	SJ_F("ioPriority", SJ_OBJECT, p_io_priority, 0),
	SJ_F("execCPUAffinity", SJ_OBJECT, p_cpu_affinity, 0),
};

static int process_fill(struct sj_ctx *c, json_t *v, struct rt_process *p)
{
	if ((!json_object_get(v, "args") || json_is_null(json_object_get(v, "args"))) &&
	    !(c->flags & RT_SPEC_ARGS_OPTIONAL))
		return sj_error_at(c, "args", "must be a non-empty array of strings");
	return sj_object(c, v, process_fields, ARRAY_SIZE(process_fields), p);
}

static int p_process(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	struct rt_spec *s = base;

	(void)f;
	s->has_process = true;
	return process_fill(c, v, &s->process);
}

/* ---- hooks ---- */

static int p_hook_timeout(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	struct rt_hook *h = base;
	int64_t x = 0;
	int r = sj_get_int(c, v, 1, INT32_MAX, &x);

	(void)f;
	if (r < 0)
		return sj_error(c, "must be a positive number of seconds");
	h->timeout = (int)x;
	h->has_timeout = true;
	return 0;
}

static int hook_elem(struct sj_ctx *c, json_t *v, void *e)
{
	static const struct sj_field fields[] = {
		SJ_STR("path", struct rt_hook, path, SJ_REQUIRED | SJ_ABSPATH),
		SJ_STRV("args", struct rt_hook, args, n_args, 0),
		SJ_STRV("env", struct rt_hook, env, n_env, 0),
		SJ_F("timeout", SJ_INT, p_hook_timeout, 0),
	};
	return sj_object_expect(c, v, fields, ARRAY_SIZE(fields), e);
}

static int p_hook_list(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	struct rt_hooks *h = base;
	size_t k = f->off; /* the hook kind */

	return sj_array(c, v, sizeof(struct rt_hook), &h->hooks[k], &h->n_hooks[k], hook_elem);
}

static int p_hooks(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
#define HOOK(n, k)                                       \
	{                                                \
		n, SJ_ARRAY, p_hook_list, k, SJ_NOAUX, 0 \
	}
	static const struct sj_field fields[] = {
		HOOK("prestart", RT_HOOK_PRESTART),
		HOOK("createRuntime", RT_HOOK_CREATE_RUNTIME),
		HOOK("createContainer", RT_HOOK_CREATE_CONTAINER),
		HOOK("startContainer", RT_HOOK_START_CONTAINER),
		HOOK("poststart", RT_HOOK_POSTSTART),
		HOOK("poststop", RT_HOOK_POSTSTOP),
	};
#undef HOOK
	struct rt_spec *s = base;

	(void)f;
	return sj_object(c, v, fields, ARRAY_SIZE(fields), &s->hooks);
}

static int p_linux(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f)
{
	struct rt_spec *s = base;

	(void)f;
	s->has_linux = true;
	return rt_spec_linux_fill(c, v, &s->linux_);
}

static const struct sj_field spec_fields[] = {
	SJ_F("ociVersion", SJ_STRING, p_version, SJ_REQUIRED),
	SJ_F("root", SJ_OBJECT, p_root, 0),
	SJ_F("mounts", SJ_ARRAY, p_mounts, 0),
	SJ_F("process", SJ_OBJECT, p_process, 0),
	SJ_STR("hostname", struct rt_spec, hostname, 0),
	SJ_STR("domainname", struct rt_spec, domainname, 0),
	SJ_F("hooks", SJ_OBJECT, p_hooks, 0),
	SJ_KV("annotations", struct rt_spec, annotations, n_annotations),
	SJ_F("linux", SJ_OBJECT, p_linux, 0),
};

/* ---- entry points ---- */

static void ctx_init(struct sj_ctx *c, const char *name, struct rt_err *err)
{
	c->err = err;
	c->name = name;
	c->len = 0;
	c->path[0] = '\0';
	c->flags = 0;
}

int rt_spec_parse(const char *buf, size_t len, const char *name, struct rt_spec **ret, struct rt_err *err)
{
	return rt_spec_parse_flags(buf, len, name, 0, ret, err);
}

int rt_spec_parse_flags(const char *buf, size_t len, const char *name, unsigned flags, struct rt_spec **ret,
			struct rt_err *err)
{
	struct rt_spec *s;
	struct sj_ctx c;
	json_t *root = NULL;
	int r;

	if (!name)
		name = DEFAULT_NAME;
	r = sj_load(buf, len, name, &root, err);
	if (r < 0)
		return r;
	s = calloc(1, sizeof(*s));
	if (!s) {
		json_decref(root);
		return rt_err_msg(err, ENOMEM, "%s: out of memory", name);
	}
	ctx_init(&c, name, err);
	c.flags = flags;
	/* The version first: an unsupported one explains any later error. */
	r = sj_object(&c, root, spec_fields, ARRAY_SIZE(spec_fields), s);
	json_decref(root);
	/* the cgroup layer sees resources only: hand it its annotation */
	for (size_t i = 0; r >= 0 && i < s->n_annotations; i++)
		if (strcmp(s->annotations[i].key, RT_ANNOTATION_BEST_EFFORT) == 0 &&
		    !(s->linux_.resources.best_effort = strdup(s->annotations[i].value)))
			r = rt_err_msg(err, ENOMEM, "%s: out of memory", name);
	if (r < 0) {
		rt_spec_free(s);
		return r;
	}
	*ret = s;
	return 0;
}

int rt_spec_load(const char *path, struct rt_spec **ret, struct rt_err *err)
{
	return rt_spec_load_flags(path, 0, ret, err);
}

int rt_spec_read(const char *path, char **ret_buf, size_t *ret_len, struct rt_err *err)
{
	/* rt_read_file_at() fails at `max` bytes read: +1 lets exactly
	 * RT_SPEC_MAX_SIZE through. */
	int r = rt_read_file_at(AT_FDCWD, path, RT_SPEC_MAX_SIZE + 1, ret_buf, ret_len);

	if (r == -EFBIG)
		return rt_err_msg(err, EFBIG, "%s: file too large (the limit is %u bytes)", path,
				  RT_SPEC_MAX_SIZE);
	if (r < 0)
		return rt_err_set(err, -r, "open %s", path);
	return 0;
}

int rt_spec_load_flags(const char *path, unsigned flags, struct rt_spec **ret, struct rt_err *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r = rt_spec_read(path, &buf, &len, err);

	if (r < 0)
		return r;
	return rt_spec_parse_flags(buf, len, path, flags, ret, err);
}

int rt_process_parse(const char *buf, size_t len, const char *name, struct rt_process *ret,
		     struct rt_err *err)
{
	struct rt_process p = { 0 };
	struct sj_ctx c;
	json_t *root = NULL;
	int r;

	if (!name)
		name = "process.json";
	r = sj_load(buf, len, name, &root, err);
	if (r < 0)
		return r;
	ctx_init(&c, name, err);
	r = process_fill(&c, root, &p);
	json_decref(root);
	if (r < 0) {
		rt_process_clear(&p);
		return r;
	}
	*ret = p;
	return 0;
}

static void hook_clear(struct rt_hook *h)
{
	free(h->path);
	sj_strv_free(h->args, h->n_args);
	sj_strv_free(h->env, h->n_env);
}

static void mount_clear(struct rt_mount *m)
{
	free(m->destination);
	free(m->type);
	free(m->source);
	sj_strv_free(m->options, m->n_options);
	free(m->data);
	free(m->uid_mappings);
	free(m->gid_mappings);
}

void rt_kv_free(struct rt_kv *kv, size_t n)
{
	if (!kv)
		return;
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

void rt_process_clear(struct rt_process *p)
{
	if (!p)
		return;
	free(p->user.additional_gids);
	free(p->user.username);
	sj_strv_free(p->args, p->n_args);
	sj_strv_free(p->env, p->n_env);
	free(p->cwd);
	free(p->rlimits);
	free(p->apparmor_profile);
	free(p->selinux_label);
	free(p->exec_cpu_affinity_initial);
	free(p->exec_cpu_affinity_final);
	memset(p, 0, sizeof(*p));
}

void rt_spec_free(struct rt_spec *s)
{
	if (!s)
		return;
	free(s->oci_version);
	free(s->root_path);
	for (size_t i = 0; s->mounts && i < s->n_mounts; i++)
		mount_clear(&s->mounts[i]);
	free(s->mounts);
	rt_process_clear(&s->process);
	free(s->hostname);
	free(s->domainname);
	for (int k = 0; k < RT_HOOK_MAX; k++) {
		for (size_t i = 0; s->hooks.hooks[k] && i < s->hooks.n_hooks[k]; i++)
			hook_clear(&s->hooks.hooks[k][i]);
		free(s->hooks.hooks[k]);
	}
	rt_kv_free(s->annotations, s->n_annotations);
	rt_spec_linux_clear(&s->linux_);
	free(s);
}

/* ---- lookups ---- */

static const struct name_value signal_names[] = {
	{ "HUP", SIGHUP },	 { "INT", SIGINT },	{ "QUIT", SIGQUIT }, { "ILL", SIGILL },
	{ "TRAP", SIGTRAP },	 { "ABRT", SIGABRT },	{ "IOT", SIGIOT },   { "BUS", SIGBUS },
	{ "FPE", SIGFPE },	 { "KILL", SIGKILL },	{ "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 },	 { "PIPE", SIGPIPE },	{ "ALRM", SIGALRM }, { "TERM", SIGTERM },
	{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },	{ "CLD", SIGCHLD },  { "CONT", SIGCONT },
	{ "STOP", SIGSTOP },	 { "TSTP", SIGTSTP },	{ "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },
	{ "URG", SIGURG },	 { "XCPU", SIGXCPU },	{ "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM },
	{ "PROF", SIGPROF },	 { "WINCH", SIGWINCH }, { "IO", SIGIO },     { "POLL", SIGPOLL },
	{ "PWR", SIGPWR },	 { "SYS", SIGSYS },
};

static int parse_small_uint(const char *s, int max)
{
	int v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		v = v * 10 + (*s - '0');
		if (v > max)
			return -EINVAL;
	}
	return v;
}

int rt_signal_from_name(const char *name)
{
	char up[32];
	const char *n;
	uint64_t v;
	size_t i;
	int x;

	if (!name || !*name)
		return -EINVAL;
	if (isdigit((unsigned char)name[0])) {
		x = parse_small_uint(name, SIGRTMAX);
		return x >= 1 ? x : -EINVAL;
	}
	for (i = 0; name[i] && i < sizeof(up) - 1; i++)
		up[i] = (char)toupper((unsigned char)name[i]);
	if (name[i])
		return -EINVAL;
	up[i] = '\0';
	n = strncmp(up, "SIG", 3) == 0 ? up + 3 : up;
	if (lookup(signal_names, ARRAY_SIZE(signal_names), n, &v) == 0)
		return (int)v;
	if (strcmp(n, "RTMIN") == 0)
		return SIGRTMIN;
	if (strcmp(n, "RTMAX") == 0)
		return SIGRTMAX;
	if (strncmp(n, "RTMIN+", 6) == 0) {
		x = parse_small_uint(n + 6, SIGRTMAX - SIGRTMIN);
		return x >= 0 ? SIGRTMIN + x : -EINVAL;
	}
	if (strncmp(n, "RTMAX-", 6) == 0) {
		x = parse_small_uint(n + 6, SIGRTMAX - SIGRTMIN);
		return x >= 0 ? SIGRTMAX - x : -EINVAL;
	}
	return -EINVAL;
}

static const struct {
	const char *name;
	int flag;
} ns_table[RT_NS_MAX] = {
	[RT_NS_USER] = { "user", CLONE_NEWUSER },	[RT_NS_PID] = { "pid", CLONE_NEWPID },
	[RT_NS_NET] = { "network", CLONE_NEWNET },	[RT_NS_MOUNT] = { "mount", CLONE_NEWNS },
	[RT_NS_IPC] = { "ipc", CLONE_NEWIPC },		[RT_NS_UTS] = { "uts", CLONE_NEWUTS },
	[RT_NS_CGROUP] = { "cgroup", CLONE_NEWCGROUP }, [RT_NS_TIME] = { "time", CLONE_NEWTIME },
};

const char *rt_ns_type_name(enum rt_ns_type t)
{
	if ((unsigned)t >= RT_NS_MAX)
		return NULL;
	return ns_table[t].name;
}

int rt_ns_clone_flag(enum rt_ns_type t)
{
	if ((unsigned)t >= RT_NS_MAX)
		return -EINVAL;
	return ns_table[t].flag;
}

int rt_ns_type_from_name(const char *name)
{
	for (int t = 0; t < RT_NS_MAX; t++)
		if (strcmp(ns_table[t].name, name) == 0)
			return t;
	return -EINVAL;
}
