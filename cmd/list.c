/* capsa list [--format table|json] [-q]: every container under --root, in
 * runc's formats. */
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "opts.h"
#include "runtime/container-query.h"

struct row {
	struct rt_state st;
	enum rt_status status;
	char owner[64];
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The user name of uid from /etc/passwd, as runc's (pure Go) lookup does;
 * not getpwuid: NSS would dlopen modules into the static binary. */
static bool passwd_name(uid_t uid, char *buf, size_t size)
{
	FILE *f = fopen("/etc/passwd", "re");
	struct passwd *pw;
	bool found = false;

	if (!f)
		return false;
	while (!found && (pw = fgetpwent(f)))
		if (pw->pw_uid == uid) {
			snprintf(buf, size, "%s", pw->pw_name);
			found = true;
		}
	fclose(f);
	return found;
}

/* runc names the owner of the state directory (#UID without a passwd entry). */
static void owner_of(const char *root, const char *id, char *buf, size_t size)
{
	char dir[PATH_MAX];
	struct stat sb;

	if (rt_state_dir(root, id, dir, sizeof(dir)) < 0 || stat(dir, &sb) < 0) {
		snprintf(buf, size, "%s", "");
		return;
	}
	if (!passwd_name(sb.st_uid, buf, size))
		snprintf(buf, size, "#%u", (unsigned)sb.st_uid);
}

/* runc prints through Go's tabwriter (minwidth 12, padding 3): every column
 * but the last is as wide as its widest cell + 3, at least 12. */
static void print_table(const struct row *rows, size_t n)
{
	enum { NCOL = 6 };
	static const char *const head[NCOL] = { "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER" };
	size_t w[NCOL];
	char pid[32];

	for (int c = 0; c < NCOL; c++)
		w[c] = strlen(head[c]);
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		const char *cells[NCOL - 1] = { r->st.id, pid, rt_status_name(r->status),
						r->st.bundle ? r->st.bundle : "",
						r->st.created ? r->st.created : "" };

		snprintf(pid, sizeof(pid), "%d", r->status == RT_STATUS_STOPPED ? 0 : (int)r->st.pid);
		for (int c = 0; c < NCOL - 1; c++)
			if (strlen(cells[c]) > w[c])
				w[c] = strlen(cells[c]);
	}
	for (int c = 0; c < NCOL - 1; c++)
		w[c] = w[c] + 3 < 12 ? 12 : w[c] + 3;
	for (int c = 0; c < NCOL - 1; c++)
		printf("%-*s", (int)w[c], head[c]);
	printf("%s\n", head[NCOL - 1]);
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];

		snprintf(pid, sizeof(pid), "%d", r->status == RT_STATUS_STOPPED ? 0 : (int)r->st.pid);
		printf("%-*s%-*s%-*s%-*s%-*s%s\n", (int)w[0], r->st.id, (int)w[1], pid, (int)w[2],
		       rt_status_name(r->status), (int)w[3], r->st.bundle ? r->st.bundle : "", (int)w[4],
		       r->st.created ? r->st.created : "", r->owner);
	}
}

/* An array of state objects as runc's list --format json: the state JSON
 * with the owner's name. */
static int print_json(const struct row *rows, size_t n, const struct cmd_globals *g)
{
	json_t *a = json_array();
	char *text;

	for (size_t i = 0; a && i < n; i++) {
		struct rt_err err = { 0 };
		char *s = NULL;
		json_t *o;

		if (rt_state_to_json(&rows[i].st, rows[i].status, &s, &err) < 0) {
			json_decref(a);
			return cmd_fail(g, &err);
		}
		o = json_loads(s, 0, NULL);
		free(s);
		if (!o)
			continue;
		json_object_set_new(o, "owner", json_string(rows[i].owner));
		json_array_append_new(a, o);
	}
	text = a ? json_dumps(a, JSON_COMPACT) : NULL;
	json_decref(a);
	if (!text)
		return cmd_failf(g, "list: out of memory");
	printf("%s\n", text);
	free(text);
	return 0;
}

static int cmd_list(int argc, char **argv, struct cmd_globals *g)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct rt_err err = { 0 };
	const char *format = "table";
	bool quiet = false;
	char **ids = NULL;
	struct row *rows = NULL;
	size_t n_ids = 0, n = 0;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "+f:qh", opts, NULL)) != -1) {
		if (c == 'f') {
			format = optarg;
		} else if (c == 'q') {
			quiet = true;
		} else if (c == 'h') {
			print_help(
			    "list [--format table|json] [-q]",
			    (const char *const[]){
				"Lists the containers under --root (ID PID STATUS BUNDLE CREATED OWNER).",
				"  -f, --format table|json  table (default) or a JSON array of states",
				"  -q, --quiet              only the ids", NULL });
			return 0;
		} else {
			return 2;
		}
	}
	if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
		return cmd_failf(g, "invalid format option \"%s\" (table or json)", format);
	if (optind != argc)
		return cmd_failf(g, "usage: capsa list [--format table|json] [-q] (no arguments)");
	if (rt_state_list(g->root, &ids, &n_ids, &err) < 0)
		return cmd_fail(g, &err);
	if (n_ids > 1)
		qsort(ids, n_ids, sizeof(*ids), cmp_str);
	rows = calloc(n_ids ? n_ids : 1, sizeof(*rows));
	if (!rows) {
		rc = cmd_failf(g, "list: out of memory");
		goto out;
	}
	for (size_t i = 0; i < n_ids; i++) {
		struct rt_err e = { 0 };
		int r = rt_container_query(g->root, ids[i], &rows[n].st, &rows[n].status, &e);

		/* no state.json: a create still in progress or one that was killed */
		if (r == -ENOENT)
			continue;
		if (r < 0) {
			cmd_warn(g, "%s", e.msg);
			continue;
		}
		owner_of(g->root, ids[i], rows[n].owner, sizeof(rows[n].owner));
		n++;
	}
	if (quiet) {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", rows[i].st.id);
	} else if (strcmp(format, "json") == 0) {
		rc = print_json(rows, n, g);
	} else {
		print_table(rows, n);
	}
out:
	for (size_t i = 0; i < n; i++)
		rt_state_clear(&rows[i].st);
	free(rows);
	for (size_t i = 0; i < n_ids; i++)
		free(ids[i]);
	free(ids);
	return rc;
}

CMD_REGISTER("list", cmd_list, "list the containers")
