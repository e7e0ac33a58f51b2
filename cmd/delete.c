/* capsa delete [--force] ID */
#include <getopt.h>

#include "cmd.h"
#include "opts.h"

static int cmd_delete(int argc, char **argv, struct cmd_globals *g)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct rt_err err = { 0 };
	bool force = false;
	int c;

	while ((c = getopt_long(argc, argv, "+fh", opts, NULL)) != -1) {
		if (c == 'f') {
			force = true;
		} else if (c == 'h') {
			print_help(
			    "delete [--force] ID",
			    (const char *const[]){
				"Removes a stopped container; --force kills a running one first.", NULL });
			return 0;
		} else {
			return 2;
		}
	}
	if (argc - optind != 1)
		return cmd_failf(g, "usage: capsa delete [--force] ID");
	if (rt_container_delete(g->root, argv[optind], force, &err) < 0)
		return cmd_fail(g, &err);
	return 0;
}

CMD_REGISTER("delete", cmd_delete, "remove a container")
