/* The default config.json: see spec-default.h for what is in it and why. */
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "seccomp-default.h"
#include "spec-default.h"
#include "util.h"

static const struct {
	int cap;
	const char *name;
} default_caps[] = {
	{ CAP_CHOWN, "CAP_CHOWN" },
	{ CAP_DAC_OVERRIDE, "CAP_DAC_OVERRIDE" },
	{ CAP_FSETID, "CAP_FSETID" },
	{ CAP_FOWNER, "CAP_FOWNER" },
	{ CAP_MKNOD, "CAP_MKNOD" },
	{ CAP_NET_RAW, "CAP_NET_RAW" },
	{ CAP_SETGID, "CAP_SETGID" },
	{ CAP_SETUID, "CAP_SETUID" },
	{ CAP_SETFCAP, "CAP_SETFCAP" },
	{ CAP_SETPCAP, "CAP_SETPCAP" },
	{ CAP_NET_BIND_SERVICE, "CAP_NET_BIND_SERVICE" },
	{ CAP_SYS_CHROOT, "CAP_SYS_CHROOT" },
	{ CAP_KILL, "CAP_KILL" },
	{ CAP_AUDIT_WRITE, "CAP_AUDIT_WRITE" },
};

static const char *const masked_paths[] = {
	"/proc/asound",
	"/proc/acpi",
	"/proc/kcore",
	"/proc/keys",
	"/proc/latency_stats",
	"/proc/timer_list",
	"/proc/timer_stats",
	"/proc/sched_debug",
	"/proc/scsi",
	"/sys/firmware",
	"/sys/devices/virtual/powercap",
};

static const char *const readonly_paths[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

struct mount_tmpl {
	const char *destination, *type, *source;
	const char *const *options;
};

#define OPTS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* runc spec's mounts, in its order */
static const struct mount_tmpl mounts[] = {
	{ "/proc", "proc", "proc", NULL },
	{ "/dev", "tmpfs", "tmpfs", OPTS("nosuid", "strictatime", "mode=755", "size=65536k") },
	{ "/dev/pts", "devpts", "devpts",
	  OPTS("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5") },
	{ "/dev/shm", "tmpfs", "shm", OPTS("nosuid", "noexec", "nodev", "mode=1777", "size=65536k") },
	{ "/dev/mqueue", "mqueue", "mqueue", OPTS("nosuid", "noexec", "nodev") },
	{ "/sys", "sysfs", "sysfs", OPTS("nosuid", "noexec", "nodev", "ro") },
	{ "/sys/fs/cgroup", "cgroup", "cgroup", OPTS("nosuid", "noexec", "nodev", "relatime", "ro") },
};

uint64_t rt_spec_default_caps(void)
{
	uint64_t caps = 0;

	for (size_t i = 0; i < ARRAY_SIZE(default_caps); i++)
		caps |= UINT64_C(1) << default_caps[i].cap;
	return caps;
}

static json_t *str_array(const char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_string(v[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *caps_array(void)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < ARRAY_SIZE(default_caps); i++)
		if (json_array_append_new(a, json_string(default_caps[i].name)) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *mount_json(const struct mount_tmpl *m, bool rootless)
{
	json_t *o, *opts;

	if (rootless && strcmp(m->destination, "/sys") == 0)
		/* a new sysfs needs a network namespace owned by our user namespace */
		return json_pack("{ss ss ss s[sssss]}", "destination", "/sys", "type", "none", "source",
				 "/sys", "options", "rbind", "nosuid", "noexec", "nodev", "ro");
	o = json_pack("{ss ss ss}", "destination", m->destination, "type", m->type, "source", m->source);
	if (!o || !m->options)
		return o;
	opts = json_array();
	for (size_t i = 0; opts && m->options[i]; i++) {
		/* ids outside the user namespace's map would be refused */
		if (rootless &&
		    (strncmp(m->options[i], "uid=", 4) == 0 || strncmp(m->options[i], "gid=", 4) == 0))
			continue;
		if (json_array_append_new(opts, json_string(m->options[i])) < 0) {
			json_decref(opts);
			opts = NULL;
		}
	}
	if (json_object_set_new(o, "options", opts) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *process_json(void)
{
	return json_pack("{sb s{si si} s[s] s[ss] ss s{so so so s[] s[]} s[{ss si si}] sb}", "terminal", 0,
			 "user", "uid", 0, "gid", 0, "args", "sh", "env",
			 "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm",
			 "cwd", "/", "capabilities", "bounding", caps_array(), "effective", caps_array(),
			 "permitted", caps_array(), "inheritable", "ambient", "rlimits", "type",
			 "RLIMIT_NOFILE", "hard", 1024, "soft", 1024, "noNewPrivileges", 1);
}

static json_t *namespaces_json(bool rootless)
{
	static const char *const types[] = { "pid", "network", "ipc", "uts", "mount", "cgroup" };
	json_t *a = json_array();

	for (size_t i = 0; a && i < ARRAY_SIZE(types); i++) {
		if (rootless && strcmp(types[i], "network") == 0)
			continue;
		if (json_array_append_new(a, json_pack("{ss}", "type", types[i])) < 0)
			goto fail;
	}
	if (a && rootless && json_array_append_new(a, json_pack("{ss}", "type", "user")) < 0)
		goto fail;
	return a;
fail:
	json_decref(a);
	return NULL;
}

static json_t *linux_json(bool rootless, json_t *seccomp)
{
	json_t *l = json_pack("{so so so so}", "namespaces", namespaces_json(rootless), "maskedPaths",
			      str_array(masked_paths, ARRAY_SIZE(masked_paths)), "readonlyPaths",
			      str_array(readonly_paths, ARRAY_SIZE(readonly_paths)), "seccomp", seccomp);

	if (!l)
		return NULL;
	if (rootless) {
		if (json_object_set_new(l, "uidMappings",
					json_pack("[{si si si}]", "containerID", 0, "hostID", (int)geteuid(),
						  "size", 1)) < 0 ||
		    json_object_set_new(
			l, "gidMappings",
			json_pack("[{si si si}]", "containerID", 0, "hostID", (int)getegid(), "size", 1)) < 0)
			goto fail;
	} else if (json_object_set_new(l, "resources",
				       json_pack("{s[{sb ss}]}", "devices", "allow", 0, "access", "rwm")) <
		   0) {
		goto fail;
	}
	return l;
fail:
	json_decref(l);
	return NULL;
}

int rt_spec_default_json(bool rootless, json_t **ret, struct rt_err *err)
{
	json_t *seccomp = NULL, *ms, *spec;
	int r;

	r = rt_seccomp_default_json(rt_spec_default_caps(), &seccomp, err);
	if (r < 0)
		return r;
	ms = json_array();
	for (size_t i = 0; ms && i < ARRAY_SIZE(mounts); i++)
		if (json_array_append_new(ms, mount_json(&mounts[i], rootless)) < 0) {
			json_decref(ms);
			ms = NULL;
		}
	/* "o" steals the references, also when packing fails */
	spec = json_pack("{ss so s{ss sb} ss so so}", "ociVersion", "1.2.0", "process", process_json(),
			 "root", "path", "rootfs", "readonly", 1, "hostname", "capsa", "mounts", ms, "linux",
			 linux_json(rootless, seccomp));
	if (!spec)
		return rt_err_set(err, ENOMEM, "default config");
	*ret = spec;
	return 0;
}

int rt_spec_default_write(const char *bundle_dir, bool rootless, struct rt_err *err)
{
	_cleanup_close_ int dfd = -EBADF, fd = -EBADF;
	_cleanup_free_ char *text = NULL;
	json_t *spec = NULL;
	int r;

	r = rt_spec_default_json(rootless, &spec, err);
	if (r < 0)
		return r;
	text = json_dumps(spec, JSON_INDENT(2));
	json_decref(spec);
	if (!text)
		return rt_err_set(err, ENOMEM, "default config");

	dfd = open(bundle_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return rt_err_set(err, errno, "open bundle %s", bundle_dir);
	/* O_EXCL: never replace a config someone wrote, not even in a race */
	fd = openat(dfd, "config.json", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST)
		return rt_err_msg(err, EEXIST, "File config.json exists. Remove it first");
	if (fd < 0)
		return rt_err_set(err, errno, "create %s/config.json", bundle_dir);
	r = rt_write_all(fd, text, strlen(text));
	if (r == 0)
		r = rt_write_all(fd, "\n", 1);
	if (r < 0) {
		unlinkat(dfd, "config.json", 0);
		return rt_err_set(err, -r, "write %s/config.json", bundle_dir);
	}
	return 0;
}
