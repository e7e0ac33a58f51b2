#!/usr/bin/env bats
# CPU affinity (runtime/affinity.h): the init, and an exec'd process without
# execCPUAffinity.final, may use every CPU their cgroup's cpuset allows,
# whatever mask the runtime itself runs with (runc since 1.3.1 and crun
# reset it the same way; runc 1.1 passes its own on, and Linux 6.2+ keeps
# it through the cpuset join: skipped for runc 1.1, visibly).
# execCPUAffinity (exec only): initial for `exec` itself until its process
# is in the cgroup, final for the process after.

load helpers

setup_file() { common_setup_file; }
teardown_file() { common_teardown_file; }
setup() {
	common_setup
	all=$(cat /sys/devices/system/cpu/online)
	first=${all%%[,-]*}
	last=${all##*[,-]}
	[ "$first" != "$last" ] || skip "one CPU online"
}
teardown() { common_teardown; }

CPUS_CMD='grep Cpus_allowed_list /proc/self/status | tr -d "\t " | tr : ='

# the process JSON for exec: the spec's process with these args and
# execCPUAffinity
process_json() { # AFFINITY_JSON ARG...
	local aff=$1
	shift
	jq --argjson a "$aff" --argjson args "$(json_array "$@")" \
		'.process | .args = $args | .execCPUAffinity = $a' "$BUNDLE/config.json" >"$TEST_TMP/p.json"
}

@test "affinity: the init may use every CPU, also when the runtime runs on one" {
	is_runc && skip "runc 1.1 passes its own mask on"
	spec_args sh -c "$CPUS_CMD"
	run taskset -c "$first" timeout 60 "$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$CID" </dev/null
	[ "$status" -eq 0 ] || fail "run: $output"
	assert_kv Cpus_allowed_list "$all"
}

@test "affinity: execCPUAffinity in config.json is for exec, not for the init" {
	is_runc && skip "runc 1.1 has no execCPUAffinity"
	spec_set '.process.execCPUAffinity = {initial: $f, final: $l}' --arg f "$first" --arg l "$last"
	spec_args sleep 100
	runtime run -d --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1 || fail "run -d"
	pid=$(runtime state "$CID" | jq -r .pid)
	grep -q "^Cpus_allowed_list:[[:space:]]*$all\$" "/proc/$pid/status" ||
		fail "init: $(grep Cpus_allowed_list "/proc/$pid/status")"
	# exec without --process takes the container's process, execCPUAffinity included
	run runtime exec "$CID" sh -c "$CPUS_CMD"
	[ "$status" -eq 0 ] || fail "exec: $output"
	assert_kv Cpus_allowed_list "$last"
	runtime delete -f "$CID"
}

@test "affinity: exec gets every CPU by default, final when given; exec itself runs on initial" {
	is_runc && skip "runc 1.1 has no execCPUAffinity"
	spec_args sleep 100
	runtime run -d --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1 || fail "run -d"
	# the runtime on one CPU, no execCPUAffinity: not passed on
	run taskset -c "$first" timeout 60 "$RUNTIME" --root "$ROOT" exec "$CID" sh -c "$CPUS_CMD"
	[ "$status" -eq 0 ] || fail "exec: $output"
	assert_kv Cpus_allowed_list "$all"
	# final (with the spaces the spec's schema allows)
	process_json "{\"final\": \" $last \"}" sh -c "$CPUS_CMD"
	run runtime exec -p "$TEST_TMP/p.json" "$CID"
	[ "$status" -eq 0 ] || fail "exec final: $output"
	assert_kv Cpus_allowed_list "$last"
	# initial: exec itself (the runtime parent process) runs there; its
	# process, in the cgroup, gets every CPU
	process_json "{\"initial\": \"$last\"}" sh -c "$CPUS_CMD; sleep 3"
	"$RUNTIME" --root "$ROOT" exec -p "$TEST_TMP/p.json" "$CID" >"$TEST_TMP/out" 2>&1 &
	epid=$!
	CLEANUP_PIDS=$epid
	wait_for 10 grep -q Cpus_allowed_list "$TEST_TMP/out" || fail "exec: $(cat "$TEST_TMP/out")"
	own=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "/proc/$epid/status")
	wait_exit "$epid" || fail "exec did not exit"
	CLEANUP_PIDS=
	[ "$rc" -eq 0 ] || fail "exec initial: $(cat "$TEST_TMP/out")"
	[ "$own" = "$last" ] || fail "exec itself runs on '$own', want $last"
	output=$(cat "$TEST_TMP/out")
	assert_kv Cpus_allowed_list "$all"
	runtime delete -f "$CID"
}

# An exec'd process that fails before the runtime's GO (here at once, on
# its CPU list) has said why before it went: the runtime must read that,
# not report the EPIPE of its GO.  Which comes first is the scheduler's
# choice; with every CPU busy the child often wins (55 of 300 execs
# reported "Broken pipe" before the fix).
@test "affinity: an exec that fails before GO reports its own error, also under load" {
	is_runc && skip "runc 1.1 has no execCPUAffinity"
	grep -q 1023 /sys/devices/system/cpu/online && skip "this host has a CPU 1023"
	spec_args sleep 100
	runtime run -d --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1 || fail "run -d"
	process_json '{"final": "1023"}' true
	hogs=
	for _ in $(seq "$(nproc)"); do
		sh -c 'while :; do :; done' &
		hogs="$hogs $!"
	done
	CLEANUP_PIDS="${CLEANUP_PIDS:-}$hogs"
	for i in $(seq 60); do
		if output=$(runtime exec -p "$TEST_TMP/p.json" "$CID" 2>&1); then
			fail "exec on CPU 1023 succeeded"
		fi
		[[ $output == *"process.execCPUAffinity.final: 1023"*"Invalid argument"* ]] || fail "exec $i: $output"
	done
	kill $hogs
	runtime delete -f "$CID"
}

@test "affinity: a bad execCPUAffinity list is a clear error; no process is left" {
	is_runc && skip "runc 1.1 has no execCPUAffinity"
	spec_args sleep 100
	runtime run -d --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1 || fail "run -d"
	process_json '{"final": "0-x"}' true
	run runtime exec -p "$TEST_TMP/p.json" "$CID"
	[ "$status" -ne 0 ] || fail "exec with a bad list succeeded"
	[[ $output == *'execCPUAffinity.final: "0-x" is not a list of CPUs'* ]] || fail "the error: $output"
	# a list with no CPU of this machine: the kernel's EINVAL, named
	process_json '{"final": "1023"}' true
	if ! grep -q 1023 /sys/devices/system/cpu/online; then
		run runtime exec -p "$TEST_TMP/p.json" "$CID"
		[ "$status" -ne 0 ] || fail "exec on CPU 1023 succeeded"
		[[ $output == *"process.execCPUAffinity.final: 1023"*"Invalid argument"* ]] || fail "the error: $output"
	fi
	[ "$(runtime ps "$CID" | grep -vc PID)" -eq 1 ] || fail "processes left: $(runtime ps "$CID")"
	runtime delete -f "$CID"
}
