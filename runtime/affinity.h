/* The CPU affinity of the processes capsa starts.
 *
 * Reset: since Linux 6.2 a task keeps the mask it was given with
 * sched_setaffinity (its "user mask") through cpuset changes, and a child
 * inherits it; before, joining a cpuset reset the mask to the cpuset's
 * CPUs.  So a runtime started with a narrow mask (a systemd unit's
 * CPUAffinity=, taskset, a pinned shim) would pass it to every container.
 * capsa gives the container's init, and an exec'd process without
 * execCPUAffinity.final, every CPU (an all-set mask, which the kernel cuts
 * to what the cgroup's cpuset allows): the cpuset alone decides, as it did
 * before 6.2.  runc 1.3.1 ("libct: reset CPU affinity by default", runc#4858,
 * backported to 1.2 in #4869) and crun (#1315) do the same; runc 1.1 does
 * not.
 *
 * execCPUAffinity (exec only: "not applicable to the container's init"):
 * `initial` is the mask capsa exec runs with, and its child is born with,
 * before it joins the container's cgroup; `final` the one the process gets
 * after, instead of the reset.
 *
 * Pin: at an early start (spawn.h) the parent makes the v1 cgroups while
 * the child makes its namespaces, two pieces of work that only overlap on
 * two CPUs.  Most schedulers put a new task on an idle CPU; some (this
 * project's CI VM: a vendor patch packs a child onto its parent's vCPU)
 * run it there after the parent, and the two take turns.  The parent keeps
 * the child off its own CPU meanwhile; the reset that follows ends it. */
#ifndef CAPSA_RUNTIME_AFFINITY_H
#define CAPSA_RUNTIME_AFFINITY_H

#include <sched.h>
#include <stdbool.h>
#include <sys/types.h>

/* Parse a cpu list ("0-3,7\n", "0 - 3, 7") into *set.  0, or -EINVAL (not
 * a list, or a CPU beyond cpu_set_t's 1024). */
int rt_cpulist_parse(const char *list, cpu_set_t *set);

/* pid (0: us) may run on every CPU its cpuset allows.  0 or -errno. */
int rt_affinity_reset(pid_t pid);

/* pid (0: us) runs on the CPUs of `list` (a cpu list; checked when the
 * spec was read).  0, or -errno (-EINVAL: none of them is allowed). */
int rt_affinity_set_list(pid_t pid, const char *list);

/* Keep pid (our child) off the CPU we run on, within our own mask, until
 * rt_affinity_reset(pid).  Best effort: true when pinned. */
bool rt_pin_elsewhere(pid_t pid);

#endif
