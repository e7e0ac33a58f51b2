#!/usr/bin/env bash
# guest-suite.sh CAPSA: what tests/vm/run.sh runs inside the VM (cwd: the checkout).
#
# Stages, each one pass or fail:
#   v2-self-check  the guest really is pure cgroup v2 (and v1 cannot be mounted)
#   cgroups        tests/cgroups/run.sh BUILD_DIR (CAPSA's build dir), when that suite exists
#   integration-*  tests/integration/run.sh CAPSA FILES..., when it exists (subset: see below)
# Ends with the marker line "vm-stages: PASSED FAILED" that run.sh turns into its summary.
set -uo pipefail
capsa=${1:?usage: guest-suite.sh CAPSA}
repo=$(cd "$(dirname "$0")/../.." && pwd)

passed=0 failed=0
stage() { # name cmd...
	local name=$1 t0 t1 rc=0
	shift
	echo "=== vm stage: $name"
	t0=$(date +%s)
	"$@" || rc=$?
	t1=$(date +%s)
	if [ $rc = 0 ]; then
		passed=$((passed + 1))
		echo "=== vm stage: $name: ok ($((t1 - t0)) s)"
	else
		failed=$((failed + 1))
		echo "=== vm stage: $name: FAILED (exit $rc, $((t1 - t0)) s)"
	fi
}

v2_self_check() {
	local bad=0 c probe
	check() { # description cmd...
		local d=$1
		shift
		if "$@" >/dev/null 2>&1; then echo "  ok   $d"; else echo "  FAIL $d"; bad=1; fi
	}
	check "kernel booted with cgroup_no_v1=all" grep -qw cgroup_no_v1=all /proc/cmdline
	check "/sys/fs/cgroup is cgroup2" test "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs
	check "no cgroup v1 mount" sh -c '! grep -q " cgroup " /proc/mounts'
	for c in cpuset cpu io memory hugetlb pids; do
		check "controller $c delegated" grep -qw "$c" /sys/fs/cgroup/cgroup.subtree_control
	done
	probe=$(mktemp -d)
	check "a v1 memory hierarchy cannot be mounted" sh -c "! mount -t cgroup -o memory none '$probe'"
	umount "$probe" 2>/dev/null
	rmdir "$probe"
	probe=/sys/fs/cgroup/vm-self-check.$$
	check "a child cgroup with memory.max and pids.max" sh -c "mkdir '$probe' &&
		echo 33554432 >'$probe/memory.max' && echo 10 >'$probe/pids.max' &&
		test \"\$(cat '$probe/memory.max')\" = 33554432 &&
		sh -c 'echo \$\$ >$probe/cgroup.procs; test \"\$(cat /proc/self/cgroup)\" = 0::/${probe#/sys/fs/cgroup/}'"
	rmdir "$probe" 2>/dev/null
	check "the child cgroup is gone" test ! -e "$probe"
	return $bad
}

stage v2-self-check v2_self_check

if [ -x "$repo/tests/cgroups/run.sh" ]; then
	# It compiles its test program itself (in the guest, so this stage is mostly gcc time).
	stage cgroups "$repo/tests/cgroups/run.sh" "$(dirname "$capsa")"
else
	echo "=== vm stage: cgroups: skipped (tests/cgroups/run.sh does not exist yet)"
fi

# Each bats test costs about 30 s in the guest (bash forks ~100 ms each under emulation) and a
# run.sh invocation about 45 s of set-up, so the VM runs only what needs a v2 kernel:
#   integration-cgroups  the cgroup-related files (VM_BATS globs), whole
#   integration-smoke    a couple of run.bats tests that show a container runs at all on pure v2
#                        (VM_SMOKE_FILTER, a bats --filter regex; empty to skip)
# VM_BATS='*.bats' VM_BATS_FILTER= VM_SMOKE_FILTER= VM_TIMEOUT=3600 tests/vm/run.sh runs the whole suite.
VM_BATS=${VM_BATS:-"cgroup*.bats resources*.bats update*.bats pause*.bats events*.bats kernel-fallbacks.bats"}
# VM_BATS_FILTER: a bats --filter regex (test names) for integration-cgroups; empty runs every
# test of the VM_BATS files.  The default keeps the cgroups.bats tests whose v2 code path only
# the binary exercises (OOM exit + memory.events + run --stats, BPF device rules from the spec,
# update + cgroup.freeze, the resources->file table and unified map: ~26 s each here) and leaves
# out "pids:" and "cpu:", whose limits tests/cgroups/run.sh already enforces in this guest.  A
# new file in VM_BATS needs names matching it (or VM_BATS_FILTER= to run everything).
# "cgroups:" are kernel-fallbacks.bats' joins (clone3 into the v2 cgroup, and without clone3).
VM_BATS_FILTER=${VM_BATS_FILTER-"^(memory|devices|update|resources|cgroups)[: ]"}
VM_SMOKE_FILTER=${VM_SMOKE_FILTER-"PID 1 of a new pid namespace|exit code of the process propagates"}
bats_stage() { # name files... [-- bats options]
	local name=$1 bdir
	shift
	# The payload helpers were built on the host next to capsa (run.sh makes sure).
	bdir=$(dirname "$capsa")
	stage "$name" env HELPERS_BUILD="${bdir#"$repo"/}" "$repo/tests/integration/run.sh" "$capsa" "$@"
}
if [ -x "$repo/tests/integration/run.sh" ]; then
	files=()
	for g in $VM_BATS; do
		for f in "$repo"/tests/integration/$g; do
			[ -f "$f" ] && files+=("$f")
		done
	done
	if [ ${#files[@]} -gt 0 ] && [ -n "$VM_BATS_FILTER" ]; then
		echo "=== integration-cgroups: bats --filter '$VM_BATS_FILTER'"
		bats_stage integration-cgroups "${files[@]}" -- --filter "$VM_BATS_FILTER"
	elif [ ${#files[@]} -gt 0 ]; then
		bats_stage integration-cgroups "${files[@]}"
	else
		echo "=== vm stage: integration-cgroups: skipped (no file matches VM_BATS='$VM_BATS')"
	fi
	if [ -n "$VM_SMOKE_FILTER" ] && [ -f "$repo/tests/integration/run.bats" ]; then
		bats_stage integration-smoke "$repo/tests/integration/run.bats" -- --filter "$VM_SMOKE_FILTER"
	fi
else
	echo "=== vm stage: integration: skipped (tests/integration/run.sh does not exist yet)"
fi

echo "vm-stages: $passed $failed"
[ "$failed" = 0 ]
