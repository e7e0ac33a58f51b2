# podman 4.3 (+ conmon) flows (sourced by run.sh).
#
# Storage, runroot, tmp dir, events log and network config all under $W/pm.
# podman gives no --root to the runtime, and its cleanup process ignores
# --runtime-flag root=..., so each runtime is reached through a two-line
# wrapper $W/pm/bin/RT that execs the real binary with --root $W/pm/rt-RT
# (exec: the process tree is the runtime's own).  The wrapper keeps the
# runtime's name, which is in runtime_supports_json, so podman passes
# --log-format=json --log FILE as it does to runc.  This host lacks
# CAP_SYS_RESOURCE in the bounding set, so podman's default nofile rlimit
# (1048576) would fail with any runtime: default_ulimits lowers it.
# Containers' cgroup parent is /$TAG-pm; --network=none everywhere, so no
# netavark/CNI state is made.

PM=$W/pm

pm_setup() {
	local rt
	mkdir -p "$PM/bin" "$PM/tmp" "$PM/net"
	for rt in $RUNTIMES; do
		printf '#!/bin/sh\nexec %q --root %q "$@"\n' "$(rt_bin "$rt")" "$PM/rt-$rt" >"$PM/bin/$rt"
		chmod 0755 "$PM/bin/$rt"
	done
	cat >"$PM/containers.conf" <<EOF
[containers]
netns = "none"
log_driver = "k8s-file"
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PM/events.log"
tmp_dir = "$PM/tmp"
static_dir = "$PM/root/libpod"
volume_path = "$PM/root/volumes"
conmon_path = ["/usr/bin/conmon"]
runtime_supports_json = ["crun", "runc", "kata", "runsc", "youki", "krun", "capsa"]

[network]
network_config_dir = "$PM/net"
EOF
	cat >"$PM/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$PM/root"
runroot = "$PM/runroot"
EOF
	local out
	if out=$(pm_cmd runc load -q -i "$IMG/busybox-oci.tar" 2>&1); then
		pass "podman: image load"
	else
		fail "podman: image load: $(oneline "$out")"
		return 1
	fi
}

# pm_cmd RT ARGS...: podman with our storage, configs and runtime RT.
pm_cmd() {
	local rt=$1
	shift
	CONTAINERS_CONF=$PM/containers.conf CONTAINERS_STORAGE_CONF=$PM/storage.conf \
		t podman --root "$PM/root" --runroot "$PM/runroot" --cgroup-manager=cgroupfs \
		--events-backend=file --runtime "$PM/bin/$rt" "$@"
}

# pm_tty RT ARGS...: the same under a pseudo-terminal (for -t).
pm_tty() {
	local rt=$1
	shift
	tty_run env CONTAINERS_CONF="$PM/containers.conf" CONTAINERS_STORAGE_CONF="$PM/storage.conf" \
		podman --root "$PM/root" --runroot "$PM/runroot" --cgroup-manager=cgroupfs \
		--events-backend=file --runtime "$PM/bin/$rt" "$@"
}

# pm_run RT ARGS...: podman run with the flags every test container gets.
pm_run() {
	local rt=$1
	shift
	pm_cmd "$rt" run --network=none --cgroup-parent "/$TAG-pm" "$@"
}

pm_forget() {
	pm_cmd runc rm -f -t 0 "$1" >/dev/null 2>&1
	return 0
}

flow_pm_run_rm() {
	local rt=$1 out
	out=$(pm_run "$rt" --rm $IMAGE echo hi 2>&1)
	expect pm_run_rm "$rt" result "$?:$out" "0:hi"
	out=$(pm_run "$rt" --rm $IMAGE sh -c 'echo out; echo err >&2; exit 7' 2>"$W/stderr")
	expect pm_run_rm "$rt" "exit code" "$?:$out:$(cat "$W/stderr")" "7:out:err"
	out=$(echo piped | pm_run "$rt" --rm -i $IMAGE cat 2>&1)
	expect pm_run_rm "$rt" "stdin -i" "$?:$out" "0:piped"
	out=$(pm_tty "$rt" run --rm -t --network=none --cgroup-parent "/$TAG-pm" $IMAGE tty 2>&1)
	expect pm_run_rm "$rt" "run -t" "$?:$(tr -d '\r' <<<"$out")" "0:/dev/pts/0"
	# The runtime fails -> podman maps the error to an exit code (126/127).
	out=$(pm_run "$rt" --rm $IMAGE /no/such/binary 2>&1)
	expect pm_run_rm "$rt" "missing binary exit" "$?" 127
}

flow_pm_limits() {
	local rt=$1 out
	out=$(pm_run "$rt" --rm --memory 32m --pids-limit 99 $IMAGE sh -c \
		'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max; ulimit -n; ip -o link | wc -l' 2>&1)
	# 32 MiB, 99 pids, nofile from containers.conf, only lo with --network=none.
	expect pm_limits "$rt" result "$?:$out" $'0:33554432\n99\n20000\n1'
	pm_run "$rt" --rm --memory 16m --memory-swap 16m $IMAGE tail /dev/zero >/dev/null 2>&1
	expect pm_limits "$rt" "oom exit" "$?" 137
}

flow_pm_detached() {
	local rt=$1 name=$TAG-$1-d out rc
	out=$(pm_run "$rt" -d --name "$name" $IMAGE sh -c 'echo started; exec sleep 1000' 2>&1)
	rc=$?
	expect_re pm_detached "$rt" "run -d" "$rc:$out" '^0:[0-9a-f]{64}$' "$rc:cid"
	out=$(pm_cmd "$rt" ps --filter name="$name" --format '{{.Names}} {{.Status}}' 2>&1)
	expect_re pm_detached "$rt" ps "$out" "^$name Up " "${out%% Up *} Up"
	out=$(pm_cmd "$rt" exec "$name" sh -c 'echo hi; id' 2>&1)
	expect pm_detached "$rt" exec "$?:$out" $'0:hi\nuid=0(root) gid=0(root)'
	pm_cmd "$rt" exec "$name" sh -c 'exit 5' >/dev/null 2>&1
	expect pm_detached "$rt" "exec exit code" "$?" 5
	out=$(pm_tty "$rt" exec -t "$name" tty 2>&1)
	rc=$?
	expect_re pm_detached "$rt" "exec -t" "$rc:$(tr -d '\r' <<<"$out")" '^0:/dev/pts/[0-9]+$' "$rc:pts"
	out=$(pm_cmd "$rt" exec -d "$name" sleep 900 2>&1)
	expect pm_detached "$rt" "exec -d" "$?" 0
	out=$(pm_cmd "$rt" top "$name" args 2>&1 | sed 's/ *$//')
	expect pm_detached "$rt" top "$?:$out" $'0:COMMAND\nsleep 1000\nsleep 900'
	pm_cmd "$rt" pause "$name" >/dev/null 2>&1
	expect pm_detached "$rt" pause "$?:$(pm_cmd "$rt" inspect -f '{{.State.Status}}' "$name" 2>&1)" "0:paused"
	pm_cmd "$rt" unpause "$name" >/dev/null 2>&1
	expect pm_detached "$rt" unpause "$?:$(pm_cmd "$rt" inspect -f '{{.State.Status}}' "$name" 2>&1)" "0:running"
	expect pm_detached "$rt" logs "$(pm_cmd "$rt" logs "$name" 2>&1)" started
	# pid-1 sleep ignores SIGTERM: stop escalates to SIGKILL after 1 s.
	pm_cmd "$rt" stop -t 1 "$name" >/dev/null 2>&1
	expect pm_detached "$rt" stop "$?:$(pm_cmd "$rt" inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$name" 2>&1)" "0:exited 137"
	# A stopped container starts again (the runtime re-creates it).
	pm_cmd "$rt" start "$name" >/dev/null 2>&1
	expect pm_detached "$rt" "start again" "$?:$(pm_cmd "$rt" inspect -f '{{.State.Status}}' "$name" 2>&1)" "0:running"
	pm_cmd "$rt" rm -f -t 0 "$name" >/dev/null 2>&1
	expect pm_detached "$rt" "rm -f" "$?:$(pm_cmd "$rt" ps -a -q --filter name="$name" 2>&1)" "0:"
	pm_forget "$name"
}

flow_pm_kill() {
	local rt=$1 name=$TAG-$1-k out
	pm_run "$rt" -d --name "$name" $IMAGE sh -c \
		'trap "echo got-usr1; exit 3" USR1; echo ready; while :; do sleep 0.1; done' >/dev/null 2>&1
	wait_for 10 sh -c "CONTAINERS_CONF=$PM/containers.conf CONTAINERS_STORAGE_CONF=$PM/storage.conf podman --root $PM/root --runroot $PM/runroot logs $name 2>/dev/null | grep -q ready"
	pm_cmd "$rt" kill -s USR1 "$name" >/dev/null 2>&1
	expect pm_kill "$rt" "kill -s USR1" "$?" 0
	pm_cmd "$rt" wait "$name" >/dev/null 2>&1
	expect pm_kill "$rt" "exit after USR1" "$(pm_cmd "$rt" inspect -f '{{.State.ExitCode}}' "$name" 2>&1)" 3
	expect pm_kill "$rt" "logs" "$(pm_cmd "$rt" logs "$name" 2>&1)" $'ready\ngot-usr1'
	pm_cmd "$rt" rm "$name" >/dev/null 2>&1
	expect pm_kill "$rt" "rm" "$?" 0

	pm_run "$rt" -d --name "$name" $IMAGE sleep 1000 >/dev/null 2>&1
	pm_cmd "$rt" kill "$name" >/dev/null 2>&1
	expect pm_kill "$rt" "kill" "$?" 0
	pm_cmd "$rt" wait "$name" >/dev/null 2>&1
	expect pm_kill "$rt" "exit after kill" "$(pm_cmd "$rt" inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$name" 2>&1)" "exited 137"
	pm_forget "$name"
}

pm_suite() {
	CUR_SUITE=podman
	echo "== podman $(podman --version | awk '{print $3}')"
	if ! command -v podman >/dev/null || ! command -v conmon >/dev/null; then
		fail "podman: not installed (Debian packages podman, conmon; make deps)"
		return
	fi
	pm_setup || return
	run_flow pm_run_rm
	run_flow pm_limits
	run_flow pm_detached
	run_flow pm_kill
}

# pm_teardown: remove every container and image, unmount the storage.
pm_teardown() {
	[ -f "$PM/storage.conf" ] || return 0
	pm_cmd runc rm -a -f -t 0 >/dev/null 2>&1
	pm_cmd runc rmi -a -f >/dev/null 2>&1
	# conmon of a container whose runtime misbehaved may still be there.
	local pid
	for pid in $(pids_matching "$PM/"); do
		case $(cat "/proc/$pid/comm" 2>/dev/null) in
		conmon)
			fail "leak: conmon $pid left after podman rm -a"
			kill -KILL "$pid" 2>/dev/null
			;;
		esac
	done
	return 0
}
