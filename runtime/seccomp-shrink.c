/* A smaller seccomp program with the same decisions: see seccomp-shrink.h. */
#include "seccomp-shrink.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "seccomp-bpf.h"
#include "util.h"

#define JA_ENTRY    0x80000000u /* k of a jump to entry E of the slice: JA_ENTRY + E */
#define MAX_JUMP    255		/* jt and jf are 8 bits */
#define MAX_ARG_VAL 512		/* argument values tried per word (the smallest) */

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

/* One comparison of a search: A >= k goes past `left` (the code for the
 * values below k, which follows), directly or, too far for jt, through a
 * jump over it.  left is consumed. */
static void split(struct ibuf *out, uint32_t k, struct ibuf *left)
{
	if (left->n <= MAX_JUMP) {
		put(out, jge(k, left->n, 0));
	} else {
		put(out, jge(k, 0, 1));
		put(out, ja((uint32_t)left->n));
	}
	put_buf(out, left);
	free(left->v);
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
	split(out, starts[m], &left);
	tree(out, starts, leaves, m, hi);
}

/* --- decisions ------------------------------------------------------------ */

struct decision {
	uint32_t ret;
	bool args;    /* depends on arguments: full's code decides */
	size_t entry; /* then: where in full (its first load of an argument) */
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
		if (a->start[i] != b->start[i] || a->d[i].ret != b->d[i].ret ||
		    a->d[i].args != b->d[i].args || a->d[i].entry != b->d[i].entry)
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
		/* where arguments count, full's code from its first load of one
		 * decides: the path to it depends on nr and arch alone */
		struct decision d = { .ret = res.reads_more ? 0 : res.ret,
				      .args = res.reads_more,
				      .entry = res.reads_more ? res.first_more : 0 };

		if (out->n > 0 && out->d[out->n - 1].ret == d.ret && out->d[out->n - 1].args == d.args &&
		    out->d[out->n - 1].entry == d.entry)
			continue;
		out->start[out->n] = nr_bps->v[i];
		out->d[out->n] = d;
		out->n++;
	}
	return 0;
}

/* --- syscall numbers: searches ending in shared returns --------------------- */

/* Up to CHUNK ranges are searched by a block of comparisons followed by
 * one copy of each distinct leaf (a return, or a jump into the slice of full) that
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
	split(out, lv->start[m], &left);
	nr_tree(out, lv, m, hi);
}

/* The code for one architecture range: its decision, or a search over
 * syscall numbers. */
static void arch_leaf(struct ibuf *out, const struct ranges *nrs)
{
	struct sock_filter *leaf;
	struct leaves lv;

	if (nrs->n == 1 && !nrs->d[0].args) {
		put(out, ret(nrs->d[0].ret));
		return;
	}
	leaf = calloc(nrs->n, sizeof(*leaf));
	if (!leaf) {
		out->failed = true;
		return;
	}
	for (size_t i = 0; i < nrs->n; i++)
		leaf[i] = nrs->d[i].args ? ja(JA_ENTRY + (uint32_t)nrs->d[i].entry) : ret(nrs->d[i].ret);
	lv = (struct leaves){ .start = nrs->start, .leaf = leaf };
	put(out, ld(offsetof(struct seccomp_data, nr)));
	nr_tree(out, &lv, 0, nrs->n);
	free(leaf);
}

struct keys {
	struct rt_u32set nr, arch, other;
};

static void keys_free(struct keys *k)
{
	rt_u32set_free(&k->nr);
	rt_u32set_free(&k->arch);
	rt_u32set_free(&k->other);
}

/* --- the slice of full that tests arguments --------------------------------- */

/* Every instruction of full reachable from an entry (a jump JA_ENTRY + E in
 * ours), in full's order: *map gets each one's index in the slice, or
 * SIZE_MAX.  Jumps only go forward, so one pass marks them all. */
static int slice_map(const struct sock_filter *full, size_t full_len, const struct ibuf *ours, size_t **map)
{
	unsigned char *in = calloc(full_len, 1);
	size_t n = 0;

	*map = calloc(full_len, sizeof(**map));
	if (!in || !*map) {
		free(in);
		return -ENOMEM;
	}
	for (size_t i = 0; i < ours->n; i++)
		if (ours->v[i].code == (BPF_JMP | BPF_JA) && ours->v[i].k >= JA_ENTRY)
			in[ours->v[i].k - JA_ENTRY] = 1;
	for (size_t pc = 0; pc < full_len; pc++) {
		const struct sock_filter *f = &full[pc];

		(*map)[pc] = in[pc] ? n++ : SIZE_MAX;
		if (!in[pc] || BPF_CLASS(f->code) == BPF_RET)
			continue;
		if (f->code == (BPF_JMP | BPF_JA))
			in[pc + 1 + f->k] = 1; /* in range: rt_bpf_keys checked full */
		else if (BPF_CLASS(f->code) == BPF_JMP) {
			in[pc + 1 + f->jt] = 1;
			in[pc + 1 + f->jf] = 1;
		} else {
			in[pc + 1] = 1;
		}
	}
	free(in);
	return 0;
}

/* Append the slice to ours, its jumps moved to where their targets went,
 * and point each entry jump of ours at its place in it. */
static int append_slice(const struct sock_filter *full, size_t full_len, struct ibuf *ours)
{
	size_t *map, base = ours->n;
	int r = slice_map(full, full_len, ours, &map);

	for (size_t pc = 0; pc < full_len && r == 0; pc++) {
		struct sock_filter f = full[pc];
		size_t at = map[pc];

		if (at == SIZE_MAX)
			continue;
		/* a subset in the same order: every distance only shrinks */
		if (f.code == (BPF_JMP | BPF_JA))
			f.k = (uint32_t)(map[pc + 1 + f.k] - at - 1);
		else if (BPF_CLASS(f.code) == BPF_JMP) {
			f.jt = (uint8_t)(map[pc + 1 + f.jt] - at - 1);
			f.jf = (uint8_t)(map[pc + 1 + f.jf] - at - 1);
		}
		put(ours, f);
	}
	for (size_t i = 0; r == 0 && i < base; i++)
		if (ours->v[i].code == (BPF_JMP | BPF_JA) && ours->v[i].k >= JA_ENTRY)
			ours->v[i].k = (uint32_t)(base + map[ours->v[i].k - JA_ENTRY] - i - 1);
	free(map);
	return r;
}

/* --- build ---------------------------------------------------------------- */

/* The tree over architecture ranges, each leaf its own tree over syscall
 * numbers, then the slice of full its entries jump into. */
static int build(const struct sock_filter *full, size_t full_len, const struct rt_u32set *arch_bps,
		 const struct rt_u32set *nr_bps, struct ibuf *out)
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
	}
	for (size_t i = 0; i < arch_bps->n && per && leaves; i++) {
		ranges_free(&per[i]);
		free(leaves[i].v);
	}
	free(per);
	free(leaves);
	free(starts);
	if (r == 0 && !out->failed)
		r = append_slice(full, full_len, out);
	if (r == 0 && out->failed)
		r = out->n ? -E2BIG : -ENOMEM;
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

static int keys_of(const struct sock_filter *p, size_t len, struct keys *k)
{
	int r = rt_bpf_keys(p, len, &k->nr, &k->arch, &k->other);

	rt_u32set_finish(&k->nr);
	rt_u32set_finish(&k->arch);
	rt_u32set_finish(&k->other);
	return r;
}

int rt_seccomp_same(const struct sock_filter *a, size_t a_len, const struct sock_filter *b, size_t b_len)
{
	struct rt_u32set arch_bps = { 0 }, nr_bps = { 0 }, vals = { 0 };
	struct keys k = { 0 };
	int r = keys_of(a, a_len, &k);

	if (r == 0)
		r = keys_of(b, b_len, &k);
	if (r == 0)
		r = breakpoints(&k.arch, &arch_bps);
	if (r == 0)
		r = breakpoints(&k.nr, &nr_bps);
	if (r == 0)
		r = arg_values(&k.other, &vals);
	for (size_t i = 0; i < arch_bps.n && r == 0; i++)
		for (size_t j = 0; j < nr_bps.n && r == 0; j++) {
			struct seccomp_data sd = { .nr = (int)nr_bps.v[j], .arch = arch_bps.v[i] };
			bool depends = false;

			r = same(a, a_len, b, b_len, &sd, &depends);
			if (r == 0 && depends)
				r = same_args(a, a_len, b, b_len, sd, &vals);
		}
	rt_u32set_free(&arch_bps);
	rt_u32set_free(&nr_bps);
	rt_u32set_free(&vals);
	keys_free(&k);
	return r;
}

/* --- entry ---------------------------------------------------------------- */

int rt_seccomp_shrink(const struct sock_filter *full, size_t full_len, struct sock_filter **ret,
		      size_t *ret_len)
{
	struct keys k = { 0 };
	struct rt_u32set arch_bps = { 0 }, nr_bps = { 0 };
	struct ibuf out = { 0 };
	int r = keys_of(full, full_len, &k);

	if (r == 0)
		r = breakpoints(&k.arch, &arch_bps);
	if (r == 0)
		r = breakpoints(&k.nr, &nr_bps);
	if (r == 0)
		r = build(full, full_len, &arch_bps, &nr_bps, &out);
	if (r == 0 && out.n >= full_len)
		r = -E2BIG;
	rt_u32set_free(&arch_bps);
	rt_u32set_free(&nr_bps);
	keys_free(&k);
	if (r == 0)
		r = rt_seccomp_same(full, full_len, out.v, out.n);
	if (r < 0) {
		free(out.v);
		return r;
	}
	*ret = out.v;
	*ret_len = out.n;
	return 0;
}
