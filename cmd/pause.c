/* capsa pause ID / capsa resume ID: the cgroup freezer. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "opts.h"

static int freeze(int argc, char **argv, struct cmd_globals *g, bool pause)
{
	const char *usage = pause ? "pause ID" : "resume ID";
	struct rt_err err = { 0 };
	int r;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		print_help(usage, (const char *const[]){
				      pause ? "Freezes every process of a running container (cgroup freezer)."
					    : "Thaws a paused container.",
				      NULL });
		return 0;
	}
	r = need_args(g, argc, 1, 1, usage);
	if (r)
		return r;
	if (rt_container_pause(g->root, argv[1], pause, &err) < 0)
		return cmd_fail(g, &err);
	return 0;
}

static int cmd_pause(int argc, char **argv, struct cmd_globals *g)
{
	return freeze(argc, argv, g, true);
}

static int cmd_resume(int argc, char **argv, struct cmd_globals *g)
{
	return freeze(argc, argv, g, false);
}

CMD_REGISTER("pause", cmd_pause, "suspend every process of a container")
CMD_REGISTER("resume", cmd_resume, "resume a paused container")
