/* capsa start ID: let a created container's process run. */
#include <getopt.h>
#include <string.h>

#include "cmd.h"
#include "opts.h"

static int cmd_start(int argc, char **argv, struct cmd_globals *g)
{
	struct rt_err err = { 0 };
	int r;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		print_help("start ID",
			   (const char *const[]){ "Starts the process of a created container.", NULL });
		return 0;
	}
	r = need_args(g, argc, 1, 1, "start ID");
	if (r)
		return r;
	if (rt_container_start(g->root, argv[1], &err) < 0)
		return cmd_fail(g, &err);
	return 0;
}

CMD_REGISTER("start", cmd_start, "start the process of a created container")
