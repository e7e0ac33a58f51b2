/* capsa: global flag parsing and verb dispatch. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "runtime/runtime.h"
#include "runtime/selfprotect.h"
#include "runtime/util.h"

#ifndef CAPSA_VERSION
#define CAPSA_VERSION "0.1.0"
#endif

static struct cmd_verb *verbs;
char **cmd_argv;

void cmd_register(struct cmd_verb *v)
{
	struct cmd_verb **p = &verbs;

	/* keep the list sorted by name for --help */
	while (*p && strcmp((*p)->name, v->name) < 0)
		p = &(*p)->next;
	v->next = *p;
	*p = v;
}

static void log_line(const struct cmd_globals *g, const char *level, const char *msg)
{
	FILE *f;
	char ts[64];
	struct timespec now;

	if (!g->log_path)
		return;
	f = fopen(g->log_path, "ae");
	if (!f)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	rt_utc_rfc3339(&now, g->log_format == CMD_LOG_JSON, ts, sizeof(ts));
	if (g->log_format == CMD_LOG_JSON) {
		fprintf(f, "{\"level\":\"%s\",\"msg\":\"", level);
		for (const char *p = msg; *p; p++) {
			unsigned char c = (unsigned char)*p;

			if (c == '"' || c == '\\')
				fprintf(f, "\\%c", c);
			else if (c < 0x20)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
		}
		fprintf(f, "\",\"time\":\"%s\"}\n", ts);
	} else {
		fprintf(f, "time=\"%s\" level=%s msg=\"%s\"\n", ts, level, msg);
	}
	fclose(f);
}

int cmd_fail(const struct cmd_globals *g, const struct rt_err *err)
{
	return cmd_failf(g, "%s", err->msg[0] ? err->msg : "unknown error");
}

int cmd_failf(const struct cmd_globals *g, const char *fmt, ...)
{
	char msg[RT_ERR_MSG_MAX + 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "capsa: %s\n", msg);
	log_line(g, "error", msg);
	return 1;
}

static void vnote(const struct cmd_globals *g, const char *level, const char *fmt, va_list ap)
{
	char msg[RT_ERR_MSG_MAX + 64];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(stderr, "capsa: %s: %s\n", level, msg);
	log_line(g, level, msg);
}

void cmd_debug(const struct cmd_globals *g, const char *fmt, ...)
{
	va_list ap;

	if (!g->debug)
		return;
	va_start(ap, fmt);
	vnote(g, "debug", fmt, ap);
	va_end(ap);
}

int cmd_protect_self(const struct cmd_globals *g, struct rt_err *err)
{
	const char *how = NULL;
	int r = rt_protect_self(cmd_argv, environ, &how, err);

	if (r >= 0)
		cmd_debug(g, "CVE-2019-5736: capsa runs from %s", how);
	return r;
}

void cmd_warn(const struct cmd_globals *g, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote(g, "warning", fmt, ap);
	va_end(ap);
}

static void warn_handler(void *ctx, const char *msg)
{
	cmd_warn(ctx, "%s", msg);
}

static void usage(FILE *out)
{
	fprintf(out, "usage: capsa [global options] COMMAND [options] [args]\n\n"
		     "An OCI container runtime (runc-compatible command line).\n\n"
		     "Commands:\n");
	for (struct cmd_verb *v = verbs; v; v = v->next)
		fprintf(out, "  %-10s %s\n", v->name, v->summary);
	fprintf(out, "\nGlobal options:\n"
		     "  --root DIR            state directory (default /run/capsa)\n"
		     "  --log FILE            also log to FILE\n"
		     "  --log-format FMT      text or json\n"
		     "  --debug               debug messages\n"
		     "  --systemd-cgroup      use the systemd cgroup driver (not supported yet)\n"
		     "  --rootless BOOL       accepted for runc compatibility\n"
		     "  --image-root DIR      image store (default /var/lib/capsa, env CAPSA_IMAGE_ROOT)\n"
		     "  -v, --version         print the version\n"
		     "  -h, --help            this text; COMMAND --help for a command\n");
}

enum {
	OPT_ROOT = 256,
	OPT_LOG,
	OPT_LOG_FORMAT,
	OPT_DEBUG,
	OPT_SYSTEMD,
	OPT_ROOTLESS,
	OPT_IMAGE_ROOT,
	OPT_CRIU
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
		{ "debug", no_argument, NULL, OPT_DEBUG },
		{ "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD },
		{ "rootless", required_argument, NULL, OPT_ROOTLESS },
		{ "image-root", required_argument, NULL, OPT_IMAGE_ROOT },
		{ "criu", required_argument, NULL, OPT_CRIU },
		{ "version", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct cmd_globals g = {
		.root = "/run/capsa",
		.image_root = getenv("CAPSA_IMAGE_ROOT") ? getenv("CAPSA_IMAGE_ROOT") : "/var/lib/capsa",
	};
	int c;

	rt_init();
	cmd_argv = argv;
	rt_set_warn_handler(warn_handler, &g);
	/* '+': stop at the first non-option, the verb; its flags are its own. */
	while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ROOT:
			g.root = optarg;
			break;
		case OPT_LOG:
			g.log_path = optarg;
			break;
		case OPT_LOG_FORMAT:
			if (strcmp(optarg, "json") == 0)
				g.log_format = CMD_LOG_JSON;
			else if (strcmp(optarg, "text") == 0)
				g.log_format = CMD_LOG_TEXT;
			else
				return cmd_failf(&g, "--log-format: unknown format '%s' (text or json)",
						 optarg);
			break;
		case OPT_DEBUG:
			g.debug = true;
			break;
		case OPT_SYSTEMD:
			g.systemd_cgroup = true;
			break;
		case OPT_ROOTLESS:
			g.rootless = strcmp(optarg, "true") == 0;
			break;
		case OPT_IMAGE_ROOT:
			g.image_root = optarg;
			break;
		case OPT_CRIU:
			break;
		case 'v':
			printf("capsa version %s\nspec: 1.2.0\n", CAPSA_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	/* the runtime changes directory into the bundle: keep paths absolute */
	if (g.root[0] != '/') {
		static char abs_root[4096];
		char cwd[4096];

		if (!getcwd(cwd, sizeof(cwd)) ||
		    snprintf(abs_root, sizeof(abs_root), "%s/%s", cwd, g.root) >= (int)sizeof(abs_root))
			return cmd_failf(&g, "--root %s: cannot make it absolute", g.root);
		g.root = abs_root;
	}
	if (g.systemd_cgroup)
		return cmd_failf(&g, "--systemd-cgroup: the systemd cgroup driver is not supported; "
				     "use the cgroupfs driver");
	for (struct cmd_verb *v = verbs; v; v = v->next) {
		if (strcmp(v->name, argv[optind]) == 0) {
			char **vargv = argv + optind;
			int vargc = argc - optind;

			optind = 0; /* reset getopt for the verb */
			return v->fn(vargc, vargv, &g);
		}
	}
	return cmd_failf(&g, "unknown command '%s' (see capsa --help)", argv[optind]);
}
