/* Option helpers shared by the verbs. */
#ifndef CAPSA_CMD_OPTS_H
#define CAPSA_CMD_OPTS_H

#include <stdbool.h>
#include <stddef.h>

#include "cmd.h"
#include "runtime/runtime.h"

/* The create/run options, parsed from argv (shared by create and run). */
struct create_args {
	struct rt_create_opts o;
	const char *bundle_arg;
	char bundle[4096];
	char config[4096];
	char gen_id[32];
	bool detach;
	bool id_generated;
	const char *publish[64];
};

/* Parse create/run flags and positionals.  run_form allows the SPEC.json form
 * and a generated id.  Returns 0, or an exit code > 0 after printing. */
int parse_create_args(int argc, char **argv, struct cmd_globals *g, bool run_form, struct create_args *a);

/* Print `capsa VERB --help` text (usage + the lines given). */
void print_help(const char *usage, const char *const *lines);

/* The verb has exactly n positional arguments left. */
int need_args(const struct cmd_globals *g, int argc, int optind_, int n, const char *usage);

/* --preserve-fds N: 0..1024; returns 0, or the exit code after printing. */
int parse_preserve_fds(const struct cmd_globals *g, const char *arg, int *ret);

/* Map an rt error to runc's exit code: 1. */
int fail_err(const struct cmd_globals *g, const struct rt_err *err);

void cmd_debug_cb(void *ctx, const char *msg);

#endif
