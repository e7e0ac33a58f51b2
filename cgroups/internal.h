/* What cgroup.c, resources.c, stats.c and devices.c share: the manager struct
 * and helpers that find a controller's directory and read/write its files with
 * errors that name the file and the value.  Not for use outside cgroups/. */
#ifndef CAPSA_CGROUPS_INTERNAL_H
#define CAPSA_CGROUPS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "cgroups/cgroup.h"
#include "cgroups/convert.h"
#include "cgroups/hierarchy.h"

struct cg_manager {
	const struct cg_host *host;
	char *path;	   /* absolute path inside every hierarchy */
	char **dirs;	   /* host->n directories on disk */
	int *created;	   /* per hierarchy: path components cg_create made (for its rollback) */
	uint32_t v2_ctrls; /* controllers enabled for the v2 cgroup (its cgroup.controllers) */
	bool v2_ctrls_known;
	int bpf_prog_fd;      /* the device program we attached (v2), -EBADF if none */
	uint32_t best_effort; /* CG_BIT()s whose limits are skipped where the host lacks them */
};

/* Directory holding controller c for this container, NULL when the host
 * has no such controller. */
const char *cg_ctrl_dir(const struct cg_manager *m, enum cg_ctrl c);
/* true when controller c lives in the v2 hierarchy. */
bool cg_ctrl_is_v2(const struct cg_manager *m, enum cg_ctrl c);
/* The v2 directory, NULL on pure v1. */
const char *cg_v2_dir(const struct cg_manager *m);

/* Write value to FILE of controller c: errors read
 * "memory.max: write 1k: Invalid argument", or name the missing controller. */
int cg_write(struct cg_manager *m, enum cg_ctrl c, const char *file, const char *value, struct rt_err *err);
/* Same, into a given directory (label used in messages = file). */
int cg_write_dir(const char *dir, const char *file, const char *value, struct rt_err *err);
/* Read FILE of controller c (malloc'd, NUL-terminated); -errno, no message. */
int cg_read(const struct cg_manager *m, enum cg_ctrl c, const char *file, char **ret);
/* Read a file holding one integer ("max" reads as -1). */
int cg_read_u64(const struct cg_manager *m, enum cg_ctrl c, const char *file, int64_t *ret);
/* Find "key N" in a flat-keyed file (memory.stat, cpu.stat, memory.events...). */
int cg_read_keyed(const struct cg_manager *m, enum cg_ctrl c, const char *file, const char *key,
		  int64_t *ret);
/* Error unless controller c exists: "the memory controller is not available on this host". */
int cg_require(const struct cg_manager *m, enum cg_ctrl c, const char *what, struct rt_err *err);

/* at.c: a path under the cgroup mounts as (dirfd, rest), the lookup starting
 * below /sys (see there); AT_FDCWD and the path itself for any other path,
 * or before cg_at_init, or in a child of the process that called it. */
void cg_at_init(const struct cg_host *host);
int cg_at(const char *path, const char **rel);

/* resources.c: apply everything in res; update = the `update` verb
 * (checkBeforeUpdate applies, device rules only when listed). */
int cg_apply_resources(struct cg_manager *m, const struct rt_resources *res, bool update, struct rt_err *err);

#endif
