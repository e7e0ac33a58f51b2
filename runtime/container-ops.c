/* Operations on an existing container: start, kill, delete, state, pause,
 * ps, update, stats.  Each takes the container's lock first. */
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "container-internal.h"
#include "hooks.h"
#include "seccomp.h"
#include "util.h"

/* A loaded container: state + lock (+ cgroup manager on demand). */
struct ctr {
	const char *root;
	struct rt_state st;
	int lock_fd;
	struct cg_manager *cg;
};

static void ctr_close(struct ctr *c)
{
	if (c->cg)
		cg_free(c->cg);
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	rt_state_clear(&c->st);
	c->lock_fd = -1;
	c->cg = NULL;
}

static int ctr_open(const char *root, const char *id, struct ctr *c, struct rt_err *err)
{
	char dir[PATH_MAX];
	int r;

	memset(c, 0, sizeof(*c));
	c->root = root;
	c->lock_fd = -1;
	if (rt_id_valid(id, err) < 0 || rt_state_dir(root, id, dir, sizeof(dir)) < 0 || access(dir, F_OK) < 0)
		return rt_err_msg(err, ENOENT, "container %s does not exist", id);
	c->lock_fd = rt_state_lock(root, id, err);
	if (c->lock_fd < 0)
		return c->lock_fd;
	r = rt_state_load(root, id, &c->st, err);
	if (r < 0) {
		ctr_close(c);
		return r;
	}
	return 0;
}

static int ctr_cgroup(struct ctr *c, struct rt_err *err)
{
	if (c->cg)
		return 0;
	return cg_open(c->st.cgroup_path, c->st.id, &c->cg, err);
}

static struct ctr *frozen_probe_ctx;
static int frozen_probe(const struct rt_state *st)
{
	struct rt_err ignored;

	(void)st;
	if (!frozen_probe_ctx || ctr_cgroup(frozen_probe_ctx, &ignored) < 0)
		return 0;
	return cg_is_frozen(frozen_probe_ctx->cg);
}

static enum rt_status ctr_status(struct ctr *c)
{
	enum rt_status s;

	frozen_probe_ctx = c;
	s = rt_state_status(c->root, &c->st, frozen_probe);
	frozen_probe_ctx = NULL;
	return s;
}

static int config_path(const char *root, const char *id, char path[PATH_MAX], struct rt_err *err)
{
	if (rt_state_dir(root, id, path, PATH_MAX) < 0)
		return rt_err_msg(err, ENOENT, "container %s does not exist", id);
	strncat(path, "/config.json", PATH_MAX - strlen(path) - 1);
	return 0;
}

int rt_container_spec(const char *root, const char *id, struct rt_spec **ret, struct rt_err *err)
{
	char path[PATH_MAX];
	int r = config_path(root, id, path, err);

	return r < 0 ? r : rt_spec_load(path, ret, err);
}

int rt_container_spec_seccomp(const char *root, const char *id, struct rt_spec **ret,
			      struct rt_seccomp_prog **ret_prog, struct rt_err *err)
{
	_cleanup_free_ char *buf = NULL;
	char path[PATH_MAX], cache[PATH_MAX];
	size_t len = 0;
	int r = config_path(root, id, path, err);

	if (r < 0)
		return r;
	r = rt_spec_read(path, &buf, &len, err);
	if (r < 0)
		return r;
	snprintf(cache, sizeof(cache), "%s/.seccomp-cache", root);
	return rt_spec_parse_seccomp(buf, len, path, 0, cache, ret, ret_prog, err);
}

/* Whether the saved config.json can hold hooks at all.  A JSON key is
 * spelled "hooks" or with \u escapes; a file with neither cannot have a
 * hooks object, and start/delete then skip the full spec parse, which is
 * about half of their instructions (tests/bench/README.md).  Any doubt
 * (unreadable file) answers yes, so the parse reports the error as before. */
static bool spec_may_have_hooks(const char *root, const char *id)
{
	char path[PATH_MAX];
	_cleanup_free_ char *buf = NULL;
	size_t len;

	if (rt_state_dir(root, id, path, sizeof(path)) < 0)
		return true;
	strncat(path, "/config.json", sizeof(path) - strlen(path) - 1);
	if (rt_read_file_at(AT_FDCWD, path, 1 << 24, &buf, &len) < 0 || strlen(buf) != len)
		return true;
	return strstr(buf, "hooks") || strstr(buf, "\\u");
}

static int run_hooks_of(struct ctr *c, enum rt_hook_kind kind, enum rt_status status, struct rt_err *err)
{
	struct rt_spec *spec = NULL;
	_cleanup_free_ char *json = NULL;
	int r;

	if (!spec_may_have_hooks(c->root, c->st.id))
		return 0;
	r = rt_container_spec(c->root, c->st.id, &spec, err);
	if (r < 0)
		return r;
	if (spec->hooks.n_hooks[kind] == 0) {
		rt_spec_free(spec);
		return 0;
	}
	r = rt_state_to_json(&c->st, status, &json, err);
	if (r >= 0)
		r = rt_hooks_run(&spec->hooks, kind, json, err);
	rt_spec_free(spec);
	return r;
}

static int signal_init(struct ctr *c, int sig, struct rt_err *err);

/* What the init wrote to init.err when it failed between create and execve
 * (a startContainer hook, say). */
static int init_error(const char *root, const char *id, struct rt_err *err)
{
	char path[PATH_MAX];
	_cleanup_free_ char *msg = NULL;
	size_t len = 0;

	if (rt_state_dir(root, id, path, sizeof(path)) < 0)
		return 0;
	strncat(path, "/init.err", sizeof(path) - strlen(path) - 1);
	if (rt_read_file_at(AT_FDCWD, path, RT_ERR_MSG_MAX - 1, &msg, &len) < 0 || len == 0)
		return 0;
	return rt_err_msg(err, EIO, "start container %s: %s", id, msg);
}

static void run_poststop_of(struct ctr *c)
{
	struct rt_spec *spec = NULL;
	_cleanup_free_ char *json = NULL;
	struct rt_err err = { 0 };

	if (!spec_may_have_hooks(c->root, c->st.id))
		return;
	if (rt_container_spec(c->root, c->st.id, &spec, &err) < 0) {
		rt_warn("poststop hooks: %s", err.msg);
		return;
	}
	if (spec->hooks.n_hooks[RT_HOOK_POSTSTOP] &&
	    rt_state_to_json(&c->st, RT_STATUS_STOPPED, &json, &err) >= 0)
		rt_hooks_run_all(&spec->hooks, RT_HOOK_POSTSTOP, json);
	rt_spec_free(spec);
}

int rt_container_start(const char *root, const char *id, struct rt_err *err)
{
	struct ctr c;
	char fifo[PATH_MAX];
	_cleanup_close_ int fd = -EBADF;
	enum rt_status s;
	struct pollfd p;
	int r;

	r = ctr_open(root, id, &c, err);
	if (r < 0)
		return r;
	s = ctr_status(&c);
	if (s != RT_STATUS_CREATED) {
		r = rt_err_msg(err, EINVAL, "cannot start a container that is %s", rt_status_name(s));
		if (s == RT_STATUS_STOPPED)
			r = rt_err_msg(err, EINVAL, "cannot start an already running container");
		if (s == RT_STATUS_RUNNING || s == RT_STATUS_PAUSED)
			r = rt_err_msg(err, EINVAL, "cannot start an already running container");
		goto out;
	}
	rt_state_dir(root, id, fifo, sizeof(fifo));
	strncat(fifo, "/exec.fifo", sizeof(fifo) - strlen(fifo) - 1);
	fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		r = errno == ENXIO ? rt_err_msg(err, ESRCH, "cannot start container %s: its init is gone", id)
				   : rt_err_set(err, errno, "open %s", fifo);
		goto out;
	}
	if (write(fd, "0", 1) != 1) {
		r = rt_err_set(err, errno, "start container %s", id);
		goto out;
	}
	unlink(fifo);
	/* wait until the init closed its end: it exec'd (or failed) */
	p = (struct pollfd){ .fd = fd, .events = 0 };
	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
	r = init_error(root, id, err);
	if (r < 0)
		goto out;
	r = run_hooks_of(&c, RT_HOOK_POSTSTART, RT_STATUS_RUNNING, err);
	if (r < 0) {
		/* runtime.md: a failing poststart hook is an error and stops the
		 * container; `delete` finishes the lifecycle */
		struct rt_err ignored;

		signal_init(&c, SIGKILL, &ignored);
	}
out:
	ctr_close(&c);
	return r;
}

/* Signal the init through a pidfd opened while we verified it is our init:
 * a recycled pid is never signalled. */
static int signal_init(struct ctr *c, int sig, struct rt_err *err)
{
	int pidfd = (int)syscall(SYS_pidfd_open, c->st.pid, 0);
	int r = 0;

	if (pidfd < 0 || !rt_pid_is(c->st.pid, c->st.pid_start_time)) {
		if (pidfd >= 0)
			close(pidfd);
		return rt_err_msg(err, ESRCH, "container not running");
	}
	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
		r = errno == ESRCH ? rt_err_msg(err, ESRCH, "container not running")
				   : rt_err_set(err, errno, "kill container %s", c->st.id);
	close(pidfd);
	return r;
}

int rt_container_kill(const char *root, const char *id, int sig, bool all, struct rt_err *err)
{
	struct ctr c;
	enum rt_status s;
	int r;

	r = ctr_open(root, id, &c, err);
	if (r < 0)
		return r;
	s = ctr_status(&c);
	if (all) {
		r = ctr_cgroup(&c, err);
		if (r >= 0) {
			if (s == RT_STATUS_PAUSED && sig != SIGKILL)
				cg_freeze(c.cg, false, err);
			r = cg_kill(c.cg, sig, err);
			if (s == RT_STATUS_PAUSED && sig != SIGKILL)
				cg_freeze(c.cg, true, err);
		}
	} else if (s == RT_STATUS_STOPPED) {
		r = rt_err_msg(err, ESRCH, "container not running");
	} else {
		r = signal_init(&c, sig, err);
	}
	ctr_close(&c);
	return r;
}

/* Wait (bounded) until the init is gone. */
static void wait_gone(pid_t pid, uint64_t start)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (pidfd >= 0) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };

		if (rt_pid_is(pid, start))
			poll(&p, 1, 10000);
		close(pidfd);
	}
	for (int i = 0; i < 1000 && rt_pid_is(pid, start); i++)
		usleep(1000);
}

int rt_container_delete(const char *root, const char *id, bool force, struct rt_err *err)
{
	struct ctr c;
	enum rt_status s;
	struct rt_err e2;
	int r;

	r = ctr_open(root, id, &c, err);
	if (r == -ENOENT && force) {
		/* a create killed before its state was written leaves only the dir */
		rt_err_clear(err);
		rt_state_remove_dir(root, id);
		return 0;
	}
	if (r < 0)
		return r;
	s = ctr_status(&c);
	if ((s == RT_STATUS_RUNNING || s == RT_STATUS_PAUSED) && !force) {
		r = rt_err_msg(err, EBUSY, "cannot delete container %s that is not stopped: %s", id,
			       rt_status_name(s));
		goto out;
	}
	/* Kill what runs before waiting for the init; a stopped container's
	 * leftovers are killed by cg_destroy, which does the same walk of
	 * every hierarchy (doing it twice cost 2 walks of all 9 v1 ones). */
	if (ctr_cgroup(&c, &e2) >= 0 && s != RT_STATUS_STOPPED) {
		if (s == RT_STATUS_PAUSED)
			cg_freeze(c.cg, false, &e2);
		cg_kill(c.cg, SIGKILL, &e2);
	}
	if (s != RT_STATUS_STOPPED && c.st.pid > 0) {
		if (rt_pid_is(c.st.pid, c.st.pid_start_time))
			signal_init(&c, SIGKILL, &e2);
		wait_gone(c.st.pid, c.st.pid_start_time);
	}
	r = 0;
	if (c.cg && cg_destroy(c.cg, err) < 0)
		r = rt_err_ret(err);
	if (rt_release_extras_of(root, &c.st, NULL, &e2) < 0 && r == 0) {
		*err = e2;
		r = rt_err_ret(err);
	}
	/* poststop hooks run after the resources are gone; each failing one is
	 * a warning and the rest still run (the spec) */
	run_poststop_of(&c);
	if (r == 0)
		rt_state_remove_dir(root, id);
out:
	ctr_close(&c);
	return r;
}

int rt_container_state(const char *root, const char *id, char **ret_json, struct rt_err *err)
{
	struct ctr c;
	int r = ctr_open(root, id, &c, err);

	if (r < 0)
		return r;
	r = rt_state_to_json(&c.st, ctr_status(&c), ret_json, err);
	ctr_close(&c);
	return r;
}

int rt_container_pause(const char *root, const char *id, bool pause, struct rt_err *err)
{
	struct ctr c;
	enum rt_status s;
	int r = ctr_open(root, id, &c, err);

	if (r < 0)
		return r;
	s = ctr_status(&c);
	if (pause && s != RT_STATUS_RUNNING)
		r = rt_err_msg(err, EINVAL, "container %s is not running", id);
	else if (!pause && s != RT_STATUS_PAUSED)
		r = rt_err_msg(err, EINVAL, "container %s is not paused", id);
	if (r >= 0)
		r = ctr_cgroup(&c, err);
	if (r >= 0)
		r = cg_freeze(c.cg, pause, err);
	ctr_close(&c);
	return r;
}

int rt_container_pids(const char *root, const char *id, pid_t **ret, size_t *ret_n, struct rt_err *err)
{
	struct ctr c;
	int r = ctr_open(root, id, &c, err);

	if (r < 0)
		return r;
	r = ctr_cgroup(&c, err);
	if (r >= 0)
		r = cg_pids(c.cg, ret, ret_n, err);
	ctr_close(&c);
	return r;
}

/* The container's own best-effort annotation governs update as it did
 * create, whatever the caller's resources say. */
static int update_cgroup(struct ctr *c, const struct rt_resources *res, struct rt_err *err)
{
	struct rt_resources with = *res; /* shallow: only best_effort differs */
	json_t *a = c->st.annotations_json ? json_loads(c->st.annotations_json, 0, NULL) : NULL;
	int r;

	with.best_effort = (char *)json_string_value(json_object_get(a, RT_ANNOTATION_BEST_EFFORT));
	r = cg_update(c->cg, &with, err);
	json_decref(a);
	return r;
}

int rt_container_update(const char *root, const char *id, const struct rt_resources *res, struct rt_err *err)
{
	struct ctr c;
	int r = ctr_open(root, id, &c, err);

	if (r < 0)
		return r;
	if (ctr_status(&c) == RT_STATUS_STOPPED)
		r = rt_err_msg(err, EINVAL, "container %s is not running", id);
	if (r >= 0)
		r = ctr_cgroup(&c, err);
	if (r >= 0)
		r = update_cgroup(&c, res, err);
	ctr_close(&c);
	return r;
}

int rt_container_stats(const char *root, const char *id, char **ret_json, struct rt_err *err)
{
	struct ctr c;
	int r = ctr_open(root, id, &c, err);

	if (r < 0)
		return r;
	if (ctr_status(&c) == RT_STATUS_STOPPED)
		r = rt_err_msg(err, EINVAL, "container not running");
	if (r >= 0)
		r = ctr_cgroup(&c, err);
	if (r >= 0)
		r = cg_stats_json(c.cg, ret_json, err);
	ctr_close(&c);
	return r;
}

int launch_annotations(struct launch *l, struct rt_err *err)
{
	json_t *o;

	if (l->spec->n_annotations == 0)
		return 0;
	o = json_object();
	if (!o)
		return rt_err_set(err, ENOMEM, "annotations");
	for (size_t i = 0; i < l->spec->n_annotations; i++)
		json_object_set_new(o, l->spec->annotations[i].key,
				    json_string(l->spec->annotations[i].value));
	l->st.annotations_json = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return l->st.annotations_json ? 0 : rt_err_set(err, ENOMEM, "annotations");
}
