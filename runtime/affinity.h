/* Running a freshly cloned child on another CPU than ours while we work.
 *
 * At an early start (spawn.h) the parent makes the v1 cgroups while the
 * child makes its namespaces: two pieces of work that only overlap if they
 * run on two CPUs.  Most schedulers put a new task on an idle CPU; some
 * (this project's CI VM: a vendor patch packs a child onto its parent's
 * vCPU) run it there after the parent, and the two take turns.  Keeping
 * the child off our CPU for the length of our part makes the overlap
 * explicit.
 *
 * Since Linux 6.2 every sched_setaffinity is also remembered as the task's
 * "user mask", which every later cpuset change is intersected with, and
 * nothing clears it.  Giving the child back its birth mask would leave it
 * one (a container whose cpuset is later widened would not follow); giving
 * it every possible CPU leaves one that intersects as no mask at all.  So
 * the pin is only made when we ourselves may run on every possible CPU
 * (no taskset, no cpuset narrower than the machine above us): then the
 * child's mask at birth was that too, and "every possible CPU" is exactly
 * what it had.  Anywhere else nothing is pinned and the start is only not
 * parallel. */
#ifndef CAPSA_RUNTIME_AFFINITY_H
#define CAPSA_RUNTIME_AFFINITY_H

#include <sched.h>
#include <stdbool.h>
#include <sys/types.h>

struct rt_cpu_pin {
	pid_t pid;
	bool pinned;
	cpu_set_t all; /* every possible CPU: what the child gets back */
};

/* Parse a kernel cpu list ("0-3,7\n") into *set.  0, or -EINVAL (not a
 * list, or a CPU beyond cpu_set_t). */
int rt_cpulist_parse(const char *list, cpu_set_t *set);

/* Keep pid (our child, whose affinity nobody else sets) off the CPU we run
 * on, when that is safe (above).  Best effort: on any error nothing is
 * pinned. */
void rt_pin_elsewhere(pid_t pid, struct rt_cpu_pin *pin);

/* Give the child every possible CPU again.  0, or -errno (its affinity
 * would then differ from the one the container is to have). */
int rt_unpin(struct rt_cpu_pin *pin);

#endif
