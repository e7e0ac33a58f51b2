/* capsa exec: run a process inside a running container (runc's flags). */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <unistd.h>

#include "cmd.h"
#include "opts.h"
#include "runtime/seccomp.h"
#include "runtime/util.h"

enum {
	O_PROCESS = 256,
	O_CONSOLE,
	O_PIDFILE,
	O_CWD,
	O_ADDGIDS,
	O_CAP,
	O_NNP,
	O_LABEL,
	O_APPARMOR,
	O_PRESERVE,
	O_IGNORE_PAUSED,
};

struct exec_args {
	struct rt_exec_req req;
	const char *process_file;
	bool tty;
	const char *cwd;
	const char *user;
	const char *env[128];
	size_t n_env;
	uint32_t gids[64];
	size_t n_gids;
	uint64_t add_caps;
	bool nnp;
};

static const char *const exec_help[] = {
	"Runs a process in a running container; exits with its status (255: runtime error).",
	"  -p, --process FILE       the process as runtime-spec process JSON",
	"  -t, --tty                allocate a pty",
	"      --console-socket S   send the pty master to the unix socket S",
	"  -d, --detach             do not wait for the process",
	"      --pid-file FILE      write the process's pid to FILE",
	"      --cwd DIR            working directory",
	"  -e, --env K=V            add or replace an environment variable",
	"  -u, --user UID[:GID]     user and group",
	"  -g, --additional-gids G  supplementary group (repeatable)",
	"  -c, --cap CAP            add a capability (repeatable)",
	"      --no-new-privs       set no_new_privs",
	"      --preserve-fds N     pass N extra fds",
	NULL,
};

static int parse(int argc, char **argv, struct cmd_globals *g, struct exec_args *a)
{
	static const struct option opts[] = {
		{ "process", required_argument, NULL, O_PROCESS },
		{ "tty", no_argument, NULL, 't' },
		{ "console-socket", required_argument, NULL, O_CONSOLE },
		{ "detach", no_argument, NULL, 'd' },
		{ "pid-file", required_argument, NULL, O_PIDFILE },
		{ "cwd", required_argument, NULL, O_CWD },
		{ "env", required_argument, NULL, 'e' },
		{ "user", required_argument, NULL, 'u' },
		{ "additional-gids", required_argument, NULL, 'g' },
		{ "cap", required_argument, NULL, 'c' },
		{ "no-new-privs", no_argument, NULL, O_NNP },
		{ "process-label", required_argument, NULL, O_LABEL },
		{ "apparmor", required_argument, NULL, O_APPARMOR },
		{ "preserve-fds", required_argument, NULL, O_PRESERVE },
		{ "ignore-paused", no_argument, NULL, O_IGNORE_PAUSED },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+tde:u:g:c:p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
		case O_PROCESS:
			a->process_file = optarg;
			break;
		case 't':
			a->tty = true;
			break;
		case O_CONSOLE:
			a->req.console_socket = optarg;
			break;
		case 'd':
			a->req.detach = true;
			break;
		case O_PIDFILE:
			a->req.pid_file = optarg;
			break;
		case O_CWD:
			a->cwd = optarg;
			break;
		case 'e':
			if (a->n_env >= ARRAY_SIZE(a->env))
				return cmd_failf(g, "--env: too many");
			if (!strchr(optarg, '='))
				return cmd_failf(g, "--env %s: expected KEY=VALUE", optarg);
			a->env[a->n_env++] = optarg;
			break;
		case 'u':
			a->user = optarg;
			break;
		case 'g': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			if (*end || !*optarg || v > UINT32_MAX || a->n_gids >= ARRAY_SIZE(a->gids))
				return cmd_failf(g, "--additional-gids %s: expected a group id", optarg);
			a->gids[a->n_gids++] = (uint32_t)v;
			break;
		}
		case 'c': {
			cap_value_t v;

			if (cap_from_name(optarg, &v) < 0 || v < 0 || v > 63)
				return cmd_failf(g, "--cap %s: unknown capability", optarg);
			a->add_caps |= 1ULL << v;
			break;
		}
		case O_NNP:
			a->nnp = true;
			break;
		case O_LABEL:
			return cmd_failf(g, "--process-label: SELinux is not supported on this host");
		case O_APPARMOR:
			return cmd_failf(g, "--apparmor: AppArmor profiles are not supported on this host");
		case O_PRESERVE:
			if (parse_preserve_fds(g, optarg, &a->req.preserve_fds))
				return 1;
			break;
		case O_IGNORE_PAUSED:
			break;
		case 'h':
			print_help("exec [options] ID [COMMAND [ARG...]]", exec_help);
			return -1;
		default:
			return 2;
		}
	}
	if (argc - optind < 1)
		return cmd_failf(g, "usage: capsa exec [options] ID [COMMAND [ARG...]]");
	a->req.id = argv[optind];
	if (!a->process_file && argc - optind < 2)
		return cmd_failf(g, "exec: give a command, or --process FILE");
	return 0;
}

static int parse_user(const char *s, struct rt_user *u)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (end == s || v > UINT32_MAX)
		return -EINVAL;
	u->uid = (uint32_t)v;
	if (*end == ':') {
		const char *gs = end + 1;

		v = strtoul(gs, &end, 10);
		if (end == gs || *end || v > UINT32_MAX)
			return -EINVAL;
		u->gid = (uint32_t)v;
	} else if (*end) {
		return -EINVAL;
	}
	return 0;
}

/* Replace or append KEY=VALUE in env (pointers only, owned elsewhere). */
static int env_set(char ***env, size_t *n, const char *kv)
{
	size_t klen = (size_t)(strchr(kv, '=') - kv);
	char **e;

	for (size_t i = 0; i < *n; i++)
		if (strncmp((*env)[i], kv, klen + 1) == 0) {
			(*env)[i] = (char *)kv;
			return 0;
		}
	e = realloc(*env, (*n + 2) * sizeof(*e));
	if (!e)
		return -ENOMEM;
	e[(*n)++] = (char *)kv;
	e[*n] = NULL;
	*env = e;
	return 0;
}

static int cmd_exec(int argc, char **argv, struct cmd_globals *g)
{
	struct exec_args a = { .req = { .root = g->root, .inherit_seccomp = true } };
	struct rt_err err = { 0 };
	struct rt_spec *spec = NULL;
	struct rt_seccomp_prog *seccomp = NULL;
	struct rt_process proc = { 0 }, *p;
	_cleanup_free_ char **env = NULL;
	_cleanup_free_ char *file = NULL;
	size_t n_env = 0;
	bool parsed = false;
	int code = 255, r;

	r = parse(argc, argv, g, &a);
	if (r != 0)
		return r < 0 ? 0 : 255;
	/* we are about to enter a container whose processes can see us */
	if (cmd_protect_self(g, &err) < 0) {
		cmd_fail(g, &err);
		return 255;
	}
	if (a.process_file) {
		size_t len;

		r = rt_read_file_at(AT_FDCWD, a.process_file, RT_SPEC_MAX_SIZE, &file, &len);
		if (r < 0) {
			cmd_failf(g, "--process %s: %s", a.process_file, strerror(-r));
			return 255;
		}
		if (rt_process_parse(file, len, a.process_file, &proc, &err) < 0) {
			cmd_fail(g, &err);
			return 255;
		}
		parsed = true;
		p = &proc;
	} else {
		/* runc: the container's process, with these args and overrides */
		if (rt_container_spec_seccomp(g->root, a.req.id, &spec, &seccomp, &err) < 0) {
			cmd_fail(g, &err);
			return 255;
		}
		proc = spec->process;
		proc.args = argv + optind + 1;
		proc.n_args = (size_t)(argc - optind - 1);
		proc.terminal = a.tty;
		proc.has_console_size = false;
		if (a.cwd)
			proc.cwd = (char *)a.cwd;
		env = malloc((proc.n_env + 1) * sizeof(*env));
		if (!env)
			goto oom;
		for (size_t i = 0; i < proc.n_env; i++)
			env[i] = proc.env[i];
		n_env = proc.n_env;
		env[n_env] = NULL;
		for (size_t i = 0; i < a.n_env; i++)
			if (env_set(&env, &n_env, a.env[i]) < 0)
				goto oom;
		proc.env = env;
		proc.n_env = n_env;
		if (a.user && parse_user(a.user, &proc.user) < 0) {
			cmd_failf(g, "--user %s: expected UID[:GID]", a.user);
			r = 255;
			goto out;
		}
		if (a.n_gids) {
			proc.user.additional_gids = a.gids;
			proc.user.n_additional_gids = a.n_gids;
		}
		if (a.add_caps && proc.caps.present) {
			proc.caps.bounding |= a.add_caps;
			proc.caps.effective |= a.add_caps;
			proc.caps.permitted |= a.add_caps;
		}
		if (a.nnp)
			proc.no_new_privileges = true;
		p = &proc;
	}
	if (a.req.console_socket && !p->terminal) {
		cmd_failf(g, "--console-socket needs a terminal (-t or process.terminal)");
		r = 255;
		goto out;
	}
	a.req.process = p;
	a.req.spec = spec;
	a.req.seccomp = seccomp;
	r = rt_container_exec(&a.req, &code, &err);
	if (r < 0)
		cmd_fail(g, &err);
	r = code;
out:
	if (parsed)
		rt_process_clear(&proc);
	if (spec)
		rt_spec_free(spec);
	rt_seccomp_prog_free(seccomp);
	return r;
oom:
	cmd_failf(g, "out of memory");
	r = 255;
	goto out;
}

CMD_REGISTER("exec", cmd_exec, "run a process in a running container")
