/* capsa run: create + start, in the foreground by default. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cmd.h"
#include "opts.h"

static int cmd_run(int argc, char **argv, struct cmd_globals *g)
{
	struct create_args a;
	struct rt_err err = { 0 };
	char *stats = NULL;
	int code = 0, r;

	r = parse_create_args(argc, argv, g, true, &a);
	if (r != 0)
		return r < 0 ? 0 : r;
	/* The init execs the container's process: were the init the host
	 * binary, process.args /proc/self/exe would run it inside (CVE-2019-5736) */
	if (cmd_protect_self(g, &err) < 0)
		return cmd_fail(g, &err);
	r = rt_container_run(&a.o, a.detach, &code, &stats, &err);
	if (stats) {
		printf("%s\n", stats);
		fflush(stdout);
		free(stats);
	}
	if (r < 0) {
		cmd_fail(g, &err);
		/* 127/126 when the process could not be executed, else 1 (runc: 1) */
		return code ? code : 1;
	}
	if (a.detach && a.id_generated)
		printf("%s\n", a.o.id);
	return code;
}

CMD_REGISTER("run", cmd_run, "create and start a container (foreground by default)")
