# Helpers of the security suite, on top of tests/integration/helpers.bash
# (read its header: $BUNDLE, $CID, $ROOT, $TEST_TMP, spec_set, runtime,
# run_container, kv, the leak check...).  Load it from every .bats file here:
#
#   load sec-helpers
#   setup_file()    { common_setup_file; }
#   teardown_file() { common_teardown_file; }
#   setup()         { sec_setup; }
#   teardown()      { sec_teardown; }
#
# sec_setup/sec_teardown wrap common_setup/common_teardown and add the
# host invariants of SECURITY.md checked after every test: the runtime
# binary's sha256 and inode, the host's kernel.core_pattern, and every
# canary made with make_canary unchanged.
#
# Environment (tests/security/run.sh sets it): SEC_HELPERS, the dir of the
# compiled tests/security/helpers/*.c (secwatch is also in the rootfs's /bin).
#
# Functions:
#   make_canary DIR       a host dir (under $TEST_TMP) with marker files;
#                         checked in teardown (same names, contents, modes;
#                         nothing mounted on or under it)
#   canary_intact DIR     that check, by hand
#   runtime_realpath      the runtime binary the tests run
#   host_dev_ino PATH     "DEV INO" of PATH as the kernel reports them
#   no_dev_mount          drop the /dev tmpfs (and what sits on it) from the
#                         spec, so that the rootfs's own /dev is used
#   start_bg ID           create+start ID with stdio in $TEST_TMP/ID.out
#   state_of ID           the status field of `state ID` ("" on error)
#   state_is ID STATUS    it equals STATUS
#   wait_stopped ID SEC   until `state ID` says stopped
#   fast_leaks ID         the cheap per-iteration leak check of loops:
#                         state dir, cgroup dirs, processes, mounts of ID

load ../integration/helpers

: "${SEC_HELPERS:=$REPO/build/security-helpers}"

runtime_realpath() {
	local r=$RUNTIME
	[[ $r == */* ]] || r=$(command -v "$r")
	realpath "$r"
}

host_dev_ino() {
	stat -L -c '%d %i' "$1"
}

sec_setup() {
	local i
	# The leak check's snapshot fails when a cgroup vanishes while it walks
	# /sys/fs/cgroup (other work on the machine): take it again.
	if ! common_setup; then
		[ -n "${LEAK_DIR:-}" ] || return 1
		for i in 1 2 3; do
			"$LEAKCHECK" snapshot "$LEAK_DIR" --id "$CID" --path "$TEST_TMP" --path "$ROOT" --empty "$ROOT" && break
			[ $i != 3 ] || return 1
			sleep 0.2
		done
	fi
	SEC_CANARIES=()
	SEC_BIN=$(runtime_realpath)
	SEC_BIN_SUM=$(sha256sum <"$SEC_BIN")
	SEC_BIN_ID=$(host_dev_ino "$SEC_BIN")
	SEC_CORE_PATTERN=$(cat /proc/sys/kernel/core_pattern)
}

sec_teardown() {
	local rc=0 c now
	if [ -z "${SEC_BIN:-}" ]; then
		common_teardown
		return
	fi
	for c in "${SEC_CANARIES[@]}"; do
		canary_intact "$c" || rc=1
	done
	common_teardown || rc=$?
	now=$(cat /proc/sys/kernel/core_pattern)
	if [ -n "$SEC_CORE_PATTERN" ] && [ "$now" != "$SEC_CORE_PATTERN" ]; then
		echo "INVARIANT: host kernel.core_pattern changed from '$SEC_CORE_PATTERN' to '$now' (restored)" >&2
		printf '%s\n' "$SEC_CORE_PATTERN" >/proc/sys/kernel/core_pattern || true
		rc=1
	fi
	if [ "$(sha256sum <"$SEC_BIN")" != "$SEC_BIN_SUM" ] || [ "$(host_dev_ino "$SEC_BIN")" != "$SEC_BIN_ID" ]; then
		echo "INVARIANT: runtime binary $SEC_BIN changed (hash or inode)" >&2
		rc=1
	fi
	return $rc
}

# The canary's manifest: every entry with type, mode and content hash.
canary_manifest() {
	(cd "$1" && find . -printf '%p %y %m\n' | sort && find . -type f -exec sha256sum {} + | sort)
}

make_canary() {
	local d=$1
	mkdir -p "$d/sub"
	echo "canary $CID" >"$d/marker"
	echo "keep" >"$d/sub/keep"
	canary_manifest "$d" >"$d.manifest"
	SEC_CANARIES+=("$d")
}

canary_intact() {
	local d=$1
	if mountpoint -q "$d" || awk -v d="$d" 'index($5, d) == 1 { f = 1 } END { exit !f }' /proc/self/mountinfo; then
		echo "canary $d (or something under it) is a mount point on the host" >&2
		return 1
	fi
	if ! diff -u "$d.manifest" <(canary_manifest "$d") >&2; then
		echo "canary $d changed" >&2
		return 1
	fi
}

no_dev_mount() {
	spec_set '.mounts |= map(select(.destination | (. == "/dev" or startswith("/dev/")) | not))'
}

start_bg() {
	local id=${1:-$CID}
	runtime create --bundle "$BUNDLE" "$id" </dev/null >"$TEST_TMP/$id.out" 2>&1 || return 1
	runtime start "$id" >>"$TEST_TMP/$id.out" 2>&1
}

state_of() {
	runtime state "${1:-$CID}" 2>/dev/null | jq -r .status
}

state_is() {
	[ "$(state_of "$1")" = "$2" ]
}

wait_stopped() {
	wait_for "$2" state_is "$1" stopped
}

fast_leaks() {
	local id=$1 found=0 p
	if [ -e "$ROOT/$id" ]; then
		echo "leak: state dir $ROOT/$id"
		found=1
	fi
	p=$(find /sys/fs/cgroup -name "*$id" -type d 2>/dev/null | head -n3)
	if [ -n "$p" ]; then
		echo "leak: cgroup $p"
		found=1
	fi
	for p in $(grep -lzx "CAPSA_ITEST=$id" /proc/[0-9]*/environ 2>/dev/null) \
		$(grep -lz -- "$id\$" /proc/[0-9]*/cmdline 2>/dev/null); do
		p=${p#/proc/}
		p=${p%%/*}
		[ "$p" != "$$" ] && [ "$p" != "$BASHPID" ] || continue
		[ -e "/proc/$p" ] && pids_gone "$p" && continue
		[ -e "/proc/$p" ] || continue
		echo "leak: process $p ($(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null))"
		found=1
	done
	if awk -v b="$BUNDLE" 'index($5, b) == 1 { f = 1 } END { exit !f }' /proc/self/mountinfo; then
		echo "leak: mount under $BUNDLE"
		found=1
	fi
	return $found
}
