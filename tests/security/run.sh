#!/usr/bin/env bash
# Run the security regression suite (tests/security/*.bats) against one
# runtime.
#
#   tests/security/run.sh [RUNTIME] [FILE.bats...] [-- BATS_OPTIONS...]
#
# RUNTIME is a path or a name on PATH (build/capsa, runc); default $RUNTIME
# or build/capsa.  Without files every tests/security/*.bats runs.  Builds
# the probe payload (make helpers), the programs in tests/security/helpers/
# (static, into $HELPERS_BUILD/security-helpers) and a busybox rootfs
# holding both ($HELPERS_BUILD/security-rootfs).
#
# When the runtime is not runc and build-asan/capsa exists (make asan, or
# `make SAN=1 BUILD=build-asan build-asan/capsa`), badspec.bats runs a second
# time against the sanitizer build (SECURITY_ASAN=0 turns that off).
#
# Prints TAP, then "N passed, N failed (N skipped)"; exits non-zero when a
# test failed or bats did not report every planned test.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

. "$repo/tests/lib/bats-runner.bash"
runner_args "$here" "$@"
runner_need security bats jq ip timeout nsenter setpriv script sha256sum

helpers_build=${HELPERS_BUILD:-build}
make -s -C "$repo" BUILD="$helpers_build" helpers
sec_bin=$repo/$helpers_build/security-helpers
mkdir -p "$sec_bin"
for src in "$here"/helpers/*.c; do
	bin=$sec_bin/$(basename "$src" .c)
	if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; then
		${CC:-cc} -std=gnu11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -static -o "$bin" "$src"
	fi
done
export SEC_HELPERS=$sec_bin
export TEST_ROOTFS=${TEST_ROOTFS:-$repo/$helpers_build/security-rootfs}
"$repo/examples/mkrootfs.sh" "$TEST_ROOTFS" "$repo/$helpers_build"/helpers/* "$sec_bin/secwatch"

sec_tmp=$(mktemp -d /tmp/capsa-sectest.XXXXXX)
trap 'rm -rf "$sec_tmp"' EXIT
mkdir "$sec_tmp/tmp"
export TMPDIR=$sec_tmp/tmp
log=$sec_tmp/tap.log
: >"$log"
rc=0

# run_bats LABEL RUNTIME FILE...: one bats run, its TAP appended to $log.
run_bats() {
	local label=$1 rt=$2 r=0 one=$sec_tmp/one.log
	shift 2
	echo "# $label: $rt ($("$rt" --version 2>&1 | head -n1 || true))"
	RUNTIME=$rt bats --tap "${bats_opts[@]}" "$@" | tee "$one" || r=$?
	local planned reported
	planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$one" | head -n1)
	reported=$(grep -cE '^(not )?ok [0-9]+ ' "$one" || true)
	if [ "$r" != 0 ] && ! grep -qE '^not ok ' "$one"; then
		echo "run.sh: bats failed ($r) without a failing test" >&2
		rc=1
	fi
	if [ -n "$planned" ] && [ "$reported" -ne "$planned" ]; then
		echo "run.sh: bats planned $planned tests but reported $reported" >&2
		rc=1
	fi
	cat "$one" >>"$log"
}

run_bats runtime "$runtime" "${files[@]}"

asan=$repo/build-asan/capsa
if [ "${SECURITY_ASAN:-1}" != 0 ] && [ "$(basename "$runtime")" != runc ] && [ -x "$asan" ] &&
	[ "$(realpath "$asan")" != "$runtime" ]; then
	for f in "${files[@]}"; do
		[ "$(basename "$f")" = badspec.bats ] || continue
		ASAN_OPTIONS=halt_on_error=1:detect_leaks=0 \
			UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
			run_bats "sanitizer build" "$asan" "$f"
	done
fi

runner_count "$log"
echo "# runtime $runtime"
echo "$passed passed, $failed failed ($skipped skipped)"
[ "$failed" = 0 ] || rc=1
exit $rc
