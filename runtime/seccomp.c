/* Seccomp: libseccomp compile in the parent, raw seccomp(2) load in the child.
 * See seccomp.h for how the spec is interpreted. */
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <nettle/sha2.h>
#include <seccomp-lib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "seccomp-shrink.h"
#include "seccomp.h"
#include "util.h"

#ifndef SECCOMP_FILTER_FLAG_TSYNC
#define SECCOMP_FILTER_FLAG_TSYNC (1UL << 0)
#endif
#ifndef SECCOMP_FILTER_FLAG_LOG
#define SECCOMP_FILTER_FLAG_LOG (1UL << 1)
#endif
#ifndef SECCOMP_FILTER_FLAG_SPEC_ALLOW
#define SECCOMP_FILTER_FLAG_SPEC_ALLOW (1UL << 2)
#endif
#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

#define X32_SYSCALL_BIT 0x40000000u
#define ACT_ERRNO_BASE	0x00050000u
#define ACT_TRACE_BASE	0x7ff00000u
#define MAX_ARGS	6

struct rt_seccomp_prog {
	unsigned int flags; /* SECCOMP_FILTER_FLAG_*, without NEW_LISTENER */
	bool implied_flags; /* flags came from the default, not the spec */
	bool notify;	    /* NEW_LISTENER wanted */
	size_t skipped;
	int shrink_error; /* why rt_seccomp_shrink kept libseccomp's (0: it did not) */
	size_t len;
	struct sock_filter insns[];
};

DEFINE_CLEANUP_FUNC(scmp_filter_ctx, seccomp_release)

/* --- small lookups ------------------------------------------------------ */

static const struct {
	const char *name;
	unsigned int flag;
} filter_flags[] = {
	{ "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
	{ "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
	{ "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
	{ "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV },
};

/* The full libseccomp action from base + optional payload. */
static int full_action(uint32_t base, bool has_errno, uint32_t errno_ret, const char *what, uint32_t *ret,
		       struct rt_err *err)
{
	switch (base) {
	case ACT_ERRNO_BASE:
	case ACT_TRACE_BASE:
		if (has_errno && errno_ret > 0xffff)
			return rt_err_msg(err, EINVAL, "%s: errnoRet %u out of range", what, errno_ret);
		*ret = base | (has_errno ? errno_ret : EPERM);
		return 0;
	case SCMP_ACT_KILL_PROCESS:
	case SCMP_ACT_KILL_THREAD:
	case SCMP_ACT_TRAP:
	case SCMP_ACT_NOTIFY:
	case SCMP_ACT_LOG:
	case SCMP_ACT_ALLOW:
		if (has_errno)
			return rt_err_msg(err, EINVAL,
					  "%s: errnoRet is only valid with SCMP_ACT_ERRNO and SCMP_ACT_TRACE",
					  what);
		*ret = base;
		return 0;
	default:
		return rt_err_msg(err, EINVAL, "%s: unknown action 0x%x", what, base);
	}
}

static int parse_flags(const struct rt_seccomp *s, unsigned int *ret, struct rt_err *err)
{
	unsigned int flags = 0;

	for (size_t i = 0; i < s->n_flags; i++) {
		size_t j;

		for (j = 0; j < ARRAY_SIZE(filter_flags); j++)
			if (strcmp(s->flags[i], filter_flags[j].name) == 0)
				break;
		if (j == ARRAY_SIZE(filter_flags))
			return rt_err_msg(err, EINVAL, "linux.seccomp.flags: unknown flag %s", s->flags[i]);
		flags |= filter_flags[j].flag;
	}
	*ret = flags;
	return 0;
}

/* --- rules --------------------------------------------------------------- */

static int add_rule(scmp_filter_ctx ctx, const struct rt_seccomp_rule *rule, uint32_t action,
		    const char *name, int nr, struct rt_err *err)
{
	struct scmp_arg_cmp cmps[MAX_ARGS];
	unsigned int seen = 0;
	bool same_index = false;
	int r;

	if (rule->n_args > MAX_ARGS)
		/* more than 6 args must repeat an index: split below, one by one */
		same_index = true;
	for (size_t i = 0; i < rule->n_args; i++) {
		const struct rt_seccomp_arg *a = &rule->args[i];

		if (a->index >= MAX_ARGS)
			return rt_err_msg(err, EINVAL, "syscall %s: argument index %u out of range", name,
					  a->index);
		if (a->op < SCMP_CMP_NE || a->op > SCMP_CMP_MASKED_EQ)
			return rt_err_msg(err, EINVAL, "syscall %s: unknown operator %d", name, a->op);
		if (seen & (1u << a->index))
			same_index = true;
		seen |= 1u << a->index;
	}

	if (!same_index) {
		for (size_t i = 0; i < rule->n_args; i++)
			cmps[i] = (struct scmp_arg_cmp){ .arg = rule->args[i].index,
							 .op = (enum scmp_compare)rule->args[i].op,
							 .datum_a = rule->args[i].value,
							 .datum_b = rule->args[i].value_two };
		r = seccomp_rule_add_array(ctx, action, nr, (unsigned int)rule->n_args,
					   rule->n_args ? cmps : NULL);
		if (r < 0)
			return rt_err_set(err, -r, "add seccomp rule for %s", name);
		return 0;
	}

	for (size_t i = 0; i < rule->n_args; i++) {
		cmps[0] = (struct scmp_arg_cmp){ .arg = rule->args[i].index,
						 .op = (enum scmp_compare)rule->args[i].op,
						 .datum_a = rule->args[i].value,
						 .datum_b = rule->args[i].value_two };
		r = seccomp_rule_add_array(ctx, action, nr, 1, cmps);
		if (r < 0)
			return rt_err_set(err, -r, "add seccomp rule for %s", name);
	}
	return 0;
}

/* --- the ENOSYS stub ------------------------------------------------------ */

struct enosys_block {
	uint32_t audit_arch;
	uint32_t lo, hi; /* syscall number range [lo, hi); hi 0 = unbounded */
	uint32_t max;	 /* highest syscall number the profile names */
};

#define MAX_BLOCKS 24
#define BLOCK_LEN  6

static size_t enosys_blocks(const struct rt_seccomp *s, const uint32_t *arches, size_t n_arches,
			    struct enosys_block *blocks)
{
	size_t n = 0;

	for (size_t a = 0; a < n_arches && n < MAX_BLOCKS; a++) {
		struct enosys_block b = { .audit_arch = arches[a] };
		bool any = false;

		if (arches[a] == SCMP_ARCH_X86_64) {
			b.hi = X32_SYSCALL_BIT;
		} else if (arches[a] == SCMP_ARCH_X32) {
			b.audit_arch = AUDIT_ARCH_X86_64;
			b.lo = X32_SYSCALL_BIT;
		}
		for (size_t i = 0; i < s->n_syscalls; i++)
			for (size_t j = 0; j < s->syscalls[i].n_names; j++) {
				int nr =
				    seccomp_syscall_resolve_name_arch(arches[a], s->syscalls[i].names[j]);

				if (nr < 0)
					continue;
				if (!any || (uint32_t)nr > b.max)
					b.max = (uint32_t)nr;
				any = true;
			}
		if (any)
			blocks[n++] = b;
	}
	return n;
}

/* Emit: for each block, "if arch == A && lo <= nr < hi && nr > max: ENOSYS";
 * then a jump over the return; then the return.  Falls through into the
 * libseccomp program, which reloads what it needs. */
static size_t emit_stub(const struct enosys_block *blocks, size_t n, struct sock_filter *out)
{
	size_t k = 0;
	size_t ret_at = n * BLOCK_LEN + 1;

	for (size_t i = 0; i < n; i++) {
		const struct enosys_block *b = &blocks[i];
		size_t next = (i + 1) * BLOCK_LEN;

		out[k] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						      offsetof(struct seccomp_data, arch));
		k++;
		out[k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, b->audit_arch, 0,
						      (uint8_t)(next - k - 1));
		k++;
		out[k] =
		    (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
		k++;
		/* nr < lo: next block (lo 0 always passes) */
		out[k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, b->lo, 0,
						      (uint8_t)(next - k - 1));
		k++;
		/* nr >= hi: next block (hi 0 means unbounded: jump over nothing) */
		if (b->hi)
			out[k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, b->hi,
							      (uint8_t)(next - k - 1), 0);
		else
			out[k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, 0, 0, 0);
		k++;
		out[k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, b->max,
						      (uint8_t)(ret_at - k - 1), 0);
		k++;
	}
	out[k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, 1, 0, 0);
	k++;
	out[k] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
	k++;
	return k;
}

/* --- compile ------------------------------------------------------------- */

static int export_bpf(scmp_filter_ctx ctx, void **ret, size_t *ret_len, struct rt_err *err)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ void *buf = NULL;
	struct stat st;
	ssize_t n;
	int r;

	/* libseccomp 2.5 has no seccomp_export_bpf_mem (2.6): go through a memfd */
	fd = memfd_create("capsa-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return rt_err_set(err, errno, "memfd_create");
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return rt_err_set(err, -r, "export seccomp filter");
	if (fstat(fd, &st) < 0)
		return rt_err_set(err, errno, "fstat seccomp memfd");
	if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0)
		return rt_err_msg(err, EINVAL, "exported seccomp filter has odd size %lld",
				  (long long)st.st_size);
	buf = malloc((size_t)st.st_size);
	if (!buf)
		return rt_err_set(err, ENOMEM, "seccomp filter");
	n = pread(fd, buf, (size_t)st.st_size, 0);
	if (n != st.st_size)
		return rt_err_set(err, n < 0 ? errno : EIO, "read exported seccomp filter");
	*ret = TAKE_PTR(buf);
	*ret_len = (size_t)st.st_size;
	return 0;
}

/* A libseccomp context for the profile, its rules not yet added; arches
 * gets the native architecture and the profile's. */
static int new_ctx(const struct rt_seccomp *s, uint32_t def, scmp_filter_ctx *ret, uint32_t *arches,
		   size_t *n_arches, struct rt_err *err)
{
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = seccomp_init(def);
	int r;

	if (!ctx)
		return rt_err_msg(err, EINVAL, "linux.seccomp: libseccomp refused default action 0x%x", def);
	/* the runtime sets no_new_privs itself, as the spec says */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (r < 0)
		return rt_err_set(err, -r, "seccomp: clear CTL_NNP");
	/* a binary tree of syscall numbers instead of a linear chain: the
	 * kernel walks the filter for every syscall number when it is
	 * installed (to precompute which are always allowed) and at every
	 * syscall the bitmap does not settle; ~9 comparisons instead of up to
	 * ~350 for docker's profile.  libseccomp >= 2.5; older ones keep the
	 * chain. */
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);

	*n_arches = 0;
	arches[(*n_arches)++] = seccomp_arch_native();
	for (size_t i = 0; i < s->n_architectures; i++) {
		r = seccomp_arch_add(ctx, s->architectures[i]);
		if (r == -EEXIST)
			continue;
		if (r < 0)
			return rt_err_set(err, -r, "linux.seccomp.architectures[%zu]: add arch 0x%x", i,
					  s->architectures[i]);
		if (*n_arches < MAX_BLOCKS)
			arches[(*n_arches)++] = s->architectures[i];
	}
	*ret = TAKE_PTR(ctx);
	return 0;
}

struct rules_out {
	size_t skipped; /* names libseccomp does not know */
	bool notify;	/* a rule wants SCMP_ACT_NOTIFY */
};

/* The profile's rules into ctx. */
static int add_rules(scmp_filter_ctx ctx, const struct rt_seccomp *s, uint32_t def, struct rules_out *out,
		     struct rt_err *err)
{
	for (size_t i = 0; i < s->n_syscalls; i++) {
		const struct rt_seccomp_rule *rule = &s->syscalls[i];
		char what[64];
		uint32_t act;
		int r;

		snprintf(what, sizeof(what), "linux.seccomp.syscalls[%zu]", i);
		r = full_action(rule->action, rule->has_errno_ret, rule->errno_ret, what, &act, err);
		if (r < 0)
			return r;
		if (act == def)
			continue; /* redundant, and libseccomp refuses it */
		if (rule->action == SCMP_ACT_NOTIFY)
			out->notify = true;
		for (size_t j = 0; j < rule->n_names; j++) {
			int nr = seccomp_syscall_resolve_name(rule->names[j]);

			if (nr == __NR_SCMP_ERROR) {
				out->skipped++;
				continue;
			}
			r = add_rule(ctx, rule, act, rule->names[j], nr, err);
			if (r < 0)
				return rt_err_prefix(err, "%s", what);
		}
	}
	return 0;
}

/* p's program replaced by the smaller one of seccomp-shrink.h with the
 * same decisions (fewer instructions: it fits in place).  Best effort: p
 * keeps libseccomp's when that cannot be built, and says why
 * (rt_seccomp_prog_shrink_error). */
static void shrink(struct rt_seccomp_prog *p)
{
	_cleanup_free_ struct sock_filter *insns = NULL;
	size_t len;
	int r = rt_seccomp_shrink(p->insns, p->len, &insns, &len);

	if (r < 0) {
		p->shrink_error = r;
		return;
	}
	memcpy(p->insns, insns, len * sizeof(*insns));
	p->len = len;
}

static int compile(const struct rt_seccomp *s, bool shrink_it, struct rt_seccomp_prog **ret,
		   struct rt_err *err)
{
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
	_cleanup_free_ void *bpf = NULL;
	struct enosys_block blocks[MAX_BLOCKS];
	uint32_t arches[MAX_BLOCKS];
	struct rules_out out = { 0 };
	size_t n_arches = 0, n_blocks = 0, bpf_len = 0;
	uint32_t def;
	unsigned int flags = 0;
	struct rt_seccomp_prog *p;
	size_t len;
	int r;

	if (!s->present)
		return rt_err_msg(err, EINVAL, "linux.seccomp: not present");
	r = full_action(s->default_action, s->has_default_errno_ret, s->default_errno_ret,
			"linux.seccomp.defaultAction", &def, err);
	if (r < 0)
		return r;
	if (s->default_action == SCMP_ACT_NOTIFY)
		return rt_err_msg(err, EINVAL,
				  "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default");
	r = parse_flags(s, &flags, err);
	if (r < 0)
		return r;

	r = new_ctx(s, def, &ctx, arches, &n_arches, err);
	if (r == 0)
		r = add_rules(ctx, s, def, &out, err);
	if (r == 0)
		r = export_bpf(ctx, &bpf, &bpf_len, err);
	if (r < 0)
		return r;
	if (s->default_action == ACT_ERRNO_BASE)
		n_blocks = enosys_blocks(s, arches, n_arches, blocks);

	len = bpf_len / sizeof(struct sock_filter) + (n_blocks ? n_blocks * BLOCK_LEN + 2 : 0);
	if (len > BPF_MAXINSNS)
		return rt_err_msg(err, E2BIG, "seccomp filter too large: %zu instructions (max %d)", len,
				  BPF_MAXINSNS);
	p = calloc(1, sizeof(*p) + len * sizeof(struct sock_filter));
	if (!p)
		return rt_err_set(err, ENOMEM, "seccomp filter");
	p->len = n_blocks ? emit_stub(blocks, n_blocks, p->insns) : 0;
	memcpy(p->insns + p->len, bpf, bpf_len);
	p->len = len;
	p->skipped = out.skipped;
	p->notify = out.notify;
	p->flags = flags;
	if (s->n_flags == 0) {
		p->flags = SECCOMP_FILTER_FLAG_SPEC_ALLOW;
		p->implied_flags = true;
	}
	/* The child is single-threaded: TSYNC adds nothing, and the kernel
	 * refuses it together with NEW_LISTENER. */
	if (out.notify)
		p->flags &= ~(unsigned int)SECCOMP_FILTER_FLAG_TSYNC;
	if (shrink_it)
		shrink(p);
	*ret = p;
	return 0;
}

int rt_seccomp_compile(const struct rt_seccomp *s, struct rt_seccomp_prog **ret, struct rt_err *err)
{
	return compile(s, true, ret, err);
}

int rt_seccomp_compile_full(const struct rt_seccomp *s, struct rt_seccomp_prog **ret, struct rt_err *err)
{
	return compile(s, false, ret, err);
}

/* --- cache --------------------------------------------------------------- */

#define CACHE_MAGIC   "CAPSABPF"
#define CACHE_VERSION 3u /* 2: filters built as a binary tree; 3: shrunk */

struct cache_header {
	char magic[8];
	uint32_t version;
	uint32_t flags;
	uint8_t implied_flags, notify, pad[2];
	uint32_t n_insns;
	unsigned char key[32]; /* the hash the file is named after */
};

static void hash_bytes(struct sha256_ctx *h, const void *buf, size_t len)
{
	uint64_t l = len;

	sha256_update(h, sizeof(l), (const uint8_t *)&l);
	sha256_update(h, len, buf);
}

static void hash_str(struct sha256_ctx *h, const char *str)
{
	hash_bytes(h, str ? str : "", str ? strlen(str) + 1 : 0);
}

static void hash_u64(struct sha256_ctx *h, uint64_t v)
{
	sha256_update(h, sizeof(v), (const uint8_t *)&v);
}

/* What every key starts with: its kind, and what else changes the program
 * built from the same profile (this code's version, libseccomp's, the
 * native architecture). */
static void hash_start(struct sha256_ctx *h, const char *kind)
{
	const struct scmp_version *v = seccomp_version();

	sha256_init(h);
	hash_str(h, kind);
	hash_u64(h, CACHE_VERSION);
	hash_u64(h, ((uint64_t)v->major << 32) | (v->minor << 16) | v->micro);
	hash_u64(h, seccomp_arch_native());
}

/* Everything that changes the compiled program goes in, length-prefixed so
 * two different specs cannot serialise to the same stream. */
static int cache_key(const struct rt_seccomp *s, unsigned char key[32])
{
	struct sha256_ctx ctx, *h = &ctx;

	hash_start(h, "capsa-seccomp-cache");
	hash_u64(h, s->default_action);
	hash_u64(h, s->has_default_errno_ret);
	hash_u64(h, s->default_errno_ret);
	hash_u64(h, s->n_architectures);
	for (size_t i = 0; i < s->n_architectures; i++)
		hash_u64(h, s->architectures[i]);
	hash_u64(h, s->n_flags);
	for (size_t i = 0; i < s->n_flags; i++)
		hash_str(h, s->flags[i]);
	hash_u64(h, s->n_syscalls);
	for (size_t i = 0; i < s->n_syscalls; i++) {
		const struct rt_seccomp_rule *rule = &s->syscalls[i];

		hash_u64(h, rule->n_names);
		for (size_t j = 0; j < rule->n_names; j++)
			hash_str(h, rule->names[j]);
		hash_u64(h, rule->action);
		hash_u64(h, rule->has_errno_ret);
		hash_u64(h, rule->errno_ret);
		hash_u64(h, rule->n_args);
		for (size_t j = 0; j < rule->n_args; j++) {
			hash_u64(h, rule->args[j].index);
			hash_u64(h, rule->args[j].value);
			hash_u64(h, rule->args[j].value_two);
			hash_u64(h, (uint64_t)(int64_t)rule->args[j].op);
		}
	}
	sha256_digest(h, SHA256_DIGEST_SIZE, key);
	return 0;
}

static int cache_load(const char *path, const unsigned char key[32], struct rt_seccomp_prog **ret)
{
	_cleanup_free_ char *buf = NULL;
	struct cache_header hdr;
	struct rt_seccomp_prog *p;
	size_t len = 0;
	int r;

	r = rt_read_file_at(AT_FDCWD, path, sizeof(hdr) + BPF_MAXINSNS * sizeof(struct sock_filter), &buf,
			    &len);
	if (r < 0)
		return r;
	if (len < sizeof(hdr))
		return -EBADMSG;
	memcpy(&hdr, buf, sizeof(hdr));
	if (memcmp(hdr.magic, CACHE_MAGIC, sizeof(hdr.magic)) != 0 || hdr.version != CACHE_VERSION ||
	    memcmp(hdr.key, key, sizeof(hdr.key)) != 0 || hdr.n_insns == 0 || hdr.n_insns > BPF_MAXINSNS ||
	    len != sizeof(hdr) + hdr.n_insns * sizeof(struct sock_filter))
		return -EBADMSG;
	p = calloc(1, sizeof(*p) + hdr.n_insns * sizeof(struct sock_filter));
	if (!p)
		return -ENOMEM;
	p->flags = hdr.flags;
	p->implied_flags = hdr.implied_flags;
	p->notify = hdr.notify;
	p->len = hdr.n_insns;
	memcpy(p->insns, buf + sizeof(hdr), p->len * sizeof(struct sock_filter));
	*ret = p;
	return 0;
}

static int cache_store(const char *path, const unsigned char key[32], const struct rt_seccomp_prog *p)
{
	size_t size = sizeof(struct cache_header) + p->len * sizeof(struct sock_filter);
	_cleanup_free_ char *buf = malloc(size);
	struct cache_header hdr = {
		.version = CACHE_VERSION,
		.flags = p->flags,
		.implied_flags = p->implied_flags,
		.notify = p->notify,
		.n_insns = (uint32_t)p->len,
	};

	if (!buf)
		return -ENOMEM;
	memcpy(hdr.magic, CACHE_MAGIC, sizeof(hdr.magic));
	memcpy(hdr.key, key, sizeof(hdr.key));
	memcpy(buf, &hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr), p->insns, p->len * sizeof(struct sock_filter));
	return rt_write_file_atomic(path, buf, size, 0600);
}

/* cache_dir/<prefix><hex of key>.bpf */
static int cache_path(const char *cache_dir, const char *prefix, const unsigned char key[32], char *path,
		      size_t size)
{
	size_t off = (size_t)snprintf(path, size, "%s/%s", cache_dir, prefix);

	if (off + 2 * 32 + sizeof(".bpf") > size)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < 32; i++)
		off += (size_t)snprintf(path + off, size - off, "%02x", key[i]);
	snprintf(path + off, size - off, ".bpf");
	return 0;
}

/* The key of the raw text of a linux.seccomp value. */
static void raw_key(const char *raw, size_t len, unsigned char key[32])
{
	struct sha256_ctx ctx;

	hash_start(&ctx, "capsa-seccomp-raw");
	hash_bytes(&ctx, raw, len);
	sha256_digest(&ctx, SHA256_DIGEST_SIZE, key);
}

int rt_seccomp_cache_load_raw(const char *cache_dir, const char *raw, size_t len,
			      struct rt_seccomp_prog **ret)
{
	unsigned char key[32];
	char path[4096];
	int r;

	raw_key(raw, len, key);
	r = cache_path(cache_dir, "raw-", key, path, sizeof(path));
	if (r == 0)
		r = cache_load(path, key, ret);
	if (r == 0 && (*ret)->notify) {
		rt_seccomp_prog_free(*ret);
		*ret = NULL;
		r = -EBADMSG;
	}
	return r;
}

int rt_seccomp_cache_store_raw(const char *cache_dir, const char *raw, size_t len,
			       const struct rt_seccomp_prog *p)
{
	unsigned char key[32];
	char path[4096];
	int r;

	if (p->notify)
		return -EINVAL;
	raw_key(raw, len, key);
	r = cache_path(cache_dir, "raw-", key, path, sizeof(path));
	if (r == 0)
		r = rt_mkdir_p(cache_dir, 0700);
	return r < 0 ? r : cache_store(path, key, p);
}

int rt_seccomp_compile_cached(const struct rt_seccomp *s, const char *cache_dir, struct rt_seccomp_prog **ret,
			      struct rt_err *err)
{
	unsigned char key[32];
	char path[4096];
	int r;

	if (!s->present)
		return rt_err_msg(err, EINVAL, "linux.seccomp: not present");
	r = cache_key(s, key);
	if (r < 0)
		return rt_err_set(err, -r, "seccomp cache key");
	if (cache_path(cache_dir, "", key, path, sizeof(path)) < 0)
		return rt_err_msg(err, ENAMETOOLONG, "seccomp cache dir %s: path too long", cache_dir);

	if (cache_load(path, key, ret) == 0)
		return 1;

	r = rt_seccomp_compile(s, ret, err);
	if (r < 0)
		return r;
	/* best effort: a read-only or full cache dir only costs speed */
	if (rt_mkdir_p(cache_dir, 0700) == 0)
		(void)cache_store(path, key, *ret);
	return 0;
}

/* --- child side ---------------------------------------------------------- */

int rt_seccomp_install(const struct rt_seccomp_prog *p, int *ret_listener_fd, struct rt_err *err)
{
	struct sock_fprog prog = {
		.len = (unsigned short)p->len,
		.filter = (struct sock_filter *)p->insns,
	};
	unsigned int flags = p->flags | (p->notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0);
	long r;

	if (flags == 0) {
		if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
			return rt_err_set(err, errno, "prctl(PR_SET_SECCOMP)");
		*ret_listener_fd = -1;
		return 0;
	}
	r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
	if (r < 0 && errno == EINVAL && p->implied_flags) {
		/* an old kernel without SPEC_ALLOW: the flag was only our default */
		flags &= ~(unsigned int)SECCOMP_FILTER_FLAG_SPEC_ALLOW;
		r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
	}
	if (r < 0)
		return rt_err_set(err, errno, "seccomp(SECCOMP_SET_MODE_FILTER, 0x%x)", flags);
	*ret_listener_fd = p->notify ? (int)r : -1;
	return 0;
}

bool rt_seccomp_prog_wants_listener(const struct rt_seccomp_prog *p)
{
	return p->notify;
}

int rt_seccomp_send_listener(const char *listener_path, int listener_fd, const char *state_json,
			     struct rt_err *err)
{
	_cleanup_close_ int fd = -EBADF;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	size_t len = strlen(state_json);
	struct iovec iov = { .iov_base = (void *)state_json, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *c;
	ssize_t n;
	int r;

	if (strlen(listener_path) >= sizeof(sa.sun_path))
		return rt_err_msg(err, ENAMETOOLONG, "seccomp listenerPath %s: too long for a unix socket",
				  listener_path);
	if (len == 0)
		return rt_err_msg(err, EINVAL, "seccomp listener: empty state");
	strcpy(sa.sun_path, listener_path);

	memset(&ctl, 0, sizeof(ctl));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &listener_fd, sizeof(int));

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return rt_err_set(err, errno, "seccomp listener: socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return rt_err_set(err, errno, "seccomp listener: connect %s", listener_path);
	do
		n = sendmsg(fd, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return rt_err_set(err, errno, "seccomp listener: send to %s", listener_path);
	/* the fd went with the first byte; a stream may take the rest later */
	if ((size_t)n < len) {
		r = rt_write_all(fd, state_json + n, len - (size_t)n);
		if (r < 0)
			return rt_err_set(err, -r, "seccomp listener: send to %s", listener_path);
	}
	return 0;
}

void rt_seccomp_prog_free(struct rt_seccomp_prog *p)
{
	free(p);
}

size_t rt_seccomp_prog_len(const struct rt_seccomp_prog *p)
{
	return p->len;
}

const void *rt_seccomp_prog_insns(const struct rt_seccomp_prog *p)
{
	return p->insns;
}

int rt_seccomp_prog_shrink_error(const struct rt_seccomp_prog *p)
{
	return p->shrink_error;
}

size_t rt_seccomp_prog_skipped(const struct rt_seccomp_prog *p)
{
	return p->skipped;
}

unsigned int rt_seccomp_prog_flags(const struct rt_seccomp_prog *p)
{
	return p->flags;
}
