/* capsa create: set up a container whose init waits for `capsa start`. */
#include <stdio.h>
#include <unistd.h>

#include "cmd.h"
#include "opts.h"

static int cmd_create(int argc, char **argv, struct cmd_globals *g)
{
	struct create_args a;
	struct rt_err err = { 0 };
	pid_t pid;
	int r;

	r = parse_create_args(argc, argv, g, false, &a);
	if (r != 0)
		return r < 0 ? 0 : r;
	/* The init execs the container's process: were the init the host
	 * binary, process.args /proc/self/exe would run it inside (CVE-2019-5736) */
	if (cmd_protect_self(g, &err) < 0)
		return cmd_fail(g, &err);
	r = rt_container_create(&a.o, &pid, &err);
	if (r < 0)
		return cmd_fail(g, &err);
	return 0;
}

CMD_REGISTER("create", cmd_create, "create a container; its process waits for start")
