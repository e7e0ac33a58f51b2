#!/usr/bin/env bash
# Real-kernel tests of the cgroup layer (root only): builds tests/cgroups/cgtest
# from cgroups/*.c and the runtime helpers it needs (so a broken file elsewhere
# in the tree does not hide cgroup results), runs it, and checks that no
# *capsa* cgroup is left behind.  Works on v1, hybrid and pure v2 hosts.
# Usage: tests/cgroups/run.sh [BUILD_DIR]   (default build-cgtest)
set -uo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build-cgtest}
mkdir -p "$build/tests/cgroups"
bin=$build/tests/cgroups/cgtest
cc=${CC:-cc}
if ! $cc -std=gnu11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror -Wno-format-truncation -I. -Iruntime \
	$(pkg-config --cflags jansson libbpf) -o "$bin" tests/cgroups/cgtest.c cgroups/*.c \
	runtime/err.c runtime/util-*.c $(pkg-config --libs jansson libbpf) -lpthread; then
	echo "cgroups: build failed"
	echo "0 passed, 1 failed"
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	echo "cgroups: skipped (needs root)"
	echo "0 passed, 0 failed"
	exit 0
fi
before=$(find /sys/fs/cgroup -name '*capsa*' 2>/dev/null | sort)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
timeout 120 "$bin" | tee "$out"
rc=${PIPESTATUS[0]}
after=$(find /sys/fs/cgroup -name '*capsa*' 2>/dev/null | sort)
pass=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$out" | tail -1)
fail=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$out" | tail -1)
pass=${pass:-0}
fail=${fail:-0}
if [ "$rc" != 0 ] && [ "$fail" = 0 ]; then
	echo "not ok - cgtest exited with status $rc"
	fail=$((fail + 1))
fi
if [ "$before" != "$after" ]; then
	echo "not ok - cgroups left behind:"
	comm -13 <(echo "$before") <(echo "$after") | sed 's/^/#   /'
	fail=$((fail + 1))
else
	pass=$((pass + 1))
	echo "ok - no *capsa* cgroup left behind"
fi
echo "cgroups: $pass passed, $fail failed"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
