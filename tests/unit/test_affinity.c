/* runtime/affinity.c: cpu lists, and a child kept off our CPU, then given
 * every possible CPU back. */
#include <errno.h>
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
	static const char *bad[] = { "",   "\n",   "a",	     "3-1",   "1-",   "-1",  "0,,1",
				     "0,", "1024", "0-1024", "0-1 2", "0\n1", "0;1", " 0" };
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

static void possible(cpu_set_t *all)
{
	char list[256];

	assert_int_equal(rt_proc_stat_read("/sys/devices/system/cpu/possible", list, sizeof(list)), 0);
	assert_int_equal(rt_cpulist_parse(list, all), 0);
}

/* free to run anywhere, with two CPUs or more: exactly one CPU (ours) left
 * out, then every possible CPU back */
static void test_pin_and_unpin(void **state)
{
	struct rt_cpu_pin pin;
	cpu_set_t all, mine, pinned, back, both;
	int wfd;
	pid_t pid;

	(void)state;
	possible(&all);
	mask_of(0, &mine);
	if (CPU_COUNT(&all) < 2 || !CPU_EQUAL(&mine, &all))
		skip();
	pid = waiting_child(&wfd);
	rt_pin_elsewhere(pid, &pin);
	assert_true(pin.pinned);
	mask_of(pid, &pinned);
	assert_int_equal(CPU_COUNT(&pinned), CPU_COUNT(&all) - 1);
	CPU_AND(&both, &pinned, &all);
	assert_true(CPU_EQUAL(&both, &pinned));
	assert_int_equal(rt_unpin(&pin), 0);
	assert_false(pin.pinned);
	mask_of(pid, &back);
	assert_true(CPU_EQUAL(&back, &all));
	assert_int_equal(rt_unpin(&pin), 0); /* once only */
	reap(pid, wfd);
}

/* we may run on one CPU only (as under taskset): the child is left alone,
 * its mask is what it inherited */
static void test_restricted_not_pinned(void **state)
{
	struct rt_cpu_pin pin;
	cpu_set_t all, one, after;
	int wfd, cpu = sched_getcpu();
	pid_t pid;

	(void)state;
	assert_true(cpu >= 0);
	possible(&all);
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);
	pid = waiting_child(&wfd);
	rt_pin_elsewhere(pid, &pin);
	assert_false(pin.pinned);
	mask_of(pid, &after);
	assert_true(CPU_EQUAL(&after, &one));
	assert_int_equal(rt_unpin(&pin), 0);
	reap(pid, wfd);
	assert_int_equal(sched_setaffinity(0, sizeof(all), &all), 0);
}

/* no such process: nothing pinned, nothing to undo */
static void test_gone_child(void **state)
{
	struct rt_cpu_pin pin;
	int wfd;
	pid_t pid;

	(void)state;
	pid = waiting_child(&wfd);
	reap(pid, wfd);
	rt_pin_elsewhere(pid, &pin);
	assert_false(pin.pinned);
	assert_int_equal(rt_unpin(&pin), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpulist_parse),
		cmocka_unit_test(test_pin_and_unpin),
		cmocka_unit_test(test_restricted_not_pinned),
		cmocka_unit_test(test_gone_child),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
