/* capsa state ID: the OCI state JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "opts.h"

static int cmd_state(int argc, char **argv, struct cmd_globals *g)
{
	struct rt_err err = { 0 };
	char *json = NULL;
	int r;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		print_help("state ID",
			   (const char *const[]){ "Prints the container's state as JSON.", NULL });
		return 0;
	}
	r = need_args(g, argc, 1, 1, "state ID");
	if (r)
		return r;
	if (rt_container_state(g->root, argv[1], &json, &err) < 0)
		return cmd_fail(g, &err);
	printf("%s\n", json);
	free(json);
	return 0;
}

CMD_REGISTER("state", cmd_state, "print the state of a container")
