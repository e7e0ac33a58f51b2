#!/usr/bin/env bash
# Run the bats integration suite against one runtime.
#
#   tests/integration/run.sh [RUNTIME] [FILE.bats...] [-- BATS_OPTIONS...]
#
# RUNTIME is a path or a name on PATH (runc, crun, build/capsa); default
# $RUNTIME or build/capsa.  Without files, every tests/integration/*.bats
# runs.  Builds the probe payload (make helpers) and the cached test rootfs
# (build/test-rootfs) first.  Prints TAP, then "N passed, N failed, N skipped";
# exits non-zero when a test failed or bats itself failed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

. "$repo/tests/lib/bats-runner.bash"
runner_args "$here" "$@"
runner_need integration bats jq ip timeout

# The payload: built with the Makefile's own rule, in build/ unless told.
helpers_build=${HELPERS_BUILD:-build}
make -s -C "$repo" BUILD="$helpers_build" helpers
export HELPERS_DIR=$repo/$helpers_build/helpers
export TEST_ROOTFS=${TEST_ROOTFS:-$repo/build/test-rootfs}
"$repo/examples/mkrootfs.sh" "$TEST_ROOTFS" "$repo/$helpers_build"/helpers/*

export RUNTIME=$runtime
echo "# runtime: $RUNTIME ($("$RUNTIME" --version 2>&1 | head -n1 || true))"

# bats' temp dirs (and so every bundle) live in a dir of our own, away from
# anything that tidies /tmp/bats-run-* behind our back.
itest_tmp=$(mktemp -d /tmp/capsa-itest.XXXXXX)
log=$itest_tmp/tap.log
trap 'rm -rf "$itest_tmp"' EXIT
mkdir "$itest_tmp/tmp"
export TMPDIR=$itest_tmp/tmp
rc=0
bats --tap "${bats_opts[@]}" "${files[@]}" | tee "$log" || rc=$?

runner_count "$log"
planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$log" | head -n1)
echo "# runtime $RUNTIME"
echo "$passed passed, $failed failed, $skipped skipped"
if [ -n "$planned" ] && [ $((passed + failed + skipped)) -ne "$planned" ]; then
	echo "run.sh: bats planned $planned tests but reported $((passed + failed + skipped))" >&2
	rc=1
fi
[ "$failed" = 0 ] || rc=1
exit $rc
