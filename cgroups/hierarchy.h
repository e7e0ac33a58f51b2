/* Where the cgroup hierarchies are mounted and which controller lives where.
 * Parsed once per process from /proc/self/cgroup and /proc/self/mountinfo
 * (cgroup mounts, and cgroup2 at /sys/fs/cgroup or /sys/fs/cgroup/unified
 * as runc and crun; read until every hierarchy the process is in has its
 * mount). */
#ifndef CAPSA_CGROUPS_HIERARCHY_H
#define CAPSA_CGROUPS_HIERARCHY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroups/cgroup.h"
#include "cgroups/convert.h"
#include "runtime/err.h"

struct cg_hier {
	bool v2;
	uint32_t ctrls; /* v1: controllers bound here; v2: the root's cgroup.controllers */
	char *name;	/* v1 named hierarchy ("systemd" for name=systemd), else NULL */
	char *mnt;	/* mount point */
	char *root;	/* the mount's root inside the hierarchy ("/" unless bind-mounted) */
	char *self;	/* the caller's cgroup in this hierarchy, NULL if not listed */
};

struct cg_host {
	struct cg_hier *h;
	size_t n;
	int v2; /* index of the v2 hierarchy in h, -1 when there is none */
	enum cg_layout layout;
	int where[CG_CTRL_MAX]; /* index in h of each controller, -1 when missing */
};

/* Pure parser (unit-tested): mountinfo and proc_cgroup are the text of
 * /proc/self/mountinfo and /proc/self/cgroup, v2_controllers the content of
 * cgroup.controllers at the v2 mount (NULL when unknown).  Mounts of the same
 * hierarchy seen twice are kept once (the first). */
int cg_host_parse(const char *mountinfo, const char *proc_cgroup, const char *v2_controllers,
		  struct cg_host *ret, struct rt_err *err);

/* The same in steps: host starts as { .v2 = -1 }; feed it mountinfo's
 * complete lines as they are read; cg_host_has_all says whether every
 * hierarchy listed in proc_cgroup has its mount already (the rest of
 * mountinfo cannot change the result then; the "0::" line counts only when
 * v2_mounted: cgroup2 is at /sys/fs/cgroup or /sys/fs/cgroup/unified, the
 * only places a cgroup2 mount is taken from); finish with proc_cgroup and
 * v2_controllers.  Feed and finish return -errno; finish clears host on
 * failure, as parse does. */
int cg_host_feed_mounts(struct cg_host *host, const char *lines);
bool cg_host_has_all(const struct cg_host *host, const char *proc_cgroup, bool v2_mounted);
int cg_host_finish(struct cg_host *host, const char *proc_cgroup, const char *v2_controllers,
		   struct rt_err *err);

/* The host of the calling process, read once and cached (never freed). */
int cg_host_get(const struct cg_host **ret, struct rt_err *err);

void cg_host_clear(struct cg_host *h);

/* Directory of `path` (absolute inside the hierarchy) on the file system:
 * mnt + path with the mount root stripped.  malloc'd, NULL on ENOMEM. */
char *cg_hier_dir(const struct cg_hier *h, const char *path);

/* The deepest directory every hierarchy's mount point is in or is
 * ("/sys/fs/cgroup"), copied to buf; returns its length, 0 when it would be
 * "/" or does not fit (at.c). */
size_t cg_mounts_dir(const struct cg_host *host, char *buf, size_t size);

/* Label for messages: "memory", "cpu,cpuacct", "name=systemd", "unified". */
void cg_hier_label(const struct cg_hier *h, char *buf, size_t size);

#endif
