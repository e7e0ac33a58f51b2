/* Classic BPF as seccomp runs it: see seccomp-bpf.h. */
#include "seccomp-bpf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define OFF_NR	 offsetof(struct seccomp_data, nr)
#define OFF_ARCH offsetof(struct seccomp_data, arch)

/* --- run ----------------------------------------------------------------- */

static int load_word(const struct seccomp_data *d, uint32_t k, uint32_t *ret)
{
	if (k % 4 != 0 || k > sizeof(*d) - 4)
		return -EINVAL;
	memcpy(ret, (const char *)d + k, 4);
	return 0;
}

static int alu(uint16_t op, uint32_t a, uint32_t k, uint32_t *ret)
{
	switch (op) {
	case BPF_ADD:
		*ret = a + k;
		return 0;
	case BPF_SUB:
		*ret = a - k;
		return 0;
	case BPF_MUL:
		*ret = a * k;
		return 0;
	case BPF_DIV:
		if (k == 0)
			return -EINVAL;
		*ret = a / k;
		return 0;
	case BPF_AND:
		*ret = a & k;
		return 0;
	case BPF_OR:
		*ret = a | k;
		return 0;
	case BPF_XOR:
		*ret = a ^ k;
		return 0;
	case BPF_LSH:
		*ret = k < 32 ? a << k : 0;
		return 0;
	case BPF_RSH:
		*ret = k < 32 ? a >> k : 0;
		return 0;
	case BPF_NEG:
		*ret = -a;
		return 0;
	default:
		return -ENOTSUP;
	}
}

static int jump_taken(uint16_t op, uint32_t a, uint32_t k, bool *ret)
{
	switch (op) {
	case BPF_JEQ:
		*ret = a == k;
		return 0;
	case BPF_JGT:
		*ret = a > k;
		return 0;
	case BPF_JGE:
		*ret = a >= k;
		return 0;
	case BPF_JSET:
		*ret = (a & k) != 0;
		return 0;
	default:
		return -ENOTSUP;
	}
}

int rt_bpf_run(const struct sock_filter *p, size_t len, const struct seccomp_data *d,
	       struct rt_bpf_result *res)
{
	uint32_t a = 0;
	size_t pc = 0;

	res->reads_more = false;
	/* every jump goes forward: at most len steps */
	while (pc < len) {
		const struct sock_filter *f = &p[pc];
		uint16_t cls = BPF_CLASS(f->code);
		bool taken;
		int r;

		if (f->code == (BPF_LD | BPF_W | BPF_ABS)) {
			r = load_word(d, f->k, &a);
			if (r < 0)
				return r;
			if (f->k != OFF_NR && f->k != OFF_ARCH && !res->reads_more) {
				res->reads_more = true;
				res->first_more = pc;
			}
		} else if (f->code == (BPF_LD | BPF_IMM)) {
			a = f->k;
		} else if (cls == BPF_ALU && BPF_SRC(f->code) == BPF_K) {
			r = alu(BPF_OP(f->code), a, f->k, &a);
			if (r < 0)
				return r;
		} else if (f->code == (BPF_JMP | BPF_JA)) {
			if (f->k >= len - pc - 1)
				return -EINVAL;
			pc += f->k;
		} else if (cls == BPF_JMP && BPF_SRC(f->code) == BPF_K) {
			r = jump_taken(BPF_OP(f->code), a, f->k, &taken);
			if (r < 0)
				return r;
			pc += taken ? f->jt : f->jf;
		} else if (f->code == (BPF_RET | BPF_K)) {
			res->ret = f->k;
			return 0;
		} else if (f->code == (BPF_RET | BPF_A)) {
			res->ret = a;
			return 0;
		} else {
			return -ENOTSUP;
		}
		pc++;
	}
	return -EINVAL;
}

/* --- sets ---------------------------------------------------------------- */

int rt_u32set_add(struct rt_u32set *s, uint32_t v)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		uint32_t *nv = realloc(s->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n++] = v;
	return 0;
}

static int cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return a < b ? -1 : a > b;
}

void rt_u32set_finish(struct rt_u32set *s)
{
	size_t k = 0;

	if (s->n == 0)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_u32);
	for (size_t i = 1; i < s->n; i++)
		if (s->v[i] != s->v[k])
			s->v[++k] = s->v[i];
	s->n = k + 1;
}

void rt_u32set_free(struct rt_u32set *s)
{
	free(s->v);
	*s = (struct rt_u32set){ 0 };
}

/* --- keys ---------------------------------------------------------------- */

/* What A may hold at an instruction, over every path to it. */
enum { SRC_NR = 1, SRC_ARCH = 2, SRC_OTHER = 4 };

static int reach(unsigned char *src, size_t len, size_t to, unsigned char a)
{
	if (to >= len)
		return -EINVAL;
	src[to] |= a;
	return 0;
}

static int key_of(const struct sock_filter *f, unsigned char a, struct rt_u32set *nr, struct rt_u32set *arch,
		  struct rt_u32set *other)
{
	int r = 0;

	if (a & SRC_NR)
		r = rt_u32set_add(nr, f->k);
	if (r == 0 && (a & SRC_ARCH))
		r = rt_u32set_add(arch, f->k);
	if (r == 0 && (a & SRC_OTHER) && other)
		r = rt_u32set_add(other, f->k);
	return r;
}

/* One instruction of the forward pass: *a is what A holds before it; the
 * successors get what it holds after. */
static int keys_step(const struct sock_filter *p, size_t len, size_t pc, unsigned char *src,
		     struct rt_u32set *nr, struct rt_u32set *arch, struct rt_u32set *other)
{
	const struct sock_filter *f = &p[pc];
	unsigned char a = src[pc];
	uint16_t cls = BPF_CLASS(f->code);
	int r;

	if (f->code == (BPF_LD | BPF_W | BPF_ABS)) {
		if (f->k % 4 != 0 || f->k > sizeof(struct seccomp_data) - 4)
			return -EINVAL;
		return reach(src, len, pc + 1,
			     f->k == OFF_NR	? SRC_NR
			     : f->k == OFF_ARCH ? SRC_ARCH
						: SRC_OTHER);
	}
	if (f->code == (BPF_LD | BPF_IMM))
		return reach(src, len, pc + 1, SRC_OTHER);
	if (cls == BPF_ALU && BPF_SRC(f->code) == BPF_K) {
		if (a & (SRC_NR | SRC_ARCH))
			return -ENOTSUP;
		r = other ? rt_u32set_add(other, f->k) : 0;
		return r < 0 ? r : reach(src, len, pc + 1, SRC_OTHER);
	}
	if (f->code == (BPF_JMP | BPF_JA)) {
		if (f->k >= len - pc - 1)
			return -EINVAL;
		return reach(src, len, pc + 1 + f->k, a);
	}
	if (cls == BPF_JMP && BPF_SRC(f->code) == BPF_K && BPF_OP(f->code) != BPF_JSET) {
		if (BPF_OP(f->code) != BPF_JEQ && BPF_OP(f->code) != BPF_JGT && BPF_OP(f->code) != BPF_JGE)
			return -ENOTSUP;
		r = key_of(f, a, nr, arch, other);
		if (r == 0)
			r = reach(src, len, pc + 1 + f->jt, a);
		return r < 0 ? r : reach(src, len, pc + 1 + f->jf, a);
	}
	if (f->code == (BPF_JMP | BPF_JSET | BPF_K)) {
		if (a & (SRC_NR | SRC_ARCH))
			return -ENOTSUP;
		r = other ? rt_u32set_add(other, f->k) : 0;
		if (r == 0)
			r = reach(src, len, pc + 1 + f->jt, a);
		return r < 0 ? r : reach(src, len, pc + 1 + f->jf, a);
	}
	if (f->code == (BPF_RET | BPF_K))
		return 0;
	return -ENOTSUP;
}

int rt_bpf_keys(const struct sock_filter *p, size_t len, struct rt_u32set *nr, struct rt_u32set *arch,
		struct rt_u32set *other)
{
	unsigned char *src;
	int r = 0;

	if (len == 0)
		return -EINVAL;
	src = calloc(len, 1);
	if (!src)
		return -ENOMEM;
	src[0] = SRC_OTHER; /* A starts as 0 */
	for (size_t pc = 0; pc < len && r == 0; pc++)
		if (src[pc])
			r = keys_step(p, len, pc, src, nr, arch, other);
	free(src);
	return r;
}
