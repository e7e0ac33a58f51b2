/* Lock-free state queries: see container-query.h. */
#include "container-query.h"

#include <jansson.h>
#include <stdlib.h>

#include "cgroups/cgroup.h"
#include "util.h"

DEFINE_CLEANUP_FUNC(struct cg_manager *, cg_free)

static int frozen(const struct rt_state *st)
{
	_cleanup_(cg_freep) struct cg_manager *cg = NULL;
	struct rt_err ignored;

	if (!st->cgroup_path || cg_open(st->cgroup_path, st->id, &cg, &ignored) < 0)
		return 0;
	return cg_is_frozen(cg) > 0;
}

int rt_container_query(const char *root, const char *id, struct rt_state *ret, enum rt_status *ret_status,
		       struct rt_err *err)
{
	struct rt_state st = { 0 };
	int r;

	if (rt_id_valid(id, err) < 0)
		return rt_err_msg(err, ENOENT, "container %s does not exist", id);
	r = rt_state_load(root, id, &st, err);
	if (r < 0)
		return r;
	*ret_status = rt_state_status(root, &st, frozen);
	*ret = st;
	return 0;
}

int rt_container_oom_kills(const char *root, const char *id, uint64_t *ret, struct rt_err *err)
{
	_cleanup_(cg_freep) struct cg_manager *cg = NULL;
	_cleanup_free_ char *summary = NULL;
	struct rt_state st = { 0 };
	json_t *o;
	json_int_t n;
	int r;

	if (rt_id_valid(id, err) < 0)
		return rt_err_msg(err, ENOENT, "container %s does not exist", id);
	r = rt_state_load(root, id, &st, err);
	if (r >= 0)
		r = cg_open(st.cgroup_path, st.id, &cg, err);
	rt_state_clear(&st);
	if (r < 0)
		return r;
	/* the summary is the facade's one reader of the OOM counter */
	r = cg_summary_json(cg, &summary, err);
	if (r < 0)
		return r;
	o = json_loads(summary, 0, NULL);
	if (!o)
		return rt_err_msg(err, EINVAL, "container %s: unreadable cgroup summary", id);
	n = json_integer_value(json_object_get(o, "oom_kills"));
	json_decref(o);
	*ret = n > 0 ? (uint64_t)n : 0;
	return 0;
}
