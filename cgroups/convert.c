#include "convert.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "runtime/util.h"

static const struct {
	const char *v1, *v2;
} ctrl_names[CG_CTRL_MAX] = {
	[CG_CPU] = { "cpu", "cpu" },
	[CG_CPUACCT] = { "cpuacct", NULL },
	[CG_CPUSET] = { "cpuset", "cpuset" },
	[CG_MEMORY] = { "memory", "memory" },
	[CG_DEVICES] = { "devices", NULL },
	[CG_FREEZER] = { "freezer", NULL },
	[CG_BLKIO] = { "blkio", "io" },
	[CG_PIDS] = { "pids", "pids" },
	[CG_HUGETLB] = { "hugetlb", "hugetlb" },
	[CG_NET_CLS] = { "net_cls", NULL },
	[CG_NET_PRIO] = { "net_prio", NULL },
	[CG_RDMA] = { "rdma", "rdma" },
	[CG_PERF_EVENT] = { "perf_event", "perf_event" },
	[CG_MISC] = { "misc", "misc" },
};

const char *cg_ctrl_name_v1(enum cg_ctrl c)
{
	return (unsigned)c < CG_CTRL_MAX ? ctrl_names[c].v1 : NULL;
}

const char *cg_ctrl_name_v2(enum cg_ctrl c)
{
	return (unsigned)c < CG_CTRL_MAX ? ctrl_names[c].v2 : NULL;
}

int cg_ctrl_from_name(const char *name)
{
	for (int c = 0; c < CG_CTRL_MAX; c++) {
		if (strcmp(name, ctrl_names[c].v1) == 0 ||
		    (ctrl_names[c].v2 && strcmp(name, ctrl_names[c].v2) == 0))
			return c;
	}
	return -1;
}

int cg_best_effort_parse(const char *value, uint32_t *ret_mask, struct rt_err *err)
{
	uint32_t mask = 0;

	if (!value || !*value || strcmp(value, "false") == 0) {
		*ret_mask = 0;
		return 0;
	}
	if (strcmp(value, "true") == 0) {
		*ret_mask = CG_BEST_EFFORT_ALL;
		return 0;
	}
	for (const char *p = value;; p++) {
		const char *end = strchrnul(p, ',');
		const char *b = p, *e = end;
		char name[32];
		int c;

		while (b < e && *b == ' ')
			b++;
		while (e > b && e[-1] == ' ')
			e--;
		if ((size_t)(e - b) >= sizeof(name))
			return rt_err_msg(err, EINVAL, "annotation %s: unknown controller \"%.*s\"",
					  RT_ANNOTATION_BEST_EFFORT, (int)(e - b), b);
		memcpy(name, b, (size_t)(e - b));
		name[e - b] = '\0';
		c = name[0] ? cg_ctrl_from_name(name) : -1;
		if (c == CG_DEVICES)
			return rt_err_msg(err, EINVAL,
					  "annotation %s: \"devices\": device rules are never best-effort",
					  RT_ANNOTATION_BEST_EFFORT);
		if (c < 0 || !(CG_BEST_EFFORT_ALL & CG_BIT(c)))
			return rt_err_msg(
			    err, EINVAL,
			    "annotation %s: unknown controller \"%s\" (expected true or a list of: "
			    "cpu, cpuset, memory, pids, io, blkio, hugetlb, rdma, net_cls, net_prio)",
			    RT_ANNOTATION_BEST_EFFORT, name);
		mask |= CG_BIT(c);
		if (!*end)
			break;
		p = end;
	}
	*ret_mask = mask;
	return 0;
}

uint64_t cg_shares_to_weight(uint64_t shares)
{
	/* runc 1.1 and crun before 1.23 use this linear map; newer releases
	 * switched to a quadratic one that keeps 1024 -> 100.  The project
	 * brief asks for the linear one: 1024 -> 39. */
	if (shares == 0)
		return 0;
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t cg_blkio_weight_to_io_weight(uint64_t weight)
{
	if (weight == 0)
		return 0;
	if (weight < 10)
		weight = 10;
	if (weight > 1000)
		weight = 1000;
	return 1 + ((weight - 10) * 9999) / 990;
}

int cg_cpu_max(char *buf, size_t size, bool has_quota, int64_t quota, bool has_period, uint64_t period)
{
	int n;

	buf[0] = '\0';
	if (!has_quota && !has_period)
		return 0;
	if (has_quota && quota > 0)
		n = snprintf(buf, size, "%" PRId64, quota);
	else
		n = snprintf(buf, size, "max");
	if (n < 0 || (size_t)n >= size)
		return -ENOBUFS;
	if (has_period && period > 0) {
		int m = snprintf(buf + n, size - (size_t)n, " %" PRIu64, period);

		if (m < 0 || (size_t)m >= size - (size_t)n)
			return -ENOBUFS;
	}
	return 0;
}

int cg_swap_v2(bool has_limit, int64_t limit, int64_t swap, int64_t *ret_value, bool *ret_max,
	       struct rt_err *err)
{
	if (swap == -1) {
		*ret_value = -1;
		*ret_max = true;
		return 0;
	}
	if (swap < 0)
		return rt_err_msg(err, EINVAL, "memory.swap: invalid value %" PRId64, swap);
	if (!has_limit || limit <= 0)
		return rt_err_msg(err, EINVAL, "memory.swap: cannot set a swap limit without a memory limit");
	if (swap < limit)
		return rt_err_msg(err, EINVAL,
				  "memory.swap: memory+swap limit %" PRId64
				  " should be >= memory limit %" PRId64,
				  swap, limit);
	*ret_value = swap - limit;
	*ret_max = false;
	return 0;
}

void cg_limit_str(char *buf, size_t size, int64_t value, bool v2)
{
	if (value < 0)
		snprintf(buf, size, "%s", v2 ? "max" : "-1");
	else
		snprintf(buf, size, "%" PRId64, value);
}

int cg_io_max_line(char *buf, size_t size, int64_t major, int64_t minor, const bool has[4],
		   const uint64_t rates[4])
{
	static const char *const keys[4] = { "rbps", "wbps", "riops", "wiops" };
	size_t len;
	int n;

	n = snprintf(buf, size, "%" PRId64 ":%" PRId64, major, minor);
	if (n < 0 || (size_t)n >= size)
		return -ENOBUFS;
	len = (size_t)n;
	for (int i = 0; i < 4; i++) {
		if (!has[i])
			continue;
		if (rates[i] == 0)
			n = snprintf(buf + len, size - len, " %s=max", keys[i]);
		else
			n = snprintf(buf + len, size - len, " %s=%" PRIu64, keys[i], rates[i]);
		if (n < 0 || (size_t)n >= size - len)
			return -ENOBUFS;
		len += (size_t)n;
	}
	return 0;
}

static int fmt_devnum(char *buf, size_t size, int64_t v)
{
	int n = v < 0 ? snprintf(buf, size, "*") : snprintf(buf, size, "%" PRId64, v);

	return (n < 0 || (size_t)n >= size) ? -ENOBUFS : 0;
}

int cg_device_rule_v1(char *buf, size_t size, const struct rt_device_rule *r)
{
	char maj[24], min[24];
	const char *acc = r->access[0] ? r->access : "rwm";
	int n;

	if (r->type == 'a') {
		n = snprintf(buf, size, "a");
		return (n < 0 || (size_t)n >= size) ? -ENOBUFS : 0;
	}
	if (r->type != 'c' && r->type != 'b')
		return -EINVAL;
	if (fmt_devnum(maj, sizeof(maj), r->major) < 0 || fmt_devnum(min, sizeof(min), r->minor) < 0)
		return -ENOBUFS;
	for (const char *p = acc; *p; p++)
		if (*p != 'r' && *p != 'w' && *p != 'm')
			return -EINVAL;
	n = snprintf(buf, size, "%c %s:%s %s", r->type, maj, min, acc);
	return (n < 0 || (size_t)n >= size) ? -ENOBUFS : 0;
}

/* ---- v1 device transitions ---- */

enum { ACC_R = 1, ACC_W = 2, ACC_M = 4 };

struct dev_ex {
	char type;
	int64_t major, minor; /* -1 = '*' */
	unsigned acc;
};

/* A v1 devices cgroup as the kernel keeps it: the default and the
 * exceptions to it.  known = false: could not tell (unparsable list). */
struct dev_state {
	bool known, allow_all;
	struct dev_ex *ex;
	size_t n;
};

static int acc_bits(const char *s, unsigned *ret)
{
	unsigned a = 0;

	for (const char *p = s; *p; p++) {
		if (*p == 'r')
			a |= ACC_R;
		else if (*p == 'w')
			a |= ACC_W;
		else if (*p == 'm')
			a |= ACC_M;
		else
			return -EINVAL;
	}
	*ret = a ? a : ACC_R | ACC_W | ACC_M;
	return 0;
}

static struct dev_ex *ex_find(const struct dev_state *st, const struct dev_ex *e)
{
	for (size_t i = 0; i < st->n; i++)
		if (st->ex[i].type == e->type && st->ex[i].major == e->major && st->ex[i].minor == e->minor)
			return &st->ex[i];
	return NULL;
}

/* The kernel's dev_exception_add: merge into the same type:major:minor.
 * st->ex has room for one more. */
static void ex_add(struct dev_state *st, const struct dev_ex *e)
{
	struct dev_ex *have = ex_find(st, e);

	if (have)
		have->acc |= e->acc;
	else
		st->ex[st->n++] = *e;
}

/* dev_exception_rm: clear the bits; an exception with none left goes. */
static void ex_rm(struct dev_state *st, const struct dev_ex *e)
{
	struct dev_ex *have = ex_find(st, e);

	if (!have)
		return;
	have->acc &= ~e->acc;
	if (!have->acc) {
		size_t i = (size_t)(have - st->ex);

		memmove(&st->ex[i], &st->ex[i + 1], (st->n - i - 1) * sizeof(*st->ex));
		st->n--;
	}
}

static int parse_devnum(const char *s, size_t len, int64_t *ret)
{
	int64_t v = 0;

	if (len == 1 && s[0] == '*') {
		*ret = -1;
		return 0;
	}
	if (len == 0 || len > 18)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	*ret = v;
	return 0;
}

/* One devices.list line: "c 1:3 rwm", "b *:* m", or "a *:* rwm" (the
 * kernel shows only that line when the default is allow). */
static int parse_list_line(const char *line, size_t len, struct dev_state *st)
{
	const char *colon, *sp;
	struct dev_ex e = { 0 };
	char acc[4];

	if (len >= 2 && line[0] == 'a' && line[1] == ' ') {
		st->allow_all = true;
		return 0;
	}
	if (len < 7 || (line[0] != 'c' && line[0] != 'b') || line[1] != ' ')
		return -EINVAL;
	e.type = line[0];
	colon = memchr(line + 2, ':', len - 2);
	sp = colon ? memchr(colon, ' ', len - (size_t)(colon - line)) : NULL;
	if (!sp || (size_t)(line + len - sp - 1) >= sizeof(acc) || line + len - sp - 1 == 0)
		return -EINVAL;
	if (parse_devnum(line + 2, (size_t)(colon - line - 2), &e.major) < 0 ||
	    parse_devnum(colon + 1, (size_t)(sp - colon - 1), &e.minor) < 0)
		return -EINVAL;
	memcpy(acc, sp + 1, (size_t)(line + len - sp - 1));
	acc[line + len - sp - 1] = '\0';
	if (acc_bits(acc, &e.acc) < 0)
		return -EINVAL;
	ex_add(st, &e);
	return 0;
}

/* st->ex must have room for every line */
static void parse_list(const char *list, struct dev_state *st)
{
	st->known = list != NULL;
	for (const char *p = list; st->known && p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len && parse_list_line(p, len, st) < 0)
			st->known = false;
		p = nl ? nl + 1 : NULL;
	}
	if (st->allow_all) /* exceptions exist but the list hides them */
		st->known = st->n == 0 && st->known;
}

static int plan_add(struct cg_dev_write *w, size_t *n, bool allow, const struct dev_ex *e, unsigned acc)
{
	struct rt_device_rule r = { .allow = allow, .type = e->type, .major = e->major, .minor = e->minor };
	size_t k = 0;

	if (acc & ACC_R)
		r.access[k++] = 'r';
	if (acc & ACC_W)
		r.access[k++] = 'w';
	if (acc & ACC_M)
		r.access[k++] = 'm';
	w[*n].allow = allow;
	if (cg_device_rule_v1(w[*n].line, sizeof(w[*n].line), &r) < 0)
		return -ENOBUFS;
	(*n)++;
	return 0;
}

int cg_devices_v1_plan(const char *cur_list, const struct rt_device_rule *rules, size_t n,
		       struct cg_dev_write **ret, size_t *ret_n, struct rt_err *err)
{
	_cleanup_free_ struct dev_ex *cur_ex = NULL, *new_ex = NULL;
	_cleanup_free_ struct cg_dev_write *w = NULL;
	struct dev_state cur = { 0 }, want = { .known = true };
	size_t lines = 1, nw = 0;

	for (const char *p = cur_list; p && *p; p++)
		lines += *p == '\n';
	cur_ex = calloc(lines, sizeof(*cur_ex));
	new_ex = calloc(n + 1, sizeof(*new_ex));
	w = calloc(lines + n + 2, sizeof(*w));
	if (!cur_ex || !new_ex || !w)
		return rt_err_set(err, ENOMEM, "devices");
	cur.ex = cur_ex;
	want.ex = new_ex;
	parse_list(cur_list, &cur);

	/* "deny everything", then the rules in order */
	for (size_t i = 0; i < n; i++) {
		struct dev_ex e = { .type = rules[i].type };

		if (rules[i].type == 'a') {
			want.allow_all = rules[i].allow;
			want.n = 0;
			continue;
		}
		if ((rules[i].type != 'c' && rules[i].type != 'b') || acc_bits(rules[i].access, &e.acc) < 0)
			return rt_err_msg(
			    err, EINVAL,
			    "linux.resources.devices[%zu]: invalid rule (type '%c', access \"%.3s\")", i,
			    rules[i].type ? rules[i].type : '?', rules[i].access);
		e.major = rules[i].major < 0 ? -1 : rules[i].major;
		e.minor = rules[i].minor < 0 ? -1 : rules[i].minor;
		/* an exception is the opposite of the default */
		if (rules[i].allow != want.allow_all)
			ex_add(&want, &e);
		else
			ex_rm(&want, &e);
	}

	if (cur.known && !cur.allow_all && !want.allow_all) {
		/* deny-all before and after: take away, then add */
		for (size_t i = 0; i < cur.n; i++) {
			const struct dev_ex *t = ex_find(&want, &cur.ex[i]);
			unsigned drop = cur.ex[i].acc & ~(t ? t->acc : 0);

			if (drop && plan_add(w, &nw, false, &cur.ex[i], drop) < 0)
				return rt_err_set(err, ENOBUFS, "devices");
		}
		for (size_t i = 0; i < want.n; i++) {
			const struct dev_ex *c = ex_find(&cur, &want.ex[i]);
			unsigned add = want.ex[i].acc & ~(c ? c->acc : 0);

			if (add && plan_add(w, &nw, true, &want.ex[i], add) < 0)
				return rt_err_set(err, ENOBUFS, "devices");
		}
	} else if (!(cur.known && cur.allow_all && want.allow_all && want.n == 0)) {
		w[nw].allow = want.allow_all;
		snprintf(w[nw].line, sizeof(w[nw].line), "a");
		nw++;
		for (size_t i = 0; i < want.n; i++)
			if (plan_add(w, &nw, !want.allow_all, &want.ex[i], want.ex[i].acc) < 0)
				return rt_err_set(err, ENOBUFS, "devices");
	}
	*ret = nw ? TAKE_PTR(w) : NULL;
	*ret_n = nw;
	return 0;
}

/* runc's libcontainer/specconv AllowedDevices without its first two rules
 * ("c *:* m", "b *:* m": mknod of anything): appended after the spec's
 * rules they would win over any spec that denies mknod, so a device off the
 * list could be created by root in the container.  What is left: the
 * standard character devices, the pts range, ptmx, and tun/tap.  A spec
 * that wants runc's behaviour lists {"allow":true,"type":"c","access":"m"}
 * itself (docker's does). */
const struct rt_device_rule cg_default_device_rules[] = {
	{ .allow = true, .type = 'c', .major = 1, .minor = 3, .access = "rwm" },    /* null */
	{ .allow = true, .type = 'c', .major = 1, .minor = 8, .access = "rwm" },    /* random */
	{ .allow = true, .type = 'c', .major = 1, .minor = 7, .access = "rwm" },    /* full */
	{ .allow = true, .type = 'c', .major = 5, .minor = 0, .access = "rwm" },    /* tty */
	{ .allow = true, .type = 'c', .major = 1, .minor = 5, .access = "rwm" },    /* zero */
	{ .allow = true, .type = 'c', .major = 1, .minor = 9, .access = "rwm" },    /* urandom */
	{ .allow = true, .type = 'c', .major = 5, .minor = 1, .access = "rwm" },    /* console */
	{ .allow = true, .type = 'c', .major = 136, .minor = -1, .access = "rwm" }, /* pts */
	{ .allow = true, .type = 'c', .major = 5, .minor = 2, .access = "rwm" },    /* ptmx */
	{ .allow = true, .type = 'c', .major = 10, .minor = 200, .access = "rwm" }, /* tun */
};
const size_t cg_n_default_device_rules = ARRAY_SIZE(cg_default_device_rules);

int cg_hugepage_name_from_kb(uint64_t kb, char *buf, size_t size)
{
	static const char *const units[] = { "KB", "MB", "GB", "TB" };
	unsigned u = 0;
	int n;

	if (kb == 0)
		return -EINVAL;
	while (u + 1 < ARRAY_SIZE(units) && kb % 1024 == 0) {
		kb /= 1024;
		u++;
	}
	n = snprintf(buf, size, "%" PRIu64 "%s", kb, units[u]);
	return (n < 0 || (size_t)n >= size) ? -ENOBUFS : 0;
}

bool cg_hugepage_name_valid(const char *name)
{
	const char *p = name;

	if (!isdigit((unsigned char)*p) || *p == '0')
		return false;
	while (isdigit((unsigned char)*p))
		p++;
	return strcmp(p, "KB") == 0 || strcmp(p, "MB") == 0 || strcmp(p, "GB") == 0;
}

int cg_unified_key_controller(const char *key, char *buf, size_t size, struct rt_err *err)
{
	const char *dot = strchr(key, '.');
	size_t len;

	if (!*key || strchr(key, '/') || !dot || dot == key || !dot[1])
		return rt_err_msg(err, EINVAL,
				  "linux.resources.unified: invalid key \"%s\" (expected CONTROLLER.FILE)",
				  key);
	len = (size_t)(dot - key);
	if (len >= size)
		return rt_err_msg(err, EINVAL, "linux.resources.unified: invalid key \"%s\"", key);
	memcpy(buf, key, len);
	buf[len] = '\0';
	return 0;
}

int cg_unified_check(const char *key, bool has_v2, uint32_t v2_ctrls, struct rt_err *err)
{
	char ctrl[64];
	int c, r;

	r = cg_unified_key_controller(key, ctrl, sizeof(ctrl), err);
	if (r < 0)
		return r;
	if (!has_v2)
		return rt_err_msg(err, EOPNOTSUPP,
				  "linux.resources.unified: %s: this host has no cgroup v2 hierarchy", key);
	if (strcmp(ctrl, "cgroup") == 0)
		return 0;
	c = cg_ctrl_from_name(ctrl);
	/* v2 names only: "blkio.weight" is not a v2 file */
	if (c < 0 || !cg_ctrl_name_v2((enum cg_ctrl)c) || strcmp(ctrl, cg_ctrl_name_v2((enum cg_ctrl)c)) != 0)
		return rt_err_msg(err, EOPNOTSUPP,
				  "linux.resources.unified: %s: unknown cgroup v2 controller \"%s\"", key,
				  ctrl);
	if (!(v2_ctrls & CG_BIT(c)))
		return rt_err_msg(err, EOPNOTSUPP,
				  "linux.resources.unified: %s: the %s controller is not in the cgroup v2 "
				  "hierarchy on this host (it is on cgroup v1 or absent)",
				  key, ctrl);
	return 0;
}
