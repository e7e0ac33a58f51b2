#!/usr/bin/env bats
# The OCI lifecycle verbs: create, start, state, kill, delete, and exec.

load helpers

setup_file() { common_setup_file; }
teardown_file() { common_teardown_file; }
setup() {
	common_setup
	spec_args probe sleep 1000
}
teardown() { common_teardown; }

# create_container [ID] [OPTIONS...]: `create` with the container's stdio
# in $TEST_TMP/ID.out (a created container holds its stdio open: it must not
# be bats' output pipe).  Returns create's status.
create_container() {
	local id=${1:-$CID}
	shift || true
	runtime create --bundle "$BUNDLE" "$@" "$id" </dev/null >"$TEST_TMP/$id.out" 2>&1
}

# state_status [ID]: the "status" field of `state`, or "" when it fails.
state_status() {
	runtime state "${1:-$CID}" 2>/dev/null | jq -r .status
}

cmdline_is() {
	[ "$(tr '\0' ' ' <"/proc/$1/cmdline")" = "$2" ]
}

status_is() {
	[ "$(state_status "$2")" = "$1" ]
}

@test "lifecycle: create, state, start, kill, delete" {
	create_container || fail "create failed: $(cat "$TEST_TMP/$CID.out")"
	run runtime state "$CID"
	[ "$status" -eq 0 ] || fail "state failed"
	[ "$(jq -r .status <<<"$output")" = created ] || fail "not created"
	[ "$(jq -r .id <<<"$output")" = "$CID" ] || fail "id"
	[ "$(jq -r .bundle <<<"$output")" = "$BUNDLE" ] || fail "bundle"
	[ -n "$(jq -r .ociVersion <<<"$output")" ] || fail "ociVersion"
	pid=$(jq -r .pid <<<"$output")
	[ "$pid" -gt 0 ] || fail "no pid"
	kill -0 "$pid" || fail "pid $pid not alive"
	# Not yet the user's process.
	! cmdline_is "$pid" "probe sleep 1000 " || fail "process already exec'd before start"

	run runtime start "$CID"
	[ "$status" -eq 0 ] || fail "start failed"
	wait_for 10 status_is running || fail "not running: $(state_status)"
	wait_for 10 cmdline_is "$pid" "probe sleep 1000 " || fail "payload not exec'd in pid $pid"
	[ "$(runtime state "$CID" | jq -r .pid)" = "$pid" ] || fail "pid changed at start"

	run runtime kill "$CID" KILL
	[ "$status" -eq 0 ] || fail "kill failed"
	wait_for 10 status_is stopped || fail "not stopped: $(state_status)"

	run runtime delete "$CID"
	[ "$status" -eq 0 ] || fail "delete failed"
	run runtime state "$CID"
	[ "$status" -ne 0 ] || fail "state works after delete"
	[[ $output == *"does not exist"* ]] || fail "state error should say 'does not exist'"
	[ ! -e "/proc/$pid" ] || [ "$(awk '{print $3}' /proc/$pid/stat)" = Z ] || fail "process survived"
}

@test "lifecycle: the container process exits by itself -> stopped" {
	spec_args probe exit 0
	create_container || fail "create failed"
	runtime start "$CID" || fail "start failed"
	wait_for 10 status_is stopped || fail "not stopped: $(state_status)"
	runtime delete "$CID" || fail "delete of a stopped container failed"
}

@test "lifecycle: --pid-file is written with the init pid" {
	create_container "$CID" --pid-file "$TEST_TMP/pidfile" || fail "create failed"
	[ -s "$TEST_TMP/pidfile" ] || fail "no pid file"
	[ "$(cat "$TEST_TMP/pidfile")" = "$(runtime state "$CID" | jq -r .pid)" ] || fail "pid file != state pid"
	runtime delete --force "$CID" || fail "delete --force of a created container"
}

@test "lifecycle: create of an existing id fails and leaves the first alone" {
	create_container || fail "first create failed"
	pid=$(runtime state "$CID" | jq -r .pid)
	run runtime create --bundle "$BUNDLE" "$CID" </dev/null
	[ "$status" -ne 0 ] || fail "second create with the same id succeeded"
	[[ $output == *"already exists"* ]] || fail "error should say 'already exists'"
	[ "$(state_status)" = created ] || fail "first container disturbed"
	[ "$(runtime state "$CID" | jq -r .pid)" = "$pid" ] || fail "first container's pid changed"
	runtime delete --force "$CID"
}

@test "lifecycle: delete of a running container needs --force" {
	create_container || fail "create failed"
	runtime start "$CID" || fail "start failed"
	pid=$(runtime state "$CID" | jq -r .pid)
	run runtime delete "$CID"
	[ "$status" -ne 0 ] || fail "delete of a running container succeeded"
	[ "$(state_status)" = running ] || fail "container no longer running"
	run runtime delete --force "$CID"
	[ "$status" -eq 0 ] || fail "delete --force failed"
	run runtime state "$CID"
	[ "$status" -ne 0 ] || fail "state after delete --force"
	wait_for 10 eval '[ ! -e /proc/'"$pid"' ] || [ "$(awk "{print \$3}" /proc/'"$pid"'/stat)" = Z ]' ||
		fail "process $pid survived delete --force"
}

@test "lifecycle: kill of a stopped container fails with a clear message" {
	spec_args probe exit 0
	create_container || fail "create failed"
	runtime start "$CID"
	wait_for 10 status_is stopped || fail "not stopped"
	run runtime kill "$CID" TERM
	[ "$status" -ne 0 ] || fail "kill of a stopped container succeeded"
	# containerd maps "not running" to NotFound: keep runc's words.
	[[ $output == *"not running"* ]] || fail "error should say 'not running'"
	runtime delete "$CID"
}

@test "lifecycle: kill of an unknown container fails" {
	run runtime kill "$CID-nope" KILL
	[ "$status" -ne 0 ] || fail "kill of an unknown id succeeded"
	[[ $output == *"does not exist"* ]] || fail "error should say 'does not exist'"
}

@test "lifecycle: kill accepts names and numbers, the signal reaches init" {
	spec_args probe signals
	create_container || fail "create failed"
	runtime start "$CID"
	wait_for 10 grep -q '^ready' "$TEST_TMP/$CID.out" || fail "probe not ready"
	runtime kill "$CID" USR1 || fail "kill USR1"
	wait_for 10 grep -q '^signal=10$' "$TEST_TMP/$CID.out" || fail "USR1 not delivered"
	runtime kill "$CID" SIGHUP || fail "kill SIGHUP"
	wait_for 10 grep -q '^signal=1$' "$TEST_TMP/$CID.out" || fail "HUP not delivered"
	runtime kill "$CID" 15 || fail "kill 15"
	wait_for 10 status_is stopped || fail "SIGTERM did not stop it"
	grep -q '^signal=15$' "$TEST_TMP/$CID.out" || fail "TERM not delivered"
	runtime delete "$CID"
}

@test "lifecycle: kill with a bad signal name fails" {
	create_container || fail "create failed"
	run runtime kill "$CID" SIGNOTREAL
	[ "$status" -ne 0 ] || fail "bad signal accepted"
	[ "$(state_status)" = created ] || fail "container disturbed"
	runtime delete --force "$CID"
}

@test "lifecycle: start twice fails the second time" {
	create_container || fail "create failed"
	runtime start "$CID" || fail "start"
	run runtime start "$CID"
	[ "$status" -ne 0 ] || fail "second start succeeded"
	runtime delete --force "$CID"
}

@test "lifecycle: exec into a running container" {
	need_runtime_verb exec
	create_container || fail "create failed"
	runtime start "$CID" || fail "start"
	wait_for 10 status_is running || fail "not running"
	pid=$(runtime state "$CID" | jq -r .pid)
	run runtime exec "$CID" sh -c "probe pid; probe hostname; $(printf '%s' 'readlink /proc/self/ns/pid | sed s/^/pidns=/; readlink /proc/self/ns/mnt | sed s/^/mntns=/')"
	[ "$status" -eq 0 ] || fail "exec failed"
	[ "$(kv pid)" -gt 1 ] || fail "exec'd process is PID $(kv pid)"
	assert_kv hostname itest
	assert_kv pidns "$(readlink "/proc/$pid/ns/pid")"
	assert_kv mntns "$(readlink "/proc/$pid/ns/mnt")"
	# Exit status of the exec'd process comes back.
	run runtime exec "$CID" probe exit 4
	[ "$status" -eq 4 ] || fail "exec exit status $status"
	# The container keeps running.
	[ "$(state_status)" = running ] || fail "container stopped after exec"
	runtime delete --force "$CID"
}

@test "lifecycle: exec with a process.json gets its capability sets, bounding set included" {
	need_runtime_verb exec
	create_container || fail "create failed"
	runtime start "$CID" || fail "start"
	jq '.process | .args = ["probe", "caps"] | .capabilities = {
		bounding: ["CAP_KILL", "CAP_CHOWN"], effective: ["CAP_KILL"], permitted: ["CAP_KILL"]}' \
		"$BUNDLE/config.json" >"$TEST_TMP/process.json"
	run runtime exec -p "$TEST_TMP/process.json" "$CID"
	[ "$status" -eq 0 ] || fail "exec failed: $output"
	assert_kv CapBnd "$(cap_mask CAP_KILL CAP_CHOWN)"
	assert_kv CapPrm "$(cap_mask CAP_KILL)"
	assert_kv CapEff "$(cap_mask CAP_KILL)"
	runtime delete --force "$CID"
}

@test "lifecycle: exec runs from a read-only mount of the binary attached nowhere (CVE-2019-5736)" {
	is_runc && skip "capsa's self-protection"
	need_runtime_verb exec
	create_container || fail "create failed"
	runtime start "$CID" || fail "start"
	exec_helper_exe /
	local exe=$EXEC_EXE
	# the binary itself, through a mount that refuses writes
	[ "$(stat -L -c '%d %i' "$exe")" = "$(stat -L -c '%d %i' "$RUNTIME")" ] || fail "not the capsa binary"
	! (echo x >>"$exe") 2>/dev/null || fail "the binary is writable through /proc/PID/exe"
	wait "$CLEANUP_PIDS" || fail "exec failed"
	CLEANUP_PIDS=
	runtime delete --force "$CID"
}

# An exec that fails after it said it is ready (here the switch to a uid
# the user namespace cannot map) reports it, whether the runtime holds the
# process at READY (--pid-file) or lets it go on to its execve.
@test "lifecycle: an exec error after the process is ready (an unmapped uid) fails with a message" {
	need_runtime_verb exec
	spec_set '.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 1}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 1}]
		| (.mounts[] | select(.destination == "/dev/pts") | .options) -= ["gid=5"]'
	rootfs_for_mapped_root 100000
	create_container || fail "create failed: $(cat "$TEST_TMP/$CID.out")"
	runtime start "$CID" || fail "start"
	run runtime exec --user 5 "$CID" true
	[ "$status" -ne 0 ] || fail "a uid outside the user namespace's map was accepted"
	[[ $output == *uid* ]] || fail "message should name the uid: $output"
	run runtime exec --user 5 --pid-file "$TEST_TMP/exec.pid" "$CID" true
	[ "$status" -ne 0 ] || fail "with --pid-file: a uid outside the map was accepted"
	[[ $output == *uid* ]] || fail "with --pid-file: message should name the uid: $output"
	[ "$(state_status)" = running ] || fail "container stopped after the failed execs"
	run runtime exec "$CID" probe exit 3
	[ "$status" -eq 3 ] || fail "a good exec after them: status $status"
	runtime delete --force "$CID"
}

@test "lifecycle: exec into a stopped container fails" {
	need_runtime_verb exec
	spec_args probe exit 0
	create_container || fail "create failed"
	runtime start "$CID"
	wait_for 10 status_is stopped || fail "not stopped"
	run runtime exec "$CID" true
	[ "$status" -ne 0 ] || fail "exec into a stopped container succeeded"
	runtime delete "$CID"
}

@test "lifecycle: delete --force of a created (never started) container" {
	create_container || fail "create failed"
	pid=$(runtime state "$CID" | jq -r .pid)
	runtime delete --force "$CID" || fail "delete --force"
	wait_for 10 eval '[ ! -e /proc/'"$pid"' ]' || fail "init $pid survived"
}

@test "lifecycle: a failed create leaves no state" {
	spec_args /no/such/binary
	# runc reports exec errors at create time; a runtime that defers them
	# to start must still fail there.
	if create_container; then
		run runtime start "$CID"
		[ "$status" -ne 0 ] || fail "start of a missing binary succeeded"
		runtime delete --force "$CID"
	fi
	run runtime state "$CID"
	[ "$status" -ne 0 ] || fail "state of a failed container exists"
}

@test "lifecycle: several containers at once, each with its own state" {
	create_container "$CID" || fail "create 1"
	create_container "$CID-2" || fail "create 2"
	runtime start "$CID-2" || fail "start 2"
	wait_for 10 status_is running "$CID-2" || fail "2 not running"
	[ "$(state_status "$CID")" = created ] || fail "1 not created"
	[ "$(runtime state "$CID" | jq -r .pid)" != "$(runtime state "$CID-2" | jq -r .pid)" ] || fail "same pid"
	runtime delete --force "$CID" || fail "delete 1"
	runtime delete --force "$CID-2" || fail "delete 2"
}
