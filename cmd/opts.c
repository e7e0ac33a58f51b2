#include "opts.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

void print_help(const char *usage, const char *const *lines)
{
	printf("usage: capsa %s\n", usage);
	for (size_t i = 0; lines && lines[i]; i++)
		printf("%s\n", lines[i]);
}

int need_args(const struct cmd_globals *g, int argc, int optind_, int n, const char *usage)
{
	if (argc - optind_ != n)
		return cmd_failf(g, "expected %d argument%s: capsa %s", n, n == 1 ? "" : "s", usage);
	return 0;
}

int fail_err(const struct cmd_globals *g, const struct rt_err *err)
{
	return cmd_fail(g, err);
}

int parse_preserve_fds(const struct cmd_globals *g, const char *arg, int *ret)
{
	char *end;
	long n = strtol(arg, &end, 10);

	if (!*arg || *end || n < 0 || n > 1024)
		return cmd_failf(g, "--preserve-fds %s: expected a number from 0 to 1024", arg);
	*ret = (int)n;
	return 0;
}

void cmd_debug_cb(void *ctx, const char *msg)
{
	cmd_debug(ctx, "%s", msg);
}

static const char *const create_help[] = {
	"  -b, --bundle DIR        bundle directory (default: the current directory)",
	"      --pid-file FILE     write the init's pid to FILE",
	"      --console-socket S  send the pty master to the unix socket S",
	"      --no-pivot          use MS_MOVE + chroot instead of pivot_root",
	"      --no-new-keyring    keep the caller's session keyring",
	"      --preserve-fds N    pass N extra fds (3..3+N-1) to the container",
	"      --image NAME        run on a fresh overlay of an imported image",
	"      --keep-rootfs       keep the image overlay's upper dir after the container",
	"      --net MODE          none | host | bridge[=NAME] | ns:PATH",
	"  -p, --publish H:C[/p]   publish container port C on host port H (bridge)",
	NULL,
};

static const char *const run_help[] = {
	"Runs a container in the foreground and exits with its exit status.",
	"SPEC.json: the bundle is its directory. BUNDLE: a directory with config.json.",
	"ID: generated when not given (runc's form `capsa run [-b DIR] ID` works too).",
	"  -d, --detach            create and start, then return (prints a generated id)",
	"      --stats             print the container's peak memory, CPU and pids at exit",
	"      --keep              accepted (runc): with --detach the state is kept anyway",
	NULL,
};

enum {
	O_BUNDLE = 'b',
	O_DETACH = 'd',
	O_PUBLISH = 'p',
	O_PIDFILE = 256,
	O_CONSOLE,
	O_NOPIVOT,
	O_NOKEYRING,
	O_PRESERVE,
	O_IMAGE,
	O_KEEPROOTFS,
	O_NET,
	O_STATS,
	O_KEEP,
	O_PIDFD_SOCKET,
	O_HELP,
};

static void gen_id(char *buf, size_t size)
{
	unsigned char r[6] = { 0 };

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		memset(r, 0, sizeof(r));
	snprintf(buf, size, "capsa-%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5]);
}

static bool is_file(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static bool is_bundle_dir(const char *p)
{
	char c[4096];
	struct stat st;

	if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode))
		return false;
	snprintf(c, sizeof(c), "%s/config.json", p);
	return is_file(c);
}

int parse_create_args(int argc, char **argv, struct cmd_globals *g, bool run_form, struct create_args *a)
{
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, O_BUNDLE },
		{ "pid-file", required_argument, NULL, O_PIDFILE },
		{ "console-socket", required_argument, NULL, O_CONSOLE },
		{ "pidfd-socket", required_argument, NULL, O_PIDFD_SOCKET },
		{ "no-pivot", no_argument, NULL, O_NOPIVOT },
		{ "no-new-keyring", no_argument, NULL, O_NOKEYRING },
		{ "preserve-fds", required_argument, NULL, O_PRESERVE },
		{ "detach", no_argument, NULL, O_DETACH },
		{ "image", required_argument, NULL, O_IMAGE },
		{ "keep-rootfs", no_argument, NULL, O_KEEPROOTFS },
		{ "net", required_argument, NULL, O_NET },
		{ "publish", required_argument, NULL, O_PUBLISH },
		{ "stats", no_argument, NULL, O_STATS },
		{ "keep", no_argument, NULL, O_KEEP },
		{ "help", no_argument, NULL, O_HELP },
		{ 0 },
	};
	const char *spec_arg = NULL, *id = NULL;
	size_t npub = 0;
	int c;

	memset(a, 0, sizeof(*a));
	a->o.root = g->root;
	a->o.image_root = g->image_root;
	a->o.debug = cmd_debug_cb;
	a->o.debug_ctx = g;
	while ((c = getopt_long(argc, argv, run_form ? "+b:dp:h" : "+b:p:h", opts, NULL)) != -1) {
		switch (c) {
		case O_BUNDLE:
			a->bundle_arg = optarg;
			break;
		case O_PIDFILE:
			a->o.pid_file = optarg;
			break;
		case O_CONSOLE:
			a->o.console_socket = optarg;
			break;
		case O_PIDFD_SOCKET:
			return cmd_failf(g, "--pidfd-socket: not supported");
		case O_NOPIVOT:
			a->o.no_pivot = true;
			break;
		case O_NOKEYRING:
			a->o.no_new_keyring = true;
			break;
		case O_PRESERVE:
			if (parse_preserve_fds(g, optarg, &a->o.preserve_fds))
				return 1;
			break;
		case O_DETACH:
			a->detach = true;
			break;
		case O_IMAGE:
			a->o.image = optarg;
			break;
		case O_KEEPROOTFS:
			a->o.keep_rootfs = true;
			break;
		case O_NET:
			a->o.net = optarg;
			break;
		case O_PUBLISH:
			if (npub >= 64)
				return cmd_failf(g, "--publish: at most 64 ports");
			a->publish[npub++] = optarg;
			break;
		case O_STATS:
			a->o.stats = true;
			break;
		case O_KEEP:
			break;
		case O_HELP:
		case 'h':
			print_help(run_form ? "run [options] SPEC.json|BUNDLE [ID]" : "create [options] ID",
				   run_form ? run_help : create_help);
			for (size_t i = 0; run_form && create_help[i]; i++)
				printf("%s\n", create_help[i]);
			return -1;
		default:
			return 2;
		}
	}
	a->o.publish = a->publish;
	a->o.n_publish = npub;
	if (argc - optind > (run_form ? 2 : 1) || (!run_form && argc - optind != 1))
		return cmd_failf(g, "usage: capsa %s",
				 run_form ? "run [options] SPEC.json|BUNDLE [ID]" : "create [options] ID");
	if (run_form && argc - optind >= 1) {
		const char *first = argv[optind];

		if (argc - optind == 2 || is_file(first) || is_bundle_dir(first)) {
			spec_arg = first;
			id = argc - optind == 2 ? argv[optind + 1] : NULL;
		} else {
			id = first;
		}
	} else if (argc - optind == 1) {
		id = argv[optind];
	}
	if (spec_arg) {
		if (a->bundle_arg)
			return cmd_failf(g, "give either SPEC.json/BUNDLE or --bundle, not both");
		if (is_file(spec_arg)) {
			char tmp[4096], *slash;

			snprintf(tmp, sizeof(tmp), "%s", spec_arg);
			slash = strrchr(tmp, '/');
			if (slash)
				*slash = '\0';
			if (!realpath(slash ? (tmp[0] ? tmp : "/") : ".", a->bundle))
				return cmd_failf(g, "%s: %s", spec_arg, strerror(errno));
			if (!realpath(spec_arg, a->config))
				return cmd_failf(g, "%s: %s", spec_arg, strerror(errno));
			a->o.config_path = a->config;
		} else if (!realpath(spec_arg, a->bundle)) {
			return cmd_failf(g, "%s: %s", spec_arg, strerror(errno));
		}
	} else if (!realpath(a->bundle_arg ? a->bundle_arg : ".", a->bundle)) {
		return cmd_failf(g, "bundle %s: %s", a->bundle_arg ? a->bundle_arg : ".", strerror(errno));
	}
	if (!id) {
		gen_id(a->gen_id, sizeof(a->gen_id));
		id = a->gen_id;
		a->id_generated = true;
	}
	a->o.id = id;
	a->o.bundle = a->bundle;
	/* LISTEN_FDS from systemd socket activation pass through, as runc, when
	 * they are meant for us (LISTEN_PID is our pid, or unset) */
	if (getenv("LISTEN_FDS") &&
	    (!getenv("LISTEN_PID") || strtol(getenv("LISTEN_PID"), NULL, 10) == (long)getpid())) {
		long n = strtol(getenv("LISTEN_FDS"), NULL, 10);

		if (n > 0 && n < 1024) {
			a->o.preserve_fds += (int)n;
			a->o.listen_fds = (int)n;
		}
	}
	return 0;
}
