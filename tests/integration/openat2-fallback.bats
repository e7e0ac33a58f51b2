#!/usr/bin/env bats
# The in-root path resolution without openat2(2), as on kernels before 5.6:
# the runtime runs under tests/helpers/no-openat2 (a seccomp filter that makes
# openat2 fail with ENOSYS), and the symlink-escape tests of
# security-basic.bats must hold with the fallback walk too.

load helpers

setup_file() { common_setup_file; }
teardown_file() { common_teardown_file; }
setup() { common_setup; }
teardown() { common_teardown; }

@test "mount destinations stay inside the rootfs when openat2 is unavailable (fallback walk)" {
	no_openat2=$REPO/build/helpers/no-openat2
	[ -x "$no_openat2" ] || fail "build/helpers/no-openat2 missing (make helpers)"
	wrapper=$TEST_TMP/runtime-no-openat2
	printf '#!/bin/sh\nexec %s %s "$@"\n' "$no_openat2" "$RUNTIME" >"$wrapper"
	chmod +x "$wrapper"
	run env RUNTIME="$wrapper" bats --filter 'mount destination' "$BATS_TEST_DIRNAME/security-basic.bats"
	echo "$output"
	[ "$status" -eq 0 ] || fail "symlink escape tests failed without openat2"
	[ "$(echo "$output" | grep -c '^ok')" -ge 3 ] || fail "the escape tests did not run"
}
