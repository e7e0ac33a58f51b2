/* The features document.  Each list is a set of candidate names (the enums
 * of the runtime-spec schema, runc's mount options) filtered by whether
 * capsa's own parser takes them, so the answer follows the parser.  Where
 * the parser accepts something that later steps do not implement, an
 * explicit exclusion below says so. */
#include "oci-features.h"

#include <jansson.h>
#include <linux/seccomp.h>
#include <seccomp-lib.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "spec.h"
#include "util.h"

DEFINE_CLEANUP_FUNC(struct rt_spec *, rt_spec_free)

/* Parse a small config.json built around one candidate value. */
static int probe(const char *fmt, const char *name, struct rt_spec **ret)
{
	char buf[1024];
	struct rt_err ignored;
	int n = snprintf(buf, sizeof(buf), fmt, name);

	if (n < 0 || (size_t)n >= sizeof(buf))
		return -ENAMETOOLONG;
	return rt_spec_parse(buf, (size_t)n, "features", ret, &ignored);
}

/* A mount option the parser turns into flags/propagation/attributes itself
 * (not handed to the filesystem as data). */
static bool mount_option_known(const char *name)
{
	_cleanup_(rt_spec_freep) struct rt_spec *s = NULL;

	if (probe("{\"ociVersion\":\"1.0.0\",\"mounts\":[{\"destination\":\"/m\",\"type\":\"tmpfs\","
		  "\"source\":\"tmpfs\",\"options\":[\"%s\"]}]}",
		  name, &s) < 0)
		return false;
	return s->n_mounts == 1 && s->mounts[0].data == NULL;
}

#define SECCOMP_DOC(inner)                                                                        \
	"{\"ociVersion\":\"1.0.0\",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\"," \
	"\"listenerPath\":\"/run/l.sock\"," inner "}}}"

static bool seccomp_action_known(const char *name)
{
	_cleanup_(rt_spec_freep) struct rt_spec *s = NULL;

	return probe(SECCOMP_DOC("\"syscalls\":[{\"names\":[\"getpid\"],\"action\":\"%s\"}]"), name, &s) >= 0;
}

static bool seccomp_operator_known(const char *name)
{
	_cleanup_(rt_spec_freep) struct rt_spec *s = NULL;

	return probe(SECCOMP_DOC("\"syscalls\":[{\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_ERRNO\","
				 "\"args\":[{\"index\":0,\"value\":1,\"valueTwo\":1,\"op\":\"%s\"}]}]"),
		     name, &s) >= 0;
}

/* Taken by the parser and by this libseccomp (the loader adds every listed
 * architecture to its filter and fails on one libseccomp lacks). */
static bool seccomp_arch_known(const char *name)
{
	_cleanup_(rt_spec_freep) struct rt_spec *s = NULL;
	scmp_filter_ctx ctx;
	int r;

	if (probe(SECCOMP_DOC("\"architectures\":[\"%s\"]"), name, &s) < 0 ||
	    s->linux_.seccomp.n_architectures != 1)
		return false;
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return false;
	r = seccomp_arch_add(ctx, s->linux_.seccomp.architectures[0]);
	seccomp_release(ctx);
	return r == 0 || r == -EEXIST;
}

static bool seccomp_flag_known(const char *name)
{
	_cleanup_(rt_spec_freep) struct rt_spec *s = NULL;

	return probe(SECCOMP_DOC("\"flags\":[\"%s\"]"), name, &s) >= 0;
}

/* The kernel takes the flag: seccomp(2) with a NULL program fails with
 * EFAULT after checking the flags, EINVAL for an unknown flag.  Nothing is
 * installed either way. */
static bool seccomp_flag_supported(const char *name)
{
	static const struct {
		const char *name;
		unsigned long flag;
	} flags[] = {
		{ "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
		{ "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
		{ "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
		{ "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 1UL << 5 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
		if (strcmp(flags[i].name, name) == 0)
			return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags[i].flag, NULL) < 0 &&
			       errno == EFAULT;
	return false;
}

static json_t *filtered(const char *const *names, size_t n, bool (*keep)(const char *))
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		if (!keep || keep(names[i]))
			json_array_append_new(a, json_string(names[i]));
	return a;
}

/* runc's mount options plus the idmap pair: the candidates for mountOptions. */
static const char *const mount_candidates[] = {
	"acl",
	"async",
	"atime",
	"bind",
	"defaults",
	"dev",
	"diratime",
	"dirsync",
	"exec",
	"idmap",
	"iversion",
	"lazytime",
	"loud",
	"mand",
	"noacl",
	"noatime",
	"nodev",
	"nodiratime",
	"noexec",
	"noiversion",
	"nolazytime",
	"nomand",
	"norelatime",
	"nostrictatime",
	"nosuid",
	"nosymfollow",
	"private",
	"ratime",
	"rbind",
	"rdev",
	"rdiratime",
	"relatime",
	"remount",
	"rexec",
	"ridmap",
	"rnoatime",
	"rnodev",
	"rnodiratime",
	"rnoexec",
	"rnorelatime",
	"rnostrictatime",
	"rnosuid",
	"rnosymfollow",
	"ro",
	"rprivate",
	"rrelatime",
	"rro",
	"rrw",
	"rshared",
	"rslave",
	"rstrictatime",
	"rsuid",
	"rsymfollow",
	"runbindable",
	"rw",
	"shared",
	"silent",
	"slave",
	"strictatime",
	"suid",
	"symfollow",
	"sync",
	"tmpcopyup",
	"unbindable",
};

/* Parsed, but refused by runtime/mount.c: tmpcopyup (no copy of the
 * destination's contents into the tmpfs).  Listing it would promise what
 * capsa does not do. */
static const char *const mount_not_implemented[] = { "tmpcopyup" };

static bool mount_option_supported(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(mount_not_implemented); i++)
		if (strcmp(mount_not_implemented[i], name) == 0)
			return false;
	return mount_option_known(name);
}

static const char *const seccomp_actions[] = {
	"SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
	"SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",	   "SCMP_ACT_TRACE",
	"SCMP_ACT_ALLOW", "SCMP_ACT_LOG",	   "SCMP_ACT_NOTIFY",
};
static const char *const seccomp_operators[] = {
	"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",	    "SCMP_CMP_EQ",
	"SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
};
static const char *const seccomp_archs[] = {
	"SCMP_ARCH_X86",	 "SCMP_ARCH_X86_64",	  "SCMP_ARCH_X32",     "SCMP_ARCH_ARM",
	"SCMP_ARCH_AARCH64",	 "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",    "SCMP_ARCH_MIPS",
	"SCMP_ARCH_MIPS64",	 "SCMP_ARCH_MIPS64N32",	  "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64",
	"SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",	  "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",
	"SCMP_ARCH_S390",	 "SCMP_ARCH_S390X",	  "SCMP_ARCH_SH",      "SCMP_ARCH_SHEB",
	"SCMP_ARCH_PARISC",	 "SCMP_ARCH_PARISC64",	  "SCMP_ARCH_RISCV64",
};
static const char *const seccomp_flags[] = {
	"SECCOMP_FILTER_FLAG_TSYNC",
	"SECCOMP_FILTER_FLAG_LOG",
	"SECCOMP_FILTER_FLAG_SPEC_ALLOW",
	"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};

static bool seccomp_flag_known_and_supported(const char *name)
{
	return seccomp_flag_known(name) && seccomp_flag_supported(name);
}

/* Every capability libcap and the kernel both know, as CAP_* names. */
static json_t *capabilities(void)
{
	json_t *a = json_array();
	int n = (int)cap_max_bits();

	for (int i = 0; a && i < n; i++) {
		char *name = cap_to_name((cap_value_t)i), up[64];
		size_t k;

		if (!name)
			continue;
		for (k = 0; name[k] && k + 1 < sizeof(up); k++)
			up[k] = (char)(name[k] >= 'a' && name[k] <= 'z' ? name[k] - 'a' + 'A' : name[k]);
		up[k] = '\0';
		/* a number means libcap has no name for it */
		if (strncmp(up, "CAP_", 4) == 0)
			json_array_append_new(a, json_string(up));
		cap_free(name);
	}
	return a;
}

static json_t *namespaces(void)
{
	json_t *a = json_array();

	for (int t = 0; a && t < RT_NS_MAX; t++)
		json_array_append_new(a, json_string(rt_ns_type_name((enum rt_ns_type)t)));
	return a;
}

static json_t *enabled(bool on)
{
	return json_pack("{s:b}", "enabled", on);
}

int rt_features_json(const char *version, char **ret, struct rt_err *err)
{
	static const char *const hooks[] = {
		"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
	};
	const struct scmp_version *sv = seccomp_version();
	_cleanup_(json_decrefp) json_t *o = NULL;
	char sver[64];
	char *text;

	snprintf(sver, sizeof(sver), "%u.%u.%u", sv ? sv->major : 0, sv ? sv->minor : 0, sv ? sv->micro : 0);
	/* ociVersionMax: the spec version capsa is written against (the parser
	 * also takes later 1.x documents, ignoring what it does not know). */
	o = json_pack(
	    "{s:s,s:s,s:o,s:o,s:{s:o,s:o,s:{s:b,s:b,s:b,s:b,s:b},"
	    "s:{s:b,s:o,s:o,s:o,s:o,s:o},s:o,s:o,s:o,s:{s:o}},"
	    "s:{s:s,s:s},s:[s,s]}",
	    "ociVersionMin", "1.0.0", "ociVersionMax", "1.2.0", "hooks",
	    filtered(hooks, ARRAY_SIZE(hooks), NULL), "mountOptions",
	    filtered(mount_candidates, ARRAY_SIZE(mount_candidates), mount_option_supported), "linux",
	    "namespaces", namespaces(), "capabilities", capabilities(), "cgroup", "v1", true, "v2", true,
	    "systemd", false, "systemdUser", false, "rdma", true, "seccomp", "enabled", true, "actions",
	    filtered(seccomp_actions, ARRAY_SIZE(seccomp_actions), seccomp_action_known), "operators",
	    filtered(seccomp_operators, ARRAY_SIZE(seccomp_operators), seccomp_operator_known), "archs",
	    filtered(seccomp_archs, ARRAY_SIZE(seccomp_archs), seccomp_arch_known), "knownFlags",
	    filtered(seccomp_flags, ARRAY_SIZE(seccomp_flags), seccomp_flag_known), "supportedFlags",
	    filtered(seccomp_flags, ARRAY_SIZE(seccomp_flags), seccomp_flag_known_and_supported),
	    /* capsa checks that the host has them and refuses otherwise, but
	     * never applies a profile or label itself */
	    "apparmor", enabled(false), "selinux", enabled(false), "intelRdt", enabled(false),
	    "mountExtensions", "idmap", enabled(true), "annotations", "org.capsa.version", version,
	    "io.github.seccomp.libseccomp.version", sver, "potentiallyUnsafeConfigAnnotations",
	    "org.capsa.image", "org.capsa.net");
	if (!o)
		return rt_err_set(err, ENOMEM, "features");
	text = json_dumps(o, JSON_INDENT(4));
	if (!text)
		return rt_err_set(err, ENOMEM, "features");
	*ret = text;
	return 0;
}
