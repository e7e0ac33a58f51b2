/* capsa update [--resources FILE|-] [flags] ID: new cgroup limits for a live
 * container.  Unlike runc, which ignores the flags when --resources is
 * given, the flags here are applied on top of the file. */
#include <ctype.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "opts.h"
#include "runtime/util.h"

#define RESOURCES_MAX (1u << 20)

enum {
	OPT_MEMORY = 256,
	OPT_MEMORY_SWAP,
	OPT_MEMORY_RESERVATION,
	OPT_CPU_SHARES,
	OPT_CPU_QUOTA,
	OPT_CPU_PERIOD,
	OPT_CPU_RT_PERIOD,
	OPT_CPU_RT_RUNTIME,
	OPT_CPUSET_CPUS,
	OPT_CPUSET_MEMS,
	OPT_PIDS_LIMIT,
	OPT_BLKIO_WEIGHT,
};

/* A size in docker's units.RAMInBytes form: "1024", "100m", "1.5g", "64MiB",
 * "2 GB" (binary multiples), or "-1" for unlimited. */
static int parse_size(const char *s, int64_t *ret)
{
	static const char units[] = "kmgtp";
	const char *p = s;
	double v, mult = 1;
	char *end;

	if (strcmp(s, "-1") == 0) {
		*ret = -1;
		return 0;
	}
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	while (isdigit((unsigned char)*p) || *p == '.')
		p++;
	{
		char num[64];

		if ((size_t)(p - s) >= sizeof(num))
			return -EINVAL;
		memcpy(num, s, (size_t)(p - s));
		num[p - s] = '\0';
		v = strtod(num, &end);
		if (*end != '\0')
			return -EINVAL;
	}
	if (*p == ' ')
		p++;
	if (*p) {
		const char *u = strchr(units, tolower((unsigned char)*p));

		if (u) {
			for (long i = 0; i <= u - units; i++)
				mult *= 1024;
			p++;
		}
		if (*p == 'i' || *p == 'I')
			p++;
		if (*p == 'b' || *p == 'B')
			p++;
		if (*p)
			return -EINVAL;
	}
	v *= mult;
	if (!isfinite(v) || v >= 9223372036854775807.0)
		return -ERANGE;
	*ret = (int64_t)v;
	return 0;
}

static int parse_i64(const char *s, int64_t *ret)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int parse_u64(const char *s, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int replace_str(char **dst, const char *s)
{
	char *d = strdup(s);

	if (!d)
		return -ENOMEM;
	free(*dst);
	*dst = d;
	return 0;
}

/* Apply one flag to res; a negative errno for a bad value. */
static int apply_flag(struct rt_resources *res, int opt, const char *v)
{
	uint64_t u = 0;
	int r = 0;

	switch (opt) {
	case OPT_MEMORY:
		r = parse_size(v, &res->memory.limit);
		res->memory.has_limit = r == 0;
		break;
	case OPT_MEMORY_SWAP:
		r = parse_size(v, &res->memory.swap);
		res->memory.has_swap = r == 0;
		break;
	case OPT_MEMORY_RESERVATION:
		r = parse_size(v, &res->memory.reservation);
		res->memory.has_reservation = r == 0;
		break;
	case OPT_CPU_SHARES:
		r = parse_u64(v, &res->cpu.shares);
		res->cpu.has_shares = r == 0;
		break;
	case OPT_CPU_QUOTA:
		r = parse_i64(v, &res->cpu.quota);
		res->cpu.has_quota = r == 0;
		break;
	case OPT_CPU_PERIOD:
		r = parse_u64(v, &res->cpu.period);
		res->cpu.has_period = r == 0;
		break;
	case OPT_CPU_RT_PERIOD:
		r = parse_u64(v, &res->cpu.realtime_period);
		res->cpu.has_realtime_period = r == 0;
		break;
	case OPT_CPU_RT_RUNTIME:
		r = parse_i64(v, &res->cpu.realtime_runtime);
		res->cpu.has_realtime_runtime = r == 0;
		break;
	case OPT_CPUSET_CPUS:
		r = replace_str(&res->cpu.cpus, v);
		break;
	case OPT_CPUSET_MEMS:
		r = replace_str(&res->cpu.mems, v);
		break;
	case OPT_PIDS_LIMIT:
		r = parse_i64(v, &res->pids.limit);
		res->pids.has_limit = r == 0;
		break;
	case OPT_BLKIO_WEIGHT:
		r = parse_u64(v, &u);
		if (r == 0 && u > UINT16_MAX)
			r = -ERANGE;
		res->block_io.weight = (uint16_t)u;
		res->block_io.has_weight = r == 0;
		break;
	default:
		return -EINVAL;
	}
	res->present = true;
	return r;
}

/* The whole of FILE, or of stdin for "-", at most RESOURCES_MAX bytes. */
static int read_input(const struct cmd_globals *g, const char *path, char **ret, size_t *ret_len)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	if (strcmp(path, "-") != 0) {
		r = rt_read_file_at(AT_FDCWD, path, RESOURCES_MAX, ret, ret_len);
		return r < 0 ? cmd_failf(g, "--resources %s: %s", path, strerror(-r)) : 0;
	}
	buf = malloc(RESOURCES_MAX + 1);
	if (!buf)
		return cmd_failf(g, "--resources: out of memory");
	for (;;) {
		ssize_t k = read(STDIN_FILENO, buf + len, RESOURCES_MAX + 1 - len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			free(buf);
			return cmd_failf(g, "--resources -: read stdin: %m");
		}
		if (k == 0)
			break;
		len += (size_t)k;
		if (len > RESOURCES_MAX) {
			free(buf);
			return cmd_failf(g, "--resources -: more than %u bytes", RESOURCES_MAX);
		}
	}
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len;
	return 0;
}

static const char *const update_help[] = {
	"Changes the cgroup limits of a created, running or paused container.",
	"  -r, --resources FILE|-     LinuxResources JSON (linux.resources of config.json);",
	"                             '-' reads stdin.  The flags below apply on top of it.",
	"      --memory N             memory limit; sizes as 1024, 100m, 1.5g, 64MiB, -1 (unlimited)",
	"      --memory-swap N        memory+swap limit (-1: unlimited)",
	"      --memory-reservation N soft limit",
	"      --cpu-shares N         relative CPU weight (also --cpu-share)",
	"      --cpu-quota N          CFS quota in usecs per period (-1: none)",
	"      --cpu-period N         CFS period in usecs",
	"      --cpu-rt-period N      realtime period in usecs",
	"      --cpu-rt-runtime N     realtime runtime in usecs",
	"      --cpuset-cpus LIST     CPUs to use (0-3,5)",
	"      --cpuset-mems LIST     memory nodes to use",
	"      --pids-limit N         maximum number of tasks (-1 or 0: unlimited)",
	"      --blkio-weight N       block IO weight (10-1000)",
	NULL,
};

static int cmd_update(int argc, char **argv, struct cmd_globals *g)
{
	static const struct option opts[] = {
		{ "resources", required_argument, NULL, 'r' },
		{ "memory", required_argument, NULL, OPT_MEMORY },
		{ "memory-swap", required_argument, NULL, OPT_MEMORY_SWAP },
		{ "memory-reservation", required_argument, NULL, OPT_MEMORY_RESERVATION },
		{ "cpu-shares", required_argument, NULL, OPT_CPU_SHARES },
		{ "cpu-share", required_argument, NULL, OPT_CPU_SHARES },
		{ "cpu-quota", required_argument, NULL, OPT_CPU_QUOTA },
		{ "cpu-period", required_argument, NULL, OPT_CPU_PERIOD },
		{ "cpu-rt-period", required_argument, NULL, OPT_CPU_RT_PERIOD },
		{ "cpu-rt-runtime", required_argument, NULL, OPT_CPU_RT_RUNTIME },
		{ "cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS },
		{ "cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS },
		{ "pids-limit", required_argument, NULL, OPT_PIDS_LIMIT },
		{ "blkio-weight", required_argument, NULL, OPT_BLKIO_WEIGHT },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct {
		int opt;
		const char *name, *value;
	} flags[32];
	size_t n_flags = 0;
	struct rt_resources res = { 0 };
	struct rt_err err = { 0 };
	const char *resources = NULL;
	int c, idx, rc = 0;

	while ((c = getopt_long(argc, argv, "+r:h", opts, &idx)) != -1) {
		if (c == 'r') {
			resources = optarg;
		} else if (c == 'h') {
			print_help("update [--resources FILE|-] [flags] ID", update_help);
			return 0;
		} else if (c >= OPT_MEMORY) {
			if (n_flags == ARRAY_SIZE(flags))
				return cmd_failf(g, "update: too many flags");
			flags[n_flags++] = (typeof(flags[0])){ c, opts[idx].name, optarg };
		} else {
			return 2;
		}
	}
	if (argc - optind != 1)
		return cmd_failf(g, "usage: capsa update [--resources FILE|-] [flags] ID");
	if (resources) {
		_cleanup_free_ char *buf = NULL;
		size_t len = 0;

		rc = read_input(g, resources, &buf, &len);
		if (rc)
			return rc;
		if (rt_resources_parse(buf, len, strcmp(resources, "-") == 0 ? "stdin" : resources, &res,
				       &err) < 0)
			return cmd_fail(g, &err);
		res.present = true;
	}
	for (size_t i = 0; i < n_flags; i++) {
		int r = apply_flag(&res, flags[i].opt, flags[i].value);

		if (r < 0) {
			rc = cmd_failf(g, "invalid value for --%s: \"%s\"", flags[i].name, flags[i].value);
			goto out;
		}
	}
	if (rt_container_update(g->root, argv[optind], &res, &err) < 0)
		rc = cmd_fail(g, &err);
out:
	rt_resources_clear(&res);
	return rc;
}

CMD_REGISTER("update", cmd_update, "change the resource limits of a container")
