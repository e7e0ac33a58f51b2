/* capsa kill [--all] ID [SIGNAL] */
#include <getopt.h>
#include <signal.h>

#include "cmd.h"
#include "opts.h"

static int cmd_kill(int argc, char **argv, struct cmd_globals *g)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct rt_err err = { 0 };
	bool all = false;
	int c, sig = SIGTERM;

	while ((c = getopt_long(argc, argv, "+ah", opts, NULL)) != -1) {
		if (c == 'a') {
			all = true;
		} else if (c == 'h') {
			print_help(
			    "kill [--all] ID [SIGNAL]",
			    (const char *const[]){
				"Sends SIGNAL (default SIGTERM; a name with or without SIG, or a "
				"number) to the container's init, or with --all to every process in it.",
				NULL });
			return 0;
		} else {
			return 2;
		}
	}
	if (argc - optind < 1 || argc - optind > 2)
		return cmd_failf(g, "usage: capsa kill [--all] ID [SIGNAL]");
	if (argc - optind == 2) {
		sig = rt_signal_from_name(argv[optind + 1]);
		if (sig < 0)
			return cmd_failf(g, "invalid signal \"%s\"", argv[optind + 1]);
	}
	if (rt_container_kill(g->root, argv[optind], sig, all, &err) < 0)
		return cmd_fail(g, &err);
	return 0;
}

CMD_REGISTER("kill", cmd_kill, "send a signal to a container's processes")
