/* Pure helpers of runtime/util*.c. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/util.h"

static void check_utc(time_t secs, long nsec, const char *want_ns, const char *want_s)
{
	struct timespec ts = { .tv_sec = secs, .tv_nsec = nsec };
	char buf[64];

	rt_utc_rfc3339(&ts, true, buf, sizeof(buf));
	assert_string_equal(buf, want_ns);
	rt_utc_rfc3339(&ts, false, buf, sizeof(buf));
	assert_string_equal(buf, want_s);
}

static void test_utc_rfc3339_known(void **state)
{
	(void)state;
	check_utc(0, 0, "1970-01-01T00:00:00.000000000Z", "1970-01-01T00:00:00Z");
	check_utc(951782400, 5, "2000-02-29T00:00:00.000000005Z",
		  "2000-02-29T00:00:00Z"); /* leap day, 400-year rule */
	check_utc(4107542399, 999999999, "2100-02-28T23:59:59.999999999Z",
		  "2100-02-28T23:59:59Z"); /* 2100: no leap day */
	check_utc(4107542400, 0, "2100-03-01T00:00:00.000000000Z", "2100-03-01T00:00:00Z");
	check_utc(-1, 0, "1969-12-31T23:59:59.000000000Z", "1969-12-31T23:59:59Z");
	check_utc(1795624200, 123456789, "2026-11-25T16:30:00.123456789Z", "2026-11-25T16:30:00Z");
}

/* Every day from 1900 to 2200 against the C library's own gmtime_r. */
static void test_utc_rfc3339_matches_gmtime(void **state)
{
	(void)state;
	for (int64_t t = -2208988800LL; t < 7258118400LL; t += 86400 + 3671) {
		struct timespec ts = { .tv_sec = (time_t)t };
		struct tm tm;
		char want[64], got[64];

		gmtime_r(&ts.tv_sec, &tm);
		strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
		rt_utc_rfc3339(&ts, false, got, sizeof(got));
		assert_string_equal(got, want);
	}
}

static void test_utc_rfc3339_truncates(void **state)
{
	struct timespec ts = { .tv_sec = 0 };
	char buf[8];

	(void)state;
	rt_utc_rfc3339(&ts, true, buf, sizeof(buf));
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
}

/* A stat line with the given comm and fields 4.. = 4, 5, ..., 52 (priority
 * and nice, fields 18 and 19, negative as the kernel may print them). */
static void stat_line(char *buf, size_t size, const char *comm)
{
	size_t n = (size_t)snprintf(buf, size, "4242 (%s) S", comm);

	for (int f = 4; f <= 52; f++)
		n += (size_t)snprintf(buf + n, size - n, " %d", f == 18 ? -2 : f == 19 ? -20 : f);
	snprintf(buf + n, size - n, "\n");
}

static void test_proc_stat_fields(void **state)
{
	static const char *comms[] = { "sleep", "a) (b", "x ) 7 8", ")", "" };
	unsigned long long f[53];
	char buf[1024];

	(void)state;
	for (size_t i = 0; i < sizeof(comms) / sizeof(comms[0]); i++) {
		stat_line(buf, sizeof(buf), comms[i]);
		assert_int_equal(rt_proc_stat_state(buf), 'S');
		memset(f, 0, sizeof(f));
		assert_int_equal(rt_proc_stat_fields(buf, 4, 52, f + 4), 0);
		for (int n = 4; n <= 52; n++)
			if (n != 18 && n != 19)
				assert_int_equal(f[n], n);
		assert_int_equal((long long)f[19], -20);
		assert_int_equal(rt_proc_stat_fields(buf, 22, 22, f), 0);
		assert_int_equal(f[0], 22);
		assert_int_equal(rt_proc_stat_fields(buf, 26, 53, f), -EINVAL); /* only 52 */
	}
}

static void test_proc_stat_malformed(void **state)
{
	unsigned long long v;

	(void)state;
	assert_int_equal(rt_proc_stat_state("1 (x"), '\0');
	assert_int_equal(rt_proc_stat_state("1 (x)"), '\0');
	assert_int_equal(rt_proc_stat_state("1 (x)Z 5"), '\0');
	assert_int_equal(rt_proc_stat_state("1 (x) Z 5"), 'Z');
	assert_int_equal(rt_proc_stat_fields("1 (x) R 5 six 7", 5, 5, &v), -EINVAL);
	assert_int_equal(rt_proc_stat_fields("1 (x) R 5 6", 4, 4, &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(rt_proc_stat_fields("1 (x) R 5 6", 3, 4, &v), -EINVAL);
	assert_int_equal(rt_proc_stat_fields("1 (x) R 5 6", 5, 4, &v), -EINVAL);
	assert_int_equal(rt_proc_stat_fields("1 (x) R", 4, 4, &v), -EINVAL);
}

/* The real thing: our own pid is field 1, our start time field 22. */
static void test_proc_stat_self(void **state)
{
	char buf[2048];
	unsigned long long v[2];

	(void)state;
	assert_int_equal(rt_proc_stat_read("/proc/self/stat", buf, sizeof(buf)), 0);
	assert_int_equal(atoi(buf), getpid());
	assert_int_equal(rt_proc_stat_state(buf), 'R');
	assert_int_equal(rt_proc_stat_fields(buf, 51, 52, v), 0); /* env_end, exit_code */
	assert_true(v[0] > 0);
	assert_int_equal(rt_proc_stat_read("/proc/self/no-such", buf, sizeof(buf)), -ENOENT);
}

/* rt_write_file_atomic in a scratch dir: what path holds after each write,
 * and that no temp file stays behind */
static char scratch[64];

static int scratch_setup(void **state)
{
	(void)state;
	snprintf(scratch, sizeof(scratch), "/tmp/capsa-unit-XXXXXX");
	return mkdtemp(scratch) ? 0 : -1;
}

static int scratch_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
	return system(cmd) == 0 ? 0 : -1;
}

static void assert_file(const char *path, const char *want)
{
	char *got = NULL;
	size_t len = 0;

	assert_int_equal(rt_read_file_at(AT_FDCWD, path, 4096, &got, &len), 0);
	assert_string_equal(got, want);
	free(got);
}

static int entries(const char *dir)
{
	char cmd[128], line[16] = "";
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
	f = popen(cmd, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	pclose(f);
	return atoi(line);
}

static void test_write_atomic_new_and_replace(void **state)
{
	char path[128];
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "%s/state.json", scratch);
	assert_int_equal(rt_write_file_atomic(path, "first", 5, 0600), 0);
	assert_file(path, "first");
	assert_int_equal(rt_write_file_atomic(path, "second, longer", 14, 0644), 0);
	assert_file(path, "second, longer");
	assert_int_equal(rt_write_file_atomic(path, "3", 1, 0600), 0);
	assert_file(path, "3");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(entries(scratch), 1); /* the replaced files are gone */
}

static void test_write_atomic_never_replaces_a_dir(void **state)
{
	char path[128], inner[160];
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "%s/d", scratch);
	snprintf(inner, sizeof(inner), "%s/keep", path);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(rt_write_file_atomic(inner, "k", 1, 0600), 0);
	/* rename(2) refuses a file over a directory; the swap must too */
	assert_int_equal(rt_write_file_atomic(path, "x", 1, 0600), -EISDIR);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_file(inner, "k");
	assert_int_equal(entries(scratch), 1);
}

static void test_write_atomic_replaces_a_symlink_itself(void **state)
{
	char path[128], target[128];
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "%s/link", scratch);
	snprintf(target, sizeof(target), "%s/target", scratch);
	assert_int_equal(rt_write_file_atomic(target, "t", 1, 0600), 0);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(rt_write_file_atomic(path, "new", 3, 0600), 0);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_file(path, "new");
	assert_file(target, "t");
	assert_int_equal(entries(scratch), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utc_rfc3339_known),
		cmocka_unit_test(test_utc_rfc3339_matches_gmtime),
		cmocka_unit_test(test_utc_rfc3339_truncates),
		cmocka_unit_test(test_proc_stat_fields),
		cmocka_unit_test(test_proc_stat_malformed),
		cmocka_unit_test(test_proc_stat_self),
		cmocka_unit_test_setup_teardown(test_write_atomic_new_and_replace, scratch_setup,
						scratch_teardown),
		cmocka_unit_test_setup_teardown(test_write_atomic_never_replaces_a_dir, scratch_setup,
						scratch_teardown),
		cmocka_unit_test_setup_teardown(test_write_atomic_replaces_a_symlink_itself, scratch_setup,
						scratch_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
