/* The OCI runtime-spec config.json (Linux part, runtime-spec 1.0-1.3) as typed C
 * structs.  spec.c is the only code that sees JSON: it fills these structs, checks
 * every value, and nothing after it needs to validate types again.
 *
 * Conventions:
 *  - strings are owned, NUL-terminated, NULL when absent;
 *  - arrays are `T *xs; size_t n_xs;`;
 *  - optional scalars carry a `has_*` flag (the OCI spec distinguishes "unset"
 *    from 0 for almost every resource value);
 *  - uint64 values above INT64_MAX cannot be represented by jansson and are
 *    rejected with an error naming the field, except the documented sentinels
 *    (-1 for "unlimited" where the spec allows it).
 *
 * Parser decisions (spec.c, spec-linux.c, spec-resources.c):
 *  - unknown keys are ignored (the spec requires it); a JSON null counts as
 *    "absent", as in runc (Go's encoding/json);
 *  - duplicate keys, "\u0000" in strings, invalid UTF-8, files larger than
 *    RT_SPEC_MAX_SIZE and integers above INT64_MAX are errors.  The one
 *    exception: the literal 18446744073709551615 (UINT64_MAX, what Go writes
 *    for RLIM_INFINITY and "unset") is read as -1, which rlimits soft/hard and
 *    seccomp args value/valueTwo take as UINT64_MAX, memory.swappiness as
 *    "unset", and the int64 memory fields as "unlimited"; other fields reject it;
 *  - integer fields reject reals (1.0, 1e3) and values outside the C type;
 *  - string arrays (char **) carry one extra NULL element, for execve();
 *  - checks need no host: whether this machine can honour a field is the
 *    caller's business (e.g. a seccomp architecture libseccomp lacks);
 *  - ignored: linux.netDevices, process.commandLine, windows/solaris/vm/zos/
 *    freebsd sections.
 */
#ifndef CAPSA_RUNTIME_SPEC_H
#define CAPSA_RUNTIME_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

/* Namespaces, in the order capsa joins/creates them. */
enum rt_ns_type {
	RT_NS_USER = 0,
	RT_NS_PID,
	RT_NS_NET,
	RT_NS_MOUNT,
	RT_NS_IPC,
	RT_NS_UTS,
	RT_NS_CGROUP,
	RT_NS_TIME,
	RT_NS_MAX
};

struct rt_namespace {
	bool present; /* listed in linux.namespaces */
	char *path;   /* join this one instead of creating a new one */
};

struct rt_idmap {
	uint32_t container_id, host_id, size;
};

/* Mount flags come pre-parsed from options: flags for mount(2), the
 * propagation to apply after, and what stays a string for the fs (data). */
struct rt_mount {
	char *destination; /* absolute (relative accepted and resolved against /, as runc) */
	char *type;	   /* may be NULL: then "bind" if options say bind/rbind */
	char *source;
	char **options; /* raw, kept for state/hooks */
	size_t n_options;
	unsigned long flags;	   /* MS_* set */
	unsigned long clear_flags; /* MS_* explicitly cleared (rw, dev, suid, exec...) */
	unsigned long propagation; /* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE(|MS_REC) or 0 */
	bool bind;		   /* bind or rbind */
	bool recursive;		   /* rbind, or r* propagation */
	bool idmap;		   /* "idmap"/"ridmap" option */
	char *data;		   /* comma-joined fs-specific options, NULL if none */
	struct rt_idmap *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
	/* Added by the parser.  `flags`/`clear_flags` hold only the per-mount
	 * MS_* bits (RDONLY, NOSUID, NODEV, NOEXEC, SYNCHRONOUS, DIRSYNC, REMOUNT,
	 * MANDLOCK, NOATIME, NODIRATIME, RELATIME, STRICTATIME, NOSYMFOLLOW,
	 * I_VERSION, LAZYTIME, SILENT); never MS_BIND/MS_REC or propagation.  The
	 * last of two opposite options wins.  The recursive r* options (rro,
	 * rnosuid, rnoatime, ...) land in attr_set/attr_clr as MOUNT_ATTR_* for
	 * mount_setattr(AT_RECURSIVE); an atime one also puts MOUNT_ATTR__ATIME in
	 * attr_clr (ratime, rnorelatime, rnostrictatime mean relatime). */
	uint64_t attr_set, attr_clr;
	bool idmap_recursive; /* "ridmap" */
	bool tmpcopyup;	      /* "tmpcopyup" seen; not in data, capsa ignores it */
};

#define RT_MOUNT_ATTR_NOSYMFOLLOW 0x00200000u

struct rt_rlimit {
	int resource; /* RLIMIT_* */
	uint64_t soft, hard;
};

/* Capability sets as bitmasks indexed by CAP_* numbers (libcap's values). */
struct rt_caps {
	bool present;
	uint64_t bounding, effective, inheritable, permitted, ambient;
};

struct rt_user {
	uint32_t uid, gid;
	bool has_umask;
	uint32_t umask;
	uint32_t *additional_gids;
	size_t n_additional_gids;
	char *username; /* Windows only; ignored */
};

struct rt_scheduler {
	bool present;
	int policy; /* SCHED_* */
	bool has_nice;
	int32_t nice;
	bool has_priority;
	int32_t priority;
	uint64_t flags; /* SCHED_FLAG_* */
	uint64_t runtime, deadline, period;
};

struct rt_io_priority {
	bool present;
	int class; /* IOPRIO_CLASS_RT/BE/IDLE */
	int priority;
};

struct rt_process {
	bool terminal;
	bool has_console_size;
	uint32_t console_height, console_width;
	struct rt_user user;
	char **args;
	size_t n_args;
	char **env;
	size_t n_env;
	char *cwd;
	struct rt_caps caps;
	struct rt_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	char *apparmor_profile;
	char *selinux_label;
	bool has_oom_score_adj;
	int oom_score_adj;
	struct rt_scheduler scheduler;
	struct rt_io_priority io_priority;
	char *exec_cpu_affinity_initial; /* cpu list strings, NULL when absent */
	char *exec_cpu_affinity_final;
};

struct rt_hook {
	char *path;
	char **args;
	size_t n_args;
	char **env;
	size_t n_env;
	bool has_timeout;
	int timeout; /* seconds, > 0 */
};

enum rt_hook_kind {
	RT_HOOK_PRESTART = 0,
	RT_HOOK_CREATE_RUNTIME,
	RT_HOOK_CREATE_CONTAINER,
	RT_HOOK_START_CONTAINER,
	RT_HOOK_POSTSTART,
	RT_HOOK_POSTSTOP,
	RT_HOOK_MAX
};

struct rt_hooks {
	struct rt_hook *hooks[RT_HOOK_MAX];
	size_t n_hooks[RT_HOOK_MAX];
};

struct rt_device {
	char type; /* 'c', 'b', 'u', 'p' */
	char *path;
	int64_t major, minor;
	bool has_file_mode;
	uint32_t file_mode;
	bool has_uid, has_gid;
	uint32_t uid, gid;
};

/* linux.resources.devices[] */
struct rt_device_rule {
	bool allow;
	char type;	      /* 'a', 'c', 'b' ('a' when absent) */
	int64_t major, minor; /* -1 = wildcard */
	char access[4];	      /* subset of "rwm"; "rwm" when absent */
};

struct rt_weight_device {
	int64_t major, minor;
	bool has_weight, has_leaf_weight;
	uint16_t weight, leaf_weight;
};

struct rt_throttle_device {
	int64_t major, minor;
	uint64_t rate;
};

struct rt_hugepage_limit {
	char *page_size; /* "2MB", "1GB" */
	uint64_t limit;
};

struct rt_net_priority {
	char *name;
	uint32_t priority;
};

struct rt_rdma {
	char *device;
	bool has_hca_handles, has_hca_objects;
	uint32_t hca_handles, hca_objects;
};

struct rt_kv {
	char *key, *value;
};

struct rt_resources {
	bool present;

	struct rt_device_rule *devices;
	size_t n_devices;

	struct {
		bool has_limit, has_reservation, has_swap, has_kernel, has_kernel_tcp, has_swappiness;
		int64_t limit, reservation, swap, kernel, kernel_tcp; /* -1 = unlimited */
		uint64_t swappiness;
		bool disable_oom_killer, use_hierarchy, check_before_update;
	} memory;

	struct {
		bool has_shares, has_quota, has_burst, has_period, has_realtime_runtime, has_realtime_period,
		    has_idle;
		uint64_t shares, period, realtime_period, burst;
		int64_t quota, realtime_runtime, idle;
		char *cpus, *mems;
	} cpu;

	struct {
		bool has_limit;
		int64_t limit; /* -1 or 0 = unlimited (0 per runtime-spec 1.2 means max) */
	} pids;

	struct {
		bool has_weight, has_leaf_weight;
		uint16_t weight, leaf_weight;
		struct rt_weight_device *weight_device;
		size_t n_weight_device;
		struct rt_throttle_device *throttle_read_bps, *throttle_write_bps, *throttle_read_iops,
		    *throttle_write_iops;
		size_t n_throttle_read_bps, n_throttle_write_bps, n_throttle_read_iops, n_throttle_write_iops;
	} block_io;

	struct rt_hugepage_limit *hugepage_limits;
	size_t n_hugepage_limits;

	struct {
		bool has_class_id;
		uint32_t class_id;
		struct rt_net_priority *priorities;
		size_t n_priorities;
	} network;

	struct rt_rdma *rdma;
	size_t n_rdma;

	struct rt_kv *unified; /* raw cgroup v2 "file": "value" */
	size_t n_unified;

	/* Not from linux.resources: a copy of the annotation
	 * RT_ANNOTATION_BEST_EFFORT (its values: cgroups/convert.h), NULL when
	 * absent.  The spec parser fills it; `update` from the container's
	 * state. */
	char *best_effort;
};

/* The annotation that makes cgroup limits best-effort. */
#define RT_ANNOTATION_BEST_EFFORT "org.capsa.cgroups.best-effort"

struct rt_seccomp_arg {
	uint32_t index;
	uint64_t value, value_two;
	int op; /* SCMP_CMP_* (libseccomp enum scmp_compare) */
};

/* Actions are libseccomp values with an empty payload: SCMP_ACT_ERRNO(0) and
 * SCMP_ACT_TRACE(0) for ERRNO/TRACE; SCMP_ACT_KILL is SCMP_ACT_KILL_THREAD.
 * errnoRet travels separately (has_errno_ret/errno_ret, 0..65535, accepted only
 * with ERRNO or TRACE); when absent the spec's default is EPERM, so the loader
 * builds SCMP_ACT_ERRNO(has_errno_ret ? errno_ret : EPERM).  The parser also
 * checks: NOTIFY is not a default action, NOTIFY needs listenerPath,
 * listenerMetadata needs listenerPath, args[].index < 6.  Architectures hold
 * SCMP_ARCH_* tokens for every OCI name even if this libseccomp lacks one. */
struct rt_seccomp_rule {
	char **names;
	size_t n_names;
	uint32_t action; /* SCMP_ACT_* without errno/trace payload */
	bool has_errno_ret;
	uint32_t errno_ret;
	struct rt_seccomp_arg *args;
	size_t n_args;
};

struct rt_seccomp {
	bool present;
	uint32_t default_action; /* SCMP_ACT_* base */
	bool has_default_errno_ret;
	uint32_t default_errno_ret;
	uint32_t *architectures; /* SCMP_ARCH_* tokens */
	size_t n_architectures;
	char **flags; /* SECCOMP_FILTER_FLAG_* names, validated */
	size_t n_flags;
	char *listener_path;
	char *listener_metadata;
	struct rt_seccomp_rule *syscalls;
	size_t n_syscalls;
};

struct rt_personality {
	bool present;
	unsigned long domain; /* PER_LINUX or PER_LINUX32 */
	char **flags;
	size_t n_flags;
};

struct rt_intel_rdt {
	bool present;
	char *clos_id, *l3_cache_schema, *mem_bw_schema;
	bool enable_cmt, enable_mbm;
	char **schemata; /* runtime-spec 1.3; no newlines in any schema string */
	size_t n_schemata;
	bool enable_monitoring;
};

/* linux.memoryPolicy (runtime-spec 1.3), for set_mempolicy(2). */
#define RT_MPOL_F_NUMA_BALANCING (1u << 13)
#define RT_MPOL_F_RELATIVE_NODES (1u << 14)
#define RT_MPOL_F_STATIC_NODES	 (1u << 15)
struct rt_memory_policy {
	bool present;
	int mode;	/* MPOL_DEFAULT(0) .. MPOL_WEIGHTED_INTERLEAVE(6) */
	unsigned flags; /* RT_MPOL_F_* */
	char *nodes;	/* node list string, NULL when absent */
};

struct rt_linux {
	struct rt_namespace namespaces[RT_NS_MAX];
	struct rt_idmap *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
	struct {
		bool has_monotonic, has_boottime;
		int64_t monotonic_secs, boottime_secs;
		uint32_t monotonic_nanosecs, boottime_nanosecs;
	} time_offsets;
	struct rt_device *devices;
	size_t n_devices;
	char *cgroups_path;
	struct rt_resources resources;
	unsigned long rootfs_propagation; /* MS_* | MS_REC, 0 = default (rprivate) */
	struct rt_seccomp seccomp;
	struct rt_kv *sysctl;
	size_t n_sysctl;
	char **masked_paths;
	size_t n_masked_paths;
	char **readonly_paths;
	size_t n_readonly_paths;
	char *mount_label;
	struct rt_personality personality;
	struct rt_intel_rdt intel_rdt;
	struct rt_memory_policy memory_policy;
};

struct rt_spec {
	char *oci_version;
	char *root_path; /* as written in the spec (may be relative to the bundle) */
	bool root_readonly;
	struct rt_mount *mounts;
	size_t n_mounts;
	bool has_process;
	struct rt_process process;
	char *hostname;
	char *domainname;
	struct rt_hooks hooks;
	struct rt_kv *annotations;
	size_t n_annotations;
	bool has_linux;
	struct rt_linux linux_;
};

/* Parse a config.json held in memory.  `name` is used in messages
 * ("config.json: process.args: ...").  On failure returns -EINVAL (or
 * -ENOMEM, or -EFBIG above RT_SPEC_MAX_SIZE) with err filled; *ret is written
 * only on success.  Syntax errors read "NAME: invalid JSON at line L, column
 * C: <jansson's text>"; the others "NAME: json.path: reason", e.g.
 * "config.json: linux.namespaces[2].type: unknown namespace type \"foo\"". */
int rt_spec_parse(const char *buf, size_t len, const char *name, struct rt_spec **ret, struct rt_err *err);

/* Parse flags. */
enum {
	/* process.args may be absent or empty: an image config fills it later;
	 * the caller must then check it is non-empty itself. */
	RT_SPEC_ARGS_OPTIONAL = 1u << 0,
};
int rt_spec_parse_flags(const char *buf, size_t len, const char *name, unsigned flags, struct rt_spec **ret,
			struct rt_err *err);
int rt_spec_load_flags(const char *path, unsigned flags, struct rt_spec **ret, struct rt_err *err);
/* The file alone (at most RT_SPEC_MAX_SIZE bytes), for a caller that keeps
 * the exact bytes it parsed; *ret_buf malloc'd and NUL-terminated. */
int rt_spec_read(const char *path, char **ret_buf, size_t *ret_len, struct rt_err *err);

/* Read and parse a file (size capped at RT_SPEC_MAX_SIZE); messages are
 * prefixed with `path` as given. */
#define RT_SPEC_MAX_SIZE (16u * 1024 * 1024)
int rt_spec_load(const char *path, struct rt_spec **ret, struct rt_err *err);

/* Parse a standalone process.json (the `exec --process` form), with the
 * same checks as config.json's process (args non-empty, cwd absolute).
 * Paths in messages are relative to the object ("process.json: cwd: ...");
 * name defaults to "process.json", and to "resources.json" below. */
int rt_process_parse(const char *buf, size_t len, const char *name, struct rt_process *ret,
		     struct rt_err *err);
void rt_process_clear(struct rt_process *p);

/* Parse linux.resources on its own (the `update --resources` form). */
int rt_resources_parse(const char *buf, size_t len, const char *name, struct rt_resources *ret,
		       struct rt_err *err);
void rt_resources_clear(struct rt_resources *r);

void rt_spec_free(struct rt_spec *s);

/* Lookups shared with the CLI (kill) and the parser. */
int rt_signal_from_name(const char *name);	/* "KILL", "SIGKILL", "9" -> 9; -EINVAL */
const char *rt_ns_type_name(enum rt_ns_type t); /* "pid", "network", ... */
int rt_ns_clone_flag(enum rt_ns_type t);	/* CLONE_NEW* */
/* "pid" -> RT_NS_PID ...; -EINVAL for an unknown name. */
int rt_ns_type_from_name(const char *name);

/* Free an owned key/value array (annotations, sysctl, unified). */
void rt_kv_free(struct rt_kv *kv, size_t n);

#endif
