#include "affinity.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include "util.h"

static int cpu_number(const char **p, unsigned long *ret)
{
	char *end;

	if (!isdigit((unsigned char)**p))
		return -EINVAL;
	errno = 0;
	*ret = strtoul(*p, &end, 10);
	if (errno || *ret >= CPU_SETSIZE)
		return -EINVAL;
	*p = end;
	return 0;
}

int rt_cpulist_parse(const char *list, cpu_set_t *set)
{
	const char *p = list;

	CPU_ZERO(set);
	while (*p && *p != '\n') {
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
		if (*p == ',' && isdigit((unsigned char)p[1]))
			p++;
		else if (*p && *p != '\n')
			return -EINVAL;
	}
	return (*p == '\0' || (p[0] == '\n' && p[1] == '\0')) && CPU_COUNT(set) > 0 ? 0 : -EINVAL;
}

void rt_pin_elsewhere(pid_t pid, struct rt_cpu_pin *pin)
{
	cpu_set_t mine, other;
	char list[256];
	int cpu = sched_getcpu();

	pin->pid = pid;
	pin->pinned = false;
	/* a host with more CPUs than cpu_set_t holds (1024) fails here: no pin */
	if (cpu < 0 || cpu >= CPU_SETSIZE || sched_getaffinity(0, sizeof(mine), &mine) < 0 ||
	    rt_proc_stat_read("/sys/devices/system/cpu/possible", list, sizeof(list)) < 0 ||
	    rt_cpulist_parse(list, &pin->all) < 0 || !CPU_EQUAL(&mine, &pin->all))
		return;
	other = pin->all;
	CPU_CLR(cpu, &other);
	if (CPU_COUNT(&other) == 0)
		return;
	pin->pinned = sched_setaffinity(pid, sizeof(other), &other) == 0;
}

int rt_unpin(struct rt_cpu_pin *pin)
{
	if (!pin->pinned)
		return 0;
	pin->pinned = false;
	return sched_setaffinity(pin->pid, sizeof(pin->all), &pin->all) < 0 ? -errno : 0;
}
