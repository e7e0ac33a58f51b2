/* Calendar arithmetic without the C library's time zone machinery. */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "util.h"

/* Proleptic Gregorian date of a day count since 1970-01-01.  Shift the
 * epoch to 0000-03-01 so that leap days fall at the end of each year; the
 * calendar repeats every 400 years (146097 days). */
static void civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day)
{
	int64_t z = days + 719468; /* days from 0000-03-01 to 1970-01-01 */
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);			      /* [0, 146096] */
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);		      /* [0, 365] */
	unsigned mp = (5 * doy + 2) / 153;				      /* March = 0 */

	*day = doy - (153 * mp + 2) / 5 + 1;
	*month = mp < 10 ? mp + 3 : mp - 9;
	*year = (int64_t)yoe + era * 400 + (*month <= 2);
}

void rt_utc_rfc3339(const struct timespec *ts, bool nanoseconds, char *buf, size_t size)
{
	int64_t secs = (int64_t)ts->tv_sec, days = secs / 86400, rem = secs % 86400, year;
	unsigned month, day;
	int n;

	if (rem < 0) {
		rem += 86400;
		days--;
	}
	civil_from_days(days, &year, &month, &day);
	n = snprintf(buf, size, "%04" PRId64 "-%02u-%02uT%02u:%02u:%02u", year, month, day,
		     (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60), (unsigned)(rem % 60));
	if (n < 0 || (size_t)n >= size)
		return;
	if (nanoseconds)
		snprintf(buf + n, size - (size_t)n, ".%09ldZ", ts->tv_nsec);
	else
		snprintf(buf + n, size - (size_t)n, "Z");
}
