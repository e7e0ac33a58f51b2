#!/usr/bin/env bash
# selftest.sh: test the VM harness itself (run-in-vm.sh and the guest it boots).
#   1. the guest: pure cgroup v2 with every controller delegated, 9p/overlay, the host's
#      binaries run, pivot_root works (tmpfs root, not the initramfs), modules autoload,
#      writes to the checkout stay in the guest
#   2. stdout and stderr arrive separately; the exit status propagates (3 -> 3)
#   3. --timeout: `sleep 1000` with --timeout 20 fails with 124 in about 20 s
#   4. nothing is left behind: no qemu process, no run dir in the cache
# Prints "N passed, N failed".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${VM_CACHE:-$here/cache}
vm=$here/run-in-vm.sh
passed=0 failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
notok() { echo "not ok - $1"; failed=$((failed + 1)); }
check() { # description cmd...
	local d=$1
	shift
	if "$@"; then ok "$d"; else notok "$d"; fi
}
scratch=$(mktemp -d "$cache/selftest.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
has() { grep -qE -- "$1" "$scratch/out"; }

# 1. One boot for the facts about the guest.
probe=".vm-selftest-probe.$$"
"$vm" --timing --timeout 300 -- bash -c '
	cat /proc/filesystems; ls /sys/fs/cgroup; cat /sys/fs/cgroup/cgroup.subtree_control
	echo "fstype=$(stat -f -c %T /sys/fs/cgroup)"
	grep -q " cgroup " /proc/mounts && echo "v1-mounted"
	echo "cwd=$PWD"
	echo "tmpdir=$TMPDIR $(stat -f -c %T "$TMPDIR")"
	bats --version
	unshare -m sh -c "mkdir /tmp/nr && mount -t tmpfs nr /tmp/nr && mkdir /tmp/nr/old &&
		cd /tmp/nr && pivot_root . old && echo pivot_root=ok"
	ip link add vmst0 type veth peer name vmst1 && echo veth=ok && ip link del vmst0
	touch "'"$probe"'" && echo repo-write=ok
' >"$scratch/out" 2>"$scratch/err"
rc=$?
check "the probe command ran (exit 0)" test "$rc" = 0
check "cgroup2 in /proc/filesystems" has '^nodev[[:space:]]+cgroup2$'
check "/sys/fs/cgroup is cgroup2" has '^fstype=cgroup2fs$'
check "no cgroup v1 mount" sh -c "! grep -q '^v1-mounted' '$scratch/out'"
check "cgroup.controllers in /sys/fs/cgroup" has 'cgroup\.controllers'
check "subtree_control has cpuset cpu io memory hugetlb pids" has '^cpuset cpu io memory hugetlb pids$'
check "cwd is the checkout" has "^cwd=$here\$"
check "TMPDIR is a tmpfs" has '^tmpdir=/tmp tmpfs$'
check "host binaries run (bats)" has '^Bats [0-9]'
check "pivot_root works in the guest" has '^pivot_root=ok$'
check "modules autoload (veth)" has '^veth=ok$'
check "the checkout is writable in the guest" has '^repo-write=ok$'
check "guest writes do not reach the host's checkout" test ! -e "$repo/$probe"
check "boot time reported" grep -q '^run-in-vm: guest ready after [0-9.]* s' "$scratch/err"
[ "$failed" = 0 ] || { cat "$scratch/out" "$scratch/err"; }
grep '^run-in-vm:' "$scratch/err"

# 2. stdout/stderr separation and the exit status.
"$vm" -- sh -c 'echo to-stdout; echo to-stderr >&2; exit 3' >"$scratch/out" 2>"$scratch/err"
rc=$?
check "exit status 3 propagates" test "$rc" = 3
check "stdout relayed" test "$(cat "$scratch/out")" = to-stdout
check "stderr relayed" test "$(cat "$scratch/err")" = to-stderr

# 3. The timeout.
t0=$(date +%s)
"$vm" --timeout 20 -- sleep 1000 >"$scratch/out" 2>"$scratch/err"
rc=$?
t=$(($(date +%s) - t0))
check "--timeout 20 on sleep 1000 exits 124 (got $rc)" test "$rc" = 124
check "... after about 20 s (took $t s)" test "$t" -ge 20 -a "$t" -le 40
check "... and says so" grep -q 'timed out after 20 s' "$scratch/err"

# 4. Nothing left behind.
qemu_left() {
	local pid
	for pid in $(pgrep -x qemu-system-x86); do
		tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$cache/" && return 0
	done
	return 1
}
if qemu_left; then notok "no qemu process left"; else ok "no qemu process left"; fi
check "no run dir left in the cache" sh -c "! ls -d '$cache'/run.* >/dev/null 2>&1"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
