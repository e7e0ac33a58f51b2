#!/usr/bin/env bats
# What capsa does where the kernel lacks a system call, and the fast paths
# those fallbacks stand in for.  The runtime runs under
# tests/helpers/deny-syscall NAME (a seccomp filter that makes NAME fail with
# ENOSYS, as on an older kernel):
#   openat2 (< 5.6): the in-root path walk; the symlink-escape tests of
#     security-basic.bats must hold with it too.
#   clone3 (< 5.3, and so no CLONE_INTO_CGROUP before 5.7): the init and the
#     exec'd processes must still end up in the container's cgroup in every
#     hierarchy (the parent moves them into v2; they join v1 themselves).
#   mount_setattr (< 5.12): the v1 cgroup view is made read-only by one
#     remount per mount instead of one call for the tree.

load helpers

setup_file() { common_setup_file; }
teardown_file() { common_teardown_file; }
setup() { common_setup; }
teardown() { common_teardown; }

@test "mount destinations stay inside the rootfs when openat2 is unavailable (fallback walk)" {
	deny_runtime openat2
	run env RUNTIME="$RUNTIME" bats --filter 'mount destination' "$BATS_TEST_DIRNAME/security-basic.bats"
	echo "$output"
	[ "$status" -eq 0 ] || fail "symlink escape tests failed without openat2"
	[ "$(echo "$output" | grep -c '^ok')" -ge 3 ] || fail "the escape tests did not run"
}

@test "the cgroup view is read-only without mount_setattr (one remount per mount)" {
	is_runc && skip "a capsa fallback"
	deny_runtime mount_setattr
	run env RUNTIME="$RUNTIME" bats --filter 'cgroup mount shows' "$BATS_TEST_DIRNAME/mounts.bats"
	echo "$output"
	[ "$status" -eq 0 ] || fail "the cgroup mount test failed without mount_setattr"
	grep -q '^ok' <<<"$output" || fail "the test did not run"
}

cgroup_membership() {
	spec_set '.linux.cgroupsPath = $p' --arg p "/capsa/$CID"
	spec_args cat /proc/self/cgroup
	run_container
	[ "$status" -eq 0 ] || fail "run: $output"
	assert_in_cgroup "/capsa/$CID"

	spec_args sleep 1000
	runtime run -d --bundle "$BUNDLE" "$CID" >"$TEST_TMP/run.out" 2>&1 || fail "run -d: $(cat "$TEST_TMP/run.out")"
	output=$(cat "/proc/$(runtime state "$CID" | jq .pid)/cgroup")
	assert_in_cgroup "/capsa/$CID"
	output=$(runtime exec "$CID" cat /proc/self/cgroup 2>&1) || fail "exec: $output"
	assert_in_cgroup "/capsa/$CID"
	runtime delete -f "$CID"
}

@test "cgroups: the init and an exec'd process are in the container's cgroup in every hierarchy" {
	cgroup_membership
}

@test "cgroups: the same without clone3 (no CLONE_INTO_CGROUP)" {
	is_runc && skip "a capsa fallback"
	deny_runtime clone3
	cgroup_membership
}

@test "cgroups: a cgroup namespace without clone3 is rooted at the container's cgroup" {
	is_runc && skip "a capsa fallback"
	deny_runtime clone3
	spec_set '.linux.cgroupsPath = $p' --arg p "/capsa/$CID"
	spec_set '.linux.namespaces += [{type: "cgroup"}]'
	spec_args sleep 1000
	runtime run -d --bundle "$BUNDLE" "$CID" >"$TEST_TMP/run.out" 2>&1 || fail "run -d: $(cat "$TEST_TMP/run.out")"
	# seen from the host: in the container's cgroup; seen from inside: at
	# the root, so the namespace was made after the move
	output=$(cat "/proc/$(runtime state "$CID" | jq .pid)/cgroup")
	assert_in_cgroup "/capsa/$CID"
	output=$(runtime exec "$CID" cat /proc/1/cgroup 2>&1) || fail "exec: $output"
	assert_in_cgroup /
	runtime delete -f "$CID"
}

# The self-protection (runtime/selfprotect.c): before create, run and exec
# enter a container, capsa maps its own binary again from a read-only mount
# of it attached nowhere and makes that its /proc/self/exe (PR_SET_MM_MAP);
# without the privilege for that it re-executes from the same mount; without
# open_tree or mount_setattr (< 5.12), from a sealed memfd copy.  Every way
# the created init's /proc/PID/exe cannot be opened for writing.
init_exe_is() { # KIND DEBUG: KIND "/" (the detached read-only mount) or a memfd; DEBUG what --debug says
	local pid link
	runtime --debug create --bundle "$BUNDLE" "$CID" >"$TEST_TMP/create.out" 2>&1 || fail "create: $(cat "$TEST_TMP/create.out")"
	grep -qF "debug: CVE-2019-5736: capsa runs from $2" "$TEST_TMP/create.out" ||
		fail "--debug does not say '$2': $(cat "$TEST_TMP/create.out")"
	pid=$(runtime state "$CID" | jq .pid)
	link=$(readlink "/proc/$pid/exe")
	[[ $link == $1 ]] || fail "the init's exe is '$link', expected '$1'"
	[ "$(stat -L -c '%d %i' "/proc/$pid/exe")" = "$(stat -L -c '%d %i' "$CAPSA_BIN")" ] ||
		[[ $link == /memfd:* ]] || fail "the init runs neither capsa nor a copy"
	# nothing of the init is mapped from the host's file any more
	! grep -qF " $CAPSA_BIN" "/proc/$pid/maps" || fail "the init still maps $CAPSA_BIN: $(cat "/proc/$pid/maps")"
	! (echo x >"/proc/$pid/exe") 2>/dev/null || fail "the init's exe opened for writing from the host"
	runtime delete -f "$CID"
}

@test "the self-protection: the init runs from a read-only detached mount of capsa, mapped in place, re-executed, or a sealed copy" {
	is_runc && skip "capsa's self-protection"
	CAPSA_BIN=$(realpath "$RUNTIME")
	local capsa=$RUNTIME
	init_exe_is / "a read-only detached mount of the binary (mapped in place)"
	deny_runtime prctl_set_mm
	init_exe_is / "a read-only detached mount of the binary (re-executed)"
	RUNTIME=$capsa
	deny_runtime open_tree
	init_exe_is '/memfd:capsa*' "a sealed memfd copy of the binary"
}

# The in-place swap keeps capsa whole: a run, a detached container, an exec
# into it and a delete, all through the swapped binary, and the capsa
# process serving the exec no longer maps the host file either.
@test "the self-protection: mapped in place, capsa still runs, execs and cleans up" {
	is_runc && skip "capsa's self-protection"
	CAPSA_BIN=$(realpath "$RUNTIME")
	spec_args echo in-container
	output=$(runtime --debug run --bundle "$BUNDLE" "$CID" 2>&1) || fail "run: $output"
	grep -qF "(mapped in place)" <<<"$output" || fail "not mapped in place: $output"
	grep -qx in-container <<<"$output" || fail "no output from the container: $output"
	spec_args probe sleep 30
	runtime run -d --bundle "$BUNDLE" "$CID" || fail "run -d"
	exec_helper_exe /
	! grep -qF " $CAPSA_BIN" "${EXEC_EXE%/exe}/maps" || fail "the exec helper still maps $CAPSA_BIN"
	wait "$CLEANUP_PIDS" || fail "exec failed"
	CLEANUP_PIDS=
	runtime delete -f "$CID"
}

# vm.memfd_noexec (6.3+, per pid namespace): 1 seals every memfd made
# without MFD_EXEC non-executable, which broke the sealed re-exec of create,
# run and exec ("Permission denied"); 2 forbids executable memfds outright.
memfd_noexec() { # VALUE CMD...: CMD in a new pid namespace with the sysctl set
	local v=$1
	shift
	unshare -pf sh -c 'echo "$0" >/proc/sys/vm/memfd_noexec && exec "$@"' "$v" "$@"
}

# (exec takes the same path, rt_protect_self, but cannot be shown from
# a new pid namespace: the container's pid is not visible there.)
@test "the sealed self-copy: run works under vm.memfd_noexec=1 and 2, and =2 without open_tree is a clear error" {
	is_runc && skip "capsa's self-protection"
	[ -w /proc/sys/vm/memfd_noexec ] || skip "kernel without vm.memfd_noexec (< 6.3)"
	spec_args echo in-container
	output=$(memfd_noexec 1 "$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$CID" 2>&1) ||
		fail "run under memfd_noexec=1: $output"
	[ "$output" = in-container ] || fail "unexpected output: $output"
	# =2 forbids executable memfds: the read-only mount needs none ...
	output=$(memfd_noexec 2 "$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$CID" 2>&1) ||
		fail "run under memfd_noexec=2: $output"
	# ... but the fallback does, and says so
	deny_runtime open_tree
	status=0
	output=$(memfd_noexec 2 "$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$CID" 2>&1) || status=$?
	[ "$status" -ne 0 ] || fail "run under memfd_noexec=2 without open_tree succeeded without a sealed executable copy"
	grep -q "memfd_noexec" <<<"$output" || fail "the error does not say why: $output"
	[ ! -e "$ROOT/$CID" ] || fail "state left behind"
}

@test "the self-protection: exec without open_tree runs from a sealed copy of the loaded part of the binary" {
	is_runc && skip "capsa's copy"
	local bin
	bin=$(realpath "$RUNTIME")
	deny_runtime open_tree
	need_runtime_verb exec
	spec_args sleep 1000
	runtime create --bundle "$BUNDLE" "$CID" </dev/null >"$TEST_TMP/create.out" 2>&1 || fail "create: $(cat "$TEST_TMP/create.out")"
	runtime start "$CID" || fail "start"
	exec_helper_exe '/memfd:capsa*'
	local exe=$EXEC_EXE
	# sealed against writes, and without the debug info and section headers
	# of the file (a -g build is about twice its loaded segments)
	! (echo x >>"$exe") 2>/dev/null || fail "the copy is writable"
	local copy file
	copy=$(stat -L -c %s "$exe")
	file=$(stat -L -c %s "$bin")
	[ "$copy" -le "$file" ] || fail "copy $copy bytes, binary $file"
	if readelf -S "$bin" 2>/dev/null | grep -q '\.debug_info'; then
		[ "$copy" -lt "$file" ] || fail "the copy has the debug info too ($copy bytes)"
	fi
	wait "$CLEANUP_PIDS" || fail "exec failed"
	CLEANUP_PIDS=
	runtime delete --force "$CID"
}
