#!/usr/bin/env bats
# `run` in the foreground: the container's init, its exit status, stdio,
# signals, and what a failing run leaves behind.

load helpers

setup_file() { common_setup_file; }
teardown_file() { common_teardown_file; }
setup() { common_setup; }
teardown() { common_teardown; }

@test "run: the process is PID 1 of a new pid namespace" {
	spec_args probe pid
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv pid 1
	# Its parent is outside the namespace.
	assert_kv ppid 0
	spec_args sh -c 'echo shell=$$; ps -o pid,comm | grep -v PID | wc -l | sed s/^/procs=/'
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv shell 1
	# sh and ps (and wc/sed/grep of the pipeline): nothing from the host.
	[ "$(kv procs)" -le 5 ] || fail "host processes visible"
}

@test "run: hostname and domainname from the spec" {
	spec_set '.hostname = "box-one" | .domainname = "example.test"'
	spec_args probe hostname
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv hostname box-one
	# runc 1.1 parses but does not apply "domainname" (runc 1.2 does).
	is_runc || assert_kv domainname example.test
	# The host's own name is untouched.
	[ "$(hostname)" != box-one ] || fail "host hostname changed"
}

@test "run: exit code of the process propagates" {
	spec_args probe exit 3
	run_container
	[ "$status" -eq 3 ] || fail "expected 3"
	spec_args sh -c 'exit 0'
	run_container
	[ "$status" -eq 0 ] || fail "expected 0"
	spec_args sh -c 'exit 255'
	run_container
	[ "$status" -eq 255 ] || fail "expected 255"
}

@test "run: killed by a signal exits 128+N" {
	# The pid-namespace init cannot be killed from inside (the kernel drops
	# even SIGKILL sent to it by its own namespace), so kill it from the host.
	spec_args probe sleep 100
	runtime run --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1 &
	rpid=$!
	CLEANUP_PIDS=$rpid
	wait_for 20 container_pid_known || fail "container init not found"
	kill -KILL "$CPID"
	wait_exit "$rpid" || fail "runtime did not exit"
	CLEANUP_PIDS=
	[ "$rc" -eq 137 ] || fail "SIGKILL: exit $rc, expected 137"
}

@test "run: a process inside killed by a signal shows 128+N to its shell" {
	# SIGUSR1's default action terminates; the shell reports 128+10.
	spec_args sh -c 'probe kill 10; echo child=$?'
	run_container
	[ "$status" -eq 0 ] || fail "sh should survive"
	assert_kv child 138
	# PID 1 ignores signals it has no handler for, even from itself.
	spec_args sh -c 'kill -TERM $$; exit 7'
	run_container
	[ "$status" -eq 7 ] || fail "PID 1 must ignore unhandled SIGTERM"
}

@test "run: stdout and stderr pass through" {
	spec_args sh -c 'echo to-stdout; echo to-stderr >&2'
	run --separate-stderr runtime run --bundle "$BUNDLE" "$CID" </dev/null
	[ "$status" -eq 0 ] || fail "run failed"
	[ "$output" = to-stdout ] || fail "stdout: '$output'"
	[ "$stderr" = to-stderr ] || fail "stderr: '$stderr'"
}

@test "run: stdin is piped through" {
	spec_args sh -c 'read line; echo got=$line; cat'
	printf 'hello\nsecond line\nthird\n' >"$TEST_TMP/in"
	STDIN_FILE=$TEST_TMP/in run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv got hello
	[ "$(printf '%s\n' "$output" | tail -n2)" = "$(printf 'second line\nthird')" ] || fail "cat output"
	# End of input reaches the container: cat returns.
	spec_args cat
	run bash -c 'echo piped | timeout 20 "$1" --root "$2" run --bundle "$3" "$4"' _ \
		"$RUNTIME" "$ROOT" "$BUNDLE" "$CID"
	[ "$status" -eq 0 ] || fail "pipe run failed"
	[ "${lines[-1]}" = piped ] || fail "pipe: '$output'"
}

@test "run: large output is not truncated" {
	spec_args sh -c 'i=0; while [ $i -lt 20000 ]; do echo line-$i; i=$((i+1)); done'
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	[ "${#lines[@]}" -eq 20000 ] || fail "got ${#lines[@]} lines"
	[ "${lines[19999]}" = line-19999 ] || fail "last line ${lines[19999]}"
}

@test "run: SIGTERM to the runtime is forwarded to the container init" {
	spec_args probe signals
	out=$TEST_TMP/out
	"$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$CID" </dev/null >"$out" 2>&1 &
	rpid=$!
	CLEANUP_PIDS="$rpid"
	wait_for 20 grep -q '^ready' "$out" || fail "probe never got ready: $(cat "$out")"
	kill -USR1 "$rpid"
	wait_for 10 grep -q '^signal=10' "$out" || fail "SIGUSR1 not forwarded: $(cat "$out")"
	kill -HUP "$rpid"
	wait_for 10 grep -q '^signal=1$' "$out" || fail "SIGHUP not forwarded: $(cat "$out")"
	kill -INT "$rpid"
	wait_for 10 grep -q '^signal=2$' "$out" || fail "SIGINT not forwarded: $(cat "$out")"
	kill -USR2 "$rpid"
	wait_for 10 grep -q '^signal=12$' "$out" || fail "SIGUSR2 not forwarded: $(cat "$out")"
	kill -TERM "$rpid"
	wait_exit "$rpid" || fail "runtime did not exit"
	CLEANUP_PIDS=
	grep -q '^signal=15' "$out" || fail "SIGTERM not forwarded: $(cat "$out")"
	# probe exits 42 on SIGTERM; the runtime returns the container's status.
	[ "$rc" -eq 42 ] || fail "exit status $rc, expected 42"
}

# A plain foreground run lets its process exec while it saves the state
# (container.c); with --pid-file the file is written first.  Either way, once
# the process runs, `state` shows it running with its pid.
@test "run: while the process runs, state and --pid-file name it" {
	for pf in "" "$TEST_TMP/pidfile"; do
		spec_args probe signals
		out=$TEST_TMP/out
		"$RUNTIME" --root "$ROOT" run ${pf:+--pid-file "$pf"} --bundle "$BUNDLE" "$CID" </dev/null >"$out" 2>&1 &
		rpid=$!
		CLEANUP_PIDS="$rpid"
		wait_for 20 grep -q '^ready' "$out" || fail "probe never got ready: $(cat "$out")"
		st=$(runtime state "$CID") || fail "state of a running foreground container failed"
		[ "$(jq -r .status <<<"$st")" = running ] || fail "status is not running: $st"
		pid=$(jq -r .pid <<<"$st")
		[ "$pid" -gt 0 ] && [ "$(cut -d' ' -f1 /proc/"$pid"/stat)" = "$pid" ] || fail "state pid $pid is not alive"
		[ -z "$pf" ] || [ "$(cat "$pf")" = "$pid" ] || fail "pid file $(cat "$pf") != state pid $pid"
		kill -TERM "$rpid"
		wait_exit "$rpid" || fail "runtime did not exit"
		CLEANUP_PIDS=
		[ "$rc" -eq 42 ] || fail "exit status $rc, expected 42"
		run runtime state "$CID"
		[ "$status" -ne 0 ] || fail "state after the run ended should fail"
	done
}

# The issue asks for a shell's codes: 127 for a missing args[0], 126 for a
# non-executable one.  runc 1.1 reports both from its init before exec and
# exits 1 (with "no such file or directory" / "permission denied").
@test "run: a missing executable fails with 127 (runc: 1) and a message" {
	expect=127
	is_runc && expect=1
	spec_args /bin/does-not-exist
	run_container
	[ "$status" -eq "$expect" ] || fail "expected $expect"
	[[ $output == */bin/does-not-exist* ]] || fail "message should name the file"
	spec_args no-such-command-anywhere
	run_container
	[ "$status" -eq "$expect" ] || fail "PATH lookup miss: expected $expect"
	[[ $output == *no-such-command-anywhere* ]] || fail "message should name the command"
}

@test "run: a non-executable file fails with 126 (runc: 1) and a message" {
	expect=126
	is_runc && expect=1
	spec_args /etc/passwd
	run_container
	[ "$status" -eq "$expect" ] || fail "expected $expect"
	[[ $output == */etc/passwd* ]] || fail "message should name the file"
	[[ $output == *"ermission denied"* ]] || fail "message should say why"
}

# An error after the process has said it is ready (here the switch to
# process.user, which the user namespace cannot map) reaches the caller as
# one before it does: a foreground run lets the process go on to its execve
# at READY, without a word from the runtime, and the error comes back over
# the sync socket.
@test "run: an error after the process is ready (an unmapped uid) fails with a message" {
	spec_set '.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 1}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 1}]
		| .process.user.uid = 5
		| (.mounts[] | select(.destination == "/dev/pts") | .options) -= ["gid=5"]'
	rootfs_for_mapped_root 100000
	run_container
	[ "$status" -ne 0 ] || fail "a uid outside the user namespace's map was accepted"
	[[ $output == *uid* ]] || fail "message should name the uid: $output"
	run runtime state "$CID"
	[ "$status" -ne 0 ] || fail "state exists after a failed run"
}

@test "run: PATH lookup uses the spec's PATH" {
	mkdir -p "$BUNDLE/rootfs/opt/tools"
	cp "$BUNDLE/rootfs/bin/probe" "$BUNDLE/rootfs/opt/tools/myprobe"
	spec_set '.process.env = ["PATH=/opt/tools", "CAPSA_ITEST=" + $id]' --arg id "$CID"
	spec_args myprobe exit 5
	run_container
	[ "$status" -eq 5 ] || fail "myprobe not found through PATH"
}

@test "run: a bad spec fails before anything is created" {
	echo '{ "ociVersion": "1.0.2", "process": ' >"$BUNDLE/config.json"
	run_container
	[ "$status" -ne 0 ] || fail "truncated JSON accepted"
	[ -n "$output" ] || fail "no error message"
	run runtime state "$CID"
	[ "$status" -ne 0 ] || fail "state exists after a failed run"
}

@test "run: a spec without process.args fails" {
	spec_set 'del(.process.args)'
	run_container
	[ "$status" -ne 0 ] || fail "missing args accepted"
	run runtime state "$CID"
	[ "$status" -ne 0 ] || fail "state exists after a failed run"
}

@test "run: a missing rootfs fails and leaves nothing" {
	spec_set '.root.path = "no-such-rootfs"'
	run_container
	[ "$status" -ne 0 ] || fail "missing rootfs accepted"
}

@test "run: a failing mount fails the run and leaves nothing" {
	spec_add_mount '{"destination": "/mnt/x", "type": "bind", "source": "/no/such/source", "options": ["bind"]}'
	run_container
	[ "$status" -ne 0 ] || fail "bind of a missing source accepted"
	[[ $output == */no/such/source* || $output == *"no such file"* ]] || fail "message should say why"
}

# At an early start (v1 and hybrid hosts) the new kernel filesystems at the
# head of the mounts go while the runtime still makes the cgroups: a
# failure there comes before GO, and must still be reported as itself, with
# the cgroups made meanwhile removed (the leak check after every test).
@test "run: a failing tmpfs mount at the head of the mounts fails the run with its message" {
	spec_set '(.mounts[] | select(.destination == "/dev") | .options) += ["size=lots"]'
	run_container
	[ "$status" -ne 0 ] || fail "tmpfs size=lots accepted"
	[[ $output == *"/dev"* ]] || fail "message should name the mount: $output"
	[[ $output == *"nvalid argument"* ]] || fail "message should say why: $output"
	run runtime state "$CID"
	[ "$status" -ne 0 ] || fail "state exists after a failed run"
}

@test "run: the same id twice in a row works (nothing kept after a foreground run)" {
	spec_args true
	run_container
	[ "$status" -eq 0 ] || fail "first run"
	run_container
	[ "$status" -eq 0 ] || fail "second run with the same id"
}

@test "run: environment variables from the spec" {
	spec_set '.process.env += ["FOO=bar baz", "EMPTY="]'
	spec_args sh -c 'probe env FOO; probe env EMPTY; probe env PATH; env | grep -c . | sed "s/^/count=/"'
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv FOO "bar baz"
	assert_kv EMPTY ""
	assert_kv PATH /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	# Nothing from the caller's environment leaks in.
	HOST_ONLY_VAR=leak run runtime run --bundle "$BUNDLE" "$CID" </dev/null
	[[ $output != *HOST_ONLY_VAR* ]] || fail "caller env leaked"
	spec_args probe env HOST_ONLY_VAR
	HOST_ONLY_VAR=leak run runtime run --bundle "$BUNDLE" "$CID" </dev/null
	[ "$status" -eq 1 ] || fail "HOST_ONLY_VAR visible"
}

@test "run: cwd from the spec, created if missing" {
	spec_set '.process.cwd = "/etc"'
	spec_args probe cwd
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv cwd /etc
	# runc creates a missing cwd (in the rootfs, so root must be writable);
	# the spec does not say, but capsa aims at runc's observable behaviour.
	spec_set '.process.cwd = "/work/dir" | .root.readonly = false'
	run_container
	[ "$status" -eq 0 ] || fail "missing cwd not created"
	assert_kv cwd /work/dir
}

@test "run: umask from process.user" {
	spec_set '.process.user.umask = 63'
	spec_add_tmpfs /tmp mode=1777
	spec_args sh -c 'probe umask; touch /tmp/f; stat -c mode=%a /tmp/f'
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv umask 0077
	assert_kv mode 600
}

@test "run: default umask is 0022" {
	spec_args probe umask
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv umask 0022
}

@test "run: only stdio is open in the container process" {
	spec_args probe fds
	run --separate-stderr runtime run --bundle "$BUNDLE" "$CID" </dev/null
	[ "$status" -eq 0 ] || fail "run failed"
	fds=$(printf '%s\n' "$output" | cut -d= -f1 | sort | tr '\n' ' ')
	[ "$fds" = "fd0 fd1 fd2 " ] || fail "unexpected fds: $output"
}
