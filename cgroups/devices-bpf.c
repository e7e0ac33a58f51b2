#include "devices-bpf.h"

#include <bpf/bpf.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/util.h"

static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	return (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}

#define LDX_W(dst, src, off)   insn(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0)
#define MOV32_REG(dst, src)    insn(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOV32_IMM(dst, imm)    insn(BPF_ALU | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define AND32_IMM(dst, imm)    insn(BPF_ALU | BPF_AND | BPF_K, dst, 0, 0, imm)
#define RSH32_IMM(dst, imm)    insn(BPF_ALU | BPF_RSH | BPF_K, dst, 0, 0, imm)
#define JNE_IMM(dst, imm, off) insn(BPF_JMP | BPF_JNE | BPF_K, dst, 0, off, imm)
#define EXIT()		       insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static int access_mask(const char *acc)
{
	int mask = 0;

	if (!acc[0])
		acc = "rwm";
	for (; *acc; acc++) {
		switch (*acc) {
		case 'r':
			mask |= BPF_DEVCG_ACC_READ;
			break;
		case 'w':
			mask |= BPF_DEVCG_ACC_WRITE;
			break;
		case 'm':
			mask |= BPF_DEVCG_ACC_MKNOD;
			break;
		default:
			return -EINVAL;
		}
	}
	return mask;
}

int cg_bpf_devices_build(const struct rt_device_rule *rules, size_t n, struct bpf_insn **ret, size_t *ret_n)
{
	/* at most 6 prologue + 9 per rule + 2 epilogue */
	_cleanup_free_ struct bpf_insn *p = calloc(8 + 9 * n, sizeof(*p));
	size_t k = 0;
	bool unconditional = false;
	const int all = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;

	if (!p)
		return -ENOMEM;
	/* r2 = device type, r3 = access, r4 = major, r5 = minor */
	p[k++] = LDX_W(BPF_REG_2, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, access_type));
	p[k++] = MOV32_REG(BPF_REG_3, BPF_REG_2);
	p[k++] = AND32_IMM(BPF_REG_2, 0xFFFF);
	p[k++] = RSH32_IMM(BPF_REG_3, 16);
	p[k++] = LDX_W(BPF_REG_4, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, major));
	p[k++] = LDX_W(BPF_REG_5, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, minor));

	for (size_t i = n; i-- > 0;) {
		const struct rt_device_rule *r = &rules[i];
		int acc = access_mask(r->access);
		bool match_type = r->type == 'c' || r->type == 'b';
		bool match_acc = acc != all;
		bool match_major = match_type && r->major >= 0;
		bool match_minor = match_type && r->minor >= 0;
		int len, left;

		if (acc < 0 || (r->type != 'a' && !match_type))
			return -EINVAL;
		if (acc == 0)
			continue; /* matches no access at all */
		if ((match_major && r->major > INT32_MAX) || (match_minor && r->minor > INT32_MAX))
			return -ERANGE;
		len = (match_type ? 1 : 0) + (match_acc ? 3 : 0) + (match_major ? 1 : 0) +
		      (match_minor ? 1 : 0) + 2;
		left = len;
		/* each test jumps over the rest of this block on mismatch */
		if (match_type) {
			left--;
			p[k++] = JNE_IMM(BPF_REG_2, r->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK,
					 (int16_t)left);
		}
		if (match_acc) {
			/* requested access must be a subset of the rule's */
			p[k++] = MOV32_REG(BPF_REG_1, BPF_REG_3);
			p[k++] = AND32_IMM(BPF_REG_1, ~acc & all);
			left -= 3;
			p[k++] = JNE_IMM(BPF_REG_1, 0, (int16_t)left);
		}
		if (match_major) {
			left--;
			p[k++] = JNE_IMM(BPF_REG_4, (int32_t)r->major, (int16_t)left);
		}
		if (match_minor) {
			left--;
			p[k++] = JNE_IMM(BPF_REG_5, (int32_t)r->minor, (int16_t)left);
		}
		p[k++] = MOV32_IMM(BPF_REG_0, r->allow ? 1 : 0);
		p[k++] = EXIT();
		/* A rule that matches everything shadows every earlier one
		 * (and the default); the verifier refuses unreachable code. */
		if (len == 2) {
			unconditional = true;
			break;
		}
	}
	if (!unconditional) {
		p[k++] = MOV32_IMM(BPF_REG_0, 0);
		p[k++] = EXIT();
	}
	*ret_n = k;
	*ret = TAKE_PTR(p);
	return 0;
}

int cg_bpf_devices_load(const struct bpf_insn *insns, size_t n, int *ret_fd, struct rt_err *err)
{
	static char log[8192];
	LIBBPF_OPTS(bpf_prog_load_opts, opts);
	int fd;

	fd = bpf_prog_load(BPF_PROG_TYPE_CGROUP_DEVICE, "capsa_devices", "Apache-2.0", insns, n, &opts);
	if (fd < 0) {
		int e = -fd;

		/* load again with the verifier log for the message */
		opts.log_buf = log;
		opts.log_size = sizeof(log);
		opts.log_level = 1;
		log[0] = '\0';
		fd = bpf_prog_load(BPF_PROG_TYPE_CGROUP_DEVICE, "capsa_devices", "Apache-2.0", insns, n,
				   &opts);
		if (fd >= 0)
			close(fd);
		return rt_err_set(err, e, "devices: load the BPF device program%s%.300s",
				  log[0] ? " (verifier: " : "", log[0] ? log : "");
	}
	*ret_fd = fd;
	return 0;
}

#define MAX_PROGS 64

int cg_bpf_devices_count(int cgroup_fd)
{
	__u32 ids[MAX_PROGS], cnt = MAX_PROGS, flags = 0;
	int r = bpf_prog_query(cgroup_fd, BPF_CGROUP_DEVICE, 0, &flags, ids, &cnt);

	return r < 0 ? -errno : (int)cnt;
}

int cg_bpf_devices_attach(int cgroup_fd, int prog_fd, struct rt_err *err)
{
	__u32 ids[MAX_PROGS], cnt = MAX_PROGS, flags = 0;
	int r;

	r = bpf_prog_query(cgroup_fd, BPF_CGROUP_DEVICE, 0, &flags, ids, &cnt);
	if (r < 0)
		return rt_err_set(err, errno, "devices: query attached BPF programs");
	if (cnt == 1) {
		_cleanup_close_ int old = bpf_prog_get_fd_by_id(ids[0]);
		LIBBPF_OPTS(bpf_prog_attach_opts, opts, .flags = BPF_F_ALLOW_MULTI | BPF_F_REPLACE,
			    .replace_prog_fd = old);

		if (old < 0)
			return rt_err_set(err, errno, "devices: open attached BPF program %u", ids[0]);
		if (bpf_prog_attach_opts(prog_fd, cgroup_fd, BPF_CGROUP_DEVICE, &opts) < 0)
			return rt_err_set(err, errno, "devices: replace the BPF device program");
		return 0;
	}
	if (bpf_prog_attach(prog_fd, cgroup_fd, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI) < 0)
		return rt_err_set(err, errno, "devices: attach the BPF device program");
	for (__u32 i = 0; i < cnt; i++) {
		_cleanup_close_ int old = bpf_prog_get_fd_by_id(ids[i]);

		if (old < 0)
			continue;
		if (bpf_prog_detach2(old, cgroup_fd, BPF_CGROUP_DEVICE) < 0 && errno != ENOENT)
			return rt_err_set(err, errno, "devices: detach the old BPF device program");
	}
	return 0;
}
