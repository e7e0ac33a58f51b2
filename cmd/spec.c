/* capsa spec: write a hardened default config.json into the bundle. */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "runtime/spec-default.h"

static void spec_usage(FILE *out)
{
	fprintf(out, "usage: capsa spec [--bundle DIR] [--rootless]\n\n"
		     "Write a default config.json into the bundle directory (default: the current\n"
		     "directory).  An existing config.json is never replaced.  Unlike runc, the\n"
		     "process gets no terminal (\"terminal\": false), so `capsa run` works from\n"
		     "scripts; set it to true for an interactive shell.\n\n"
		     "Options:\n"
		     "  -b, --bundle DIR   bundle directory\n"
		     "      --rootless    a config for an unprivileged user (user namespace,\n"
		     "                    no network namespace, no cgroup resources)\n"
		     "  -h, --help         this text\n");
}

static int cmd_spec(int argc, char **argv, struct cmd_globals *g)
{
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "rootless", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *bundle = ".";
	bool rootless = false;
	struct rt_err err = { 0 };
	int c;

	while ((c = getopt_long(argc, argv, "+b:h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			bundle = optarg;
			break;
		case 'r':
			rootless = true;
			break;
		case 'h':
			spec_usage(stdout);
			return 0;
		default:
			spec_usage(stderr);
			return 1;
		}
	}
	if (optind != argc)
		return cmd_failf(g, "spec: unexpected argument %s", argv[optind]);
	if (rt_spec_default_write(bundle, rootless, &err) < 0)
		return cmd_fail(g, &err);
	return 0;
}

CMD_REGISTER("spec", cmd_spec, "create a new specification file")
