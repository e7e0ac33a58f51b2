/* capsa features: the runtime-spec features document. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "opts.h"
#include "runtime/oci-features.h"

#ifndef CAPSA_VERSION
#define CAPSA_VERSION "0.1.0"
#endif

static int cmd_features(int argc, char **argv, struct cmd_globals *g)
{
	struct rt_err err = { 0 };
	char *json = NULL;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		print_help("features",
			   (const char *const[]){
			       "Prints what this capsa supports as JSON (runtime-spec features.md):",
			       "versions, hooks, mount options, namespaces, capabilities, cgroup",
			       "drivers, seccomp actions/operators/architectures/flags, LSMs.", NULL });
		return 0;
	}
	if (argc != 1)
		return cmd_failf(g, "usage: capsa features (no arguments)");
	if (rt_features_json(CAPSA_VERSION, &json, &err) < 0)
		return cmd_fail(g, &err);
	printf("%s\n", json);
	free(json);
	return 0;
}

CMD_REGISTER("features", cmd_features, "print the features this runtime supports (JSON)")
