#!/bin/bash
# Fuzz every tests/fuzz/fuzz_*.c target (or the ones named as arguments, e.g.
# `tests/fuzz/run.sh fuzz_spec`) with libFuzzer + ASan + UBSan, each for
# FUZZ_SECONDS (default 60).  The library (runtime/ cgroups/ netns/ image/) is
# compiled once into an instrumented archive; each target links against it.
# New interesting inputs are added to tests/fuzz/corpus/<target>/; crashes land
# in $FUZZ_BUILD/artifacts/<target>/ and make the script fail.
# A tests/fuzz/<target>.dict file, if present, is used as the dictionary.
set -euo pipefail

cd "$(dirname "$0")/../.."
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
CC=${FUZZ_CC:-clang}
PKGS="jansson libseccomp libcap libbpf libarchive nettle libmnl libnftnl"

if ! command -v "$CC" >/dev/null; then
	echo "fuzz: $CC not found (apt-get install clang)" >&2
	exit 1
fi

SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
CFLAGS="-std=gnu11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer $SAN -I. -Iruntime"
CFLAGS="$CFLAGS $(pkg-config --cflags $PKGS 2>/dev/null || true)"
LIBS="$(pkg-config --libs $PKGS 2>/dev/null || true)"

objdir="$FUZZ_BUILD/obj"
mkdir -p "$objdir" "$FUZZ_BUILD/artifacts"

# Instrumented library archive.
objs=()
for src in runtime/*.c cgroups/*.c netns/*.c image/*.c; do
	[ -e "$src" ] || continue
	obj="$objdir/${src%.c}.o"
	mkdir -p "$(dirname "$obj")"
	if [ ! -e "$obj" ] || [ "$src" -nt "$obj" ] || [ -n "$(find "$(dirname "$src")" -name '*.h' -newer "$obj" -print -quit)" ]; then
		"$CC" $CFLAGS -fsanitize=fuzzer-no-link -c -o "$obj" "$src"
	fi
	objs+=("$obj")
done
rm -f "$FUZZ_BUILD/libcapsa-fuzz.a"
ar rcs "$FUZZ_BUILD/libcapsa-fuzz.a" "${objs[@]}"

if [ $# -gt 0 ]; then
	targets=()
	for t in "$@"; do targets+=("tests/fuzz/${t%.c}.c"); done
else
	targets=(tests/fuzz/fuzz_*.c)
fi

failed=0
for src in "${targets[@]}"; do
	name=$(basename "$src" .c)
	bin="$FUZZ_BUILD/$name"
	corpus="tests/fuzz/corpus/$name"
	artifacts="$FUZZ_BUILD/artifacts/$name/"
	mkdir -p "$corpus" "$artifacts"
	echo "== $name: build"
	"$CC" $CFLAGS -fsanitize=fuzzer -o "$bin" "$src" "$FUZZ_BUILD/libcapsa-fuzz.a" $LIBS
	dict=()
	[ -e "tests/fuzz/$name.dict" ] && dict=(-dict="tests/fuzz/$name.dict")
	echo "== $name: fuzzing for ${FUZZ_SECONDS}s (corpus $corpus)"
	if ! ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		"$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		-print_final_stats=1 -artifact_prefix="$artifacts" "${dict[@]}" "$corpus"; then
		echo "== $name: FAILED, reproducer in $artifacts" >&2
		failed=1
	fi
done
exit $failed
