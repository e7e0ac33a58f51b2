#include "hooks.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

const char *rt_hook_kind_name(enum rt_hook_kind kind)
{
	static const char *const names[RT_HOOK_MAX] = {
		[RT_HOOK_PRESTART] = "prestart",
		[RT_HOOK_CREATE_RUNTIME] = "createRuntime",
		[RT_HOOK_CREATE_CONTAINER] = "createContainer",
		[RT_HOOK_START_CONTAINER] = "startContainer",
		[RT_HOOK_POSTSTART] = "poststart",
		[RT_HOOK_POSTSTOP] = "poststop",
	};
	return names[kind];
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int run_hook(const struct rt_hook *h, const char *state_json, struct rt_err *err)
{
	int in[2], status = 0, pidfd;
	pid_t pid;
	long deadline = h->has_timeout ? now_ms() + h->timeout * 1000L : -1;

	if (pipe2(in, O_CLOEXEC) < 0)
		return rt_err_set(err, errno, "pipe");
	pid = fork();
	if (pid < 0) {
		close(in[0]);
		close(in[1]);
		return rt_err_set(err, errno, "fork");
	}
	if (pid == 0) {
		char *argv_default[] = { h->path, NULL };
		sigset_t none;

		/* the runtime may block signals it forwards: hooks start clean */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		dup2(in[0], 0);
		execve(h->path, h->args ? h->args : argv_default, h->env ? h->env : (char *[]){ NULL });
		dprintf(2, "capsa: exec hook %s: %s\n", h->path, strerror(errno));
		_exit(127);
	}
	close(in[0]);
	/* a hook that does not read its stdin must not fail us */
	signal(SIGPIPE, SIG_IGN);
	rt_write_all(in[1], state_json, strlen(state_json));
	close(in[1]);

	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	for (;;) {
		struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
		long left = deadline < 0 ? -1 : deadline - now_ms();

		if (pidfd >= 0 && (deadline < 0 || left > 0)) {
			int n = poll(&pfd, 1, deadline < 0 ? -1 : (int)left);

			if (n < 0 && errno == EINTR)
				continue;
			if (n == 0)
				left = 0;
		}
		if (deadline >= 0 && left <= 0 && waitpid(pid, &status, WNOHANG) == 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			if (pidfd >= 0)
				close(pidfd);
			return rt_err_msg(err, ETIMEDOUT, "hook %s: timed out after %d s", h->path,
					  h->timeout);
		}
		if (waitpid(pid, &status, pidfd >= 0 ? WNOHANG : 0) == pid)
			break;
	}
	if (pidfd >= 0)
		close(pidfd);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status))
		return rt_err_msg(err, EIO, "hook %s: killed by signal %d", h->path, WTERMSIG(status));
	return rt_err_msg(err, EIO, "hook %s: exit status %d", h->path, WEXITSTATUS(status));
}

int rt_hooks_run(const struct rt_hooks *hooks, enum rt_hook_kind kind, const char *state_json,
		 struct rt_err *err)
{
	for (size_t i = 0; i < hooks->n_hooks[kind]; i++) {
		int r = run_hook(&hooks->hooks[kind][i], state_json, err);

		if (r < 0)
			return rt_err_prefix(err, "%s hook #%zu", rt_hook_kind_name(kind), i);
	}
	return 0;
}

int rt_hooks_run_all(const struct rt_hooks *hooks, enum rt_hook_kind kind, const char *state_json)
{
	int failed = 0;

	for (size_t i = 0; i < hooks->n_hooks[kind]; i++) {
		struct rt_err err = { 0 };

		if (run_hook(&hooks->hooks[kind][i], state_json, &err) < 0) {
			rt_warn("%s hook #%zu: %s", rt_hook_kind_name(kind), i, err.msg);
			failed++;
		}
	}
	return failed;
}
