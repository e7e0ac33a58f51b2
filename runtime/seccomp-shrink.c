/* A smaller seccomp program with the same decisions: see seccomp-shrink.h. */
#include "seccomp-shrink.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "seccomp-bpf.h"
#include "util.h"

#define JA_CPLX	    0xffffffffu /* k of a jump into cplx until the end is known */
#define MAX_JUMP    255		/* jt and jf are 8 bits */
#define MAX_ARG_VAL 512		/* argument values tried per word */

/* --- instruction buffers -------------------------------------------------- */

struct ibuf {
	struct sock_filter *v;
	size_t n, cap;
	bool failed; /* out of memory, or past BPF_MAXINSNS */
};

static void put(struct ibuf *b, struct sock_filter f)
{
	if (b->failed)
		return;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 32;
		struct sock_filter *nv = cap > BPF_MAXINSNS * 2 ? NULL : realloc(b->v, cap * sizeof(*nv));

		if (!nv) {
			b->failed = true;
			return;
		}
		b->v = nv;
		b->cap = cap;
	}
	b->v[b->n++] = f;
}

static void put_insns(struct ibuf *b, const struct sock_filter *v, size_t n)
{
	for (size_t i = 0; i < n && !b->failed; i++)
		put(b, v[i]);
}

static void put_buf(struct ibuf *b, const struct ibuf *src)
{
	if (src->failed)
		b->failed = true;
	put_insns(b, src->v, src->n);
}

static struct sock_filter jge(uint32_t k, size_t jt, size_t jf)
{
	return (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, k, (uint8_t)jt, (uint8_t)jf);
}

static struct sock_filter ja(uint32_t k)
{
	return (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, k, 0, 0);
}

static struct sock_filter ld(uint32_t off)
{
	return (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, off);
}

static struct sock_filter ret(uint32_t k)
{
	return (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, k);
}

/* A binary search over ranges [starts[i], starts[i + 1]) of the value in A,
 * ending in leaves[i] (blocks of any size): for architectures. */
static void tree(struct ibuf *out, const uint32_t *starts, const struct ibuf *leaves, size_t lo, size_t hi)
{
	struct ibuf left = { 0 };
	size_t m;

	if (hi - lo == 1) {
		put_buf(out, &leaves[lo]);
		return;
	}
	m = lo + (hi - lo) / 2;
	tree(&left, starts, leaves, lo, m);
	if (left.n <= MAX_JUMP) {
		put(out, jge(starts[m], left.n, 0));
	} else {
		/* too far for jt: taken, it lands on a jump over the left half */
		put(out, jge(starts[m], 0, 1));
		put(out, ja((uint32_t)left.n));
	}
	put_buf(out, &left);
	free(left.v);
	tree(out, starts, leaves, m, hi);
}

/* --- decisions ------------------------------------------------------------ */

struct decision {
	uint32_t ret;
	bool cplx; /* depends on more than nr and arch: left to cplx */
};

/* Ranges of syscall numbers with one decision, for one architecture. */
struct ranges {
	uint32_t *start;
	struct decision *d;
	size_t n;
};

static void ranges_free(struct ranges *r)
{
	free(r->start);
	free(r->d);
	*r = (struct ranges){ 0 };
}

static bool ranges_equal(const struct ranges *a, const struct ranges *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->start[i] != b->start[i] || a->d[i].ret != b->d[i].ret || a->d[i].cplx != b->d[i].cplx)
			return false;
	return true;
}

/* 0, and K and K + 1 for every K of keys: between two consecutive ones, a
 * program that only compares with keys decides the same. */
static int breakpoints(const struct rt_u32set *keys, struct rt_u32set *out)
{
	int r = rt_u32set_add(out, 0);

	for (size_t i = 0; i < keys->n && r == 0; i++) {
		r = rt_u32set_add(out, keys->v[i]);
		if (r == 0 && keys->v[i] != UINT32_MAX)
			r = rt_u32set_add(out, keys->v[i] + 1);
	}
	rt_u32set_finish(out);
	return r;
}

static int nr_ranges(const struct sock_filter *full, size_t full_len, uint32_t arch,
		     const struct rt_u32set *nr_bps, struct ranges *out)
{
	out->start = calloc(nr_bps->n, sizeof(*out->start));
	out->d = calloc(nr_bps->n, sizeof(*out->d));
	if (!out->start || !out->d)
		return -ENOMEM;
	for (size_t i = 0; i < nr_bps->n; i++) {
		struct seccomp_data sd = { .nr = (int)nr_bps->v[i], .arch = arch };
		struct rt_bpf_result res;
		int r = rt_bpf_run(full, full_len, &sd, &res);

		if (r < 0)
			return r;
		/* cplx decides for every number it is given: its ret here means nothing */
		struct decision d = { .ret = res.reads_more ? 0 : res.ret, .cplx = res.reads_more };

		if (out->n > 0 && out->d[out->n - 1].ret == d.ret && out->d[out->n - 1].cplx == d.cplx)
			continue;
		out->start[out->n] = nr_bps->v[i];
		out->d[out->n] = d;
		out->n++;
	}
	return 0;
}

/* --- syscall numbers: searches ending in shared returns --------------------- */

/* Up to CHUNK ranges are searched by a block of comparisons followed by
 * one copy of each distinct leaf (a return, or the jump into cplx) that
 * all of them jump to: CHUNK - 1 comparisons and at most CHUNK leaves keep
 * every jump within jt/jf's 255. */
#define CHUNK 128

struct leaves {
	const uint32_t *start;
	const struct sock_filter *leaf; /* per range */
	struct sock_filter pool[CHUNK];
	size_t n_pool;
};

static bool same_insn(struct sock_filter a, struct sock_filter b)
{
	return a.code == b.code && a.k == b.k;
}

static size_t pool_index(const struct leaves *lv, size_t range)
{
	size_t i = 0;

	while (!same_insn(lv->pool[i], lv->leaf[range]))
		i++;
	return i;
}

/* The comparisons for ranges [lo, hi) (two or more), in preorder: each
 * one's left subtree follows it, then its right one; a leaf is a jump to
 * the pool, which starts pool_at instructions after the block's first. */
static void compares(struct ibuf *out, size_t block, size_t pool_at, const struct leaves *lv, size_t lo,
		     size_t hi)
{
	size_t m = lo + (hi - lo) / 2, here = out->n - block;
	bool left_leaf = m - lo == 1, right_leaf = hi - m == 1;
	size_t jt = right_leaf ? pool_at + pool_index(lv, m) - here - 1 : m - lo - 1;
	size_t jf = left_leaf ? pool_at + pool_index(lv, lo) - here - 1 : 0;

	put(out, jge(lv->start[m], jt, jf));
	if (!left_leaf)
		compares(out, block, pool_at, lv, lo, m);
	if (!right_leaf)
		compares(out, block, pool_at, lv, m, hi);
}

static void nr_block(struct ibuf *out, struct leaves *lv, size_t lo, size_t hi)
{
	size_t block = out->n;

	if (hi - lo == 1) {
		put(out, lv->leaf[lo]);
		return;
	}
	lv->n_pool = 0;
	for (size_t i = lo; i < hi; i++) {
		size_t j = 0;

		while (j < lv->n_pool && !same_insn(lv->pool[j], lv->leaf[i]))
			j++;
		if (j == lv->n_pool)
			lv->pool[lv->n_pool++] = lv->leaf[i];
	}
	compares(out, block, hi - lo - 1, lv, lo, hi);
	put_insns(out, lv->pool, lv->n_pool);
}

static void nr_tree(struct ibuf *out, struct leaves *lv, size_t lo, size_t hi)
{
	struct ibuf left = { 0 };
	size_t m;

	if (hi - lo <= CHUNK) {
		nr_block(out, lv, lo, hi);
		return;
	}
	m = lo + (hi - lo) / 2;
	nr_tree(&left, lv, lo, m);
	if (left.n <= MAX_JUMP) {
		put(out, jge(lv->start[m], left.n, 0));
	} else {
		put(out, jge(lv->start[m], 0, 1));
		put(out, ja((uint32_t)left.n));
	}
	put_buf(out, &left);
	free(left.v);
	nr_tree(out, lv, m, hi);
}

/* The code for one architecture range: its decision, or a search over
 * syscall numbers. */
static void arch_leaf(struct ibuf *out, const struct ranges *nrs)
{
	struct sock_filter *leaf;
	struct leaves lv;

	if (nrs->n == 1 && !nrs->d[0].cplx) {
		put(out, ret(nrs->d[0].ret));
		return;
	}
	leaf = calloc(nrs->n, sizeof(*leaf));
	if (!leaf) {
		out->failed = true;
		return;
	}
	for (size_t i = 0; i < nrs->n; i++)
		leaf[i] = nrs->d[i].cplx ? ja(JA_CPLX) : ret(nrs->d[i].ret);
	lv = (struct leaves){ .start = nrs->start, .leaf = leaf };
	put(out, ld(offsetof(struct seccomp_data, nr)));
	nr_tree(out, &lv, 0, nrs->n);
	free(leaf);
}

/* --- build ---------------------------------------------------------------- */

struct keys {
	struct rt_u32set nr, arch, other;
};

static void keys_free(struct keys *k)
{
	rt_u32set_free(&k->nr);
	rt_u32set_free(&k->arch);
	rt_u32set_free(&k->other);
}

/* The tree over architecture ranges, each leaf its own tree over syscall
 * numbers, then cplx, its entries patched. */
static int build(const struct sock_filter *full, size_t full_len, const struct sock_filter *cplx,
		 size_t cplx_len, const struct rt_u32set *arch_bps, const struct rt_u32set *nr_bps,
		 struct ibuf *out)
{
	struct ranges *per = calloc(arch_bps->n, sizeof(*per));
	struct ibuf *leaves = calloc(arch_bps->n, sizeof(*leaves));
	uint32_t *starts = calloc(arch_bps->n, sizeof(*starts));
	size_t n = 0;
	int r = per && leaves && starts ? 0 : -ENOMEM;

	for (size_t i = 0; i < arch_bps->n && r == 0; i++) {
		r = nr_ranges(full, full_len, arch_bps->v[i], nr_bps, &per[n]);
		if (r < 0)
			break;
		if (n > 0 && ranges_equal(&per[n - 1], &per[n])) {
			ranges_free(&per[n]);
			continue;
		}
		starts[n] = arch_bps->v[i];
		arch_leaf(&leaves[n], &per[n]);
		n++;
	}
	if (r == 0) {
		put(out, ld(offsetof(struct seccomp_data, arch)));
		tree(out, starts, leaves, 0, n);
		put_insns(out, cplx, cplx_len);
	}
	for (size_t i = 0; i < arch_bps->n && per && leaves; i++) {
		ranges_free(&per[i]);
		free(leaves[i].v);
	}
	free(per);
	free(leaves);
	free(starts);
	if (r == 0 && out->failed)
		r = out->n ? -E2BIG : -ENOMEM;
	for (size_t i = 0; r == 0 && i + cplx_len < out->n; i++)
		if (out->v[i].code == (BPF_JMP | BPF_JA) && out->v[i].k == JA_CPLX) {
			if (cplx_len == 0)
				return -EPROTO;
			out->v[i].k = (uint32_t)(out->n - cplx_len - i - 1);
		}
	return r;
}

/* --- check ---------------------------------------------------------------- */

/* Argument words tried where a decision depends on arguments: every
 * constant either program compares or masks with, its neighbours, 0, ~0. */
static int arg_values(const struct rt_u32set *consts, struct rt_u32set *out)
{
	int r = rt_u32set_add(out, 0);

	if (r == 0)
		r = rt_u32set_add(out, UINT32_MAX);
	for (size_t i = 0; i < consts->n && r == 0; i++) {
		r = rt_u32set_add(out, consts->v[i]);
		if (r == 0)
			r = rt_u32set_add(out, consts->v[i] + 1);
		if (r == 0)
			r = rt_u32set_add(out, consts->v[i] - 1);
	}
	rt_u32set_finish(out);
	if (out->n > MAX_ARG_VAL)
		out->n = MAX_ARG_VAL;
	return r;
}

static int same(const struct sock_filter *a, size_t a_len, const struct sock_filter *b, size_t b_len,
		const struct seccomp_data *sd, bool *depends)
{
	struct rt_bpf_result ra, rb;
	int r = rt_bpf_run(a, a_len, sd, &ra);

	if (r == 0)
		r = rt_bpf_run(b, b_len, sd, &rb);
	if (r < 0)
		return r;
	if (ra.ret != rb.ret)
		return -EPROTO;
	*depends = ra.reads_more || rb.reads_more;
	return 0;
}

/* Both programs on every argument vector: one word at a time set to each
 * value, then every word set to it. */
static int same_args(const struct sock_filter *a, size_t a_len, const struct sock_filter *b, size_t b_len,
		     struct seccomp_data sd, const struct rt_u32set *vals)
{
	bool ignored;
	int r = 0;

	for (size_t v = 0; v < vals->n && r == 0; v++) {
		uint32_t words[2 * ARRAY_SIZE(sd.args)]; /* low, high */

		for (size_t w = 0; w < ARRAY_SIZE(words) && r == 0; w++) {
			memset(words, 0, sizeof(words));
			words[w] = vals->v[v];
			memcpy(sd.args, words, sizeof(words));
			r = same(a, a_len, b, b_len, &sd, &ignored);
		}
		for (size_t w = 0; w < ARRAY_SIZE(words); w++)
			words[w] = vals->v[v];
		memcpy(sd.args, words, sizeof(words));
		if (r == 0)
			r = same(a, a_len, b, b_len, &sd, &ignored);
	}
	return r;
}

static int check(const struct sock_filter *full, size_t full_len, const struct sock_filter *ours,
		 size_t ours_len, const struct keys *k)
{
	struct rt_u32set arch_bps = { 0 }, nr_bps = { 0 }, vals = { 0 };
	int r = breakpoints(&k->arch, &arch_bps);

	if (r == 0)
		r = breakpoints(&k->nr, &nr_bps);
	if (r == 0)
		r = arg_values(&k->other, &vals);
	for (size_t a = 0; a < arch_bps.n && r == 0; a++)
		for (size_t i = 0; i < nr_bps.n && r == 0; i++) {
			struct seccomp_data sd = { .nr = (int)nr_bps.v[i], .arch = arch_bps.v[a] };
			bool depends = false;

			r = same(full, full_len, ours, ours_len, &sd, &depends);
			if (r == 0 && depends)
				r = same_args(full, full_len, ours, ours_len, sd, &vals);
		}
	rt_u32set_free(&arch_bps);
	rt_u32set_free(&nr_bps);
	rt_u32set_free(&vals);
	return r;
}

/* --- entry ---------------------------------------------------------------- */

static int keys_of(const struct sock_filter *p, size_t len, struct keys *k)
{
	int r = rt_bpf_keys(p, len, &k->nr, &k->arch, &k->other);

	rt_u32set_finish(&k->nr);
	rt_u32set_finish(&k->arch);
	rt_u32set_finish(&k->other);
	return r;
}

int rt_seccomp_shrink(const struct sock_filter *full, size_t full_len, const struct sock_filter *cplx,
		      size_t cplx_len, struct sock_filter **ret, size_t *ret_len)
{
	struct keys k = { 0 };
	struct rt_u32set arch_bps = { 0 }, nr_bps = { 0 };
	struct ibuf out = { 0 };
	int r = keys_of(full, full_len, &k);

	if (r == 0 && cplx_len)
		r = keys_of(cplx, cplx_len, &k);
	if (r == 0)
		r = breakpoints(&k.arch, &arch_bps);
	if (r == 0)
		r = breakpoints(&k.nr, &nr_bps);
	if (r == 0)
		r = build(full, full_len, cplx, cplx_len, &arch_bps, &nr_bps, &out);
	if (r == 0 && out.n >= full_len)
		r = -E2BIG;
	/* ours compares with breakpoints only, but its keys are checked too */
	if (r == 0)
		r = keys_of(out.v, out.n, &k);
	if (r == 0)
		r = check(full, full_len, out.v, out.n, &k);
	rt_u32set_free(&arch_bps);
	rt_u32set_free(&nr_bps);
	keys_free(&k);
	if (r < 0) {
		free(out.v);
		return r;
	}
	*ret = out.v;
	*ret_len = out.n;
	return 0;
}
