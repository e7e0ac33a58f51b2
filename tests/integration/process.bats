#!/usr/bin/env bats
# process.*: capabilities, rlimits, user and groups, noNewPrivileges.

load helpers

setup_file() { common_setup_file; }
teardown_file() { common_teardown_file; }
setup() { common_setup; }
teardown() { common_teardown; }

# spec_caps KEY CAP... : process.capabilities.KEY = [CAP...]
spec_caps() {
	local key=$1
	shift
	spec_set '.process.capabilities[$k] = $c' --arg k "$key" --argjson c "$(json_array "$@")"
}

@test "caps: the base spec's three capabilities" {
	spec_args probe caps
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	want=$(cap_mask CAP_AUDIT_WRITE CAP_KILL CAP_NET_BIND_SERVICE)
	assert_kv CapBnd "$want"
	assert_kv CapPrm "$want"
	assert_kv CapEff "$want"
	assert_kv CapInh 0000000000000000
	# Ambient capabilities must also be inheritable (kernel rule); the base
	# spec has no inheritable set, so none can be raised.
	assert_kv CapAmb 0000000000000000
}

@test "caps: all five sets as the spec gives them (uid 0)" {
	spec_caps bounding CAP_KILL CAP_CHOWN CAP_NET_RAW CAP_SYS_CHROOT
	spec_caps permitted CAP_KILL CAP_CHOWN CAP_NET_RAW
	spec_caps effective CAP_KILL CAP_CHOWN
	spec_caps inheritable CAP_KILL CAP_NET_RAW
	spec_caps ambient CAP_KILL
	spec_args probe caps
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv CapBnd "$(cap_mask CAP_KILL CAP_CHOWN CAP_NET_RAW CAP_SYS_CHROOT)"
	assert_kv CapPrm "$(cap_mask CAP_KILL CAP_CHOWN CAP_NET_RAW)"
	# execve as uid 0 raises the effective set to the permitted one, and
	# no_new_privs keeps permitted from growing back to the bounding set.
	assert_kv CapEff "$(cap_mask CAP_KILL CAP_CHOWN CAP_NET_RAW)"
	assert_kv CapInh "$(cap_mask CAP_KILL CAP_NET_RAW)"
	assert_kv CapAmb "$(cap_mask CAP_KILL)"
}

@test "caps: all five sets as the spec gives them (uid 1000)" {
	spec_set '.process.user = {uid: 1000, gid: 1000}'
	spec_caps bounding CAP_KILL CAP_CHOWN CAP_NET_RAW CAP_SYS_CHROOT
	spec_caps permitted CAP_KILL CAP_CHOWN CAP_NET_RAW
	spec_caps effective CAP_KILL CAP_CHOWN
	spec_caps inheritable CAP_KILL CAP_NET_RAW
	spec_caps ambient CAP_KILL
	spec_args probe caps
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv CapBnd "$(cap_mask CAP_KILL CAP_CHOWN CAP_NET_RAW CAP_SYS_CHROOT)"
	# A non-root execve of a file without file capabilities keeps only the
	# ambient set in permitted and effective.
	assert_kv CapPrm "$(cap_mask CAP_KILL)"
	assert_kv CapEff "$(cap_mask CAP_KILL)"
	assert_kv CapInh "$(cap_mask CAP_KILL CAP_NET_RAW)"
	assert_kv CapAmb "$(cap_mask CAP_KILL)"
}

@test "caps: no capabilities object means no capabilities at all" {
	spec_set 'del(.process.capabilities)'
	spec_args probe caps
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	for k in CapBnd CapPrm CapEff CapInh CapAmb; do
		assert_kv $k 0000000000000000
	done
}

@test "caps: every capability the host has" {
	mapfile -t all < <(for c in "${!CAP_NUM[@]}"; do
		# Only those this kernel knows.
		(((0x$(host_cap_bnd) >> ${CAP_NUM[$c]}) & 1)) && echo "$c"
	done)
	for k in bounding permitted effective; do spec_caps $k "${all[@]}"; done
	spec_args probe caps
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv CapBnd "$(host_cap_bnd)"
	assert_kv CapEff "$(host_cap_bnd)"
}

@test "caps: a dropped capability is really gone (CAP_CHOWN, CAP_MKNOD)" {
	spec_set '.root.readonly = false'
	spec_args sh -c 'chown 1000 /tmp && echo chown=ok || echo chown=denied; probe mknod /tmp/n c 1 3'
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv chown denied
	assert_kv mknod EPERM
	spec_caps bounding CAP_CHOWN CAP_MKNOD
	spec_caps permitted CAP_CHOWN CAP_MKNOD
	spec_caps effective CAP_CHOWN CAP_MKNOD
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv chown ok
	# /tmp in the rootfs; device nodes are allowed by the base spec's
	# devices cgroup to be created (m), not used.
	assert_kv mknod ok
}

@test "rlimits: NOFILE from the base spec" {
	spec_args probe rlimit NOFILE
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv soft 1024
	assert_kv hard 1024
}

@test "rlimits: soft and hard set separately, several types" {
	spec_set '.process.rlimits = [
		{type: "RLIMIT_NOFILE", soft: 100, hard: 200},
		{type: "RLIMIT_CORE", soft: 0, hard: 4096},
		{type: "RLIMIT_NPROC", soft: 500, hard: 600}]'
	spec_args sh -c 'for r in NOFILE CORE NPROC; do probe rlimit $r | sed "s/^/$r./"; done'
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv NOFILE.soft 100
	assert_kv NOFILE.hard 200
	assert_kv CORE.soft 0
	assert_kv CORE.hard 4096
	assert_kv NPROC.soft 500
	assert_kv NPROC.hard 600
	# The limit binds: opening more than 100 files fails.
	spec_args sh -c 'ulimit -n'
	run_container
	[ "$output" = 100 ] || fail "ulimit -n"
}

@test "rlimits: an unknown rlimit type is rejected" {
	spec_set '.process.rlimits = [{type: "RLIMIT_BOGUS", soft: 1, hard: 1}]'
	run_container
	[ "$status" -ne 0 ] || fail "RLIMIT_BOGUS accepted"
	[[ $output == *RLIMIT_BOGUS* ]] || fail "error should name the rlimit"
}

@test "user: uid, gid and additionalGids" {
	spec_set '.process.user = {uid: 1000, gid: 1000, additionalGids: [29, 44, 100]}'
	spec_args probe ids
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv uid 1000
	assert_kv euid 1000
	assert_kv gid 1000
	assert_kv egid 1000
	assert_kv groups 29,44,100
}

@test "user: without additionalGids the supplementary groups are empty" {
	spec_set '.process.user = {uid: 65534, gid: 65534}'
	spec_args probe ids
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv uid 65534
	assert_kv gid 65534
	# Not the caller's groups, not the ones /etc/group lists.
	assert_kv groups ""
}

@test "user: uid 0 with supplementary groups" {
	spec_set '.process.user.additionalGids = [5]'
	spec_args probe ids
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv uid 0
	assert_kv groups 5
}

@test "user: a non-root user cannot write root's files" {
	spec_set '.process.user = {uid: 1000, gid: 1000} | .root.readonly = false'
	spec_args sh -c 'probe write /etc/passwd x; probe write /home/user/mine y'
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	[ "$(printf '%s\n' "$output" | sed -n 1p)" = write=EACCES ] || fail "root file writable"
	[ "$(printf '%s\n' "$output" | sed -n 2p)" = write=ok ] || fail "own home not writable"
}

@test "noNewPrivileges: true sets NoNewPrivs, false leaves it" {
	spec_args probe nnp
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv NoNewPrivs 1
	spec_set '.process.noNewPrivileges = false'
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv NoNewPrivs 0
}

@test "oomScoreAdj is applied" {
	spec_set '.process.oomScoreAdj = 123'
	spec_args cat /proc/self/oom_score_adj
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	[ "$output" = 123 ] || fail "oom_score_adj"
}
