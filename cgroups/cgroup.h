/* The one facade over cgroup v2, v1 and hybrid hosts.  Nothing outside cgroups/
 * knows which hierarchy a controller lives in.
 *
 * Life of a container's cgroup:
 *   cg_open()      resolve the path (cgroupsPath or /capsa-<id>), detect the host layout
 *   cg_create()    mkdir in every hierarchy, enable controllers, apply resources + devices
 *   cg_join_open() the init (or an exec'd process) joins at clone/first thing;
 *                  cg_add_pid() moves any pid in from outside
 *   ...            cg_update / cg_freeze / cg_stats / cg_pids / cg_kill
 *   cg_destroy()   kill what is left, rmdir everywhere (EBUSY retried briefly)
 *   cg_free()
 * A later command (start, kill, delete, pause...) calls cg_open() with the
 * absolute path that cg_path() returned at create time and gets the same cgroup. */
#ifndef CAPSA_CGROUPS_CGROUP_H
#define CAPSA_CGROUPS_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/err.h"
#include "runtime/spec.h"

enum cg_layout { CG_LAYOUT_V1 = 1, CG_LAYOUT_HYBRID, CG_LAYOUT_V2 };

struct cg_manager;

/* Detect the host layout (cached per process). */
enum cg_layout cg_layout(void);

/* cgroups_path: the spec's linux.cgroupsPath or NULL (then "/capsa-<id>", flat as runc's "/<id>").
 * A relative path is relative to the calling process's own cgroup, taken
 * from one reference hierarchy (v2 when present, else the first v1 one) and
 * used in all of them, so that cg_path() is one absolute path that a later
 * cg_open() reopens (runc resolves per hierarchy; on hosts where the caller
 * sits in different cgroups per hierarchy the two differ).  ".." components
 * are refused.  Does not create anything. */
int cg_open(const char *cgroups_path, const char *id, struct cg_manager **ret, struct rt_err *err);
void cg_free(struct cg_manager *m);

/* Absolute path of the container's cgroup inside each hierarchy ("/capsa-ID"). */
const char *cg_path(const struct cg_manager *m);

/* Create the cgroup in every hierarchy and apply res (may be NULL) and the
 * device rules: deny everything, then res->devices in order, then runc's
 * default allow list (null, zero, full, random, urandom, tty, console, ptmx,
 * pts, tun) -- the order runc uses, so a spec that starts with a blanket deny
 * still gets /dev/null.  Unlike runc, no "mknod of anything" rule: a device
 * off the list cannot be created either, unless the spec allows "m".  On v2 every controller the
 * parents offer is enabled in cgroup.subtree_control along the path (as
 * runc).  A resource whose controller the host lacks (or does not enable
 * for the cgroup) is an error naming the controller, unless res->best_effort
 * (the annotation org.capsa.cgroups.best-effort, convert.h) lists that
 * controller: then it is skipped with one rt_warn() naming the controller
 * and the field.  Device rules are never skipped.  cg_update() alike.  On
 * failure everything it created is removed again. */
int cg_create(struct cg_manager *m, const struct rt_resources *res, struct rt_err *err);

/* cg_create() in two steps, for a caller that starts the process in
 * between: cg_create_v2() makes the v2 directory only (nothing on pure v1),
 * for CLONE_INTO_CGROUP; cg_create_rest() the v1 ones, and applies res.
 * Each removes what it made when it fails, except that cg_create_rest()
 * leaves the v2 part, which may hold the process by then, to cg_destroy(). */
int cg_create_v2(struct cg_manager *m, struct rt_err *err);
int cg_create_rest(struct cg_manager *m, const struct rt_resources *res, struct rt_err *err);
/* Whether any hierarchy is v1 (v1 and hybrid hosts); whether one is v2
 * (pure v2, and hybrid hosts with the unified hierarchy mounted). */
bool cg_has_v1(const struct cg_manager *m);
bool cg_has_v2(const struct cg_manager *m);

/* What a container's cgroup mount shows of one hierarchy (runtime/mount-cgroup.c):
 * its mount point on the host, the container's cgroup directory in it,
 * and for v1 its controllers as mount options ("cpu,cpuacct",
 * "name=systemd").  Pointers into m, valid while it lives. */
struct cg_view {
	const char *mnt;
	const char *dir;
	char opts[256];
	bool v2;
};
/* One per hierarchy, at most max; returns how many. */
size_t cg_views(const struct cg_manager *m, struct cg_view *v, size_t max);

/* Move pid into the cgroup in every hierarchy. */
int cg_add_pid(struct cg_manager *m, pid_t pid, struct rt_err *err);

/* How a new process joins the cgroup without the kernel's global lock (see
 * join.c): clone_fd (the v2 directory, -1 when none) goes to clone3's
 * CLONE_INTO_CGROUP; the new process itself calls cg_join_self() first thing,
 * which writes "0" into the `tasks` file of every v1 hierarchy.  n == 0: the
 * process is in all its cgroups at birth (pure v2). */
struct cg_join {
	int clone_fd;
	int fds[32];
	size_t hier[32];
	size_t n;
	const struct cg_manager *m;
};
int cg_join_open(struct cg_manager *m, struct cg_join *j, struct rt_err *err);
/* The same for a part: CG_JOIN_V2 (clone_fd), CG_JOIN_V1 (the tasks files),
 * for a process that joins the v1 hierarchies later than its birth. */
enum { CG_JOIN_V2 = 1, CG_JOIN_V1 = 2 };
int cg_join_open_parts(struct cg_manager *m, unsigned parts, struct cg_join *j, struct rt_err *err);
/* The tasks files that cg_join_open_parts(CG_JOIN_V1) opened in another
 * process, received in this one (fds in the same order); takes the fds. */
int cg_join_adopt(struct cg_manager *m, const int *fds, size_t n, struct cg_join *j, struct rt_err *err);
/* In the new, single-threaded process; closes the fds. */
int cg_join_self(struct cg_join *j, struct rt_err *err);
/* From outside, when clone3 could not place pid (kernel < 5.7): the v2 part. */
int cg_join_v2_pid(struct cg_join *j, pid_t pid, struct rt_err *err);
void cg_join_close(struct cg_join *j);

/* Apply new limits to a live cgroup (the update verb). */
int cg_update(struct cg_manager *m, const struct rt_resources *res, struct rt_err *err);

/* Freeze (true) or thaw (false) and wait until the kernel says it is done. */
int cg_freeze(struct cg_manager *m, bool frozen, struct rt_err *err);
/* 1 frozen, 0 not, < 0 error */
int cg_is_frozen(struct cg_manager *m);

/* All pids in the cgroup (recursively).  *ret malloc'd. */
int cg_pids(struct cg_manager *m, pid_t **ret, size_t *ret_n, struct rt_err *err);

/* Send sig to every process in the cgroup (cgroup.kill for SIGKILL on v2).
 * SIGKILL is repeated until only zombies are left (forks racing the kill),
 * and a frozen cgroup is thawed so the kill takes effect. */
int cg_kill(struct cg_manager *m, int sig, struct rt_err *err);

/* Stats in runc's `events --stats` "data" JSON shape, as a malloc'd string. */
int cg_stats_json(struct cg_manager *m, char **ret, struct rt_err *err);

/* One-line summary for `capsa run --stats`: {"memory_peak_bytes":N,
 * "cpu_usage_usec":N,"cpu_user_usec":N,"cpu_system_usec":N,"pids_peak":N,
 * "oom_kills":N}; malloc'd.  Peak memory: memory.peak (v2, 5.19+; else
 * memory.current) or memory.max_usage_in_bytes (v1); pids.peak when the
 * kernel has it, else pids.current.  Read it before cg_destroy(). */
int cg_summary_json(struct cg_manager *m, char **ret, struct rt_err *err);

/* 1 when an OOM kill happened in the cgroup, 0 when not. */
int cg_oom_killed(struct cg_manager *m);

/* Kill what is left and remove the cgroup in every hierarchy.  Idempotent:
 * a cgroup that is already gone is success.  Zombies keep a cgroup busy:
 * the caller must have reaped its own children first (EBUSY is retried for
 * about 2 s).  An empty "capsa" parent directory is removed too (failing
 * quietly when another container still uses it). */
int cg_destroy(struct cg_manager *m, struct rt_err *err);

#endif
