#!/usr/bin/env bats
# Bugs found by driving capsa from real clients, each with the spec fragment
# that showed it.  Every test passes with RUNTIME=runc too.

load helpers

setup_file() { common_setup_file; }
teardown_file() { common_teardown_file; }
setup() { common_setup; }
teardown() { common_teardown; }

cgroup_of() { # CONTROLLER: the container's cgroup dir in that v1 hierarchy
	local pid=$1 ctrl=$2
	echo "/sys/fs/cgroup/$ctrl$(awk -F: -v c="$ctrl" '{n=split($2,a,","); for(i=1;i<=n;i++) if (a[i]==c) print $3}' /proc/$pid/cgroup)"
}

@test "docker's zero weights and shares mean unset (blockIO.weight 0, cpu.shares 0)" {
	[ -d /sys/fs/cgroup/cpu ] || skip "needs the v1 cpu hierarchy (this host's layout)"
	spec_args sleep 30
	spec_set '.linux.resources.blockIO.weight = 0 | .linux.resources.cpu.shares = 0'
	run runtime run -d --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ] || fail "run -d failed"
	run runtime state "$CID"
	pid=$(echo "$output" | jq -r .pid)
	[ "$(cat "$(cgroup_of "$pid" cpu)/cpu.shares")" = 1024 ] || fail "cpu.shares changed from the default"
	run runtime delete --force "$CID"
	[ "$status" -eq 0 ]
}

@test "a sysctl under a read-only /proc/sys is still applied (docker's ip_unprivileged_port_start)" {
	spec_args cat /proc/sys/net/ipv4/ip_unprivileged_port_start
	spec_set '.linux.sysctl = {"net.ipv4.ip_unprivileged_port_start": "0"} | .linux.readonlyPaths += ["/proc/sys"]'
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	[ "$output" = 0 ] || fail "sysctl not applied"
	[ "$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)" != 0 ] || fail "the host's value changed"
}

@test "state and kill work while a foreground run supervises its container" {
	spec_args probe sleep 30
	runtime run --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1 &
	rpid=$!
	CLEANUP_PIDS=$rpid
	wait_for 20 container_pid_known || fail "container init not found"
	run runtime state "$CID"
	[ "$status" -eq 0 ] || fail "state failed while running"
	[ "$(echo "$output" | jq -r .status)" = running ] || fail "not running"
	run runtime kill "$CID" KILL
	[ "$status" -eq 0 ] || fail "kill failed"
	wait_exit "$rpid" || fail "the foreground run did not end"
	CLEANUP_PIDS=
	[ "$rc" -eq 137 ] || fail "exit $rc, expected 137"
}

@test "proc is never mounted on a symlink in the rootfs (CVE-2019-16884 class)" {
	rmdir "$BUNDLE/rootfs/proc"
	ln -s /tmp "$BUNDLE/rootfs/proc"
	run_container
	[ "$status" -ne 0 ] || fail "ran with /proc a symlink"
	[[ $output == *proc* ]] || fail "the error does not name proc"
}
