/* Pure helpers of runtime/util*.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utc_rfc3339_known),
		cmocka_unit_test(test_utc_rfc3339_matches_gmtime),
		cmocka_unit_test(test_utc_rfc3339_truncates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
