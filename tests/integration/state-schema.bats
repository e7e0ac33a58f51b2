#!/usr/bin/env bats
# `state` against the runtime spec's schema (tests/integration/schema/ holds
# copies of state-schema.json and defs.json from the OCI runtime-spec), and
# the verbs' runc-compatible edges that clients match on: kill's signal
# forms, "does not exist", delete --force of a missing id, --preserve-fds,
# LISTEN_FDS.

load helpers

SCHEMA_DIR=$BATS_TEST_DIRNAME/schema

setup_file() {
	common_setup_file
	python3 -c 'import jsonschema' 2>/dev/null || {
		echo "python3-jsonschema missing" >&2
		return 1
	}
}
teardown_file() { common_teardown_file; }
setup() { common_setup; }
teardown() { common_teardown; }

# validate_state ID STATUS: `state ID` is valid against state-schema.json and
# says STATUS; leaves the JSON in $STATE.
validate_state() {
	local v
	STATE=$(runtime state "$1") || fail "state $1 failed: $STATE"
	v=$(python3 -W ignore "$SCHEMA_DIR/validate.py" "$SCHEMA_DIR/state-schema.json" <<<"$STATE" 2>&1) ||
		fail "state of $1 ($2) does not validate: $v
$STATE"
	[ "$(jq -r .status <<<"$STATE")" = "$2" ] || fail "status: expected $2: $STATE"
	[ "$(jq -r .id <<<"$STATE")" = "$1" ] || fail "id: expected $1: $STATE"
}

create_ctr() {
	runtime create --bundle "$BUNDLE" "${1:-$CID}" </dev/null >"$TEST_TMP/create.out" 2>&1 ||
		fail "create failed: $(cat "$TEST_TMP/create.out")"
}

is_stopped() {
	[ "$(runtime state "${1:-$CID}" 2>/dev/null | jq -r .status)" = stopped ]
}

@test "state-schema: created, running and stopped states validate, with pid and bundle right" {
	spec_args sleep 100
	create_ctr
	validate_state "$CID" created
	pid=$(jq -r .pid <<<"$STATE")
	[ "$pid" -gt 0 ] && [ -d "/proc/$pid" ] || fail "created: pid $pid is not a live process"
	[ "$(jq -r .bundle <<<"$STATE")" = "$(realpath "$BUNDLE")" ] || fail "bundle is not the absolute bundle path: $STATE"
	run runtime start "$CID"
	[ "$status" -eq 0 ] || fail "start failed"
	validate_state "$CID" running
	[ "$(jq -r .pid <<<"$STATE")" = "$pid" ] || fail "running: pid changed from $pid"
	run runtime kill "$CID" KILL
	wait_for 10 is_stopped || fail "not stopped after kill"
	validate_state "$CID" stopped
	run runtime delete "$CID"
	[ "$status" -eq 0 ] || fail "delete failed"
}

@test "state-schema: paused (runc's extra status) validates apart from the status enum" {
	need_runtime_verb pause
	spec_args sleep 100
	create_ctr
	run runtime start "$CID"
	[ "$status" -eq 0 ] || fail "start failed"
	run runtime pause "$CID"
	[ "$status" -eq 0 ] || fail "pause failed"
	STATE=$(runtime state "$CID")
	[ "$(jq -r .status <<<"$STATE")" = paused ] || fail "status after pause: $STATE"
	# runtime.md lets a runtime add status values for new states; the
	# schema's enum does not list them, so validate everything else.
	v=$(jq '.status = "running"' <<<"$STATE" | python3 -W ignore "$SCHEMA_DIR/validate.py" "$SCHEMA_DIR/state-schema.json" 2>&1) ||
		fail "paused state does not validate: $v"
	run runtime resume "$CID"
	[ "$status" -eq 0 ] || fail "resume failed"
	validate_state "$CID" running
	run runtime delete --force "$CID"
	[ "$status" -eq 0 ]
}

@test "state-schema: the spec's annotations appear in state" {
	spec_set '.annotations = {"org.opencontainers.test": "yes", "com.example.k": "v=1,2"}'
	spec_args sleep 100
	create_ctr
	validate_state "$CID" created
	jq -e '.annotations == {"org.opencontainers.test": "yes", "com.example.k": "v=1,2"}' <<<"$STATE" >/dev/null ||
		fail "annotations in state differ from config.json's: $STATE"
	run runtime delete --force "$CID"
	[ "$status" -eq 0 ]
}

@test "state-schema: kill takes KILL, SIGKILL and 9; an unknown signal is an error" {
	spec_args sleep 100
	local i=0 sig
	for sig in KILL SIGKILL 9; do
		i=$((i + 1))
		create_ctr "$CID-$i"
		run runtime start "$CID-$i"
		[ "$status" -eq 0 ] || fail "start failed"
		if [ $i = 1 ]; then
			run runtime kill "$CID-$i" SIGNOPE
			[ "$status" -ne 0 ] || fail "kill with signal SIGNOPE succeeded"
			run runtime kill "$CID-$i" 0x
			[ "$status" -ne 0 ] || fail "kill with signal 0x succeeded"
		fi
		run runtime kill "$CID-$i" "$sig"
		[ "$status" -eq 0 ] || fail "kill $sig failed"
		wait_for 10 is_stopped "$CID-$i" || fail "kill $sig did not stop the container"
		run runtime delete "$CID-$i"
		[ "$status" -eq 0 ] || fail "delete failed"
	done
}

@test "state-schema: verbs on an unknown id fail with 'does not exist'; delete --force of it succeeds" {
	local verb
	for verb in state start delete kill; do
		run runtime $verb "$CID-nosuch"
		[ "$status" -ne 0 ] || fail "$verb of an unknown id succeeded"
		[[ $output == *"does not exist"* ]] || fail "$verb: expected 'does not exist'"
	done
	run runtime delete --force "$CID-nosuch"
	[ "$status" -eq 0 ] || fail "delete --force of an unknown id failed"
}

@test "state-schema: --preserve-fds 2 passes fds 3 and 4 and nothing else" {
	echo one >"$TEST_TMP/f3"
	echo two >"$TEST_TMP/f4"
	echo three >"$TEST_TMP/f5"
	spec_args sh -c 'exec probe fds'
	status=0
	output=$(runtime run --preserve-fds 2 --bundle "$BUNDLE" "$CID" \
		</dev/null 2>&1 3<"$TEST_TMP/f3" 4<"$TEST_TMP/f4" 5<"$TEST_TMP/f5") || status=$?
	[ "$status" -eq 0 ] || fail "run failed"
	fds=$(sed -n 's/^fd\([0-9]*\)=.*/\1/p' <<<"$output" | sort -n | tr '\n' ' ')
	[ "$fds" = "0 1 2 3 4 " ] || fail "fds in the container: '$fds', expected '0 1 2 3 4 '"
	[[ $(kv fd3) == */f3 ]] || fail "fd 3 is not the preserved f3"
	[[ $(kv fd4) == */f4 ]] || fail "fd 4 is not the preserved f4"
}

@test "state-schema: LISTEN_FDS=1 with fd 3 open: the container gets fd 3, LISTEN_FDS=1, LISTEN_PID=1" {
	echo sock >"$TEST_TMP/f3"
	echo other >"$TEST_TMP/f4"
	spec_args sh -c 'echo listen_fds=$LISTEN_FDS; echo listen_pid=$LISTEN_PID; exec probe fds'
	status=0
	# systemd's protocol: LISTEN_PID is the pid of the runtime itself (exec
	# keeps the shell's pid); runc ignores LISTEN_FDS otherwise.
	output=$(timeout --kill-after=5 "$RUNTIME_TIMEOUT" bash -c \
		'export LISTEN_PID=$$ LISTEN_FDS=1; exec "$0" --root "$1" run --bundle "$2" "$3"' \
		"$RUNTIME" "$ROOT" "$BUNDLE" "$CID" </dev/null 2>&1 3<"$TEST_TMP/f3" 4<"$TEST_TMP/f4") || status=$?
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv listen_fds 1
	assert_kv listen_pid 1
	[[ $(kv fd3) == */f3 ]] || fail "fd 3 (the listen fd) missing in the container"
	[ -z "$(kv fd4)" ] || fail "fd 4 leaked into the container"
}

@test "state-schema: LISTEN_FDS meant for another process (LISTEN_PID not the runtime's) is not passed on" {
	echo sock >"$TEST_TMP/f3"
	spec_args sh -c 'echo listen_fds=${LISTEN_FDS:-unset}; exec probe fds'
	status=0
	# sd_listen_fds(3): the variables apply only when LISTEN_PID is our pid.
	output=$(LISTEN_PID=1 LISTEN_FDS=1 runtime run --bundle "$BUNDLE" "$CID" </dev/null 2>&1 3<"$TEST_TMP/f3") || status=$?
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv listen_fds unset
	[ -z "$(kv fd3)" ] || fail "fd 3 passed although LISTEN_PID was not the runtime's"
}
