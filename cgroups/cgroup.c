/* The cgroup facade: path resolution, create/destroy in every hierarchy,
 * moving processes in, freezer, kill, pid listing.  Resource files are in
 * resources.c, statistics in stats.c, the v2 device program in devices-bpf.c. */
#include "internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "runtime/util.h"

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- helpers shared through internal.h ---- */

const char *cg_ctrl_dir(const struct cg_manager *m, enum cg_ctrl c)
{
	int i = m->host->where[c];

	return i < 0 ? NULL : m->dirs[i];
}

bool cg_ctrl_is_v2(const struct cg_manager *m, enum cg_ctrl c)
{
	int i = m->host->where[c];

	return i >= 0 && m->host->h[i].v2;
}

const char *cg_v2_dir(const struct cg_manager *m)
{
	return m->host->v2 < 0 ? NULL : m->dirs[m->host->v2];
}

int cg_require(const struct cg_manager *m, enum cg_ctrl c, const char *what, struct rt_err *err)
{
	const char *name =
	    cg_ctrl_is_v2(m, c) && cg_ctrl_name_v2(c) ? cg_ctrl_name_v2(c) : cg_ctrl_name_v1(c);

	if (!cg_ctrl_dir(m, c))
		return rt_err_msg(err, EOPNOTSUPP,
				  "%s: the %s cgroup controller is not available on this host", what, name);
	/* v2: the controller must also be enabled for our cgroup.  devices,
	 * freezer and cpuacct are core v2 features. */
	if (cg_ctrl_is_v2(m, c) && cg_ctrl_name_v2(c) && m->v2_ctrls_known && !(m->v2_ctrls & CG_BIT(c)))
		return rt_err_msg(err, EOPNOTSUPP,
				  "%s: the %s cgroup controller is not enabled for %s (check "
				  "cgroup.subtree_control of its parents)",
				  what, name, m->path);
	return 0;
}

int cg_write_dir(const char *dir, const char *file, const char *value, struct rt_err *err)
{
	_cleanup_close_ int dfd = -EBADF;
	const char *rel;
	int at = cg_at(dir, &rel), r;

	dfd = openat(at, rel, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return rt_err_set(err, errno, "%s: open %s", file, dir);
	r = rt_write_file_at(dfd, file, value, strlen(value));
	if (r < 0)
		return rt_err_set(err, -r, "%s: write %s", file, value);
	return 0;
}

int cg_write(struct cg_manager *m, enum cg_ctrl c, const char *file, const char *value, struct rt_err *err)
{
	int r = cg_require(m, c, file, err);

	if (r < 0)
		return r;
	return cg_write_dir(cg_ctrl_dir(m, c), file, value, err);
}

int cg_read(const struct cg_manager *m, enum cg_ctrl c, const char *file, char **ret)
{
	const char *dir = cg_ctrl_dir(m, c), *rel;
	_cleanup_close_ int dfd = -EBADF;
	int at;

	if (!dir)
		return -EOPNOTSUPP;
	at = cg_at(dir, &rel);
	dfd = openat(at, rel, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	return rt_read_file_at(dfd, file, 1u << 20, ret, NULL);
}

int cg_read_u64(const struct cg_manager *m, enum cg_ctrl c, const char *file, int64_t *ret)
{
	_cleanup_free_ char *buf = NULL;
	char *end;
	long long v;
	int r = cg_read(m, c, file, &buf);

	if (r < 0)
		return r;
	if (strncmp(buf, "max", 3) == 0) {
		*ret = -1;
		return 0;
	}
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno || end == buf)
		return -EINVAL;
	*ret = v;
	return 0;
}

int cg_read_keyed(const struct cg_manager *m, enum cg_ctrl c, const char *file, const char *key, int64_t *ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t kl = strlen(key);
	int r = cg_read(m, c, file, &buf);

	if (r < 0)
		return r;
	for (char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, key, kl) == 0 && p[kl] == ' ') {
			*ret = strtoll(p + kl + 1, NULL, 10);
			return 0;
		}
	}
	return -ENOENT;
}

/* ---- path resolution ---- */

/* Normalise an absolute path: collapse "//", drop "." and a trailing '/';
 * ".." is refused (a cgroupsPath must not climb out of its parent). */
static int normalize(const char *in, char **ret, struct rt_err *err)
{
	size_t len = strlen(in);
	char *out = malloc(len + 2), *o = out;
	const char *p = in;

	if (!out)
		return rt_err_set(err, ENOMEM, "cgroupsPath");
	while (*p) {
		const char *s;
		size_t n;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		s = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - s);
		if (n == 1 && s[0] == '.')
			continue;
		if (n == 2 && s[0] == '.' && s[1] == '.') {
			free(out);
			return rt_err_msg(err, EINVAL, "linux.cgroupsPath: \"%s\": \"..\" is not allowed",
					  in);
		}
		*o++ = '/';
		memcpy(o, s, n);
		o += n;
	}
	if (o == out)
		*o++ = '/';
	*o = '\0';
	*ret = out;
	return 0;
}

int cg_open(const char *cgroups_path, const char *id, struct cg_manager **ret, struct rt_err *err)
{
	const struct cg_host *host;
	_cleanup_free_ char *joined = NULL, *path = NULL;
	struct cg_manager *m;
	int r;

	r = cg_host_get(&host, err);
	if (r < 0)
		return r;
	cg_at_init(host);
	if (!cgroups_path || !*cgroups_path) {
		if (!id || !*id || strchr(id, '/'))
			return rt_err_msg(err, EINVAL, "cgroup: invalid container id \"%s\"", id ? id : "");
		/* flat, as runc's /<id>: a nested /capsa/<id> doubled the cgroup
		 * mkdirs and rmdirs of every start and stop (the shared parent
		 * goes when the last container does) */
		if (asprintf(&joined, "/capsa-%s", id) < 0)
			return rt_err_set(err, ENOMEM, "cgroup path");
	} else if (cgroups_path[0] == '/') {
		joined = strdup(cgroups_path);
		if (!joined)
			return rt_err_set(err, ENOMEM, "cgroup path");
	} else {
		/* Relative to the caller's cgroup.  runc resolves this per
		 * hierarchy; capsa uses the caller's cgroup in one reference
		 * hierarchy (v2 when present) for all of them, so that the
		 * result is one absolute path that a later command can reopen
		 * with cg_open(cg_path()). */
		const char *base = NULL;

		if (host->v2 >= 0)
			base = host->h[host->v2].self;
		for (size_t i = 0; !base && i < host->n; i++)
			base = host->h[i].self;
		if (asprintf(&joined, "%s/%s", base ? base : "", cgroups_path) < 0)
			return rt_err_set(err, ENOMEM, "cgroup path");
	}
	r = normalize(joined, &path, err);
	if (r < 0)
		return r;
	if (strcmp(path, "/") == 0)
		return rt_err_msg(err, EINVAL, "linux.cgroupsPath: refusing the root cgroup");

	m = calloc(1, sizeof(*m));
	if (!m)
		return rt_err_set(err, ENOMEM, "cgroup manager");
	m->host = host;
	m->bpf_prog_fd = -EBADF;
	m->path = TAKE_PTR(path);
	m->dirs = calloc(host->n, sizeof(char *));
	if (!m->dirs) {
		cg_free(m);
		return rt_err_set(err, ENOMEM, "cgroup manager");
	}
	for (size_t i = 0; i < host->n; i++) {
		m->dirs[i] = cg_hier_dir(&host->h[i], m->path);
		if (!m->dirs[i]) {
			cg_free(m);
			return rt_err_set(err, ENOMEM, "cgroup manager");
		}
	}
	*ret = m;
	return 0;
}

void cg_free(struct cg_manager *m)
{
	if (!m)
		return;
	for (size_t i = 0; m->dirs && i < m->host->n; i++)
		free(m->dirs[i]);
	free(m->dirs);
	free(m->created);
	free(m->path);
	if (m->bpf_prog_fd >= 0)
		close(m->bpf_prog_fd);
	free(m);
}

const char *cg_path(const struct cg_manager *m)
{
	return m->path;
}

/* ---- create ---- */

/* A new v1 cpuset cgroup starts with empty cpus/mems and refuses tasks:
 * copy the parent's values down when they are empty. */
static int cpuset_inherit(const char *dir, struct rt_err *err)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	_cleanup_free_ char *parent = strdup(dir);
	char *slash;

	if (!parent)
		return rt_err_set(err, ENOMEM, "cpuset");
	slash = strrchr(parent, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *mine = NULL, *theirs = NULL, *mp = NULL, *pp = NULL;
		const char *rel;
		int at;

		if (asprintf(&mp, "%s/%s", dir, files[i]) < 0 || asprintf(&pp, "%s/%s", parent, files[i]) < 0)
			return rt_err_set(err, ENOMEM, "cpuset");
		at = cg_at(mp, &rel);
		if (rt_read_file_at(at, rel, 65536, &mine, NULL) < 0 || strspn(mine, " \n") != strlen(mine))
			continue;
		at = cg_at(pp, &rel);
		if (rt_read_file_at(at, rel, 65536, &theirs, NULL) < 0)
			continue;
		if (cg_write_dir(dir, files[i], theirs, err) < 0)
			return rt_err_prefix(err, "cpuset: inherit from the parent");
	}
	return 0;
}

/* v2: enable every controller the parent offers in its subtree_control
 * (like runc), so later `update`s and stats find their files.  Failures are
 * ignored here (a parent with processes in it refuses with EBUSY); a
 * resource that needs a missing controller fails later with a message that
 * names it. */
static void v2_enable_controllers(const char *dir)
{
	_cleanup_free_ char *ctrls = NULL, *path = NULL;
	char *save = NULL;
	const char *rel;
	int at;

	if (asprintf(&path, "%s/cgroup.controllers", dir) < 0)
		return;
	at = cg_at(path, &rel);
	if (rt_read_file_at(at, rel, 65536, &ctrls, NULL) < 0)
		return;
	for (char *w = strtok_r(ctrls, " \n", &save); w; w = strtok_r(NULL, " \n", &save)) {
		char buf[80];
		struct rt_err ignored;

		snprintf(buf, sizeof(buf), "+%s", w);
		cg_write_dir(dir, "cgroup.subtree_control", buf, &ignored);
	}
}

/* mkdir every component of path below the hierarchy's mount; created counts
 * the components that did not exist (for the rollback). */
static int mkdir_hier(const struct cg_manager *m, size_t hi, int *ret_created, struct rt_err *err)
{
	const struct cg_hier *h = &m->host->h[hi];
	const char *dir = m->dirs[hi];
	size_t base = strlen(h->mnt);
	_cleanup_free_ char *buf = strdup(dir);
	const char *rel;
	int created = 0, at;

	if (!buf)
		return rt_err_set(err, ENOMEM, "cgroup");
	if (h->v2)
		v2_enable_controllers(h->mnt);
	for (size_t i = base + 1;; i++) {
		bool last = buf[i] == '\0';

		if (!last && buf[i] != '/')
			continue;
		buf[i] = '\0';
		at = cg_at(buf, &rel);
		if (mkdirat(at, rel, 0755) == 0) {
			created++;
		} else if (errno == ENOENT) {
			/* a parent removed by a concurrent cg_destroy: start over */
			*ret_created = created;
			return -EAGAIN;
		} else if (errno != EEXIST) {
			*ret_created = created;
			return rt_err_set(err, errno, "mkdir %s", buf);
		}
		if (!h->v2 && (h->ctrls & CG_BIT(CG_CPUSET))) {
			int r = cpuset_inherit(buf, err);

			if (r < 0) {
				*ret_created = created;
				return r;
			}
		}
		if (h->v2 && !last)
			v2_enable_controllers(buf);
		if (last)
			break;
		buf[i] = '/';
	}
	*ret_created = created;
	return 0;
}

static int rmdir_at(const char *dir)
{
	const char *rel;
	int at = cg_at(dir, &rel);

	return unlinkat(at, rel, AT_REMOVEDIR);
}

static int rmdir_retry(const char *dir)
{
	for (int i = 0; i < 100; i++) {
		if (rmdir_at(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -errno;
		sleep_ms(i < 10 ? 2 : 20);
	}
	return -EBUSY;
}

/* Remove dir and everything below it (child cgroups made inside the
 * container), deepest first. */
static int rmdir_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		_cleanup_free_ char *sub = NULL;

		if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (asprintf(&sub, "%s/%s", dir, de->d_name) < 0) {
			closedir(d);
			return -ENOMEM;
		}
		rmdir_tree(sub);
	}
	closedir(d);
	return rmdir_retry(dir);
}

/* Remove the last n components of dir (the ones cg_create made). */
static void rmdir_created(const char *dir, int n)
{
	_cleanup_free_ char *buf = strdup(dir);

	for (int i = 0; buf && i < n; i++) {
		char *slash;

		rmdir_tree(buf);
		slash = strrchr(buf, '/');
		if (!slash)
			break;
		*slash = '\0';
	}
}

static void read_v2_ctrls(struct cg_manager *m)
{
	_cleanup_free_ char *path = NULL, *buf = NULL;
	const char *dir = cg_v2_dir(m);
	char *save = NULL;

	m->v2_ctrls = 0;
	m->v2_ctrls_known = false;
	if (!dir || asprintf(&path, "%s/cgroup.controllers", dir) < 0)
		return;
	if (rt_read_file_at(AT_FDCWD, path, 65536, &buf, NULL) < 0)
		return;
	for (char *w = strtok_r(buf, " \n", &save); w; w = strtok_r(NULL, " \n", &save)) {
		int c = cg_ctrl_from_name(w);

		if (c >= 0)
			m->v2_ctrls |= CG_BIT(c);
	}
	m->v2_ctrls_known = true;
}

/* Remove what create_dirs() made in the hierarchies that are (v2) or are
 * not (!v2) cgroup2. */
static void remove_created(struct cg_manager *m, bool v2)
{
	for (size_t i = 0; m->created && i < m->host->n; i++) {
		if (m->host->h[i].v2 != v2)
			continue;
		rmdir_created(m->dirs[i], m->created[i]);
		m->created[i] = 0;
	}
}

/* mkdir in the hierarchies that are (v2) or are not (!v2) cgroup2,
 * counting in m->created what did not exist; on failure removes what it
 * made. */
static int create_dirs(struct cg_manager *m, bool v2, struct rt_err *err)
{
	const struct cg_host *host = m->host;
	int r = 0;

	if (!m->created) {
		m->created = calloc(host->n ? host->n : 1, sizeof(int));
		if (!m->created)
			return rt_err_set(err, ENOMEM, "cgroup");
	}
	for (size_t i = 0; i < host->n; i++) {
		char label[128];

		if (host->h[i].v2 != v2)
			continue;
		for (int attempt = 0; attempt < 5; attempt++) {
			int more = 0;

			r = mkdir_hier(m, i, &more, err);
			m->created[i] += more;
			if (r != -EAGAIN)
				break;
		}
		if (r == -EAGAIN)
			r = rt_err_set(err, ENOENT, "mkdir %s", m->dirs[i]);
		if (r < 0) {
			cg_hier_label(&host->h[i], label, sizeof(label));
			rt_err_prefix(err, "cgroup %s (%s)", m->path, label);
			remove_created(m, v2);
			return r;
		}
	}
	return 0;
}

bool cg_has_v1(const struct cg_manager *m)
{
	for (size_t i = 0; i < m->host->n; i++)
		if (!m->host->h[i].v2)
			return true;
	return false;
}

bool cg_has_v2(const struct cg_manager *m)
{
	return m->host->v2 >= 0;
}

size_t cg_views(const struct cg_manager *m, struct cg_view *v, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < m->host->n && n < max; i++, n++) {
		v[n].mnt = m->host->h[i].mnt;
		v[n].dir = m->dirs[i];
		v[n].v2 = m->host->h[i].v2;
		v[n].opts[0] = '\0';
		if (!v[n].v2)
			cg_hier_label(&m->host->h[i], v[n].opts, sizeof(v[n].opts));
	}
	return n;
}

int cg_create_v2(struct cg_manager *m, struct rt_err *err)
{
	return create_dirs(m, true, err);
}

int cg_create_rest(struct cg_manager *m, const struct rt_resources *res, struct rt_err *err)
{
	static const struct rt_resources empty;
	int r = create_dirs(m, false, err);

	if (r < 0)
		return r;
	read_v2_ctrls(m);
	r = cg_apply_resources(m, res ? res : &empty, false, err);
	if (r < 0)
		remove_created(m, false); /* the v2 part may hold the process: cg_destroy's */
	return r;
}

int cg_create(struct cg_manager *m, const struct rt_resources *res, struct rt_err *err)
{
	int r = cg_create_v2(m, err);

	if (r >= 0)
		r = cg_create_rest(m, res, err);
	if (r < 0)
		remove_created(m, true);
	return r;
}

int cg_add_pid(struct cg_manager *m, pid_t pid, struct rt_err *err)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (size_t i = 0; i < m->host->n; i++) {
		int r = cg_write_dir(m->dirs[i], "cgroup.procs", buf, err);

		if (r < 0) {
			char label[128];

			cg_hier_label(&m->host->h[i], label, sizeof(label));
			return rt_err_prefix(err, "add pid %d to %s (%s)", (int)pid, m->dirs[i], label);
		}
	}
	return 0;
}

int cg_update(struct cg_manager *m, const struct rt_resources *res, struct rt_err *err)
{
	read_v2_ctrls(m);
	return cg_apply_resources(m, res, true, err);
}

/* ---- freezer ---- */

static int v1_freezer_state(const struct cg_manager *m, char *buf, size_t size)
{
	_cleanup_free_ char *s = NULL;
	int r = cg_read(m, CG_FREEZER, "freezer.state", &s);

	if (r < 0)
		return r;
	s[strcspn(s, "\n")] = '\0';
	snprintf(buf, size, "%s", s);
	return 0;
}

static int v2_events_frozen(const struct cg_manager *m)
{
	int64_t v;
	int r = cg_read_keyed(m, CG_FREEZER, "cgroup.events", "frozen", &v);

	return r < 0 ? r : v != 0;
}

int cg_freeze(struct cg_manager *m, bool frozen, struct rt_err *err)
{
	int r;

	r = cg_require(m, CG_FREEZER, "freeze", err);
	if (r < 0)
		return r;
	if (cg_ctrl_is_v2(m, CG_FREEZER)) {
		r = cg_write(m, CG_FREEZER, "cgroup.freeze", frozen ? "1" : "0", err);
		if (r < 0)
			return r;
		/* cgroup.events "frozen" flips once every task stopped
		 * (or, thawing, right away) */
		for (int i = 0; i < 1000; i++) {
			r = v2_events_frozen(m);
			if (r < 0)
				return rt_err_set(err, -r, "cgroup.events: read");
			if (r == frozen)
				return 0;
			sleep_ms(i < 50 ? 1 : 10);
		}
		if (frozen)
			cg_write(m, CG_FREEZER, "cgroup.freeze", "0", err);
		return rt_err_msg(err, ETIMEDOUT, "cgroup.freeze: timed out waiting for %s",
				  frozen ? "frozen 1" : "frozen 0");
	}
	/* v1: FREEZING can stall while tasks fork; re-kick it every so often
	 * the way runc does (thaw, freeze again). */
	for (int i = 0; i < 1000; i++) {
		char state[32];

		if (i % 50 == 0) {
			if (frozen && i > 0)
				cg_write(m, CG_FREEZER, "freezer.state", "THAWED", err);
			r = cg_write(m, CG_FREEZER, "freezer.state", frozen ? "FROZEN" : "THAWED", err);
			if (r < 0)
				return r;
		}
		r = v1_freezer_state(m, state, sizeof(state));
		if (r < 0)
			return rt_err_set(err, -r, "freezer.state: read");
		if (strcmp(state, frozen ? "FROZEN" : "THAWED") == 0)
			return 0;
		sleep_ms(i < 50 ? 1 : 10);
	}
	if (frozen)
		cg_write(m, CG_FREEZER, "freezer.state", "THAWED", err);
	return rt_err_msg(err, ETIMEDOUT, "freezer.state: timed out waiting for %s",
			  frozen ? "FROZEN" : "THAWED");
}

int cg_is_frozen(struct cg_manager *m)
{
	if (!cg_ctrl_dir(m, CG_FREEZER))
		return -EOPNOTSUPP;
	if (cg_ctrl_is_v2(m, CG_FREEZER)) {
		int64_t v;
		int r = cg_read_u64(m, CG_FREEZER, "cgroup.freeze", &v);

		return r < 0 ? r : v == 1;
	} else {
		char state[32];
		int r = v1_freezer_state(m, state, sizeof(state));

		if (r < 0)
			return r;
		return strcmp(state, "FROZEN") == 0;
	}
}

/* ---- pids, kill ---- */

struct pidvec {
	pid_t *v;
	size_t n, cap;
};

static int pidvec_add(struct pidvec *pv, pid_t p)
{
	if (pv->n == pv->cap) {
		size_t cap = pv->cap ? pv->cap * 2 : 64;
		pid_t *nv = realloc(pv->v, cap * sizeof(pid_t));

		if (!nv)
			return -ENOMEM;
		pv->v = nv;
		pv->cap = cap;
	}
	pv->v[pv->n++] = p;
	return 0;
}

static int collect_pids(const char *dir, struct pidvec *pv, int depth)
{
	_cleanup_free_ char *procs = NULL, *path = NULL;
	DIR *d;
	struct dirent *de;
	int r;

	if (depth > 64)
		return -ELOOP;
	if (asprintf(&path, "%s/cgroup.procs", dir) < 0)
		return -ENOMEM;
	r = rt_read_file_at(AT_FDCWD, path, 64u << 20, &procs, NULL);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	for (char *p = procs; *p;) {
		char *end;
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		if (v > 0 && (r = pidvec_add(pv, (pid_t)v)) < 0)
			return r;
		p = end;
		while (*p == '\n')
			p++;
	}
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		_cleanup_free_ char *sub = NULL;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (asprintf(&sub, "%s/%s", dir, de->d_name) < 0) {
			closedir(d);
			return -ENOMEM;
		}
		r = collect_pids(sub, pv, depth + 1);
		if (r < 0) {
			closedir(d);
			return r;
		}
	}
	closedir(d);
	return 0;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

int cg_pids(struct cg_manager *m, pid_t **ret, size_t *ret_n, struct rt_err *err)
{
	struct pidvec pv = { 0 };
	size_t n = 0;

	/* Every hierarchy: a process may have been moved out of some of
	 * them by someone else; the union is what belongs to the container. */
	for (size_t i = 0; i < m->host->n; i++) {
		int r = collect_pids(m->dirs[i], &pv, 0);

		if (r < 0) {
			free(pv.v);
			return rt_err_set(err, -r, "list processes of %s", m->dirs[i]);
		}
	}
	if (pv.n > 1)
		qsort(pv.v, pv.n, sizeof(pid_t), cmp_pid);
	for (size_t i = 0; i < pv.n; i++)
		if (n == 0 || pv.v[n - 1] != pv.v[i])
			pv.v[n++] = pv.v[i];
	*ret = pv.v;
	*ret_n = n;
	return 0;
}

/* A zombie stays listed in cgroup.procs until its parent reaps it: killing
 * it again is pointless, waiting for it may be forever. */
static bool is_zombie(pid_t pid)
{
	char path[64], stat[1024], state;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (rt_proc_stat_read(path, stat, sizeof(stat)) < 0)
		return true; /* gone */
	state = rt_proc_stat_state(stat);
	return state == 'Z' || state == 'X';
}

int cg_kill(struct cg_manager *m, int sig, struct rt_err *err)
{
	const char *v2 = cg_v2_dir(m);
	int r;

	if (sig == SIGKILL && v2) {
		struct rt_err ignored;

		/* cgroup.kill (5.14+) kills every task atomically, forks
		 * included; on hybrid it covers only what is in the v2 cgroup,
		 * so the loop below still runs. */
		cg_write_dir(v2, "cgroup.kill", "1", &ignored);
	}
	for (int round = 0; round < 500; round++) {
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0, live = 0;

		r = cg_pids(m, &pids, &n, err);
		if (r < 0)
			return r;
		for (size_t i = 0; i < n; i++) {
			if (sig == SIGKILL && is_zombie(pids[i]))
				continue;
			live++;
			if (kill(pids[i], sig) < 0 && errno != ESRCH)
				return rt_err_set(err, errno, "kill %d", (int)pids[i]);
		}
		/* Frozen tasks only die once thawed. */
		if (sig == SIGKILL && live > 0 && cg_is_frozen(m) == 1)
			cg_freeze(m, false, err);
		/* Other signals: one pass.  SIGKILL: until only zombies are
		 * left, catching children forked while we were looping. */
		if (sig != SIGKILL || live == 0)
			return 0;
		sleep_ms(round < 20 ? 1 : 10);
	}
	return rt_err_msg(err, ETIMEDOUT, "kill %s: processes survive SIGKILL", m->path);
}

int cg_oom_killed(struct cg_manager *m)
{
	int64_t v = 0;
	int r;

	if (cg_ctrl_is_v2(m, CG_MEMORY))
		r = cg_read_keyed(m, CG_MEMORY, "memory.events", "oom_kill", &v);
	else
		r = cg_read_keyed(m, CG_MEMORY, "memory.oom_control", "oom_kill", &v);
	if (r < 0)
		return r;
	return v > 0;
}

/* ---- destroy ---- */

/* Remove a parent named "capsa" when it is empty (the default path was
 * /capsa/<id> until the flat /capsa-<id>; a cgroupsPath may still nest
 * there): it may be in use
 * by another container (rmdir then fails with EBUSY/ENOTEMPTY, which is
 * fine) or re-created by one in a moment (cg_create retries on ENOENT). */
static void rmdir_capsa_parent(const char *dir)
{
	_cleanup_free_ char *parent = strdup(dir);
	char *slash;

	if (!parent)
		return;
	slash = strrchr(parent, '/');
	if (!slash)
		return;
	*slash = '\0';
	slash = strrchr(parent, '/');
	if (slash && strcmp(slash + 1, "capsa") == 0)
		(void)rmdir_at(parent);
}

/* The common case first: nothing left inside (the init was the last process
 * and nobody made sub-cgroups), so one rmdir per hierarchy does it, without
 * reading cgroup.procs and listing directories.  true when all went. */
static bool rmdir_all_empty(struct cg_manager *m)
{
	bool all = true;

	for (size_t i = 0; i < m->host->n; i++) {
		if (rmdir_at(m->dirs[i]) == 0 || errno == ENOENT)
			rmdir_capsa_parent(m->dirs[i]);
		else
			all = false;
	}
	return all;
}

int cg_destroy(struct cg_manager *m, struct rt_err *err)
{
	int r, ret = 0;

	if (m->bpf_prog_fd >= 0) {
		close(m->bpf_prog_fd);
		m->bpf_prog_fd = -EBADF;
	}
	if (rmdir_all_empty(m))
		return 0;
	r = cg_kill(m, SIGKILL, err);
	if (r < 0)
		return rt_err_prefix(err, "destroy cgroup %s", m->path);
	for (size_t i = 0; i < m->host->n; i++) {
		r = rmdir_tree(m->dirs[i]);
		if (r < 0 && ret == 0)
			ret = rt_err_set(err, -r, "destroy cgroup: rmdir %s", m->dirs[i]);
		if (r == 0)
			rmdir_capsa_parent(m->dirs[i]);
	}
	return ret;
}
