/* capsa run in the foreground: start the waiting init, then stay as its
 * parent, forward signals, proxy the terminal, and return its exit status. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "container-internal.h"
#include "hooks.h"
#include "sync.h"
#include "terminal.h"
#include "util.h"

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCHLD };

void rt_supervise_sigset(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
		sigaddset(set, forwarded[i]);
}

static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

/* Copy what is readable from in to out; false on EOF/error of in. */
static bool pump(int in, int out)
{
	char buf[8192];
	ssize_t n = read(in, buf, sizeof(buf));

	if (n <= 0)
		return n < 0 && (errno == EAGAIN || errno == EINTR);
	rt_write_all(out, buf, (size_t)n);
	return true;
}

int rt_supervise(pid_t pid, int pty_master, const sigset_t *fwd, int *ret_exit, struct rt_err *err)
{
	_cleanup_close_ int sfd = signalfd(-1, fwd, SFD_CLOEXEC | SFD_NONBLOCK);
	struct rt_tty_saved saved = { 0 };
	bool stdin_open = pty_master >= 0;
	int status;

	if (sfd < 0)
		return rt_err_set(err, errno, "signalfd");
	if (pty_master >= 0) {
		rt_tty_raw(0, &saved);
		rt_pty_copy_winsize(0, pty_master);
		fcntl(pty_master, F_SETFL, fcntl(pty_master, F_GETFL) | O_NONBLOCK);
	}
	for (;;) {
		struct pollfd p[3] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = pty_master, .events = POLLIN },
			{ .fd = stdin_open ? 0 : -1, .events = POLLIN },
		};
		struct signalfd_siginfo si;
		pid_t w;

		if (poll(p, 3, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
			pump(pty_master, 1);
		if (p[2].revents & (POLLIN | POLLHUP)) {
			if (!pump(0, pty_master))
				stdin_open = false;
		}
		while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo == SIGWINCH) {
				if (pty_master >= 0)
					rt_pty_copy_winsize(0, pty_master);
			} else if (si.ssi_signo != SIGCHLD) {
				kill(pid, (int)si.ssi_signo);
			}
		}
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno == ECHILD) {
			status = 255 << 8;
			break;
		}
	}
	if (pty_master >= 0) {
		while (pump(pty_master, 1)) {
			struct pollfd p = { .fd = pty_master, .events = POLLIN };

			if (poll(&p, 1, 50) <= 0)
				break;
		}
		rt_tty_restore(&saved);
	}
	/* reap whatever else was ours (hooks are waited for where they run) */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	*ret_exit = exit_code(status);
	return 0;
}

int launch_start_foreground(struct launch *l, const sigset_t *fwd, int *ret_exit, char **ret_stats,
			    struct rt_err *err)
{
	struct rt_sync_msg m;
	int r;

	/* SYNC 6: exec now (unless the child went on at READY, exec_at_ready);
	 * EOF means execve happened (the socket is CLOEXEC) */
	if (!l->exec_at_ready && (r = rt_sync_send(l->sock, RT_SYNC_EXEC_NOW, 0, -1, NULL)) < 0)
		return rt_err_set(err, -r, "start the container process");
	r = rt_sync_recv(l->sock, &m, NULL);
	if (r == 0 && m.type == RT_SYNC_ERROR) {
		*err = m.err;
		l->child_exit = m.value;
		waitpid(l->pid, NULL, 0);
		l->pid = 0;
		return rt_err_ret(err);
	}
	close(l->sock);
	l->sock = -1;
	l->started = true;
	r = launch_state_json(l, RT_STATUS_RUNNING, err);
	if (r >= 0)
		r = rt_hooks_run(&l->spec->hooks, RT_HOOK_POSTSTART, l->state_json, err);
	if (r < 0) {
		/* runtime.md: a failing poststart hook is an error and stops the
		 * container (the caller tears it down) */
		kill(l->pid, SIGKILL);
		waitpid(l->pid, NULL, 0);
		l->pid = 0;
		return r;
	}
	r = rt_supervise(l->pid, l->pty_master, fwd, ret_exit, err);
	l->pid = 0; /* reaped */
	if (r < 0)
		return r;
	if (ret_stats && l->o->stats) {
		struct rt_err ignored;

		*ret_stats = NULL;
		cg_summary_json(l->cg, ret_stats, &ignored);
	}
	return 0;
}

void launch_teardown(struct launch *l)
{
	struct rt_err err = { 0 };

	if (!l->started || !l->spec)
		return;
	if (launch_state_json(l, RT_STATUS_STOPPED, &err) < 0)
		return;
	rt_hooks_run_all(&l->spec->hooks, RT_HOOK_POSTSTOP, l->state_json);
}
