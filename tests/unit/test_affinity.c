/* runtime/affinity.c: cpu lists, the reset to every CPU, a list, and a
 * child kept off our CPU until the reset. */
#include <errno.h>
#include <stdio.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/affinity.h"
#include "runtime/util.h"

static void test_cpulist_parse(void **state)
{
	static const char *bad[] = { "",   "\n",   " ",	     "a",     "3-1",  "1-",  "-1",   "0,,1", "0,",
				     ",0", "1024", "0-1024", "0-1 2", "0\n1", "0;1", "0\t1", "0\n\n" };
	cpu_set_t s;

	(void)state;
	assert_int_equal(rt_cpulist_parse("0", &s), 0);
	assert_int_equal(CPU_COUNT(&s), 1);
	assert_true(CPU_ISSET(0, &s));
	assert_int_equal(rt_cpulist_parse("0-1\n", &s), 0);
	assert_int_equal(CPU_COUNT(&s), 2);
	assert_int_equal(rt_cpulist_parse("0-3,7,9-10", &s), 0);
	assert_int_equal(CPU_COUNT(&s), 7);
	assert_true(CPU_ISSET(7, &s) && CPU_ISSET(10, &s) && !CPU_ISSET(8, &s));
	/* the spaces the runtime spec's schema allows */
	assert_int_equal(rt_cpulist_parse(" 0 - 3 , 7 ", &s), 0);
	assert_int_equal(CPU_COUNT(&s), 5);
	assert_true(CPU_ISSET(3, &s) && CPU_ISSET(7, &s));
	assert_int_equal(rt_cpulist_parse("1023", &s), 0);
	assert_true(CPU_ISSET(1023, &s));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (rt_cpulist_parse(bad[i], &s) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
}

/* a child that waits (in read) until we close the pipe */
static pid_t waiting_child(int *wfd)
{
	int p[2];
	pid_t pid;
	char c;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[1]);
		_exit(read(p[0], &c, 1) == 0 ? 0 : 1);
	}
	close(p[0]);
	*wfd = p[1];
	return pid;
}

static void reap(pid_t pid, int wfd)
{
	int st;

	close(wfd);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void mask_of(pid_t pid, cpu_set_t *m)
{
	CPU_ZERO(m);
	assert_int_equal(sched_getaffinity(pid, sizeof(*m), m), 0);
}

static void online(cpu_set_t *all)
{
	char list[256];

	assert_int_equal(rt_proc_stat_read("/sys/devices/system/cpu/online", list, sizeof(list)), 0);
	assert_int_equal(rt_cpulist_parse(list, all), 0);
}

/* a child on one CPU gets every online CPU back from the reset (the test
 * runs in a cgroup whose cpuset has them all; skipped otherwise) */
static void test_reset(void **state)
{
	cpu_set_t all, mine, one, after;
	int wfd;
	pid_t pid;

	(void)state;
	online(&all);
	mask_of(0, &mine);
	if (CPU_COUNT(&all) < 2 || !CPU_EQUAL(&mine, &all))
		skip();
	pid = waiting_child(&wfd);
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	assert_int_equal(sched_setaffinity(pid, sizeof(one), &one), 0);
	assert_int_equal(rt_affinity_reset(pid), 0);
	mask_of(pid, &after);
	assert_true(CPU_EQUAL(&after, &all));
	reap(pid, wfd);
}

/* a list lands as given; one with no allowed CPU is EINVAL */
static void test_set_list(void **state)
{
	cpu_set_t all, got, want;
	char list[16];
	int wfd, last = -1;
	pid_t pid;

	(void)state;
	online(&all);
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &all))
			last = c;
	pid = waiting_child(&wfd);
	snprintf(list, sizeof(list), "%d", last);
	assert_int_equal(rt_affinity_set_list(pid, list), 0);
	mask_of(pid, &got);
	assert_int_equal(rt_cpulist_parse(list, &want), 0);
	assert_true(CPU_EQUAL(&got, &want));
	assert_int_equal(rt_affinity_set_list(pid, "1023"), CPU_ISSET(1023, &all) ? 0 : -EINVAL);
	assert_int_equal(rt_affinity_set_list(pid, "x"), -EINVAL);
	reap(pid, wfd);
}

/* with two CPUs or more: exactly our CPU left out of our own mask; the
 * reset ends it */
static void test_pin_then_reset(void **state)
{
	cpu_set_t mine, pinned, both, after;
	int wfd;
	pid_t pid;

	(void)state;
	mask_of(0, &mine);
	if (CPU_COUNT(&mine) < 2)
		skip();
	pid = waiting_child(&wfd);
	assert_true(rt_pin_elsewhere(pid));
	mask_of(pid, &pinned);
	assert_int_equal(CPU_COUNT(&pinned), CPU_COUNT(&mine) - 1);
	CPU_AND(&both, &pinned, &mine);
	assert_true(CPU_EQUAL(&both, &pinned));
	assert_int_equal(rt_affinity_reset(pid), 0);
	mask_of(pid, &after);
	assert_true(CPU_COUNT(&after) >= CPU_COUNT(&mine));
	reap(pid, wfd);
}

/* we may run on one CPU only: nothing to pin to */
static void test_single_cpu_not_pinned(void **state)
{
	cpu_set_t mine, one;
	int wfd, cpu = sched_getcpu();
	pid_t pid;

	(void)state;
	assert_true(cpu >= 0);
	mask_of(0, &mine);
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);
	pid = waiting_child(&wfd);
	assert_false(rt_pin_elsewhere(pid));
	reap(pid, wfd);
	assert_int_equal(sched_setaffinity(0, sizeof(mine), &mine), 0);
}

/* no such process */
static void test_gone_child(void **state)
{
	int wfd;
	pid_t pid;

	(void)state;
	pid = waiting_child(&wfd);
	reap(pid, wfd);
	assert_false(rt_pin_elsewhere(pid));
	assert_int_equal(rt_affinity_reset(pid), -ESRCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpulist_parse),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_set_list),
		cmocka_unit_test(test_pin_then_reset),
		cmocka_unit_test(test_single_cpu_not_pinned),
		cmocka_unit_test(test_gone_child),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
