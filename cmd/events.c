/* capsa events [--stats] [--interval DURATION] ID: runc's event stream, one
 * JSON object per line.  --stats prints one stats event and exits; without
 * it a stats event goes out every interval and an oom event whenever the
 * cgroup's OOM-kill counter grows, until the container stops. */
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "opts.h"
#include "runtime/container-query.h"

/* How often the container's status and OOM counter are looked at. */
#define POLL_NS 200000000LL

/* A Go duration ("5s", "100ms", "1m30s", "1.5h"; units ns us µs ms s m h)
 * in nanoseconds. */
static int parse_duration(const char *s, int64_t *ret)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = {
		{ "ns", 1 },  { "us", 1e3 }, { "\xc2\xb5s", 1e3 }, { "ms", 1e6 },
		{ "s", 1e9 }, { "m", 60e9 }, { "h", 3600e9 },
	};
	double total = 0;
	const char *p = s;

	if (!*p)
		return -EINVAL;
	while (*p) {
		char *end;
		double v = strtod(p, &end);
		size_t best = 0, best_len = 0;

		if (end == p || *p == '-' || *p == '+')
			return -EINVAL;
		p = end;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t n = strlen(units[i].unit);

			if (strncmp(p, units[i].unit, n) == 0 && n > best_len) {
				best = i;
				best_len = n;
			}
		}
		if (!best_len)
			return -EINVAL;
		total += v * units[best].ns;
		p += best_len;
	}
	if (!isfinite(total) || total >= 9.2e18)
		return -ERANGE;
	*ret = (int64_t)total;
	return 0;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ns(int64_t ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Print {"type":TYPE,"id":ID[,"data":DATA]} and flush: a reader of the
 * pipe sees each event as it happens. */
static void emit(const char *type, const char *id, const char *data_json)
{
	json_t *o = json_pack("{s:s,s:s}", "type", type, "id", id);
	char *text;

	if (!o)
		return;
	if (data_json) {
		json_t *d = json_loads(data_json, 0, NULL);

		if (d)
			json_object_set_new(o, "data", d);
	}
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (text) {
		printf("%s\n", text);
		fflush(stdout);
		free(text);
	}
}

static int print_stats(const struct cmd_globals *g, const char *id, bool fatal)
{
	struct rt_err err = { 0 };
	char *json = NULL;

	if (rt_container_stats(g->root, id, &json, &err) < 0)
		return fatal ? cmd_fail(g, &err) : 0;
	emit("stats", id, json);
	free(json);
	return 0;
}

/* The container is gone or stopped. */
static bool finished(const struct cmd_globals *g, const char *id)
{
	struct rt_state st;
	enum rt_status s;
	struct rt_err err;

	if (rt_container_query(g->root, id, &st, &s, &err) < 0)
		return true;
	rt_state_clear(&st);
	return s == RT_STATUS_STOPPED;
}

static int watch(const struct cmd_globals *g, const char *id, int64_t interval)
{
	struct rt_err err;
	uint64_t ooms = 0, n;
	int64_t next = now_ns() + interval;

	if (rt_container_oom_kills(g->root, id, &ooms, &err) < 0)
		ooms = 0;
	for (;;) {
		int64_t t, wait;

		/* the OOM counter first: an OOM kill of the init also stops it */
		if (rt_container_oom_kills(g->root, id, &n, &err) >= 0) {
			for (; ooms < n; ooms++)
				emit("oom", id, NULL);
		}
		if (finished(g, id))
			return 0;
		t = now_ns();
		if (t >= next) {
			print_stats(g, id, false);
			next = t + interval;
		}
		wait = next - now_ns();
		sleep_ns(wait < POLL_NS ? (wait > 0 ? wait : 0) : POLL_NS);
	}
}

static int cmd_events(int argc, char **argv, struct cmd_globals *g)
{
	static const struct option opts[] = {
		{ "stats", no_argument, NULL, 's' },
		{ "interval", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct rt_state st;
	struct rt_err err = { 0 };
	enum rt_status status;
	int64_t interval = 5000000000LL;
	bool stats = false;
	const char *id;
	int c;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 's') {
			stats = true;
		} else if (c == 'i') {
			if (parse_duration(optarg, &interval) < 0 || interval <= 0)
				return cmd_failf(
				    g, "invalid --interval \"%s\" (a duration such as 5s or 500ms)", optarg);
		} else if (c == 'h') {
			print_help(
			    "events [--stats] [--interval DURATION] ID",
			    (const char *const[]){
				"Prints container events as JSON lines: "
				"{\"type\":\"stats\",\"id\":ID,\"data\":{...}}",
				"every interval and {\"type\":\"oom\",\"id\":ID} after each OOM kill, until "
				"the",
				"container stops.", "      --stats          print one stats event and exit",
				"      --interval D     time between stats events (default 5s)", NULL });
			return 0;
		} else {
			return 2;
		}
	}
	if (argc - optind != 1)
		return cmd_failf(g, "usage: capsa events [--stats] [--interval DURATION] ID");
	id = argv[optind];
	if (rt_container_query(g->root, id, &st, &status, &err) < 0)
		return cmd_fail(g, &err);
	rt_state_clear(&st);
	if (status == RT_STATUS_STOPPED)
		return cmd_failf(g, "container with id %s is not running", id);
	if (stats)
		return print_stats(g, id, true);
	return watch(g, id, interval);
}

CMD_REGISTER("events", cmd_events, "print container events (stats, oom) as JSON lines")
