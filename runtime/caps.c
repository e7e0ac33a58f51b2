#include "caps.h"

#include <stdio.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "util.h"

int rt_caps_last(void)
{
	static int last = -1;

	if (last < 0) {
		/* cap_max_bits() asks the kernel once (prctl probing) */
		last = (int)cap_max_bits() - 1;
		if (last < 0 || last > 63)
			last = CAP_LAST_CAP;
	}
	return last;
}

int rt_caps_apply_bounding(const struct rt_caps *c, struct rt_err *err)
{
	int last = rt_caps_last();

	for (int cap = 0; cap <= last; cap++) {
		if (c->bounding & (1ULL << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return rt_err_set(err, errno, "drop capability %d from the bounding set", cap);
	}
	return 0;
}

static void free_cap(cap_t *c)
{
	if (*c)
		cap_free(*c);
}

int rt_caps_apply(const struct rt_caps *c, struct rt_err *err)
{
	_cleanup_(free_cap) cap_t caps = cap_init();
	int last = rt_caps_last();

	if (!caps)
		return rt_err_set(err, errno, "capabilities");
	for (int i = 0; i <= last; i++) {
		cap_value_t v = (cap_value_t)i;
		uint64_t bit = 1ULL << i;

		if ((c->effective & bit) && cap_set_flag(caps, CAP_EFFECTIVE, 1, &v, CAP_SET) < 0)
			return rt_err_set(err, errno, "capability %d", i);
		if ((c->permitted & bit) && cap_set_flag(caps, CAP_PERMITTED, 1, &v, CAP_SET) < 0)
			return rt_err_set(err, errno, "capability %d", i);
		if ((c->inheritable & bit) && cap_set_flag(caps, CAP_INHERITABLE, 1, &v, CAP_SET) < 0)
			return rt_err_set(err, errno, "capability %d", i);
	}
	if (cap_set_proc(caps) < 0)
		return rt_err_set(err, errno, "set capabilities");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return rt_err_set(err, errno, "clear ambient capabilities");
	for (int i = 0; i <= last; i++) {
		if (!(c->ambient & (1ULL << i)))
			continue;
		/* like runc: an ambient capability that is not also permitted and
		 * inheritable cannot be raised; that is not fatal */
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, i, 0, 0) < 0 && errno != EPERM)
			return rt_err_set(err, errno, "raise ambient capability %d", i);
	}
	return 0;
}
