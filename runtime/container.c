/* create, run and start: from a spec to a waiting (or running) init.
 * Every resource made along the way is recorded in struct launch and undone
 * by launch_abort() if a later step fails. */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "affinity.h"
#include "cgroups/cgroup.h"
#include "container-internal.h"
#include "hooks.h"
#include "runtime.h"
#include "seccomp.h"
#include "selfprotect.h"
#include "spawn.h"
#include "sync.h"
#include "terminal.h"
#include "util.h"

static int validate_spec(const struct rt_spec *s, struct rt_err *err)
{
	if (!s->has_process)
		return rt_err_msg(err, EINVAL, "config.json: process: required to create a container");
	if (!s->root_path)
		return rt_err_msg(err, EINVAL, "config.json: root.path: required");
	if (!s->linux_.namespaces[RT_NS_MOUNT].present)
		return rt_err_msg(err, EINVAL,
				  "config.json: linux.namespaces: a mount namespace is required");
	if ((s->hostname || s->domainname) && !s->linux_.namespaces[RT_NS_UTS].present)
		return rt_err_msg(err, EINVAL,
				  "config.json: hostname: setting it needs a private UTS namespace");
	if (s->process.apparmor_profile && access("/sys/kernel/security/apparmor", F_OK) < 0)
		return rt_err_msg(
		    err, EOPNOTSUPP,
		    "config.json: process.apparmorProfile: AppArmor is not enabled on this host");
	if (s->process.selinux_label || s->linux_.mount_label) {
		if (access("/sys/fs/selinux/enforce", F_OK) < 0)
			return rt_err_msg(
			    err, EOPNOTSUPP, "config.json: %s: SELinux is not enabled on this host",
			    s->process.selinux_label ? "process.selinuxLabel" : "linux.mountLabel");
	}
	if (s->linux_.intel_rdt.present && access("/sys/fs/resctrl/schemata", F_OK) < 0)
		return rt_err_msg(err, EOPNOTSUPP,
				  "config.json: linux.intelRdt: resctrl is not mounted on this host");
	return 0;
}

/* Socket activation: the container's init gets the fds and is told so, with
 * LISTEN_PID=1 since that is its pid inside (runc does the same). */
static int add_listen_env(struct rt_process *p, int n, struct rt_err *err)
{
	char **env = realloc(p->env, (p->n_env + 3) * sizeof(*env));

	if (!env)
		return rt_err_set(err, ENOMEM, "LISTEN_FDS");
	p->env = env;
	if (asprintf(&env[p->n_env], "LISTEN_FDS=%d", n) < 0)
		return rt_err_set(err, ENOMEM, "LISTEN_FDS");
	p->n_env++;
	env[p->n_env] = strdup("LISTEN_PID=1");
	if (!env[p->n_env])
		return rt_err_set(err, ENOMEM, "LISTEN_FDS");
	p->n_env++;
	env[p->n_env] = NULL;
	return 0;
}

/* Copy the spec into the state dir: delete and start need the hooks after the
 * bundle may have changed.  The bytes that were parsed, not a second read. */
static int save_config(const char *buf, size_t len, const char *state_dir, struct rt_err *err)
{
	char dst[PATH_MAX];
	int r;

	snprintf(dst, sizeof(dst), "%s/config.json", state_dir);
	r = rt_write_file_atomic(dst, buf, len, 0600);
	if (r < 0)
		return rt_err_set(err, -r, "write %s", dst);
	return 0;
}

void launch_abort(struct launch *l)
{
	struct rt_err ignored;

	if (l->pid > 0) {
		kill(l->pid, SIGKILL);
		waitpid(l->pid, NULL, 0);
		l->pid = 0;
	}
	if (l->pidfd >= 0)
		close(l->pidfd);
	l->pidfd = -1;
	if (l->sock >= 0)
		close(l->sock);
	l->sock = -1;
	if (l->pty_master >= 0)
		close(l->pty_master);
	l->pty_master = -1;
	if (l->cg) {
		if (l->cg_created)
			cg_destroy(l->cg, &ignored);
		cg_free(l->cg);
		l->cg = NULL;
	}
	launch_release_extras(l, &ignored);
	if (l->state_created)
		rt_state_remove_dir(l->o->root, l->o->id);
	l->state_created = false;
	if (l->lock_fd >= 0)
		close(l->lock_fd);
	l->lock_fd = -1;
}

void launch_free(struct launch *l)
{
	if (l->sp)
		rt_seccomp_prog_free(l->sp);
	l->sp = NULL;
	if (l->spec)
		rt_spec_free(l->spec);
	l->spec = NULL;
	free(l->state_json);
	l->state_json = NULL;
	free(l->config_text);
	l->config_text = NULL;
	for (int i = 0; i < RT_NS_MAX; i++)
		if (l->ns_fds[i] >= 0)
			close(l->ns_fds[i]);
	for (size_t i = 0; l->idmap_fds && l->spec_n_mounts && i < l->spec_n_mounts; i++)
		if (l->idmap_fds[i] >= 0)
			close(l->idmap_fds[i]);
	free(l->idmap_fds);
	l->idmap_fds = NULL;
	rt_state_clear(&l->st);
}

/* idmap mounts need a user namespace with their mapping; made here, where
 * /proc shows the helper's pid (the child is in its own pid namespace). */
static int open_idmap_userns(struct launch *l, struct rt_err *err)
{
	bool any = false;

	for (size_t i = 0; i < l->spec->n_mounts; i++)
		any |= l->spec->mounts[i].idmap;
	if (!any)
		return 0;
	l->idmap_fds = malloc(l->spec->n_mounts * sizeof(int));
	if (!l->idmap_fds)
		return rt_err_set(err, ENOMEM, "idmap mounts");
	l->spec_n_mounts = l->spec->n_mounts;
	for (size_t i = 0; i < l->spec->n_mounts; i++)
		l->idmap_fds[i] = -1;
	for (size_t i = 0; i < l->spec->n_mounts; i++) {
		if (!l->spec->mounts[i].idmap)
			continue;
		l->idmap_fds[i] = rt_idmap_userns(&l->spec->mounts[i], l->spec, err);
		if (l->idmap_fds[i] < 0)
			return l->idmap_fds[i];
	}
	return 0;
}

static int open_ns_paths(struct launch *l, struct rt_err *err)
{
	for (int t = 0; t < RT_NS_MAX; t++) {
		const struct rt_namespace *ns = &l->spec->linux_.namespaces[t];

		l->ns_fds[t] = -1;
		if (!ns->present || !ns->path)
			continue;
		l->ns_fds[t] = open(ns->path, O_RDONLY | O_CLOEXEC);
		if (l->ns_fds[t] < 0)
			return rt_err_set(err, errno, "config.json: linux.namespaces: %s namespace path %s",
					  rt_ns_type_name((enum rt_ns_type)t), ns->path);
	}
	return 0;
}

static unsigned long clone_flags_of(const struct rt_spec *s)
{
	unsigned long f = 0;

	for (int t = 0; t < RT_NS_MAX; t++) {
		const struct rt_namespace *ns = &s->linux_.namespaces[t];

		/* time is unshared by the parent (offsets first); cgroup after
		 * the cgroup join, unless clone3 puts us there at birth */
		if (ns->present && !ns->path && t != RT_NS_TIME && t != RT_NS_CGROUP)
			f |= (unsigned long)rt_ns_clone_flag((enum rt_ns_type)t);
	}
	return f;
}

/* pid and time namespaces apply to children: enter them (or a new time
 * namespace with its offsets) here, and leave again after the clone. */
static int enter_for_children(struct launch *l, int saved[2], struct rt_err *err)
{
	const struct rt_linux *lx = &l->spec->linux_;
	char buf[128];
	int n, r;

	r = rt_enter_for_children(l->ns_fds[RT_NS_PID], l->ns_fds[RT_NS_TIME], saved, err);
	if (r < 0)
		return rt_err_prefix(err, "config.json: linux.namespaces");
	if (!lx->namespaces[RT_NS_TIME].present || l->ns_fds[RT_NS_TIME] >= 0)
		return 0;
	/* a new time namespace gets its offsets before anyone is in it */
	saved[1] = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
	if (unshare(CLONE_NEWTIME) < 0)
		return rt_err_set(err, errno, "unshare the time namespace");
	n = snprintf(buf, sizeof(buf), "monotonic %lld %u\nboottime %lld %u\n",
		     (long long)lx->time_offsets.monotonic_secs, lx->time_offsets.monotonic_nanosecs,
		     (long long)lx->time_offsets.boottime_secs, lx->time_offsets.boottime_nanosecs);
	r = rt_write_file_at(AT_FDCWD, "/proc/self/timens_offsets", buf, (size_t)n);
	if (r < 0)
		return rt_err_set(err, -r, "linux.timeOffsets: write timens_offsets");
	return 0;
}

int launch_state_json(struct launch *l, enum rt_status status, struct rt_err *err)
{
	free(l->state_json);
	l->state_json = NULL;
	l->st.pid = l->pid;
	return rt_state_to_json(&l->st, status, &l->state_json, err);
}

/* config.json into the state dir, and the state so far. */
static int persist_state(struct launch *l, struct rt_err *err)
{
	int r = save_config(l->config_text, l->config_len, l->state_dir, err);

	if (r < 0)
		return r;
	free(l->config_text);
	l->config_text = NULL;
	return rt_state_save(l->o->root, &l->st, err);
}

static const struct rt_resources *resources_of(const struct launch *l)
{
	return l->spec->linux_.resources.present ? &l->spec->linux_.resources : NULL;
}

/* Early start, on v1 and hybrid hosts: the child is cloned into its new pid
 * namespace (and v2 cgroup) only, and makes its other namespaces itself,
 * while this process makes the v1 cgroups (a mkdir per hierarchy, cpuset
 * copies, device rules; ~0.5 ms, as long as the namespaces take); the
 * child joins them after GO, before it mounts anything.  The two overlap
 * on two CPUs: the child is kept off ours meanwhile (affinity.h; the VM of
 * tests/bench/README.md ran them in turn otherwise).  Not with a user
 * namespace (the others must belong to it, and its maps come first) or a
 * namespace to join by path (joined after GO, as always).  crun likewise
 * moves its init into v1 cgroups after clone; the kernel memory of the
 * new namespaces is charged where capsa runs, not to the container. */
static bool late_cgroups(const struct launch *l)
{
	const struct rt_namespace *ns = l->spec->linux_.namespaces;

	if (!cg_has_v1(l->cg) || ns[RT_NS_USER].present)
		return false;
	for (int t = 0; t < RT_NS_MAX; t++)
		if (t != RT_NS_PID && t != RT_NS_TIME && ns[t].present && ns[t].path)
			return false;
	return true;
}

static int prepare(struct launch *l, struct rt_err *err)
{
	const struct rt_create_opts *o = l->o;
	char config[PATH_MAX], created[64], cache[PATH_MAX];
	_cleanup_free_ char *buf = NULL;
	struct timespec now;
	size_t len = 0;
	int r;

	if (o->config_path)
		snprintf(config, sizeof(config), "%s", o->config_path);
	else
		snprintf(config, sizeof(config), "%s/config.json", o->bundle);
	r = rt_id_valid(o->id, err);
	if (r < 0)
		return r;
	/* args may come from an image config: checked after the extras */
	r = rt_spec_read(config, &buf, &len, err);
	if (r < 0)
		return r;
	/* with the seccomp program (cached by the profile's text) */
	snprintf(cache, sizeof(cache), "%s/.seccomp-cache", o->root);
	r = rt_spec_parse_seccomp(buf, len, config, RT_SPEC_ARGS_OPTIONAL, cache, &l->spec, &l->sp, err);
	if (r < 0)
		return r;
	r = validate_spec(l->spec, err);
	if (r < 0)
		return r;
	if (o->listen_fds > 0) {
		r = add_listen_env(&l->spec->process, o->listen_fds, err);
		if (r < 0)
			return r;
	}

	/* Nothing exists yet: from here on, launch_abort() undoes. */
	r = rt_state_create_dir(o->root, o->id, err);
	if (r < 0)
		return r;
	l->state_created = true;
	rt_state_dir(o->root, o->id, l->state_dir, sizeof(l->state_dir));
	l->lock_fd = rt_state_lock(o->root, o->id, err);
	if (l->lock_fd < 0)
		return l->lock_fd;
	l->config_text = buf; /* saved with the state (persist_state) */
	l->config_len = len;
	buf = NULL;
	clock_gettime(CLOCK_REALTIME, &now);
	rt_utc_rfc3339(&now, true, created, sizeof(created));
	l->st.id = strdup(o->id);
	l->st.bundle = strdup(o->bundle);
	l->st.created = strdup(created);
	l->st.owner = getuid();
	l->st.keep_rootfs = o->keep_rootfs;
	if (!l->st.id || !l->st.bundle || !l->st.created)
		return rt_err_set(err, ENOMEM, "state");

	r = launch_prepare_extras(l, err); /* image rootfs, network request */
	if (r < 0)
		return r;
	if (l->spec->process.n_args == 0)
		return rt_err_msg(err, EINVAL, "%s: process.args: must be a non-empty array of strings",
				  config);
	if (!l->rootfs[0]) {
		char p[PATH_MAX];

		if (l->spec->root_path[0] == '/')
			snprintf(p, sizeof(p), "%s", l->spec->root_path);
		else
			snprintf(p, sizeof(p), "%s/%s", o->bundle, l->spec->root_path);
		if (!realpath(p, l->rootfs))
			return rt_err_set(err, errno, "config.json: root.path: %s", p);
	}

	l->st.rootfs = strdup(l->rootfs);
	l->st.shared_pidns = !l->spec->linux_.namespaces[RT_NS_PID].present;
	if (!l->st.rootfs)
		return rt_err_set(err, ENOMEM, "state");
	r = launch_annotations(l, err);
	if (r < 0)
		return r;

	r = cg_open(l->spec->linux_.cgroups_path, o->id, &l->cg, err);
	if (r < 0)
		return r;
	/* the state names the cgroup before it exists: a `delete --force` after
	 * we are killed at any point from here finds what to remove.  At an
	 * early start without a v2 part nothing exists before the clone (and
	 * the child dies with us): the state is written after it, while the
	 * child makes its namespaces. */
	l->st.cgroup_path = strdup(cg_path(l->cg));
	if (!l->st.cgroup_path)
		return rt_err_set(err, ENOMEM, "state");
	l->early = late_cgroups(l);
	l->state_deferred = l->early && !cg_has_v2(l->cg);
	if (!l->state_deferred) {
		r = persist_state(l, err);
		if (r < 0)
			return r;
	}
	l->cg_created = true; /* cg_create undoes itself on failure; destroy is idempotent */
	if (l->early && o->debug)
		o->debug(o->debug_ctx, l->state_deferred
					   ? "early start: the init makes its namespaces while the "
					     "state is written and the v1 cgroups are made"
					   : "early start: the init makes its namespaces while the v1 "
					     "cgroups are made");
	if (l->early)
		r = cg_create_v2(l->cg, err); /* the rest while the child makes its namespaces */
	else
		r = cg_create(l->cg, resources_of(l), err);
	if (r < 0)
		return r;
	r = open_idmap_userns(l, err);
	if (r < 0)
		return r;
	return open_ns_paths(l, err);
}

/* SYNC 1: GO, with the tasks files of the v1 cgroups at an early start.  A
 * child that is gone already said why: launch_dialogue reads it. */
static int send_go(int sock, struct cg_join *late, struct rt_err *err)
{
	int r = rt_sync_send_fds(sock, RT_SYNC_GO, 0, late->fds, late->n, NULL);

	cg_join_close(late);
	if (r < 0 && !rt_sync_peer_gone(r))
		return rt_err_set(err, -r, "sync with the container process");
	return 0;
}

/* Early start, after the clone, while the child makes its namespaces: the
 * state (when deferred), the v1 cgroups and their limits, and the tasks
 * files the child joins them by (sent with GO); the child's CPU mask reset
 * (the pin ends).  With a network to attach in the child's new netns, its
 * NS_READY comes first (the caller sends GO after the attach).  Without
 * one, GO goes at once and the child sends no NS_READY: it finds GO
 * waiting, no round trip. */
static int early_start_rest(struct launch *l, int sock, struct cg_join *late, bool *go_sent,
			    struct rt_err *err)
{
	int r = l->state_deferred ? persist_state(l, err) : 0;

	if (r >= 0)
		r = cg_create_rest(l->cg, resources_of(l), err);
	if (r >= 0)
		r = cg_join_open_parts(l->cg, CG_JOIN_V1, late, err);
	if (r >= 0 && (r = rt_affinity_reset(l->pid)) < 0)
		rt_err_set(err, -r, "reset the container process's CPU affinity");
	if (r < 0)
		return r;
	if (l->st.network)
		return rt_sync_expect(sock, RT_SYNC_NS_READY, "setup", NULL, err);
	*go_sent = true;
	return send_go(sock, late, err);
}

static int spawn(struct launch *l, bool create_mode, const sigset_t *block, struct rt_err *err)
{
	const struct rt_create_opts *o = l->o;
	int sv[2], saved[2], fifo = -1, errfile = -1, r;
	unsigned long flags = clone_flags_of(l->spec);
	struct rt_child_ctx c = { 0 };
	struct cg_join join = { .clone_fd = -1 }, late = { .clone_fd = -1 };
	bool in_cgroup, go_sent = false;

	if (create_mode) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/exec.fifo", l->state_dir);
		if (mkfifo(path, 0600) < 0)
			return rt_err_set(err, errno, "mkfifo %s", path);
		fifo = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fifo < 0)
			return rt_err_set(err, errno, "open %s", path);
		snprintf(path, sizeof(path), "%s/init.err", l->state_dir);
		errfile = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (errfile < 0) {
			r = rt_err_set(err, errno, "open %s", path);
			goto out_fifo;
		}
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		r = rt_err_set(err, errno, "socketpair");
		goto out_fifo;
	}
	r = launch_state_json(l, RT_STATUS_CREATING, err);
	if (r < 0)
		goto out_sock;

	c.spec = l->spec;
	c.process = &l->spec->process;
	c.rootfs = (struct rt_rootfs_opts){
		.spec = l->spec,
		.rootfs = l->rootfs,
		.cg = l->cg,
		.new_cgroupns = l->spec->linux_.namespaces[RT_NS_CGROUP].present,
		.new_userns = l->spec->linux_.namespaces[RT_NS_USER].present,
		.new_netns = l->spec->linux_.namespaces[RT_NS_NET].present,
		.no_pivot = o->no_pivot,
		.terminal = l->spec->process.terminal,
		.idmap_fds = l->idmap_fds,
		.extra = l->extra_mounts,
		.n_extra = l->n_extra_mounts,
	};
	c.sync_fd = sv[1];
	c.lock_fd = l->lock_fd;
	c.fifo_fd = fifo;
	c.errfile_fd = errfile;
	c.exec_wait = !create_mode && !l->exec_at_ready;
	c.ns_ready = l->early && l->st.network;
	memcpy(c.ns_fds, l->ns_fds, sizeof(c.ns_fds));
	c.seccomp = l->sp;
	c.preserve_fds = o->preserve_fds;
	c.no_new_keyring = o->no_new_keyring;
	c.state_json = l->state_json;
	c.st = &l->st;

	/* clone3 puts the child into its v2 cgroup; it joins the v1 ones
	 * itself, first thing (after GO at an early start).  In all of them at
	 * birth (pure v2), it can get its cgroup namespace at birth too. */
	r = cg_join_open_parts(l->cg, l->early ? CG_JOIN_V2 : CG_JOIN_V2 | CG_JOIN_V1, &join, err);
	if (r < 0)
		goto out_sock;
	c.cg_join = &join;
	if (!l->early && join.n == 0 && l->spec->linux_.namespaces[RT_NS_CGROUP].present &&
	    !l->spec->linux_.namespaces[RT_NS_CGROUP].path)
		flags |= CLONE_NEWCGROUP;
	c.clone_flags = flags;
	if (l->early) {
		c.unshare_flags = flags & ~(unsigned long)CLONE_NEWPID;
		c.cg_late = l->cg;
		flags &= CLONE_NEWPID;
	}

	r = enter_for_children(l, saved, err);
	if (r < 0) {
		rt_leave_for_children(saved);
		goto out_sock;
	}
	/* a foreground run keeps its forwarded signals blocked from here on
	 * (signalfd picks them up); the child unblocks everything itself */
	if (block)
		sigprocmask(SIG_BLOCK, block, NULL);
	l->pid = rt_clone(flags, join.clone_fd, &l->pidfd, &in_cgroup);
	if (l->pid == 0) {
		close(sv[0]);
		if (!in_cgroup)
			c.clone_flags &= ~(unsigned long)CLONE_NEWCGROUP;
		rt_child_run(&c);
	}
	r = l->pid < 0 ? -errno : 0;
	/* every CPU its cpuset allows, not ours (affinity.h); at an early start
	 * first another CPU than ours while we work, until early_start_rest */
	if (r == 0 && l->early)
		rt_pin_elsewhere(l->pid);
	rt_leave_for_children(saved);
	if (r < 0) {
		l->pid = 0;
		rt_err_set(err, -r, "clone the container process");
		goto out_sock;
	}
	if (!l->early && (r = rt_affinity_reset(l->pid)) < 0) {
		rt_err_set(err, -r, "reset the container process's CPU affinity");
		goto out_sock;
	}
	if (!in_cgroup) {
		r = cg_join_v2_pid(&join, l->pid, err);
		if (r < 0)
			goto out_sock;
	}
	cg_join_close(&join);
	close(sv[1]);
	sv[1] = -1;
	if (l->early) {
		r = early_start_rest(l, sv[0], &late, &go_sent, err);
		if (r < 0)
			goto out_sock;
	}
	l->sock = sv[0];
	sv[0] = -1;

	if (l->spec->linux_.namespaces[RT_NS_USER].present && !l->spec->linux_.namespaces[RT_NS_USER].path) {
		r = rt_write_id_maps(l->pid, l->spec, err);
		if (r < 0)
			goto out_sock;
	}
	r = launch_attach_network(l, err);
	if (r < 0)
		goto out_sock;
	r = go_sent ? 0 : send_go(l->sock, &late, err);
	rt_protect_self_release(); /* while the child mounts */
	if (r < 0)
		goto out_sock;
	r = launch_dialogue(l, err);
out_sock:
	cg_join_close(&join);
	cg_join_close(&late);
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
out_fifo:
	if (fifo >= 0)
		close(fifo);
	if (errfile >= 0)
		close(errfile);
	return r;
}

/* SYNC 2..5 from the parent's side. */
int launch_dialogue(struct launch *l, struct rt_err *err)
{
	for (;;) {
		struct rt_sync_msg m;
		int fd = -1, r;

		r = rt_sync_recv(l->sock, &m, &fd);
		if (r < 0)
			return rt_err_msg(err, EPIPE, "the container process exited during setup");
		switch (m.type) {
		case RT_SYNC_HOOKS:
			r = launch_state_json(l, RT_STATUS_CREATING, err);
			if (r >= 0)
				r = rt_hooks_run(&l->spec->hooks, RT_HOOK_PRESTART, l->state_json, err);
			if (r >= 0)
				r = rt_hooks_run(&l->spec->hooks, RT_HOOK_CREATE_RUNTIME, l->state_json, err);
			if (r < 0)
				return r;
			r = rt_sync_send(l->sock, RT_SYNC_HOOKS_DONE, 0, -1, NULL);
			if (r < 0)
				return rt_err_set(err, -r, "sync with the container process");
			break;
		case RT_SYNC_PTY:
			if (fd < 0)
				return rt_err_msg(err, EPROTO, "the container process sent no pty");
			if (l->pty_master >= 0)
				close(l->pty_master);
			l->pty_master = fd;
			break;
		case RT_SYNC_READY:
			if (fd >= 0)
				close(fd);
			return 0;
		case RT_SYNC_ERROR:
			if (fd >= 0)
				close(fd);
			*err = m.err;
			l->child_exit = m.value;
			return rt_err_ret(err);
		default:
			if (fd >= 0)
				close(fd);
			return rt_err_msg(err, EPROTO, "unexpected message %u from the container process",
					  m.type);
		}
	}
}

static int write_pid_file(const char *path, pid_t pid, struct rt_err *err)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
	int r = rt_write_file_atomic(path, buf, (size_t)n, 0644);

	if (r < 0)
		return rt_err_set(err, -r, "--pid-file %s", path);
	return 0;
}

/* After READY: the state on disk, the pid file, the console. */
static int finish_create(struct launch *l, struct rt_err *err)
{
	int r;

	l->st.pid = l->pid;
	l->st.pid_start_time = rt_pid_start_time(l->pid);
	r = rt_state_save(l->o->root, &l->st, err);
	if (r < 0)
		return r;
	if (l->o->pid_file) {
		r = write_pid_file(l->o->pid_file, l->pid, err);
		if (r < 0)
			return r;
	}
	if (l->pty_master >= 0 && l->o->console_socket) {
		r = rt_console_socket_send(l->o->console_socket, l->pty_master, err);
		if (r < 0)
			return r;
		close(l->pty_master);
		l->pty_master = -1;
	}
	return 0;
}

static void launch_init(struct launch *l, const struct rt_create_opts *o)
{
	memset(l, 0, sizeof(*l));
	l->o = o;
	l->pidfd = -1;
	l->sock = -1;
	l->pty_master = -1;
	l->lock_fd = -1;
	for (int i = 0; i < RT_NS_MAX; i++)
		l->ns_fds[i] = -1;
}

int rt_container_create(const struct rt_create_opts *o, pid_t *ret_pid, struct rt_err *err)
{
	struct launch l;
	int r;

	launch_init(&l, o);
	if (chdir(o->bundle) < 0) {
		r = rt_err_set(err, errno, "bundle %s", o->bundle);
		goto out;
	}
	r = prepare(&l, err);
	if (r >= 0)
		r = spawn(&l, true, NULL, err);
	if (r >= 0 && l.spec->process.terminal && !o->console_socket)
		r = rt_err_msg(err, EINVAL, "process.terminal is true: create needs --console-socket");
	if (r >= 0)
		r = finish_create(&l, err);
	if (r < 0) {
		launch_abort(&l);
		goto out;
	}
	*ret_pid = l.pid;
	if (l.pidfd >= 0)
		close(l.pidfd);
	if (l.sock >= 0)
		close(l.sock);
	if (l.lock_fd >= 0)
		close(l.lock_fd);
out:
	launch_free(&l);
	return r;
}

int rt_container_run(const struct rt_create_opts *o, bool detach, int *ret_exit, char **ret_stats,
		     struct rt_err *err)
{
	struct launch l;
	sigset_t fwd;
	int r;

	launch_init(&l, o);
	*ret_exit = 0;
	if (detach) {
		pid_t pid;

		r = rt_container_create(o, &pid, err);
		if (r < 0)
			return r;
		r = rt_container_start(o->root, o->id, err);
		if (r < 0) {
			struct rt_err ignored;

			rt_container_delete(o->root, o->id, true, &ignored);
		}
		return r;
	}
	rt_supervise_sigset(&fwd);
	if (chdir(o->bundle) < 0) {
		r = rt_err_set(err, errno, "bundle %s", o->bundle);
		goto out;
	}
	r = prepare(&l, err);
	/* Nobody waits on the state's pid (no pid file, console socket or
	 * startContainer hook): the process goes on to its execve as soon as
	 * it is ready, without waiting for our EXEC_NOW, while we save the
	 * state.  `state` reads "creating" until then, as during the setup; a
	 * failed save still kills and removes everything. */
	if (r >= 0) {
		l.exec_at_ready =
		    !o->pid_file && !o->console_socket && !l.spec->hooks.n_hooks[RT_HOOK_START_CONTAINER];
		r = spawn(&l, false, &fwd, err);
	}
	if (r >= 0)
		r = finish_create(&l, err);
	if (r >= 0) {
		/* state, kill, exec... must work while we supervise: let go of
		 * the lock, and take it again for the teardown */
		close(l.lock_fd);
		l.lock_fd = -1;
		r = launch_start_foreground(&l, &fwd, ret_exit, ret_stats, err);
		l.lock_fd = rt_state_lock(o->root, o->id, &(struct rt_err){ 0 });
	}
	if (r < 0 && l.child_exit) {
		/* the process could not be executed (127/126): the error is
		 * reported, and the exit status says which */
		*ret_exit = l.child_exit;
	}
	/* foreground: nothing remains, success or failure */
	launch_abort(&l);
	launch_teardown(&l);
	sigprocmask(SIG_UNBLOCK, &fwd, NULL);
out:
	launch_free(&l);
	return r;
}
