#!/usr/bin/env bash
# run.sh [CAPSA]: the VM stage of `make check` (`make vm`).
#
# Boots the pure cgroup v2 guest once and runs guest-suite.sh in it: a self-check that the guest
# is v2 only, tests/cgroups/run.sh and a cgroup-related subset of the bats integration suite
# (VM_BATS, VM_BATS_FILTER, VM_SMOKE_FILTER: see guest-suite.sh), all against the host-built CAPSA (default
# $BUILD/capsa, BUILD defaulting to build).  Ends with "N passed, N failed" over those stages.
# VM_TIMEOUT (default 480 s) bounds the whole VM run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${VM_CACHE:-$here/cache}

capsa=${1:-${CAPSA:-$repo/${BUILD:-build}/capsa}}
capsa=$(realpath -m "$capsa")
case $capsa in
"$repo"/*/capsa)
	# Make sure capsa and the helpers the integration suite puts in containers are current.
	bdir=${capsa%/capsa}
	make -s -C "$repo" BUILD="${bdir#"$repo"/}" all
	;;
*) echo "vm: $capsa must be a build inside the checkout ($repo) to be visible in the guest" >&2; exit 2 ;;
esac
[ -x "$capsa" ] || { echo "vm: $capsa missing" >&2; exit 2; }

t0=$(date +%s.%N)
"$here/mkinitramfs.sh"
t1=$(date +%s.%N)

log=$(mktemp "$cache/vm-log.XXXXXX")
trap 'rm -f "$log"' EXIT
envs=(VM_BATS="${VM_BATS:-}")
[ -n "${VM_SMOKE_FILTER+set}" ] && envs+=(VM_SMOKE_FILTER="$VM_SMOKE_FILTER")
[ -n "${VM_BATS_FILTER+set}" ] && envs+=(VM_BATS_FILTER="$VM_BATS_FILTER")
rc=0
"$here/run-in-vm.sh" --timing --timeout "${VM_TIMEOUT:-480}" -- \
	env "${envs[@]}" "$here/guest-suite.sh" "$capsa" | tee "$log" || rc=$?
t2=$(date +%s.%N)

read -r passed failed < <(sed -n 's/^vm-stages: \([0-9]*\) \([0-9]*\)$/\1 \2/p' "$log" | tail -n1) || true
if [ -z "${passed:-}" ]; then
	# The guest never got to the end: the VM itself failed (no boot, timeout, crash).
	echo "vm: the VM run did not complete (run-in-vm.sh exit $rc)" >&2
	passed=0 failed=1
fi
# (run-in-vm.sh --timing has printed the guest's boot time on stderr.)
awk -v p="$t0" -v b="$t1" -v e="$t2" 'BEGIN {
	printf "vm: kernel+initramfs ready in %.1f s, VM stage %.1f s in all\n", b - p, e - p }'
echo "$passed passed, $failed failed"
[ "$rc" = 0 ] && [ "$failed" = 0 ]
