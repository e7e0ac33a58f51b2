/* The per-container state directory under the runtime root (--root).
 *
 *   ROOT/ID/            created with an atomic mkdir: two creates, one winner
 *   ROOT/ID/state.json  written atomically (temp + rename)
 *   ROOT/ID/config.json the spec as given at create time (hooks for delete)
 *   ROOT/ID/exec.fifo   exists between create and start; init waits on it
 *   ROOT/ID/.lock       flock()ed by every command touching the container
 *
 * Status is never stored: it is derived from the init pid (checked against
 * its start time so a recycled pid is never mistaken for the init), the fifo,
 * and the freezer. */
#ifndef CAPSA_RUNTIME_STATE_H
#define CAPSA_RUNTIME_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

enum rt_status {
	RT_STATUS_CREATING = 0,
	RT_STATUS_CREATED,
	RT_STATUS_RUNNING,
	RT_STATUS_PAUSED,
	RT_STATUS_STOPPED,
};

struct rt_state {
	char *id;
	pid_t pid;		 /* 0 while creating */
	uint64_t pid_start_time; /* field 22 of /proc/PID/stat */
	char *bundle;
	char *rootfs;  /* absolute */
	char *created; /* RFC 3339 */
	uid_t owner;
	char *cgroup_path;	/* as cg_path() returned */
	char *annotations_json; /* the spec's annotations as a JSON object text, or NULL */
	char *image;		/* image name when the rootfs is an image overlay */
	char *image_root;	/* the image store it came from */
	char *network;		/* network name when capsa attached one */
	bool keep_rootfs;
	bool shared_pidns; /* the init did not get a new pid namespace */
};

/* ROOT/ID into buf; -ENAMETOOLONG, -EINVAL for a bad id. */
int rt_state_dir(const char *root, const char *id, char *buf, size_t size);

/* Validate a container id: [A-Za-z0-9][A-Za-z0-9_+.-]*, at most 1024 chars. */
int rt_id_valid(const char *id, struct rt_err *err);

/* mkdir ROOT (0700) and ROOT/ID atomically: -EEXIST when the id is taken. */
int rt_state_create_dir(const char *root, const char *id, struct rt_err *err);

/* Remove ROOT/ID and everything in it (no symlinks followed). Idempotent. */
int rt_state_remove_dir(const char *root, const char *id);

/* Take the container's lock (blocking flock).  Returns the lock fd. */
int rt_state_lock(const char *root, const char *id, struct rt_err *err);

int rt_state_save(const char *root, const struct rt_state *st, struct rt_err *err);
/* -ENOENT with "container ID does not exist" when there is no state. */
int rt_state_load(const char *root, const char *id, struct rt_state *ret, struct rt_err *err);
void rt_state_clear(struct rt_state *st);

/* Status now: looks at the pid, its start time, the fifo and (when running)
 * the freezer through is_frozen (may be NULL). */
enum rt_status rt_state_status(const char *root, const struct rt_state *st,
			       int (*is_frozen)(const struct rt_state *st));
const char *rt_status_name(enum rt_status s);

/* True when pid is alive and has the given start time. */
bool rt_pid_is(pid_t pid, uint64_t start_time);
/* Start time of pid (field 22 of /proc/PID/stat), 0 if gone. */
uint64_t rt_pid_start_time(pid_t pid);

/* The OCI state JSON ({ociVersion,id,status,pid,bundle,annotations} plus
 * runc's rootfs, created, owner) as a malloc'd string. */
int rt_state_to_json(const struct rt_state *st, enum rt_status status, char **ret, struct rt_err *err);

/* All container ids under root (malloc'd array of malloc'd strings). */
int rt_state_list(const char *root, char ***ret, size_t *ret_n, struct rt_err *err);

#endif
