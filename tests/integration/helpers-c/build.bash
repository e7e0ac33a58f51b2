# Build the C helpers of tests/integration/helpers-c into $BATS_FILE_TMPDIR.
# Sourced by the conformance .bats files (hooks, console, logging,
# state-schema) from their setup_file:
#
#   build_c_helper NAME [CFLAGS...]   compile helpers-c/NAME.c to
#                                     $BATS_FILE_TMPDIR/NAME (static when
#                                     the C library allows it)
build_c_helper() {
	local name=$1
	shift
	local src=$BATS_TEST_DIRNAME/helpers-c/$name.c out=$BATS_FILE_TMPDIR/$name
	cc -std=gnu11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -static "$@" -o "$out" "$src" 2>/dev/null ||
		cc -std=gnu11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror "$@" -o "$out" "$src" || {
		echo "cannot build helper $src" >&2
		return 1
	}
}
