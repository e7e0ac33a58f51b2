#!/usr/bin/env bash
# Find what a container run left behind on the host.
#
#   tests/leakcheck.sh snapshot DIR [--id ID]... [--path PREFIX]... [--empty DIR]...
#   tests/leakcheck.sh check DIR
#
# `snapshot` records the host's mount points, cgroup directories and network
# links in DIR (created if needed) together with what to look for:
#   --id ID       a container id (or id prefix) the test uses.  Afterwards no
#                 process may carry it in its command line, its cgroup path or
#                 as CAPSA_ITEST=ID in its environment (the integration tests'
#                 base spec sets that variable), no cgroup directory and no
#                 network link may be named after it.  An id matches itself
#                 and ID-anything (not ID7 for ID=...-1, so test 1 does not
#                 catch test 10's containers).
#   --path PREFIX a host path the test owns (bundle, temp dir, --root): no
#                 mount may remain at or under it.
#   --empty DIR   a directory that must be empty again (the runtime's --root:
#                 no state dir may remain).  Entries whose name starts with
#                 "." are runtime-wide (caches, locks; container ids cannot
#                 start with a dot) and do not count.
# `check` compares the host with the snapshot, prints one line per leak
# (`leak: mount /x`, `leak: process 123 (sleep 100)` ...) on stdout and exits
# 1 when something leaked, 0 when clean.
#
# Other people's work on the same machine must not make a test fail, so by
# default only leaks that match an --id or --path count.  LEAKCHECK_STRICT=1
# also reports every new mount point, cgroup directory and link on the host
# (use it where nothing else runs, e.g. CI).
set -euo pipefail

# The host changes under our feet (other runs create and remove cgroups and
# links while we look): a listing that races with that is still good.
mounts() {
	# Field 5 is the mount point (octal escapes kept: we only compare).
	awk '{print $5}' /proc/self/mountinfo | sort -u
}

cgroups() {
	{ find /sys/fs/cgroup -mindepth 1 -type d 2>/dev/null || true; } | sort -u
}

links() {
	{ ip -o link show 2>/dev/null || true; } | awk -F': ' '{sub(/@.*/, "", $2); print $2}' | sort -u
}

# id_regex ID: an ERE matching ID as a whole word-ish component.
id_regex() {
	local id=${1//./\\.}
	printf '%s([^0-9A-Za-z_]|-|$)' "$id"
}

snapshot() {
	local dir=$1
	shift
	mkdir -p "$dir"
	: >"$dir/ids"
	: >"$dir/paths"
	: >"$dir/empty"
	while [ $# -gt 0 ]; do
		case $1 in
		--id) echo "$2" >>"$dir/ids" ;;
		--path) echo "$2" >>"$dir/paths" ;;
		--empty) echo "$2" >>"$dir/empty" ;;
		*)
			echo "leakcheck: unknown option $1" >&2
			exit 2
			;;
		esac
		shift 2
	done
	mounts >"$dir/mounts"
	cgroups >"$dir/cgroups"
	links >"$dir/links"
}

check() {
	local dir=$1 leaks=0 id re path m p pid cmd d strict=${LEAKCHECK_STRICT:-0}
	local -a ids paths empties
	mapfile -t ids <"$dir/ids"
	mapfile -t paths <"$dir/paths"
	mapfile -t empties <"$dir/empty"

	leak() {
		echo "leak: $*"
		leaks=1
	}

	# Mounts: new ones under a test path (or anywhere when strict).
	while read -r m; do
		[ -n "$m" ] || continue
		if [ "$strict" = 1 ]; then
			leak "mount $m"
			continue
		fi
		for path in "${paths[@]}"; do
			case $m in
			"$path" | "$path"/*) leak "mount $m" ;;
			esac
		done
	done < <(comm -13 "$dir/mounts" <(mounts))

	# Cgroups: any directory named after an id; all new ones when strict.
	while read -r d; do
		[ -n "$d" ] || continue
		if [ "$strict" = 1 ]; then
			leak "cgroup $d"
			continue
		fi
		for id in "${ids[@]}"; do
			if [[ ${d##*/} =~ ^$(id_regex "$id") ]]; then
				leak "cgroup $d"
			fi
		done
	done < <(comm -13 "$dir/cgroups" <(cgroups))
	# A cgroup that existed before the snapshot but carries an id means the
	# previous test leaked it; report it too so it gets noticed.
	for id in "${ids[@]}"; do
		while read -r d; do
			[ -n "$d" ] && grep -qxF "$d" "$dir/cgroups" && leak "cgroup $d (already there at snapshot)"
		done < <(cgroups | grep -E "/$(id_regex "$id")" || true)
	done

	# Links.
	while read -r d; do
		[ -n "$d" ] || continue
		if [ "$strict" = 1 ]; then
			leak "link $d"
			continue
		fi
		for id in "${ids[@]}"; do
			[[ $d =~ ^$(id_regex "$id") ]] && leak "link $d"
		done
	done < <(comm -13 "$dir/links" <(links))

	# Processes carrying an id in their command line, cgroup or marker
	# environment variable.  The patterns go through files so that grep's
	# own command line does not match them.
	if [ ${#ids[@]} -gt 0 ]; then
		for id in "${ids[@]}"; do
			re=$(id_regex "$id")
			echo "$re" >>"$dir/re.cmdline"
			echo ":/(.*/)?$re" >>"$dir/re.cgroup"
			echo "^CAPSA_ITEST=$re" >>"$dir/re.environ"
		done
		while read -r p; do
			pid=${p#/proc/}
			pid=${pid%%/*}
			[ "$pid" = $$ ] || [ "$pid" = "$BASHPID" ] && continue
			[ "$(awk '{print $4}' "/proc/$pid/stat" 2>/dev/null)" = $$ ] && continue
			cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || continue
			[ -n "$cmd" ] || continue # kernel thread or gone
			leak "process $pid ($cmd)"
		done < <({
			# Processes come and go while grep reads: ignore its errors.
			grep -lzEf "$dir/re.cmdline" /proc/[0-9]*/cmdline || true
			grep -lEf "$dir/re.cgroup" /proc/[0-9]*/cgroup || true
			grep -lzEf "$dir/re.environ" /proc/[0-9]*/environ || true
		} 2>/dev/null | sort -u -t/ -k3,3)
		rm -f "$dir"/re.*
	fi

	# State directories.
	for d in "${empties[@]}"; do
		[ -d "$d" ] || continue
		while read -r m; do
			[ -n "$m" ] && leak "state $d/$m"
		done < <(ls "$d")
	done

	return $leaks
}

case ${1:-} in
snapshot)
	shift
	[ $# -ge 1 ] || exec "$0"
	snapshot "$@"
	;;
check)
	[ $# -eq 2 ] || exec "$0"
	check "$2"
	;;
*)
	sed -n '2,/^set -e/p' "$0" | grep '^#' | cut -c3- >&2
	exit 2
	;;
esac
