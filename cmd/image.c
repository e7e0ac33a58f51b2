/* `capsa image import|ls|inspect|rm|prune`: the image store from the command line. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "image/import.h"
#include "image/store.h"

static void image_usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: capsa image COMMAND\n\n"
	    "  import [-q] [--max-entries N] FILE|DIR [NAME[:TAG]]\n"
	    "                                     import an OCI layout, oci-archive, docker-archive\n"
	    "                                     or rootfs tarball (N: entries per layer, default 1048576)\n"
	    "  ls [-q]                            list images (name, id, size, created)\n"
	    "  inspect NAME|ID                    print the image config as JSON\n"
	    "  rm [-f|--force] NAME|ID...         untag / remove images (-f: even if in use)\n"
	    "  prune                              remove unnamed unused images and unreferenced layers\n\n"
	    "The store is --image-root (default /var/lib/capsa, env CAPSA_IMAGE_ROOT).\n");
}

static void human(uint64_t n, char *buf, size_t size)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
	double v = (double)n;
	size_t u = 0;

	while (v >= 1000 && u + 1 < ARRAY_SIZE(units)) {
		v /= 1000;
		u++;
	}
	snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

struct progress {
	struct timespec start, last;
	unsigned layer;
};

static double since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void on_progress(void *ud, unsigned i, unsigned n, uint64_t bytes, uint64_t size, int done)
{
	struct progress *p = ud;
	struct timespec now;
	char b[32], s[32], r[32];
	double dt;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (p->layer != i && done) {
		p->layer = i;
		fprintf(stderr, "\r\033[Klayer %u/%u  already in the store\n", i, n);
		return;
	}
	if (p->layer != i) {
		p->layer = i;
		p->start = now;
	} else if (!done && since(&p->last, &now) < 0.1) {
		return;
	}
	p->last = now;
	dt = since(&p->start, &now);
	human(bytes, b, sizeof(b));
	human(size, s, sizeof(s));
	human(dt > 0 ? (uint64_t)((double)bytes / dt) : 0, r, sizeof(r));
	fprintf(stderr, "\r\033[Klayer %u/%u  %s%s%s", i, n, b, size ? " / " : "", size ? s : "");
	if (dt > 0.01)
		fprintf(stderr, "  %s/s", r);
	if (done)
		fputc('\n', stderr);
	fflush(stderr);
}

static int do_import(int argc, char **argv, struct cmd_globals *g)
{
	static const struct option opts[] = { { "quiet", no_argument, NULL, 'q' },
					      { "max-entries", required_argument, NULL, 'm' },
					      { "help", no_argument, NULL, 'h' },
					      { 0 } };
	struct img_import_opts io = { 0 };
	struct img_import_result res;
	struct progress prog = { 0 };
	struct rt_err err = { 0 };
	bool quiet = false;
	int c;

	while ((c = getopt_long(argc, argv, "+qh", opts, NULL)) != -1) {
		if (c == 'q') {
			quiet = true;
		} else if (c == 'm') {
			char *end;

			io.max_entries = strtoull(optarg, &end, 10);
			if (*end || io.max_entries == 0)
				return cmd_failf(g, "--max-entries: expected a positive number, got '%s'",
						 optarg);
		} else if (c == 'h') {
			image_usage(stdout);
			return 0;
		} else {
			image_usage(stderr);
			return 2;
		}
	}
	if (argc - optind < 1 || argc - optind > 2) {
		image_usage(stderr);
		return 2;
	}
	if (!quiet && isatty(STDERR_FILENO)) {
		io.progress = on_progress;
		io.userdata = &prog;
	}
	if (img_import(g->image_root, argv[optind], argc - optind == 2 ? argv[optind + 1] : NULL, &io, &res,
		       &err) < 0)
		return cmd_fail(g, &err);
	if (quiet)
		printf("sha256:%s\n", res.id);
	else
		printf("imported %s sha256:%s (%s, %u layer%s)\n", res.ref, res.id, res.format, res.n_layers,
		       res.n_layers == 1 ? "" : "s");
	return 0;
}

static int do_ls(int argc, char **argv, struct cmd_globals *g)
{
	_cleanup_json_ json_t *ids = NULL;
	struct img_store *s = NULL;
	struct rt_err err = { 0 };
	bool quiet = argc > 1 && strcmp(argv[1], "-q") == 0;
	size_t i;
	json_t *v;
	int r;

	if (argc > 2 || (argc == 2 && !quiet)) {
		image_usage(stderr);
		return 2;
	}
	if (access(g->image_root, F_OK) < 0) {
		if (!quiet)
			printf("%-40s %-12s %10s  %s\n", "NAME", "ID", "SIZE", "CREATED");
		return 0;
	}
	r = img_store_open(g->image_root, false, IMG_LOCK_SHARED, &s, &err);
	if (r >= 0)
		r = img_store_list(s, &ids, &err);
	if (r < 0) {
		img_store_close(s);
		return cmd_fail(g, &err);
	}
	if (!quiet)
		printf("%-40s %-12s %10s  %s\n", "NAME", "ID", "SIZE", "CREATED");
	json_array_foreach(ids, i, v)
	{
		_cleanup_json_ json_t *rec = NULL, *names = NULL;
		const char *id = json_string_value(v);
		char size[32];
		size_t j;
		json_t *n;

		if (img_store_get_image(s, id, &rec, &err) < 0 ||
		    img_store_names_of(s, id, &names, &err) < 0) {
			cmd_warn(g, "%s", err.msg);
			continue;
		}
		if (quiet) {
			printf("%s\n", id);
			continue;
		}
		human((uint64_t)json_integer_value(json_object_get(rec, "size")), size, sizeof(size));
		if (json_array_size(names) == 0)
			json_array_append_new(names, json_string("<none>"));
		json_array_foreach(names, j, n)
		    printf("%-40s %-12.12s %10s  %s\n", json_string_value(n), id, size,
			   json_string_value(json_object_get(rec, "created")) ?: "-");
	}
	img_store_close(s);
	return 0;
}

static int do_inspect(int argc, char **argv, struct cmd_globals *g)
{
	_cleanup_json_ json_t *rec = NULL, *cfg = NULL;
	_cleanup_free_ char *buf = NULL, *out = NULL;
	char id[IMG_DIGEST_HEX_LEN + 1], hex[IMG_DIGEST_HEX_LEN + 1];
	struct img_store *s = NULL;
	struct rt_err err = { 0 };
	json_error_t je;
	size_t len;
	int r;

	if (argc != 2) {
		image_usage(stderr);
		return 2;
	}
	r = img_store_open(g->image_root, false, IMG_LOCK_SHARED, &s, &err);
	if (r >= 0)
		r = img_store_resolve(s, argv[1], id, &err);
	if (r >= 0)
		r = img_store_get_image(s, id, &rec, &err);
	if (r >= 0)
		r = img_digest_parse(json_string_value(json_object_get(rec, "config")), hex, &err);
	if (r >= 0)
		r = img_store_get_blob(s, hex, 4u << 20, &buf, &len, &err);
	img_store_close(s);
	if (r < 0)
		return cmd_fail(g, &err);
	cfg = json_loadb(buf, len, 0, &je);
	out = cfg ? json_dumps(cfg, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	if (!out)
		return cmd_failf(g, "image %s: config is not valid JSON", argv[1]);
	printf("%s\n", out);
	return 0;
}

static int do_rm(int argc, char **argv, struct cmd_globals *g)
{
	static const struct option opts[] = { { "force", no_argument, NULL, 'f' }, { 0 } };
	struct img_store *s = NULL;
	struct rt_err err = { 0 };
	bool force = false;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
		if (c != 'f') {
			image_usage(stderr);
			return 2;
		}
		force = true;
	}
	if (optind >= argc) {
		image_usage(stderr);
		return 2;
	}
	if (img_store_open(g->image_root, false, IMG_LOCK_EXCLUSIVE, &s, &err) < 0)
		return cmd_fail(g, &err);
	for (int i = optind; i < argc; i++) {
		if (img_store_remove(s, argv[i], force, &err) < 0)
			rc = cmd_fail(g, &err);
		else
			printf("removed %s\n", argv[i]);
	}
	img_store_close(s);
	return rc;
}

static int do_prune(int argc, char **argv, struct cmd_globals *g)
{
	struct img_store *s = NULL;
	struct rt_err err = { 0 };
	unsigned n = 0;
	int r;

	(void)argv;
	if (argc != 1) {
		image_usage(stderr);
		return 2;
	}
	if (access(g->image_root, F_OK) < 0)
		return 0;
	r = img_store_open(g->image_root, false, IMG_LOCK_EXCLUSIVE, &s, &err);
	if (r >= 0)
		r = img_store_prune(s, &n, &err);
	img_store_close(s);
	if (r < 0)
		return cmd_fail(g, &err);
	printf("pruned %u image%s\n", n, n == 1 ? "" : "s");
	return 0;
}

static int cmd_image(int argc, char **argv, struct cmd_globals *g)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **, struct cmd_globals *);
	} subs[] = { { "import", do_import },	{ "ls", do_ls }, { "list", do_ls },
		     { "inspect", do_inspect }, { "rm", do_rm }, { "remove", do_rm },
		     { "prune", do_prune } };

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		image_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++) {
		if (strcmp(argv[1], subs[i].name) == 0) {
			optind = 0;
			return subs[i].fn(argc - 1, argv + 1, g);
		}
	}
	return cmd_failf(g, "image: unknown command '%s' (import, ls, inspect, rm, prune)", argv[1]);
}

CMD_REGISTER("image", cmd_image, "manage the image store (import, ls, inspect, rm, prune)")
