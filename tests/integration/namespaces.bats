#!/usr/bin/env bats
# linux.namespaces: new ones are new, listed paths are joined, unlisted
# types are shared with the caller.

load helpers

setup_file() { common_setup_file; }
teardown_file() { common_teardown_file; }
setup() { common_setup; }
teardown() { common_teardown; }

# ns_ids: print TYPE=inode for the container's namespaces.
ns_script='for t in pid net ipc uts mnt cgroup; do echo "$t=$(readlink /proc/self/ns/$t)"; done'

host_ns() {
	readlink "/proc/$$/ns/$1"
}

# start_holder TYPE... : a host process in fresh namespaces of those types
# (unshare flags), running CMD after setup; sets HOLDER to its pid.
start_holder() {
	local flags=$1 setup=$2
	unshare $flags sh -c "$setup; echo ready >'$TEST_TMP/holder-ready'; exec sleep 1000" &
	HOLDER=$!
	CLEANUP_PIDS="${CLEANUP_PIDS:-} $HOLDER"
	wait_for 10 test -e "$TEST_TMP/holder-ready" || fail "holder did not start"
}

@test "namespaces: listed types are new, unlisted ones are the host's" {
	spec_args sh -c "$ns_script"
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	for t in pid net ipc uts mnt; do
		[ "$(kv $t)" != "$(host_ns $t)" ] || fail "$t namespace is the host's"
	done
	# The base spec has no cgroup namespace.
	assert_kv cgroup "$(host_ns cgroup)"
}

@test "namespaces: a cgroup namespace when asked" {
	spec_set '.linux.namespaces += [{type: "cgroup"}]'
	spec_args sh -c "$ns_script; cat /proc/self/cgroup"
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	[ "$(kv cgroup)" != "$(host_ns cgroup)" ] || fail "cgroup namespace is the host's"
	# Inside its own cgroup namespace the process sits at the root.
	grep -qE '^[0-9]+:(pids|memory|0::)?[^:]*:/$' <<<"$output" || fail "cgroup paths not rooted"
}

@test "namespaces: without a network namespace the host's links are visible" {
	spec_set '.linux.namespaces |= map(select(.type != "network"))'
	spec_args sh -c "$ns_script; ls /sys/class/net | tr '\n' ' '"
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv net "$(host_ns net)"
	# /sys from a shared netns shows the host's links.
	[[ $output == *lo* ]] || fail "no lo"
	spec_set '.linux.namespaces += [{type: "network"}]'
	spec_args sh -c "ls /sys/class/net | tr '\n' ' '"
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	[ "$output" = "lo " ] || fail "a new netns has only lo, got '$output'"
}

@test "namespaces: join a uts namespace by path" {
	start_holder --uts 'hostname joined-uts-host'
	spec_set 'del(.hostname)'
	spec_ns_path uts "/proc/$HOLDER/ns/uts"
	spec_args sh -c "probe hostname; $ns_script"
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv hostname joined-uts-host
	assert_kv uts "$(readlink "/proc/$HOLDER/ns/uts")"
	[ "$(hostname)" != joined-uts-host ] || fail "host hostname changed"
}

@test "namespaces: join a network namespace by path" {
	start_holder --net 'ip link set lo up'
	spec_ns_path network "/proc/$HOLDER/ns/net"
	spec_args sh -c "$ns_script; cat /sys/class/net/lo/operstate"
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv net "$(readlink "/proc/$HOLDER/ns/net")"
	[ "${lines[-1]}" = unknown ] || fail "lo should be up (operstate unknown), got ${lines[-1]}"
}

@test "namespaces: join an ipc namespace through a bind-mounted ns file" {
	start_holder --ipc true
	touch "$TEST_TMP/ipcns"
	mount --bind "/proc/$HOLDER/ns/ipc" "$TEST_TMP/ipcns"
	CLEANUP_MOUNTS="$TEST_TMP/ipcns"
	spec_ns_path ipc "$TEST_TMP/ipcns"
	spec_args sh -c "$ns_script"
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv ipc "$(readlink "/proc/$HOLDER/ns/ipc")"
}

@test "namespaces: a hostname without a uts namespace is refused" {
	spec_set '.linux.namespaces |= map(select(.type != "uts"))'
	spec_args probe hostname
	run_container
	# Setting it would rename the host.
	[ "$status" -ne 0 ] || fail "hostname set without a private uts namespace"
	[ "$(hostname)" != itest ] || fail "host renamed"
	# Without "hostname" the host's uts namespace is shared.
	spec_set 'del(.hostname)'
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv hostname "$(hostname)"
}

@test "namespaces: a path of the wrong type is refused" {
	start_holder --uts true
	spec_ns_path network "/proc/$HOLDER/ns/uts"
	run_container
	[ "$status" -ne 0 ] || fail "uts ns accepted as network ns"
}

@test "namespaces: a missing namespace path is refused" {
	spec_ns_path network /proc/999999999/ns/net
	run_container
	[ "$status" -ne 0 ] || fail "missing path accepted"
}

@test "namespaces: two containers running side by side each get their own" {
	spec_args probe sleep 100
	runtime run --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1 &
	rpid=$!
	CLEANUP_PIDS=$rpid
	wait_for 20 container_pid_known || fail "first container has no pid"
	first_net=$(readlink "/proc/$CPID/ns/net")
	first_mnt=$(readlink "/proc/$CPID/ns/mnt")
	spec_args sh -c "$ns_script"
	run_container "$CID-2"
	[ "$status" -eq 0 ] || fail "second run failed"
	[ "$(kv net)" != "$first_net" ] || fail "net namespace shared"
	[ "$(kv mnt)" != "$first_mnt" ] || fail "mount namespace shared"
	kill -KILL "$CPID"
	wait_exit "$rpid" || fail "runtime did not exit"
	CLEANUP_PIDS=
}
