/* The command line: global options, the verb registry, and the one place that
 * prints errors.  Each verb lives in its own cmd/<verb>.c and registers itself
 * with CMD_REGISTER, so adding a verb never touches main.c. */
#ifndef CAPSA_CMD_CMD_H
#define CAPSA_CMD_CMD_H

#include <stdbool.h>

#include "runtime/err.h"

enum cmd_log_format { CMD_LOG_TEXT = 0, CMD_LOG_JSON };

/* runc's global flags. */
struct cmd_globals {
	const char *root;     /* --root, default /run/capsa */
	const char *log_path; /* --log */
	enum cmd_log_format log_format;
	bool debug;
	bool systemd_cgroup;
	bool rootless;
	const char *image_root; /* --image-root / CAPSA_IMAGE_ROOT, default /var/lib/capsa */
};

/* A verb: argv[0] is the verb name; returns the process exit code. */
typedef int (*cmd_fn)(int argc, char **argv, struct cmd_globals *g);

struct cmd_verb {
	const char *name;
	cmd_fn fn;
	const char *summary; /* one line for `capsa --help` */
	struct cmd_verb *next;
};

void cmd_register(struct cmd_verb *v);

/* The whole command line, for a verb that must re-execute capsa. */
extern char **cmd_argv;

#define CMD_REGISTER(NAME, FN, SUMMARY)                                                        \
	static struct cmd_verb cmd_verb_##FN = { .name = NAME, .fn = FN, .summary = SUMMARY }; \
	__attribute__((constructor)) static void cmd_register_##FN(void)                       \
	{                                                                                      \
		cmd_register(&cmd_verb_##FN);                                                  \
	}

/* Print err once, as text on stderr and, with --log, to the log file in the
 * chosen format (json lines {"level":"error","msg":...,"time":...}).
 * Returns exit code 1 for convenience. */
int cmd_fail(const struct cmd_globals *g, const struct rt_err *err);

/* Printf-style failure without an rt_err. */
int cmd_failf(const struct cmd_globals *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Debug/warning lines (printed only with --debug / always, respectively). */
void cmd_debug(const struct cmd_globals *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* rt_protect_self with capsa's own argv (maps capsa in place or
 * re-executes; returns 0 and says with --debug where capsa runs from). */
int cmd_protect_self(const struct cmd_globals *g, struct rt_err *err);
void cmd_warn(const struct cmd_globals *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
