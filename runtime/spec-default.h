/* The config.json `capsa spec` writes: runc's `spec` template with capsa's
 * hardened defaults (/work/shared/SECURITY.md "Defaults"):
 *  - ociVersion 1.2.0; process: args ["sh"], env PATH and TERM, cwd "/",
 *    uid/gid 0, the docker default 14 capabilities in bounding, effective and
 *    permitted (inheritable and ambient empty), RLIMIT_NOFILE 1024,
 *    noNewPrivileges true;
 *  - process.terminal is FALSE (runc writes true): `capsa run` then works from
 *    scripts and CI without a tty; set it to true for an interactive shell;
 *  - root "rootfs" read-only, hostname "capsa";
 *  - runc's mounts (/proc, /dev, /dev/pts, /dev/shm, /dev/mqueue, /sys ro,
 *    /sys/fs/cgroup ro);
 *  - namespaces pid, network, ipc, uts, mount, cgroup;
 *  - maskedPaths and readonlyPaths; the default seccomp profile for the
 *    capability set (seccomp-default.h); a device cgroup rule denying all.
 * rootless (as `runc spec --rootless`): no network namespace, a user
 * namespace mapping 0 to the caller's euid/egid, /sys bind-mounted from the
 * host instead of a new sysfs, no uid=/gid= mount options, no resources. */
#ifndef CAPSA_RUNTIME_SPEC_DEFAULT_H
#define CAPSA_RUNTIME_SPEC_DEFAULT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"

/* The docker default capability set as a CAP_* bitmask. */
uint64_t rt_spec_default_caps(void);

/* The default config as a new JSON object. */
int rt_spec_default_json(bool rootless, json_t **ret, struct rt_err *err);

/* Write the default config to bundle_dir/config.json.  An existing file is
 * never overwritten: -EEXIST with "File config.json exists. Remove it first". */
int rt_spec_default_write(const char *bundle_dir, bool rootless, struct rt_err *err);

#endif
