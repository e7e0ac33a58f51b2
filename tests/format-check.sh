#!/usr/bin/env bash
# Fails when a C file differs from what clang-format (.clang-format) makes of it.
set -euo pipefail
cd "$(dirname "$0")/.."
bad=0
while IFS= read -r f; do
	if ! clang-format --style=file "$f" | cmp -s - "$f"; then
		echo "format-check: $f is not formatted (make format)"
		bad=$((bad + 1))
	fi
done < <(git ls-files '*.c' '*.h')
[ "$bad" -eq 0 ] && echo "format-check: all files formatted"
exit $((bad > 0))
