#!/usr/bin/env bats
# process.scheduler, process.ioPriority, linux.personality, the time
# namespace with linux.timeOffsets, and a user namespace with id mappings.
# runc 1.1 lacks scheduler, ioPriority and timeOffsets (runc 1.2 has them)
# and ignores personality:
# those are skipped for it, visibly.

load helpers

setup_file() { common_setup_file; }
teardown_file() { common_teardown_file; }
setup() { common_setup; }
teardown() { common_teardown; }

# field N of /proc/self/stat of the shell inside (after the comm field)
stat_field_cmd() {
	echo "sed 's/.*) //' /proc/self/stat | cut -d' ' -f$(($1 - 2))"
}

@test "process.scheduler: SCHED_BATCH with nice 7" {
	is_runc && skip "runc 1.1 has no process.scheduler"
	spec_set '.process.scheduler = {"policy": "SCHED_BATCH", "nice": 7}'
	spec_args sh -c "echo policy=\$($(stat_field_cmd 41)); echo nice=\$($(stat_field_cmd 19))"
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv policy 3 # SCHED_BATCH
	assert_kv nice 7
}

@test "process.ioPriority: best-effort level 6" {
	is_runc && skip "runc 1.1 has no process.ioPriority"
	spec_set '.process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 6}'
	spec_args ionice
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	[[ $output == *"best-effort: prio 6"* ]] || fail "ionice says: $output"
}

@test "linux.personality: LINUX32 makes uname -m report a 32-bit machine" {
	is_runc && skip "runc 1.1 ignores linux.personality (uname -m stays x86_64)"
	spec_set '.linux.personality = {"domain": "LINUX32"}'
	spec_args uname -m
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	[[ $output == i686 || $output == i386 ]] || fail "uname -m: $output"
}

@test "time namespace: linux.timeOffsets shift the boot clock" {
	is_runc && skip "runc 1.1 has no time namespace"
	[ -e /proc/self/ns/time ] || skip "kernel without time namespaces"
	spec_set '.linux.namespaces += [{"type": "time"}] | .linux.timeOffsets = {"boottime": {"secs": 86400}, "monotonic": {"secs": 3600}}'
	spec_args cat /proc/uptime
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	inside=${output%%.*}
	host=$(cut -d. -f1 /proc/uptime)
	[ $((inside - host)) -ge 86000 ] && [ $((inside - host)) -le 86800 ] || fail "uptime inside $inside, host $host"
}

@test "user namespace: uid/gid mappings, root inside is an unprivileged id outside" {
	spec_set '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]'
	rootfs_for_mapped_root 200000
	spec_args sh -c 'id -u; cat /proc/self/uid_map'
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	[ "${lines[0]}" = 0 ] || fail "not root inside"
	[[ ${lines[1]} == *"0"*"200000"*"65536"* ]] || fail "uid_map: ${lines[1]}"
}
