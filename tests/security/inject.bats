#!/usr/bin/env bats
# Fault injection (issue 7, "Faults"): one syscall of `create` fails,
# through `strace -f --inject` (mount EPERM, mkdir of a cgroup dir EPERM,
# clone3 EAGAIN, write of the memory limit EINVAL), or the state
# filesystem (--root on a 64k tmpfs) is full.  Each time create must fail
# with a non-zero exit and a message naming the failure, and one
# `delete --force ID` must then leave no mount, cgroup, process or state
# dir.  The netlink case (--net bridge) is not covered here.
#
# strace -f waits for every tracee: if create left its init behind, strace
# would not return, so every strace call is bounded with timeout.

load sec-helpers

setup_file() {
	common_setup_file
	strace -o /dev/null --inject=getpid:error=EPERM:when=1 true 2>/dev/null ||
		skip "strace lacks --inject"
}
teardown_file() { common_teardown_file; }
setup() {
	sec_setup
	spec_args probe sleep 100
	spec_set '.linux.resources.memory = {limit: 67108864}'
	# The same cgroup path for capsa and runc, so -P can name it.
	spec_set '.linux.cgroupsPath = $p' --arg p "/capsa/$CID"
}
teardown() { sec_teardown; }

# inject_create STRACE_ARGS...: create $CID under strace -f with those
# arguments; sets $status and $output (create's stderr).
inject_create() {
	status=0
	timeout --kill-after=5 30 strace -f -o "$TEST_TMP/strace.log" "$@" \
		"$RUNTIME" --root "$ROOT" create --bundle "$BUNDLE" "$CID" \
		</dev/null >"$TEST_TMP/create.out" 2>&1 || status=$?
	output=$(cat "$TEST_TMP/create.out")
}

# expect_failed_and_clean REGEX: create failed (not by timeout), its
# message matches REGEX; one delete --force succeeds and nothing is left.
expect_failed_and_clean() {
	[ "$status" -ne 0 ] || fail "create succeeded despite the injected fault"
	[ "$status" -ne 124 ] && [ "$status" -ne 137 ] || fail "create (under strace) hung: a tracee was left running"
	echo "# create said: $(tail -n1 <<<"$output")" >&3
	grep -qiE "$1" <<<"$output" || fail "create's message does not match /$1/"
	grep -q 'INJECTED' "$TEST_TMP/strace.log" || fail "strace injected nothing"
	runtime delete --force "$CID" >"$TEST_TMP/delete.out" 2>&1 ||
		fail "delete --force failed: $(cat "$TEST_TMP/delete.out")"
	wait_for 3 eval 'fast_leaks "$CID" >/dev/null' || fail "left behind: $(fast_leaks "$CID")"
	[ -z "$(find /sys/fs/cgroup -name "$CID" 2>/dev/null)" ] || fail "cgroup left: $(find /sys/fs/cgroup -name "$CID")"
}

@test "inject: mount fails with EPERM" {
	# The third mount: past the propagation changes, on the rootfs bind or
	# a spec mount for both runtimes.
	inject_create --inject=mount:error=EPERM:when=3
	expect_failed_and_clean 'mount.*(not permitted|EPERM)|(not permitted|EPERM).*mount'
}

@test "inject: mkdir of the memory cgroup fails with EPERM" {
	# capsa names it from a dirfd of /sys/fs/cgroup (cgroups/at.c): the
	# relative path too
	inject_create -P "/sys/fs/cgroup/memory/capsa/$CID" -P "memory/capsa/$CID" --inject=mkdir,mkdirat:error=EPERM
	expect_failed_and_clean 'cgroup.*(not permitted|EPERM)|(not permitted|EPERM).*cgroup|memory/capsa'
}

@test "inject: clone3 fails with EAGAIN" {
	is_runc && skip "runc (Go) does not use clone3"
	inject_create --inject=clone3:error=EAGAIN:when=1
	expect_failed_and_clean 'clone.*(temporarily unavailable|EAGAIN)'
}

@test "inject: write of the memory limit fails with EINVAL" {
	inject_create -P "/sys/fs/cgroup/memory/capsa/$CID/memory.limit_in_bytes" --inject=write,pwrite64:error=EINVAL
	expect_failed_and_clean 'memory.*(invalid argument|EINVAL)|(invalid argument|EINVAL).*memory'
}

# full_state_fs [no-v2]: create on a full --root, then delete --force;
# no-v2 also unmounts the v2 hierarchy in that namespace (hybrid hosts), so
# capsa's early start writes the state after the clone.
full_state_fs() {
	local small=$TEST_TMP/small
	mkdir "$small"
	# A private mount namespace around the whole flow: the tmpfs can never
	# outlive the test on the host.
	unshare -m --propagation private bash -ec '
		if [ "$6" = no-v2 ] && mountpoint -q /sys/fs/cgroup/unified; then umount /sys/fs/cgroup/unified; fi
		mount -t tmpfs -o size=64k tmpfs "$1"
		dd if=/dev/zero of="$1/fill" bs=4k 2>/dev/null || true
		[ "$(df --output=avail "$1" | tail -n1 | tr -d " ")" -eq 0 ]
		st=0
		timeout 30 "$2" --debug --root "$1" create --bundle "$3" "$4" </dev/null >"$5/create.out" 2>&1 || st=$?
		echo "$st" >"$5/create.rc"
		rm -f "$1/fill"
		timeout 30 "$2" --root "$1" delete --force "$4" >"$5/delete.out" 2>&1 || echo fail >"$5/delete.rc"
		ls -A "$1" >"$5/left"
		umount "$1"
	' _ "$small" "$RUNTIME" "$BUNDLE" "$CID" "$TEST_TMP" "${1:-}" || fail "setting up the full tmpfs failed"
	output=$(grep -v 'debug:' "$TEST_TMP/create.out" || true)
	status=$(cat "$TEST_TMP/create.rc")
	[ "$status" -ne 0 ] || fail "create succeeded on a full filesystem"
	[ "$status" -ne 124 ] || fail "create hung"
	echo "# create said: $(tail -n1 <<<"$output")" >&3
	# runc 1.1.5 says "unable to store init state: %!w(<nil>)" here: the
	# rest of the test still holds for it.
	if ! is_runc; then
		grep -qiE 'no space left|ENOSPC' <<<"$output" || fail "create's message does not name ENOSPC"
	fi
	[ ! -e "$TEST_TMP/delete.rc" ] || fail "delete --force failed: $(cat "$TEST_TMP/delete.out")"
	[ ! -s "$TEST_TMP/left" ] || fail "left in the state dir: $(cat "$TEST_TMP/left")"
	wait_for 3 eval 'fast_leaks "$CID" >/dev/null' || fail "left behind: $(fast_leaks "$CID")"
}

@test "state filesystem full: create fails naming ENOSPC, delete --force leaves nothing" {
	full_state_fs
}

@test "state filesystem full, no v2 hierarchy: the state written after the clone fails as cleanly" {
	[ -e /sys/fs/cgroup/cgroup.controllers ] && skip "v1 and hybrid hosts only"
	full_state_fs no-v2
	is_runc || grep -q 'debug: early start: .* while the state is written' "$TEST_TMP/create.out" ||
		fail "the state was not written after the clone: $(cat "$TEST_TMP/create.out")"
}
