# What the bats suites' runners (tests/integration/run.sh,
# tests/security/run.sh) share.  Sourced; sets globals.

# runner_args DIR ARGS...: parse "[RUNTIME] [FILE.bats...] [-- BATS_OPTIONS...]".
# Sets runtime (an absolute path; default $RUNTIME or build/capsa), files
# (default every DIR/*.bats; a bare name is taken under DIR) and bats_opts.
# Exits when the runtime is not an executable.
runner_args() {
	local dir=$1 repo
	shift
	repo=$(cd "$dir/../.." && pwd)
	runtime=${RUNTIME:-$repo/build/capsa}
	files=()
	bats_opts=()
	while [ $# -gt 0 ]; do
		case $1 in
		--)
			shift
			bats_opts=("$@")
			break
			;;
		*.bats)
			if [ -e "$1" ]; then files+=("$(realpath "$1")"); else files+=("$dir/$1"); fi
			;;
		*) runtime=$1 ;;
		esac
		shift
	done
	if [[ $runtime != */* ]]; then
		local name=$runtime
		runtime=$(command -v "$name") || {
			echo "run.sh: runtime '$name' not on PATH" >&2
			exit 1
		}
	fi
	runtime=$(realpath "$runtime")
	[ -x "$runtime" ] || {
		echo "run.sh: $runtime is not an executable" >&2
		exit 1
	}
	[ ${#files[@]} -gt 0 ] || files=("$dir"/*.bats)
}

# runner_need WHAT TOOL...: root, and every TOOL on PATH, or exit.
runner_need() {
	local what=$1 tool
	shift
	if [ "$(id -u)" != 0 ]; then
		echo "run.sh: the $what tests need root" >&2
		exit 1
	fi
	for tool in "$@"; do
		command -v "$tool" >/dev/null || {
			echo "run.sh: '$tool' missing (make deps)" >&2
			exit 1
		}
	done
}

# runner_count LOG: passed, skipped, failed from a TAP log.
runner_count() {
	passed=$(grep -E '^ok [0-9]+ ' "$1" | grep -vc '# skip' || true)
	skipped=$(grep -E '^ok [0-9]+ ' "$1" | grep -c '# skip' || true)
	failed=$(grep -cE '^not ok [0-9]+ ' "$1" || true)
}
