#!/usr/bin/env bats
# The console socket (runc's protocol, which containerd and podman speak):
# with process.terminal true the runtime connects to --console-socket and
# sends exactly one fd, the pty master, by SCM_RIGHTS; the container's
# process has the slave on 0, 1 and 2.  The receiver is
# helpers-c/recvtty.c, built into $BATS_FILE_TMPDIR.

load helpers
load helpers-c/build

setup_file() {
	common_setup_file
	build_c_helper recvtty
}
teardown_file() { common_teardown_file; }
setup() { common_setup; }
teardown() { common_teardown; }

# recvtty_start [INPUT]: start the receiver on $TEST_TMP/tty.sock in the
# background; its report goes to $TEST_TMP/recv.out, the pty output to
# $TEST_TMP/pty.out.
recvtty_start() {
	SOCK=$TEST_TMP/tty.sock
	"$BATS_FILE_TMPDIR/recvtty" "$SOCK" "$TEST_TMP/pty.out" 20 "$@" \
		>"$TEST_TMP/recv.out" 2>&1 3>&- &
	RECV_PID=$!
	CLEANUP_PIDS="${CLEANUP_PIDS:-} $RECV_PID"
	wait_for 5 test -S "$SOCK" || fail "recvtty did not listen"
}

# create_ctr [OPTIONS...]: `create` $CID with its stdio in $TEST_TMP/create.out
# (a created container keeps the stdio it was given open: never bats' pipe);
# sets $status and $output.
create_ctr() {
	status=0
	runtime create --bundle "$BUNDLE" "$@" "$CID" </dev/null >"$TEST_TMP/create.out" 2>&1 || status=$?
	output=$(cat "$TEST_TMP/create.out")
}

# recvtty_finish: wait for the receiver; $output = its report + the pty text
# (carriage returns dropped), $rc = its exit status.
recvtty_finish() {
	wait_exit "$RECV_PID" 30 || return 1
	output="$(cat "$TEST_TMP/recv.out")
$(tr -d '\r' <"$TEST_TMP/pty.out")"
}

@test "console: create --console-socket sends exactly one fd, a pty master, that drives the container's shell" {
	spec_set '.process.terminal = true'
	spec_args sh
	recvtty_start 'echo hi-$((40+2))\nexit\n'
	create_ctr --console-socket "$SOCK"
	[ "$status" -eq 0 ] || fail "create failed"
	run runtime start "$CID"
	[ "$status" -eq 0 ] || fail "start failed"
	recvtty_finish
	assert_kv fds 1
	assert_kv msgs 1
	[[ $(kv ptsname) == /dev/pts/* ]] || fail "the fd is not a pty master (ptsname failed)"
	[ "$rc" -eq 0 ] || fail "recvtty exited $rc"
	# The shell echoes the input line; only its expansion proves it ran.
	grep -qx 'hi-42' <<<"$output" || fail "no 'hi-42' line from the container's shell"
	assert_kv end eio
	wait_for 10 bash -c "'$RUNTIME' --root '$ROOT' state '$CID' | jq -e '.status == \"stopped\"'" ||
		fail "container not stopped after exit"
	run runtime delete "$CID"
	[ "$status" -eq 0 ]
}

@test "console: the container sees a tty on fds 0, 1 and 2" {
	spec_set '.process.terminal = true'
	spec_args sh -c 'for f in 0 1 2; do if [ -t $f ]; then echo tty$f=yes; else echo tty$f=no; fi; done; echo tty=$(tty)'
	recvtty_start
	create_ctr --console-socket "$SOCK"
	[ "$status" -eq 0 ] || fail "create failed"
	run runtime start "$CID"
	[ "$status" -eq 0 ] || fail "start failed"
	recvtty_finish
	assert_kv fds 1
	assert_kv tty0 yes
	assert_kv tty1 yes
	assert_kv tty2 yes
	[[ $(kv tty) == /dev/pts/* ]] || [ "$(kv tty)" = /dev/console ] || fail "tty: not a pts"
	run runtime delete --force "$CID"
	[ "$status" -eq 0 ]
}

@test "console: exec -t -d --console-socket sends one pty master and the process runs on it" {
	spec_args sleep 100
	create_ctr
	[ "$status" -eq 0 ] || fail "create failed"
	run runtime start "$CID"
	[ "$status" -eq 0 ] || fail "start failed"
	recvtty_start 'echo ex-$((6*7))\nexit\n'
	# -d as containerd and podman call it: without --detach runc makes the
	# terminal on its own stdio and ignores the socket.
	status=0
	runtime exec -t -d --console-socket "$SOCK" --pid-file "$TEST_TMP/exec.pid" "$CID" \
		sh -c 'for f in 0 1 2; do [ -t $f ] && echo etty$f=yes; done; exec sh' \
		</dev/null >"$TEST_TMP/exec.out" 2>&1 || status=$?
	output=$(cat "$TEST_TMP/exec.out")
	[ "$status" -eq 0 ] || fail "exec failed"
	[ -s "$TEST_TMP/exec.pid" ] || fail "no exec pid file"
	recvtty_finish
	assert_kv fds 1
	assert_kv msgs 1
	[[ $(kv ptsname) == /dev/pts/* ]] || fail "the exec fd is not a pty master"
	assert_kv etty0 yes
	assert_kv etty1 yes
	assert_kv etty2 yes
	grep -qx 'ex-42' <<<"$output" || fail "no 'ex-42' line from the exec'd shell"
	run runtime delete --force "$CID"
	[ "$status" -eq 0 ]
}

@test "console: terminal true without --console-socket: create fails and leaves nothing" {
	spec_set '.process.terminal = true'
	spec_args sh
	create_ctr
	[ "$status" -ne 0 ] || fail "create succeeded without a console socket"
	[[ $output == *console* ]] || fail "the error does not mention the console socket"
	run runtime state "$CID"
	[ "$status" -ne 0 ] || fail "state of the failed container succeeded"
}

@test "console: --console-socket on a socket nobody listens on: create fails and leaves nothing" {
	spec_set '.process.terminal = true'
	spec_args sh
	create_ctr --console-socket "$TEST_TMP/nobody.sock"
	[ "$status" -ne 0 ] || fail "create succeeded with a missing console socket"
	run runtime state "$CID"
	[ "$status" -ne 0 ] || fail "state of the failed container succeeded"
}
