#include "affinity.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Linux's largest NR_CPUS on x86-64 and arm64: a mask this wide has a bit
 * for every CPU any kernel here can have (cpu_set_t's 1024 does not). */
#define ALL_CPUS 8192

static void skip_spaces(const char **p)
{
	while (**p == ' ')
		(*p)++;
}

/* a number, with the spaces the spec's schema allows around it */
static int cpu_number(const char **p, unsigned long *ret)
{
	char *end;

	skip_spaces(p);
	if (!isdigit((unsigned char)**p))
		return -EINVAL;
	errno = 0;
	*ret = strtoul(*p, &end, 10);
	if (errno || *ret >= CPU_SETSIZE)
		return -EINVAL;
	*p = end;
	skip_spaces(p);
	return 0;
}

/* "0-3,7": the kernel's format; the runtime spec's schema also allows
 * spaces ("0 - 3, 7"), and a trailing newline is the kernel's */
int rt_cpulist_parse(const char *list, cpu_set_t *set)
{
	const char *p = list;

	CPU_ZERO(set);
	for (;;) {
		unsigned long lo, hi;

		if (cpu_number(&p, &lo) < 0)
			return -EINVAL;
		hi = lo;
		if (*p == '-') {
			p++;
			if (cpu_number(&p, &hi) < 0 || hi < lo)
				return -EINVAL;
		}
		for (unsigned long c = lo; c <= hi; c++)
			CPU_SET(c, set);
		if (*p != ',')
			break;
		p++;
	}
	return *p == '\0' || (p[0] == '\n' && p[1] == '\0') ? 0 : -EINVAL;
}

int rt_affinity_reset(pid_t pid)
{
	unsigned char all[ALL_CPUS / 8];

	memset(all, 0xff, sizeof(all));
	return sched_setaffinity(pid, sizeof(all), (const cpu_set_t *)(const void *)all) < 0 ? -errno : 0;
}

int rt_affinity_set_list(pid_t pid, const char *list)
{
	cpu_set_t set;
	int r = rt_cpulist_parse(list, &set);

	if (r < 0)
		return r;
	return sched_setaffinity(pid, sizeof(set), &set) < 0 ? -errno : 0;
}

bool rt_pin_elsewhere(pid_t pid)
{
	cpu_set_t other;
	int cpu = sched_getcpu();

	/* a host with more CPUs than cpu_set_t holds (1024) fails here: no pin */
	if (cpu < 0 || cpu >= CPU_SETSIZE || sched_getaffinity(0, sizeof(other), &other) < 0)
		return false;
	CPU_CLR(cpu, &other);
	return CPU_COUNT(&other) > 0 && sched_setaffinity(pid, sizeof(other), &other) == 0;
}
