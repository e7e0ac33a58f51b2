/* exec: a new process inside a running container.  It joins every namespace
 * of the init (pid and time for its children through us, the rest in the
 * child), the init's cgroup, and gets the container's seccomp profile; the
 * rest of the setup is the init's own step list (child.c, is_exec). */
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "affinity.h"
#include "cgroups/cgroup.h"
#include "container-internal.h"
#include "seccomp.h"
#include "selfprotect.h"
#include "spawn.h"
#include "sync.h"
#include "terminal.h"
#include "util.h"

static const char *const ns_file[RT_NS_MAX] = {
	[RT_NS_USER] = "user", [RT_NS_PID] = "pid", [RT_NS_NET] = "net",       [RT_NS_MOUNT] = "mnt",
	[RT_NS_IPC] = "ipc",   [RT_NS_UTS] = "uts", [RT_NS_CGROUP] = "cgroup", [RT_NS_TIME] = "time",
};

/* Open the init's namespaces that differ from ours. */
static int open_init_ns(pid_t pid, int fds[RT_NS_MAX], struct rt_err *err)
{
	for (int t = 0; t < RT_NS_MAX; t++) {
		char path[64];
		struct stat a, b;

		fds[t] = -1;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns_file[t]);
		fds[t] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[t] < 0) {
			if (errno == ENOENT && t == RT_NS_TIME)
				continue;
			return rt_err_set(err, errno, "open %s", path);
		}
		snprintf(path, sizeof(path), "/proc/self/ns/%s", ns_file[t]);
		if (fstat(fds[t], &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev) {
			close(fds[t]);
			fds[t] = -1;
		}
	}
	return 0;
}

static void close_fds(int fds[RT_NS_MAX])
{
	for (int t = 0; t < RT_NS_MAX; t++)
		if (fds[t] >= 0)
			close(fds[t]);
}

struct exec_ctx {
	const struct rt_exec_req *req;
	struct rt_state st;
	const struct rt_spec *spec;
	struct rt_spec *own_spec;	  /* loaded here when the request had none */
	const struct rt_seccomp_prog *sp; /* what the child installs, if any */
	struct rt_seccomp_prog *own_sp;	  /* loaded here with own_spec */
	struct cg_manager *cg;
	int ns[RT_NS_MAX];
	pid_t pid;
	int sock;
	int pty;
	int child_exit;
};

static void exec_ctx_free(struct exec_ctx *x)
{
	close_fds(x->ns);
	if (x->own_sp)
		rt_seccomp_prog_free(x->own_sp);
	if (x->own_spec)
		rt_spec_free(x->own_spec);
	if (x->cg)
		cg_free(x->cg);
	if (x->sock >= 0)
		close(x->sock);
	if (x->pty >= 0)
		close(x->pty);
	rt_state_clear(&x->st);
}

/* Load and check the container, open what the child will join. */
static int exec_prepare(struct exec_ctx *x, struct rt_err *err)
{
	const struct rt_exec_req *req = x->req;
	_cleanup_close_ int lock = -EBADF;
	enum rt_status s;
	int r;

	lock = rt_state_lock(req->root, req->id, err);
	if (lock < 0)
		return lock;
	r = rt_state_load(req->root, req->id, &x->st, err);
	if (r < 0)
		return r;
	s = rt_state_status(req->root, &x->st, NULL);
	if (s == RT_STATUS_STOPPED)
		return rt_err_msg(err, EINVAL, "cannot exec in a stopped container");
	if (s == RT_STATUS_CREATING)
		return rt_err_msg(err, EINVAL, "cannot exec in a container that is being created");
	r = open_init_ns(x->st.pid, x->ns, err);
	if (r < 0)
		return r;
	/* the namespaces we opened are the init's, not a recycled pid's */
	if (!rt_pid_is(x->st.pid, x->st.pid_start_time))
		return rt_err_msg(err, ESRCH, "container not running");
	if (!req->spec) {
		r = rt_container_spec_seccomp(req->root, req->id, &x->own_spec, &x->own_sp, err);
		if (r < 0)
			return r;
		x->spec = x->own_spec;
		x->sp = x->own_sp;
	} else {
		x->spec = req->spec;
		x->sp = req->seccomp;
	}
	if (!req->inherit_seccomp)
		x->sp = NULL;
	return cg_open(x->st.cgroup_path, x->st.id, &x->cg, err);
}

/* The exec'd process is held at READY only for what must be done before
 * its execve: the pid file, the pty sent to the console socket.  Else it
 * goes on at once (an error after READY still comes back over the socket),
 * and no EXEC_NOW is sent. */
static bool held_at_ready(const struct rt_exec_req *req)
{
	return req->pid_file || req->console_socket;
}

static int exec_spawn(struct exec_ctx *x, struct rt_err *err)
{
	struct rt_child_ctx c = { 0 };
	int sv[2], saved[2] = { -1, -1 }, r;
	struct cg_join join = { .clone_fd = -1 };
	bool in_cgroup;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return rt_err_set(err, errno, "socketpair");
	c.spec = x->spec;
	c.process = x->req->process;
	c.sync_fd = sv[1];
	c.lock_fd = -1;
	c.fifo_fd = -1;
	c.errfile_fd = -1;
	c.is_exec = true;
	c.exec_wait = held_at_ready(x->req);
	c.detached = x->req->detach;
	c.seccomp = x->sp;
	c.preserve_fds = x->req->preserve_fds;
	memcpy(c.ns_fds, x->ns, sizeof(c.ns_fds));
	c.ns_fds[RT_NS_PID] = c.ns_fds[RT_NS_TIME] = -1;
	if (x->spec->linux_.namespaces[RT_NS_USER].present)
		c.clone_flags = 0; /* become_root_in_userns is driven by the spec */

	/* execCPUAffinity.initial: ours, and the child's until it is in the
	 * container's cgroup (affinity.h) */
	if (c.process->exec_cpu_affinity_initial && *c.process->exec_cpu_affinity_initial) {
		r = rt_affinity_set_list(0, c.process->exec_cpu_affinity_initial);
		if (r < 0) {
			rt_err_set(err, -r, "process.execCPUAffinity.initial: %s",
				   c.process->exec_cpu_affinity_initial);
			goto out;
		}
	}
	r = rt_enter_for_children(x->ns[RT_NS_PID], x->ns[RT_NS_TIME], saved, err);
	if (r < 0)
		goto out;
	r = cg_join_open(x->cg, &join, err);
	if (r < 0)
		goto out;
	c.cg_join = &join;
	x->pid = rt_clone(0, join.clone_fd, NULL, &in_cgroup);
	if (x->pid == 0) {
		close(sv[0]);
		rt_child_run(&c);
	}
	r = x->pid < 0 ? rt_err_set(err, errno, "clone") : 0;
	if (r >= 0 && !in_cgroup)
		r = cg_join_v2_pid(&join, x->pid, err);
out:
	cg_join_close(&join);
	rt_leave_for_children(saved);
	close(sv[1]);
	x->sock = sv[0];
	return r;
}

/* SYNC 1 .. exec, from the parent's side. */
static int exec_dialogue(struct exec_ctx *x, struct rt_err *err)
{
	struct rt_sync_msg m;
	int fd, r;

	r = rt_sync_send(x->sock, RT_SYNC_GO, 0, -1, NULL);
	/* a child gone already said why: read below */
	if (r < 0 && !rt_sync_peer_gone(r))
		return rt_err_set(err, -r, "sync with the exec process");
	rt_protect_self_release(); /* while the child sets up */
	for (;;) {
		r = rt_sync_recv(x->sock, &m, &fd);
		if (r < 0)
			return rt_err_msg(err, EPIPE, "the exec process exited during setup");
		if (m.type == RT_SYNC_PTY && fd >= 0) {
			x->pty = fd;
			continue;
		}
		if (fd >= 0)
			close(fd);
		if (m.type == RT_SYNC_READY)
			break;
		if (m.type == RT_SYNC_ERROR) {
			*err = m.err;
			x->child_exit = m.value;
			return rt_err_ret(err);
		}
		return rt_err_msg(err, EPROTO, "unexpected message %u from the exec process", m.type);
	}
	if (x->pty >= 0 && x->req->console_socket) {
		r = rt_console_socket_send(x->req->console_socket, x->pty, err);
		if (r < 0)
			return r;
		close(x->pty);
		x->pty = -1;
	}
	if (x->req->pid_file) {
		char buf[32];
		int n = snprintf(buf, sizeof(buf), "%d", (int)x->pid);

		r = rt_write_file_atomic(x->req->pid_file, buf, (size_t)n, 0644);
		if (r < 0)
			return rt_err_set(err, -r, "--pid-file %s", x->req->pid_file);
	}
	if (held_at_ready(x->req)) {
		r = rt_sync_send(x->sock, RT_SYNC_EXEC_NOW, 0, -1, NULL);
		if (r < 0 && !rt_sync_peer_gone(r))
			return rt_err_set(err, -r, "start the exec process");
	}
	/* EOF: execve happened */
	r = rt_sync_recv(x->sock, &m, NULL);
	if (r == 0 && m.type == RT_SYNC_ERROR) {
		*err = m.err;
		x->child_exit = m.value;
		return rt_err_ret(err);
	}
	return 0;
}

int rt_container_exec(const struct rt_exec_req *req, int *ret_exit, struct rt_err *err)
{
	struct exec_ctx x = { .req = req, .sock = -1, .pty = -1 };
	sigset_t fwd;
	int r;

	for (int t = 0; t < RT_NS_MAX; t++)
		x.ns[t] = -1;
	*ret_exit = 255;
	rt_supervise_sigset(&fwd);
	if (!req->detach)
		sigprocmask(SIG_BLOCK, &fwd, NULL);
	r = exec_prepare(&x, err);
	if (r >= 0)
		r = exec_spawn(&x, err);
	if (r >= 0)
		r = exec_dialogue(&x, err);
	if (r < 0) {
		if (x.pid > 0) {
			kill(x.pid, SIGKILL);
			waitpid(x.pid, NULL, 0);
		}
		if (x.child_exit)
			*ret_exit = x.child_exit;
	} else if (req->detach) {
		*ret_exit = 0;
	} else {
		r = rt_supervise(x.pid, x.pty, &fwd, ret_exit, err);
	}
	if (!req->detach)
		sigprocmask(SIG_UNBLOCK, &fwd, NULL);
	exec_ctx_free(&x);
	return r;
}
