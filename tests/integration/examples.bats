#!/usr/bin/env bats
# The specs in examples/ run and show what they promise.  Each test copies
# one example's config.json into the test bundle (root.path pointed at the
# test rootfs) so that examples/rootfs need not exist.

load helpers

setup_file() { common_setup_file; }
teardown_file() { common_teardown_file; }
setup() { common_setup; }
teardown() { common_teardown; }

use_example() {
	jq --arg id "$CID" '.root.path = "rootfs" | .process.env += ["CAPSA_ITEST=" + $id]' \
		"$REPO/examples/$1/config.json" >"$BUNDLE/config.json"
}

@test "examples/hello: hostname, PID 1, capabilities, mounts" {
	use_example hello
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	[[ $output == *"hostname: hello"* ]] || fail "hostname"
	[[ $output == *"PID 1"* ]] || fail "PID 1"
	[[ $output == *"CapEff:	$(cap_mask CAP_AUDIT_WRITE CAP_KILL CAP_NET_BIND_SERVICE)"* ]] || fail "caps"
	[[ $output == *"/proc proc"* && $output == *"/tmp tmpfs"* ]] || fail "mounts"
}

@test "examples/seccomp: mkdir is denied with the rule's errno" {
	use_example seccomp
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	[[ $output == *"touch /tmp/file: allowed"* ]] || fail "touch"
	[[ $output == *"Operation not permitted"* ]] || fail "mkdir error text"
	[[ $output == *"mkdir /tmp/dir: denied by seccomp"* ]] || fail "mkdir not denied"
}

@test "examples/shell: an interactive shell on a terminal" {
	command -v script >/dev/null || skip "script(1) from util-linux is missing"
	use_example shell
	# script(1) gives the runtime a pty as its stdin/stdout.
	run bash -c '(sleep 2; printf "echo hi-from-\$(hostname); tty\n"; sleep 1; printf "exit 3\n") |
		timeout 30 script -qec "$1 --root $2 run --bundle $3 $4" /dev/null' _ \
		"$RUNTIME" "$ROOT" "$BUNDLE" "$CID"
	[ "$status" -eq 3 ] || fail "exit status of the shell"
	[[ $output == *hi-from-shell* ]] || fail "command output missing"
	[[ $output == */dev/pts/* || $output == */dev/console* ]] || fail "not on a terminal"
}

@test "examples/demo.sh runs hello" {
	# demo.sh builds examples/rootfs itself: only run it when it is there
	# already or can be built (busybox-static present).
	[ -x /bin/busybox ] || skip "busybox-static missing"
	CAPSA=$RUNTIME run "$REPO/examples/demo.sh"
	[ "$status" -eq 0 ] || fail "demo failed"
	[[ $output == *"hostname: hello"* && $output == *"PID 1"* ]] || fail "demo output"
}
