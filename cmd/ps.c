/* capsa ps [--format table|json] ID [ps options]: the container's processes.
 * json is a bare array of host pids (containerd's shim parses exactly that);
 * table runs ps(1) (default `ps -ef`) and keeps the rows whose PID column
 * names a process of the container, as runc does. */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "opts.h"

#define PS_MAX_OUTPUT (64u << 20)

/* Run ps with args; its stdout in *ret (malloc'd, NUL-terminated). */
static int run_ps(const struct cmd_globals *g, char **args, size_t n_args, char **ret)
{
	char **argv = calloc(n_args + 2, sizeof(*argv));
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int fds[2], status;
	pid_t pid;

	if (!argv)
		return cmd_failf(g, "ps: out of memory");
	argv[0] = (char *)"ps";
	for (size_t i = 0; i < n_args; i++)
		argv[i + 1] = args[i];
	if (pipe2(fds, O_CLOEXEC) < 0) {
		free(argv);
		return cmd_failf(g, "ps: pipe: %m");
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		free(argv);
		return cmd_failf(g, "ps: fork: %m");
	}
	if (pid == 0) {
		if (dup2(fds[1], STDOUT_FILENO) < 0)
			_exit(127);
		execvp("ps", argv);
		fprintf(stderr, "capsa: exec ps: %m\n");
		_exit(127);
	}
	close(fds[1]);
	free(argv);
	for (;;) {
		ssize_t k;

		if (cap - len < 4096) {
			char *nb = cap >= PS_MAX_OUTPUT ? NULL : realloc(buf, cap ? cap * 2 : 16384);

			if (!nb)
				break;
			buf = nb;
			cap = cap ? cap * 2 : 16384;
		}
		k = read(fds[0], buf + len, cap - len - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		len += (size_t)k;
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		free(buf);
		return cmd_failf(g, "ps failed (%s %d)", WIFEXITED(status) ? "exit status" : "signal",
				 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	}
	if (!buf)
		return cmd_failf(g, "ps: no output");
	buf[len] = '\0';
	*ret = buf;
	return 0;
}

/* Index of the "PID" field in ps's header line, -1 if absent. */
static int pid_column(const char *header)
{
	char *copy = strdup(header), *save = NULL;
	int i = 0, found = -1;

	if (!copy)
		return -1;
	for (char *f = strtok_r(copy, " \t", &save); f; f = strtok_r(NULL, " \t", &save), i++)
		if (strcmp(f, "PID") == 0) {
			found = i;
			break;
		}
	free(copy);
	return found;
}

static bool line_pid_in(const char *line, int col, const pid_t *pids, size_t n)
{
	char *copy = strdup(line), *save = NULL, *f, *end;
	long v = -1;
	int i = 0;

	if (!copy)
		return false;
	for (f = strtok_r(copy, " \t", &save); f && i < col; f = strtok_r(NULL, " \t", &save))
		i++;
	if (f) {
		v = strtol(f, &end, 10);
		if (*end != '\0')
			v = -1;
	}
	free(copy);
	for (size_t k = 0; v > 0 && k < n; k++)
		if (pids[k] == (pid_t)v)
			return true;
	return false;
}

static int print_table(const struct cmd_globals *g, char **args, size_t n_args, const pid_t *pids, size_t n)
{
	static char *def[] = { (char *)"-ef" };
	char *out = NULL, *save = NULL, *line;
	int col, rc = 0;

	rc = run_ps(g, n_args ? args : def, n_args ? n_args : 1, &out);
	if (rc)
		return rc;
	line = strtok_r(out, "\n", &save);
	col = line ? pid_column(line) : -1;
	if (col < 0) {
		free(out);
		return cmd_failf(g, "couldn't find PID field in ps output");
	}
	printf("%s\n", line);
	while ((line = strtok_r(NULL, "\n", &save)))
		if (line_pid_in(line, col, pids, n))
			printf("%s\n", line);
	free(out);
	return 0;
}

static int cmd_ps(int argc, char **argv, struct cmd_globals *g)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct rt_err err = { 0 };
	const char *format = "table";
	pid_t *pids = NULL;
	size_t n = 0;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "+f:h", opts, NULL)) != -1) {
		if (c == 'f') {
			format = optarg;
		} else if (c == 'h') {
			print_help(
			    "ps [--format table|json] ID [ps options]",
			    (const char *const[]){
				"Lists the processes of a container.",
				"  -f, --format table|json  table: the rows of `ps [ps options]` (default "
				"-ef)",
				"                           of the container's processes; json: [pid,...]",
				NULL });
			return 0;
		} else {
			return 2;
		}
	}
	if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
		return cmd_failf(g, "invalid format option \"%s\" (table or json)", format);
	if (optind >= argc)
		return cmd_failf(g, "usage: capsa ps [--format table|json] ID [ps options]");
	if (rt_container_pids(g->root, argv[optind], &pids, &n, &err) < 0)
		return cmd_fail(g, &err);
	if (strcmp(format, "json") == 0) {
		printf("[");
		for (size_t i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", (int)pids[i]);
		printf("]\n");
	} else {
		rc = print_table(g, argv + optind + 1, (size_t)(argc - optind - 1), pids, n);
	}
	free(pids);
	return rc;
}

CMD_REGISTER("ps", cmd_ps, "list the processes of a container")
