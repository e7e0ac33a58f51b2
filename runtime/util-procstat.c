/* /proc/PID/stat: "PID (COMM) STATE FIELD4 FIELD5 ...".  COMM is whatever
 * the process named itself (spaces and parentheses included), so fields
 * are counted from the last ')'. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

int rt_proc_stat_read(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n <= 0)
		return n < 0 ? (int)n : -ENODATA;
	buf[n] = '\0';
	return 0;
}

/* Field 3 (the state letter), or NULL when stat is not one. */
static const char *state_field(const char *stat)
{
	const char *p = strrchr(stat, ')');

	return p && p[1] == ' ' && p[2] && p[2] != ' ' ? p + 2 : NULL;
}

char rt_proc_stat_state(const char *stat)
{
	const char *p = state_field(stat);

	return p ? *p : '\0';
}

int rt_proc_stat_fields(const char *stat, int first, int last, unsigned long long *out)
{
	const char *p = state_field(stat);
	char *end;

	if (!p || first < 4 || last < first)
		return -EINVAL;
	for (int field = 4; field <= last; field++) {
		p = strchr(p, ' ');
		if (!p)
			return -EINVAL;
		p++;
		if (field < first)
			continue;
		/* strtoull takes a sign; the negative fields (priority, nice)
		 * come back as their two's complement */
		out[field - first] = strtoull(p, &end, 10);
		if (end == p || (*end != ' ' && *end != '\n' && *end != '\0'))
			return -EINVAL;
	}
	return 0;
}
