#!/usr/bin/env bats
# One black-box test per attack of ../shared/SECURITY.md's table (numbered as
# there), through the runtime's command line only.  Each asserts what the
# attack would change and passes with runc 1.1 too (which shows the test
# can see the bug class); where runc 1.1 is itself vulnerable to a later CVE
# the test says so and skips for runc only.  After every test sec_teardown
# checks the invariants: nothing left behind, runtime binary, core_pattern
# and canaries unchanged.

load sec-helpers

setup_file() { common_setup_file; }
teardown_file() { common_teardown_file; }
setup() { sec_setup; }
teardown() { sec_teardown; }

# skip_if_runc_below VERSION CVE: skip (visibly) when $RUNTIME is a runc
# older than VERSION, the release that fixed CVE.  SEC_RUN_VULNERABLE=1 runs
# the test anyway: it must then fail, which shows it detects the bug.
skip_if_runc_below() {
	is_runc || return 0
	[ "${SEC_RUN_VULNERABLE:-0}" = 0 ] || return 0
	local v
	v=$("$RUNTIME" --version | sed -n 's/^runc version \([0-9.]*\).*/\1/p')
	[ "$(printf '%s\n%s\n' "$v" "$1" | sort -V | head -n1)" != "$1" ] || return 0
	skip "runc $v is vulnerable to $2 (fixed in $1)"
}

# --- 3: CVE-2024-21626, leaked fds and cwd through /proc/self/fd/N -------

@test "3 CVE-2024-21626: cwd /proc/self/fd/N (N=3..20) never lands outside the container" {
	make_canary "$TEST_TMP/canary"
	local n out rel bad=
	# From any cwd, enough ../ reach the root of whatever tree it is in;
	# from a host directory that is the host's root and the canary is there.
	rel=../../../../../../../../..$TEST_TMP/canary/marker
	for n in $(seq 3 20); do
		spec_set '.process.cwd = $c' --arg c "/proc/self/fd/$n"
		spec_args sh -c 'probe cwd; cat "$1" 2>/dev/null | sed "s/^/read=/"; true' sh "$rel"
		run_container "$CID-$n"
		out=$output
		if grep -q '^read=canary' <<<"$out"; then
			bad+=" N=$n: host canary readable from the container's cwd;"
		fi
		if [ "$status" -eq 0 ]; then
			# Ran: the cwd must be a path inside the container.
			cwd=$(kv cwd)
			case $cwd in
			/*) [[ $cwd != *unreachable* ]] || bad+=" N=$n: cwd=$cwd;" ;;
			*) bad+=" N=$n: cwd '$cwd' not absolute;" ;;
			esac
		fi
		fast_leaks "$CID-$n" >/dev/null || bad+=" N=$n: leaked;"
	done
	[ -z "$bad" ] || fail "$bad"
}

@test "3 CVE-2024-21626: the init holds only 0,1,2 (created: no host files; started: exactly 0,1,2)" {
	local fds pid f t bad=
	spec_args sh -c 'probe fds; exec probe sleep 100'
	# fd 5: a host file the caller leaks on purpose (no O_CLOEXEC).
	runtime create --bundle "$BUNDLE" "$CID" </dev/null >"$TEST_TMP/out" 2>&1 5</etc/hostname ||
		fail "create: $(cat "$TEST_TMP/out")"
	pid=$(runtime state "$CID" | jq -r .pid)
	[ "$pid" -gt 0 ] || fail "no pid"
	# Created, before start: anything above 2 must be runtime plumbing
	# (pipes, sockets, anon inodes, memfds, the state dir, the container's
	# own files), never a file or directory of the host: an fd whose inode
	# is the one the same path names on the host.
	for f in /proc/"$pid"/fd/*; do
		t=$(readlink "$f") || continue
		n=${f##*/}
		[ "$n" -gt 2 ] || continue
		case $t in
		pipe:* | socket:* | anon_inode:* | /memfd:* | "$ROOT"/*) continue ;;
		esac
		[ "$(stat -L -c %F:%t:%T "$f" 2>/dev/null)" != "character special file:1:3" ] || continue
		if [ "$(stat -L -c %d:%i "$f" 2>/dev/null)" = "$(stat -c %d:%i "$t" 2>/dev/null)" ]; then
			bad+=" fd$n=$t"
		fi
	done
	[ -z "$bad" ] || fail "created init holds host fds:$bad"
	runtime start "$CID" || fail "start"
	wait_for 10 grep -q '^fd' "$TEST_TMP/out" || fail "no fds output"
	sleep 0.2
	fds=$(grep -o '^fd[0-9]*' "$TEST_TMP/out" | sort | tr '\n' ' ')
	[ "$fds" = "fd0 fd1 fd2 " ] || fail "container process fds: $fds ($(cat "$TEST_TMP/out"))"
	runtime delete --force "$CID"
}

@test "3 CVE-2024-21626: fds the caller leaked (a file, a directory) do not reach the container" {
	local fds
	spec_args probe fds
	# Opened without O_CLOEXEC by the shell, as a careless caller would.
	exec 5</etc/hostname 6</ 7<"$TEST_TMP"
	run_container
	exec 5<&- 6<&- 7<&-
	[ "$status" -eq 0 ] || fail "run failed"
	fds=$(grep -o '^fd[0-9]*' <<<"$output" | sort | tr '\n' ' ')
	[ "$fds" = "fd0 fd1 fd2 " ] || fail "container process fds: $fds"
}

# --- 5: CVE-2024-45310, mount points created through rootfs symlinks -----

@test "5 CVE-2024-45310: mount destinations through rootfs symlinks to host dirs create nothing on the host" {
	make_canary "$TEST_TMP/canary"
	echo bindsrc >"$TEST_TMP/bindsrc"
	local absent=$TEST_TMP/absent-$RANDOM
	# Absolute links to host paths: an existing canary and a missing dir.
	ln -s "$TEST_TMP/canary" "$BUNDLE/rootfs/c"
	ln -s "$absent" "$BUNDLE/rootfs/a"
	ln -s "$TEST_TMP/canary/newfile" "$BUNDLE/rootfs/f"
	spec_add_tmpfs /c/newdir
	spec_add_tmpfs /a/b/c
	spec_add_mount "$(jq -cn --arg s "$TEST_TMP/bindsrc" '{destination: "/f", type: "bind", source: $s, options: ["bind"]}')"
	spec_add_mount "$(jq -cn --arg s "$TEST_TMP/bindsrc" '{destination: "/c/sub/newfile2", type: "bind", source: $s, options: ["bind"]}')"
	spec_args sh -c 'cat /f; ls /c'
	run_container
	[ ! -e "$absent" ] || fail "runtime created $absent on the host"
	# canary_intact (teardown) checks no file/dir appeared in the canary.
	canary_intact "$TEST_TMP/canary" || fail "canary changed"
	if [ "$status" -eq 0 ]; then
		# Contained: the bind landed inside the rootfs at the link's target.
		[[ $output == *bindsrc* ]] || fail "bind mount not visible inside"
	fi
}

# --- 6: rootfs /dev or /proc a symlink to a host dir ---------------------

@test "6 rootfs /dev a symlink to a host dir (with a /dev tmpfs in the spec): host dir untouched" {
	# runc < 1.3.6 mounts the tmpfs inside the rootfs but then creates
	# /dev/ptmx, /dev/fd, /dev/std* through the symlink, in the host dir
	# (CVE-2026-41579; seen here with runc 1.1.5).
	skip_if_runc_below 1.3.6 CVE-2026-41579
	make_canary "$TEST_TMP/hostdev"
	rm -rf "$BUNDLE/rootfs/dev"
	ln -s "$TEST_TMP/hostdev" "$BUNDLE/rootfs/dev"
	spec_args sh -c 'ls /dev'
	run_container
	canary_intact "$TEST_TMP/hostdev" || fail "host dir changed (status $status)"
}

@test "6 rootfs /dev a symlink to a host dir (no /dev mount): no device created on the host" {
	# runc < 1.3.6 populates /dev through the symlink (CVE-2026-41579).
	skip_if_runc_below 1.3.6 CVE-2026-41579
	make_canary "$TEST_TMP/hostdev"
	rm -rf "$BUNDLE/rootfs/dev"
	ln -s "$TEST_TMP/hostdev" "$BUNDLE/rootfs/dev"
	no_dev_mount
	spec_args sh -c 'ls /dev'
	run_container
	canary_intact "$TEST_TMP/hostdev" || fail "host dir changed (status $status)"
}

@test "6 rootfs /proc a symlink to a host dir: refused or contained, host dir untouched" {
	make_canary "$TEST_TMP/hostproc"
	rm -rf "$BUNDLE/rootfs/proc"
	ln -s "$TEST_TMP/hostproc" "$BUNDLE/rootfs/proc"
	spec_args sh -c 'stat -f -c fstype=%T /proc; cat /proc/self/mountinfo'
	run_container
	canary_intact "$TEST_TMP/hostproc" || fail "host dir changed (status $status)"
	if [ "$status" -eq 0 ]; then
		assert_kv fstype proc
		# The proc mount sits inside the rootfs, where the link resolves
		# when read inside the rootfs.
		mountinfo_line "$TEST_TMP/hostproc" >/dev/null || mountinfo_line /proc >/dev/null ||
			fail "no proc mount in the container"
	fi
}

@test "6 rootfs /sys a symlink to a host dir: refused or contained, host dir untouched" {
	make_canary "$TEST_TMP/hostsys"
	rm -rf "$BUNDLE/rootfs/sys"
	ln -s "$TEST_TMP/hostsys" "$BUNDLE/rootfs/sys"
	spec_args true
	run_container
	canary_intact "$TEST_TMP/hostsys" || fail "host dir changed (status $status)"
}

# --- 7/8: procfs writes land in the container's namespaces ---------------

@test "7/8 sysctls of the spec land in the container's namespaces, not the host's" {
	local host_fwd host_shm host_dom want_fwd want_shm pid
	host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
	host_shm=$(cat /proc/sys/kernel/shm_rmid_forced)
	host_dom=$(cat /proc/sys/kernel/domainname)
	# The opposite of the host's values, so a write to the host shows.
	want_fwd=$((1 - host_fwd))
	want_shm=$((1 - host_shm))
	spec_set '.linux.sysctl = {"net.ipv4.ip_forward": $f, "kernel.shm_rmid_forced": $s, "kernel.domainname": "secu.invalid"}' \
		--arg f "$want_fwd" --arg s "$want_shm"
	spec_args probe sleep 100
	runtime create --bundle "$BUNDLE" "$CID" </dev/null >"$TEST_TMP/out" 2>&1 || fail "create: $(cat "$TEST_TMP/out")"
	pid=$(runtime state "$CID" | jq -r .pid)
	# Read back from the host side, in the container's namespaces.
	[ "$(nsenter -t "$pid" -n cat /proc/sys/net/ipv4/ip_forward)" = "$want_fwd" ] || fail "ip_forward not set in the netns"
	[ "$(nsenter -t "$pid" -i cat /proc/sys/kernel/shm_rmid_forced)" = "$want_shm" ] || fail "shm_rmid_forced not set in the ipc ns"
	[ "$(nsenter -t "$pid" -u cat /proc/sys/kernel/domainname)" = secu.invalid ] || fail "domainname not set in the uts ns"
	runtime delete --force "$CID"
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$host_fwd" ] || fail "host ip_forward changed"
	[ "$(cat /proc/sys/kernel/shm_rmid_forced)" = "$host_shm" ] || fail "host shm_rmid_forced changed"
	[ "$(cat /proc/sys/kernel/domainname)" = "$host_dom" ] || fail "host domainname changed"
}

# --- 9: CVE-2025-31133, /dev/null a symlink used for masking -------------

@test "9 CVE-2025-31133: rootfs /dev/null -> core_pattern: masking stays safe or the run is refused" {
	# runc < 1.2.8 bind-mounts whatever /dev/null points to (the CVE).
	skip_if_runc_below 1.2.8 CVE-2025-31133
	rm -f "$BUNDLE/rootfs/dev/null"
	ln -s /proc/sys/kernel/core_pattern "$BUNDLE/rootfs/dev/null"
	no_dev_mount
	# Masked files: each must read empty and be the null device (or an
	# empty file), never core_pattern.  Nothing is written: a vulnerable
	# runtime would hand the container the host's core_pattern.
	spec_args sh -c 'for f in /proc/kcore /proc/timer_list /proc/keys /proc/sched_debug; do
		[ -e $f ] || continue
		t=other; [ -c $f ] && t=char; [ -f $f ] && [ ! -s $f ] && t=empty
		echo "mask $f $t:$(stat -c %t:%T $f) size=$(head -c 64 $f | wc -c) first=$(head -c 20 $f | tr -c "[:alnum:]" _)"
	done'
	run_container
	[ "$(cat /proc/sys/kernel/core_pattern)" = "$SEC_CORE_PATTERN" ] || fail "host core_pattern changed"
	if [ "$status" -eq 0 ]; then
		grep -q '^mask ' <<<"$output" || fail "no masked path seen"
		while read -r _ f type size first; do
			case $type in
			char:1:3 | empty:*) ;;
			*) fail "$f is a $type, not the null device" ;;
			esac
			[ "$size" = size=0 ] || fail "$f reads $size ($first): masked with something else"
		done < <(grep '^mask ' <<<"$output")
	fi
}

# --- 11: inheritable and ambient capabilities ----------------------------

@test "11 CVE-2022-29162: CapInh and CapAmb are 0 when the spec asks for none" {
	spec_set 'del(.process.capabilities.inheritable) | del(.process.capabilities.ambient)'
	spec_set '.process.capabilities |= with_entries(.value = ["CAP_CHOWN","CAP_KILL","CAP_NET_RAW","CAP_SETPCAP","CAP_SETFCAP"])'
	spec_args probe caps
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv CapInh 0000000000000000
	assert_kv CapAmb 0000000000000000
	# The probe reads real values: the permitted set is the spec's.
	assert_kv CapPrm "$(cap_mask CAP_CHOWN CAP_KILL CAP_NET_RAW CAP_SETPCAP CAP_SETFCAP)"
}

# --- 12: supplementary groups exactly as the spec says -------------------

@test "12 CVE-2023-25173: id -G inside equals the spec's additionalGids, whatever the caller's groups" {
	local gids want
	for gids in '[]' '[10]' '[10,2000,65534]'; do
		spec_set '.process.user = {uid: 1000, gid: 1000, additionalGids: $g}' --argjson g "$gids"
		spec_set 'del(.process.capabilities)'
		spec_args id -G
		# The caller has groups of its own (1, 2, 4) a runtime must not pass on.
		status=0
		output=$(setpriv --groups 1,2,4 timeout 30 "$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$CID" </dev/null 2>&1) || status=$?
		[ "$status" -eq 0 ] || fail "run with additionalGids $gids failed"
		want=$(jq -r '[1000] + . | unique | map(tostring) | join(" ")' <<<"$gids")
		got=$(tr ' ' '\n' <<<"$output" | sort -n | uniq | tr '\n' ' ' | sed 's/ $//')
		[ "$got" = "$want" ] || fail "additionalGids $gids: id -G shows '$output', want '$want'"
	done
}

# --- 13: TIOCSTI into the caller's terminal ------------------------------

@test "13 LXC CVE-2016-10124: TIOCSTI on a terminal stdin inherited from the caller fails" {
	local log=$TEST_TMP/typescript
	spec_args sh -c 'probe tiocsti; echo sid=$(cut -d" " -f6 /proc/self/stat) pgrp=$(cut -d" " -f5 /proc/self/stat)'
	# `script` runs the runtime on a pty it owns, the runtime's stdin being
	# that terminal (its controlling terminal).
	script -qec "timeout 30 '$RUNTIME' --root '$ROOT' run --bundle '$BUNDLE' '$CID'" "$log" </dev/null >"$TEST_TMP/script.out" 2>&1 || true
	output=$(tr -d '\r' <"$TEST_TMP/script.out")
	[ -n "$(kv tiocsti)" ] || fail "probe did not run"
	[ "$(kv tiocsti)" != ok ] || fail "TIOCSTI into the caller's terminal succeeded"
}

# --- 14: CVE-2023-25809, cgroupfs writable inside ------------------------

@test "14 CVE-2023-25809: writing the memory limit through /sys/fs/cgroup inside fails with EROFS" {
	spec_add_mount '{"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}'
	spec_set '.linux.resources.memory = {limit: 67108864}'
	spec_args sh -c 'ls /sys/fs/cgroup/memory/memory.limit_in_bytes >/dev/null && probe write /sys/fs/cgroup/memory/memory.limit_in_bytes 1073741824; probe write /sys/fs/cgroup/pids/cgroup.procs 1 | sed s/write/procs/; cat /sys/fs/cgroup/memory/memory.limit_in_bytes | sed s/^/limit=/'
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv write EROFS
	assert_kv procs EROFS
	assert_kv limit 67108864
}

# --- 15: CVE-2020-15257, abstract sockets reachable from host-net --------

@test "15 CVE-2020-15257: no abstract unix socket of the runtime in a host-network container" {
	local pids p ino inos= abstract
	spec_set '.linux.namespaces |= map(select(.type != "network"))'
	spec_args sh -c 'cat /proc/net/unix; sleep 2'
	runtime run --bundle "$BUNDLE" "$CID" </dev/null >"$TEST_TMP/out" 2>&1 &
	CLEANUP_PIDS=$!
	wait_for 10 container_pid_known || fail "container did not start"
	sleep 0.3
	# Socket inodes held by the runtime's processes right now (the run,
	# and whatever it forked, found by the id on their command line).
	for p in $(grep -lz -- "$CID" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3); do
		for f in /proc/"$p"/fd/*; do
			ino=$(readlink "$f" 2>/dev/null) || continue
			[[ $ino == socket:* ]] && inos+=" ${ino//[^0-9]/}"
		done
	done
	abstract=$(awk '$8 ~ /^@/ {print $7, $8}' /proc/net/unix)
	wait "$CLEANUP_PIDS" || fail "run failed: $(cat "$TEST_TMP/out")"
	CLEANUP_PIDS=
	for ino in $inos; do
		! grep -q "^$ino " <<<"$abstract" || fail "the runtime holds abstract socket $(grep "^$ino " <<<"$abstract")"
	done
	# What the container sees: nothing named after the runtime.
	! grep -iE "@.*(capsa|$(basename "$RUNTIME"))" "$TEST_TMP/out" || fail "abstract socket of the runtime visible inside"
	grep -q '^Num' "$TEST_TMP/out" || fail "container could not read /proc/net/unix"
}
