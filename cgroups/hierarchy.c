#include "hierarchy.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>

#include "runtime/util.h"

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static char *unescape(const char *s, size_t len)
{
	char *out = malloc(len + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 3 < len && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
		    s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			*o++ = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
			i += 3;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

/* Split a comma list of v1 options/controllers into a mask and a name=. */
static int parse_v1_list(const char *list, size_t len, uint32_t *ret_mask, char **ret_name)
{
	uint32_t mask = 0;
	char *name = NULL;
	const char *p = list, *end = list + len;

	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		size_t n = comma ? (size_t)(comma - p) : (size_t)(end - p);
		char word[64];

		if (n > 5 && strncmp(p, "name=", 5) == 0) {
			free(name);
			name = strndup(p + 5, n - 5);
			if (!name)
				return -ENOMEM;
		} else if (n < sizeof(word)) {
			int c;

			memcpy(word, p, n);
			word[n] = '\0';
			c = cg_ctrl_from_name(word);
			/* v2-only names ("io") are not v1 options */
			if (c >= 0 && strcmp(word, cg_ctrl_name_v1((enum cg_ctrl)c)) == 0)
				mask |= CG_BIT(c);
		}
		p += n + 1;
	}
	*ret_mask = mask;
	*ret_name = name;
	return 0;
}

static bool same_hier(const struct cg_hier *a, bool v2, uint32_t ctrls, const char *name)
{
	if (a->v2 != v2)
		return false;
	if (v2)
		return true;
	if (a->ctrls != ctrls)
		return false;
	if (!a->name || !name)
		return !a->name && !name;
	return strcmp(a->name, name) == 0;
}

static uint32_t parse_v2_controllers(const char *s)
{
	uint32_t mask = 0;
	char word[64];
	size_t n = 0;

	for (const char *p = s;; p++) {
		if (*p && *p != ' ' && *p != '\n' && *p != '\t') {
			if (n + 1 < sizeof(word))
				word[n++] = *p;
			continue;
		}
		if (n > 0) {
			int c;

			word[n] = '\0';
			c = cg_ctrl_from_name(word);
			if (c >= 0 && cg_ctrl_name_v2((enum cg_ctrl)c) &&
			    strcmp(word, cg_ctrl_name_v2((enum cg_ctrl)c)) == 0)
				mask |= CG_BIT(c);
			n = 0;
		}
		if (!*p)
			break;
	}
	return mask;
}

/* cgroup2 counts only where runc and crun look for it: /sys/fs/cgroup (pure
 * v2) or /sys/fs/cgroup/unified (hybrid).  A mount elsewhere (a bind for
 * some tool, a mount made by hand) is not the host's layout, and ignoring
 * it keeps the layout independent of where mountinfo lists it. */
static bool v2_standard_place(const char *mnt, size_t len)
{
	return (len == 14 && strncmp(mnt, "/sys/fs/cgroup", 14) == 0) ||
	       (len == 22 && strncmp(mnt, "/sys/fs/cgroup/unified", 22) == 0);
}

/* One mountinfo line: "ID PARENT MAJ:MIN ROOT MNT OPTS [OPTIONAL...] - FSTYPE SRC SUPER" */
static int parse_mount_line(const char *line, size_t len, struct cg_host *host)
{
	const char *f[5], *fe[5], *p = line, *end = line + len, *sep, *fstype, *super;
	size_t fstype_len, super_len;
	struct cg_hier *nh;
	uint32_t ctrls = 0;
	_cleanup_free_ char *name = NULL;
	bool v2;
	int r;

	for (int i = 0; i < 5; i++) {
		while (p < end && *p == ' ')
			p++;
		f[i] = p;
		while (p < end && *p != ' ')
			p++;
		fe[i] = p;
	}
	sep = strstr(p, " - ");
	if (!sep || sep >= end)
		return 0;
	fstype = sep + 3;
	fstype_len = strcspn(fstype, " \n");
	super = fstype + fstype_len;
	while (*super == ' ')
		super++;
	super += strcspn(super, " \n"); /* skip the source */
	while (*super == ' ')
		super++;
	super_len = strcspn(super, " \n");

	if (fstype_len == 7 && strncmp(fstype, "cgroup2", 7) == 0)
		v2 = true;
	else if (fstype_len == 6 && strncmp(fstype, "cgroup", 6) == 0)
		v2 = false;
	else
		return 0;
	if (v2 && !v2_standard_place(f[4], (size_t)(fe[4] - f[4])))
		return 0;
	if (!v2) {
		r = parse_v1_list(super, super_len, &ctrls, &name);
		if (r < 0)
			return r;
		if (!ctrls && !name)
			return 0;
	}
	for (size_t i = 0; i < host->n; i++)
		if (same_hier(&host->h[i], v2, ctrls, name))
			return 0;

	nh = realloc(host->h, (host->n + 1) * sizeof(*nh));
	if (!nh)
		return -ENOMEM;
	host->h = nh;
	nh = &host->h[host->n];
	*nh = (struct cg_hier){ .v2 = v2, .ctrls = ctrls };
	nh->root = unescape(f[3], (size_t)(fe[3] - f[3]));
	nh->mnt = unescape(f[4], (size_t)(fe[4] - f[4]));
	host->n++;
	if (!nh->root || !nh->mnt)
		return -ENOMEM;
	nh->name = TAKE_PTR(name);
	return 0;
}

/* The hierarchy of one /proc/self/cgroup line, "ID:LIST:PATH" ("0::PATH"
 * for v2): its index in host (the first one with no self yet, when
 * unclaimed), and *path where PATH starts.  -ENOENT: none in host;
 * -EINVAL: not such a line, or only controllers capsa does not know. */
static int line_hier(const struct cg_host *host, const char *line, size_t len, bool unclaimed,
		     const char **path)
{
	const char *c1 = memchr(line, ':', len), *c2;
	_cleanup_free_ char *name = NULL;
	uint32_t mask = 0;
	bool v2;
	int r;

	if (!c1)
		return -EINVAL;
	c2 = memchr(c1 + 1, ':', (size_t)(line + len - c1 - 1));
	if (!c2)
		return -EINVAL;
	*path = c2 + 1;
	v2 = c2 == c1 + 1 && strncmp(line, "0:", 2) == 0;
	if (!v2) {
		r = parse_v1_list(c1 + 1, (size_t)(c2 - c1 - 1), &mask, &name);
		if (r < 0)
			return r;
		if (!mask && !name)
			return -EINVAL;
	}
	for (size_t i = 0; i < host->n; i++)
		if (!(unclaimed && host->h[i].self) && same_hier(&host->h[i], v2, mask, name))
			return (int)i;
	return -ENOENT;
}

static int parse_cgroup_line(const char *line, size_t len, struct cg_host *host)
{
	const char *path;
	int i = line_hier(host, line, len, true, &path);

	if (i == -ENOMEM)
		return i;
	if (i < 0)
		return 0;
	host->h[i].self = strndup(path, (size_t)(line + len - path));
	return host->h[i].self ? 0 : -ENOMEM;
}

static int for_lines(const char *buf, int (*fn)(const char *, size_t, struct cg_host *), struct cg_host *host)
{
	const char *p = buf;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		int r = fn(p, len, host);

		if (r < 0)
			return r;
		p += len + (nl ? 1 : 0);
	}
	return 0;
}

int cg_host_feed_mounts(struct cg_host *host, const char *lines)
{
	return for_lines(lines, parse_mount_line, host);
}

bool cg_host_has_all(const struct cg_host *host, const char *proc_cgroup, bool v2_mounted)
{
	const char *p = proc_cgroup;

	while (*p) {
		const char *nl = strchr(p, '\n'), *path;
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		int i = line_hier(host, p, len, false, &path);

		/* not -EINVAL: a hierarchy capsa does not know never gets a mount;
		 * the "0::" line is there whether cgroup2 is mounted or not */
		if ((i == -ENOENT && (v2_mounted || strncmp(p, "0::", 3) != 0)) || i == -ENOMEM)
			return false;
		p += len + (nl ? 1 : 0);
	}
	return true;
}

int cg_host_finish(struct cg_host *host, const char *proc_cgroup, const char *v2_controllers,
		   struct rt_err *err)
{
	bool any_v1_ctrl = false;
	int r = proc_cgroup ? for_lines(proc_cgroup, parse_cgroup_line, host) : 0;

	if (r < 0) {
		cg_host_clear(host);
		return rt_err_set(err, -r, "parse /proc/self/cgroup");
	}
	host->v2 = -1;
	for (size_t i = 0; i < host->n; i++) {
		if (host->h[i].v2) {
			host->v2 = (int)i;
			if (v2_controllers)
				host->h[i].ctrls = parse_v2_controllers(v2_controllers);
		} else if (host->h[i].ctrls) {
			any_v1_ctrl = true;
		}
	}
	if (host->n == 0) {
		cg_host_clear(host);
		return rt_err_msg(err, ENOENT, "no cgroup hierarchy is mounted");
	}
	host->layout = any_v1_ctrl ? (host->v2 >= 0 ? CG_LAYOUT_HYBRID : CG_LAYOUT_V1) : CG_LAYOUT_V2;
	if (host->layout == CG_LAYOUT_V2 && host->v2 < 0)
		host->layout = CG_LAYOUT_V1; /* only named v1 hierarchies */

	for (int c = 0; c < CG_CTRL_MAX; c++) {
		host->where[c] = -1;
		for (size_t i = 0; i < host->n; i++)
			if (!host->h[i].v2 && (host->h[i].ctrls & CG_BIT(c)))
				host->where[c] = (int)i;
		if (host->where[c] >= 0 || host->v2 < 0)
			continue;
		/* v2 core features stand in for these v1 controllers */
		if (c == CG_DEVICES || c == CG_FREEZER || c == CG_CPUACCT ||
		    (host->h[host->v2].ctrls & CG_BIT(c)))
			host->where[c] = host->v2;
	}
	return 0;
}

int cg_host_parse(const char *mountinfo, const char *proc_cgroup, const char *v2_controllers,
		  struct cg_host *ret, struct rt_err *err)
{
	struct cg_host host = { .v2 = -1 };
	int r = cg_host_feed_mounts(&host, mountinfo);

	if (r < 0) {
		cg_host_clear(&host);
		return rt_err_set(err, -r, "parse /proc/self/mountinfo");
	}
	r = cg_host_finish(&host, proc_cgroup, v2_controllers, err);
	if (r < 0)
		return r;
	*ret = host;
	return 0;
}

void cg_host_clear(struct cg_host *host)
{
	for (size_t i = 0; i < host->n; i++) {
		free(host->h[i].name);
		free(host->h[i].mnt);
		free(host->h[i].root);
		free(host->h[i].self);
	}
	free(host->h);
	host->h = NULL;
	host->n = 0;
}

static struct cg_host cached_host;
static int cached_r = 1;
static struct rt_err cached_err;
static pthread_mutex_t cached_lock = PTHREAD_MUTEX_INITIALIZER;

static bool cgroup2_at(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

/* Feed /proc/self/mountinfo to host line by line as the kernel makes it,
 * and stop reading once every hierarchy of proc_cgroup has its mount: the
 * first mount of each is the one kept, so what follows cannot change the
 * result.  The kernel formats mountinfo as it is read, and on a host with
 * many mounts (a node running containers) a full read costs ~1.3 us a
 * mount (0.64 ms for 520 here); the cgroup mounts, made at boot, come
 * first.  Falls back to reading it all. */
static int read_mounts(struct cg_host *host, const char *proc_cgroup)
{
	_cleanup_close_ int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC | O_NOCTTY);
	_cleanup_free_ char *buf = NULL;
	size_t cap = 8192, len = 0;
	bool v2 = cgroup2_at("/sys/fs/cgroup") || cgroup2_at("/sys/fs/cgroup/unified");
	int r;

	if (fd < 0)
		return -errno;
	buf = malloc(cap + 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;
		char *nl, keep;

		if (len == cap) {
			char *nb;

			if (cap >= (16u << 20))
				return -EFBIG;
			nb = realloc(buf, cap * 2 + 1);
			if (!nb)
				return -ENOMEM;
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		len += (size_t)n;
		buf[len] = '\0';
		if (n == 0) /* the last line, if it has no newline */
			return cg_host_feed_mounts(host, buf);
		nl = memrchr(buf, '\n', len);
		if (!nl)
			continue;
		/* the complete lines only, cut off in place for the parser */
		keep = nl[1];
		nl[1] = '\0';
		r = cg_host_feed_mounts(host, buf);
		nl[1] = keep;
		if (r < 0)
			return r;
		len -= (size_t)(nl + 1 - buf);
		memmove(buf, nl + 1, len);
		if (cg_host_has_all(host, proc_cgroup, v2))
			return 0;
	}
}

static int host_load(struct cg_host *ret, struct rt_err *err)
{
	_cleanup_free_ char *pc = NULL, *ctrls = NULL;
	struct cg_host host = { .v2 = -1 };
	int r;

	r = rt_read_file_at(AT_FDCWD, "/proc/self/cgroup", 1u << 20, &pc, NULL);
	if (r < 0)
		return rt_err_set(err, -r, "read /proc/self/cgroup");
	r = read_mounts(&host, pc);
	if (r < 0) {
		cg_host_clear(&host);
		return rt_err_set(err, -r, "read /proc/self/mountinfo");
	}
	for (size_t i = 0; i < host.n; i++) {
		_cleanup_free_ char *path = NULL;

		if (!host.h[i].v2)
			continue;
		if (asprintf(&path, "%s/cgroup.controllers", host.h[i].mnt) < 0) {
			cg_host_clear(&host);
			return rt_err_set(err, ENOMEM, "cgroup layout");
		}
		(void)rt_read_file_at(AT_FDCWD, path, 65536, &ctrls, NULL); /* unknown: NULL */
		break;
	}
	r = cg_host_finish(&host, pc, ctrls, err);
	if (r < 0)
		return r;
	*ret = host;
	return 0;
}

int cg_host_get(const struct cg_host **ret, struct rt_err *err)
{
	int r;

	pthread_mutex_lock(&cached_lock);
	if (cached_r > 0)
		cached_r = host_load(&cached_host, &cached_err);
	r = cached_r;
	pthread_mutex_unlock(&cached_lock);
	if (r < 0) {
		*err = cached_err;
		return r;
	}
	*ret = &cached_host;
	return 0;
}

enum cg_layout cg_layout(void)
{
	const struct cg_host *h;
	struct rt_err err;

	if (cg_host_get(&h, &err) < 0)
		return CG_LAYOUT_V1;
	return h->layout;
}

char *cg_hier_dir(const struct cg_hier *h, const char *path)
{
	size_t rl = strlen(h->root);
	char *out;

	/* A bind-mounted subtree (cgroup namespace, nested containers): the path
	 * is relative to the mount's root when it is inside it. */
	if (rl > 1 && strncmp(path, h->root, rl) == 0 && (path[rl] == '/' || path[rl] == '\0'))
		path += rl;
	if (asprintf(&out, "%s%s%s", h->mnt, path[0] == '/' ? "" : "/", path) < 0)
		return NULL;
	/* no trailing slash for the root itself */
	if (strlen(out) > 1 && out[strlen(out) - 1] == '/')
		out[strlen(out) - 1] = '\0';
	return out;
}

void cg_hier_label(const struct cg_hier *h, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	if (h->v2) {
		snprintf(buf, size, "cgroup2");
		return;
	}
	for (int c = 0; c < CG_CTRL_MAX && len < size; c++) {
		if (!(h->ctrls & CG_BIT(c)))
			continue;
		len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? "," : "",
					cg_ctrl_name_v1((enum cg_ctrl)c));
	}
	if (h->name && len < size)
		snprintf(buf + len, size - len, "%sname=%s", len ? "," : "", h->name);
}
