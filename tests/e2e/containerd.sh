# containerd 1.6 + ctr flows (sourced by run.sh).
#
# A containerd of our own (CRI plugin off; root, state, socket under
# $W/ctd) runs for the whole suite; `ctr events` records the event stream so
# the OOM flow can see /tasks/oom.  The ctr namespace is $TAG-ctd, which also
# makes the containers' cgroup parent /$TAG-ctd in every hierarchy.  Each
# runtime gets its own --runc-root; FIFOs go to $W/ctd/fifo.

CTD=$W/ctd
CTD_NS=$TAG-ctd

ctd_setup() {
	mkdir -p "$CTD/fifo"
	cat >"$CTD/config.toml" <<EOF
version = 2
root = "$CTD/root"
state = "$CTD/state"
disabled_plugins = [
  "io.containerd.grpc.v1.cri",
  "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing",
]
[grpc]
  address = "$CTD/containerd.sock"
[debug]
  level = "warn"
[plugins."io.containerd.internal.v1.opt"]
  path = "$CTD/opt"
EOF
	daemon_start containerd "$CTD/containerd.log" containerd --config "$CTD/config.toml"
	if ! daemon_wait containerd 20 ctr -a "$CTD/containerd.sock" version; then
		fail "containerd: did not start: $(tail -3 "$CTD/containerd.log" | oneline "$(cat)")"
		return 1
	fi
	daemon_start ctr-events "$CTD/events.log" ctr -a "$CTD/containerd.sock" events
	local out
	if out=$(ctd image import "$IMG/busybox-oci.tar" 2>&1); then
		pass "containerd: image import"
	else
		fail "containerd: image import: $(oneline "$out")"
		return 1
	fi
}

# ctd ARGS...: ctr on our containerd and namespace.
ctd() {
	t ctr -a "$CTD/containerd.sock" -n "$CTD_NS" "$@"
}

# ctd_r RT: the ctr run flags selecting runtime RT.
ctd_r() {
	echo "--runc-binary $(rt_bin "$1") --runc-root $CTD/runc-root-$1 --fifo-dir $CTD/fifo"
}

# ctd_status ID: the STATUS column of `ctr task ls` for ID.
ctd_status() {
	ctd task ls 2>/dev/null | awk -v id="$1" '$1 == id {print $3}'
}

ctd_forget() {
	# Whatever a failed flow left: kill, delete the task and the container.
	ctd task kill --all -s SIGKILL "$1" >/dev/null 2>&1
	wait_for 5 sh -c "[ \"\$(ctr -a $CTD/containerd.sock -n $CTD_NS task ls 2>/dev/null | awk '\$1 == \"$1\" {print \$3}')\" != RUNNING ]"
	ctd task delete --force "$1" >/dev/null 2>&1
	ctd container delete "$1" >/dev/null 2>&1
	return 0
}

flow_ctd_run_rm() {
	local rt=$1 id=$1-rm out rc
	out=$(ctd run --rm $(ctd_r "$rt") $IMAGE "$id" echo hi 2>&1)
	rc=$?
	expect ctd_run_rm "$rt" output "$out" hi
	expect ctd_run_rm "$rt" exit "$rc" 0
	ctd_forget "$id"
}

flow_ctd_exit_code() {
	local rt=$1 id=$1-exit out rc
	out=$(ctd run --rm $(ctd_r "$rt") $IMAGE "$id" sh -c 'echo out; echo err >&2; exit 7' 2>"$W/stderr")
	rc=$?
	expect ctd_exit_code "$rt" stdout "$out" out
	expect ctd_exit_code "$rt" stderr "$(cat "$W/stderr")" err
	expect ctd_exit_code "$rt" exit "$rc" 7
	ctd_forget "$id"
}

flow_ctd_tty() {
	local rt=$1 id=$1-tty out rc
	out=$(tty_run ctr -a "$CTD/containerd.sock" -n "$CTD_NS" run --rm -t $(ctd_r "$rt") $IMAGE "$id" \
		sh -c 'tty; [ -t 0 ] && echo stdin-tty; echo hi' 2>&1)
	rc=$?
	# script(1) echoes a ^@ from the client's raw-mode switch; keep the lines.
	out=$(printf '%s' "$out" | tr -d '\r' | sed 's/^\^@//')
	expect_re ctd_tty "$rt" output "$out" '^/dev/pts/[0-9]+\\nstdin-tty\\nhi$' "$(printf '%s' "$out" | sed 's#/dev/pts/[0-9]*#/dev/pts/N#')"
	expect ctd_tty "$rt" exit "$rc" 0
	ctd_forget "$id"
}

flow_ctd_lifecycle() {
	local rt=$1 id=$1-life out rc n
	out=$(ctd run -d $(ctd_r "$rt") $IMAGE "$id" sleep 1000 2>&1)
	expect ctd_lifecycle "$rt" "run -d" "$?:$out" "0:"
	expect ctd_lifecycle "$rt" "status after run -d" "$(ctd_status "$id")" RUNNING

	out=$(ctd task exec --exec-id e1 "$id" sh -c 'echo hi; id; ls /proc/1/fd | tr "\n" " "' 2>&1)
	rc=$?
	# Only 0-2 in the init: the shim's socket at fd 3 must not leak in.
	expect ctd_lifecycle "$rt" "exec output" "$out" $'hi\nuid=0(root) gid=0(root) groups=0(root)\n0 1 2 '
	expect ctd_lifecycle "$rt" "exec exit" "$rc" 0
	ctd task exec --exec-id e2 "$id" sh -c 'exit 5' >/dev/null 2>&1
	expect ctd_lifecycle "$rt" "exec exit code" "$?" 5

	out=$(tty_run ctr -a "$CTD/containerd.sock" -n "$CTD_NS" task exec -t --exec-id e3 "$id" tty 2>&1)
	rc=$?
	# ctr may log a harmless "resize pty" race once the exec has exited.
	out=$(printf '%s' "$out" | tr -d '\r' | sed 's/^\^@//' | grep -v 'resize pty')
	expect_re ctd_lifecycle "$rt" "exec -t" "$rc:$out" '^0:/dev/pts/[0-9]+$' "$rc:$(printf '%s' "$out" | sed 's#[0-9]*$#N#')"

	out=$(ctd task exec -d --fifo-dir "$CTD/fifo" --exec-id e4 "$id" sleep 900 2>&1)
	expect ctd_lifecycle "$rt" "exec -d" "$?:$out" "0:"
	n=$(ctd task ps "$id" 2>/dev/null | tail -n +2 | grep -c .)
	expect ctd_lifecycle "$rt" "ps count" "$n" 2

	ctd task pause "$id" >/dev/null 2>&1
	expect ctd_lifecycle "$rt" "pause" "$?:$(ctd_status "$id")" "0:PAUSED"
	ctd task resume "$id" >/dev/null 2>&1
	expect ctd_lifecycle "$rt" "resume" "$?:$(ctd_status "$id")" "0:RUNNING"

	out=$(ctd task metrics "$id" 2>&1)
	rc=$?
	# The shim reads the cgroup the runtime made: 2 processes, some memory.
	expect ctd_lifecycle "$rt" "metrics exit" "$rc" 0
	expect ctd_lifecycle "$rt" "metrics pids.current" "$(awk '$1 == "pids.current" {print $2}' <<<"$out")" 2
	expect_re ctd_lifecycle "$rt" "metrics memory.usage_in_bytes" \
		"$(awk '$1 == "memory.usage_in_bytes" {print $2}' <<<"$out")" '^[1-9][0-9]*$' "nonzero"

	# SIGTERM: a pid-1 sleep without a handler ignores it.
	ctd task kill "$id" >/dev/null 2>&1
	expect ctd_lifecycle "$rt" "kill TERM exit" "$?" 0
	sleep 0.5
	expect ctd_lifecycle "$rt" "status after TERM" "$(ctd_status "$id")" RUNNING
	ctd task kill --all -s SIGKILL "$id" >/dev/null 2>&1
	expect ctd_lifecycle "$rt" "kill --all KILL exit" "$?" 0
	wait_for 10 sh -c "ctr -a $CTD/containerd.sock -n $CTD_NS task ls | grep -q '^$id .*STOPPED'"
	expect ctd_lifecycle "$rt" "status after KILL" "$(ctd_status "$id")" STOPPED
	out=$(ctd task delete "$id" 2>&1)
	expect ctd_lifecycle "$rt" "task delete" "$?:$(sed 's/^.*level=warning msg="//; s/"$//' <<<"$out")" \
		"0:task $id exit with non-zero exit code 137"
	expect ctd_lifecycle "$rt" "status after delete" "$(ctd_status "$id")" ""
	out=$(ctd container delete "$id" 2>&1)
	expect ctd_lifecycle "$rt" "container delete" "$?:$out" "0:"
	ctd_forget "$id"
}

flow_ctd_delete_force() {
	local rt=$1 id=$1-force out
	ctd run -d $(ctd_r "$rt") $IMAGE "$id" sleep 1000 >/dev/null 2>&1
	expect ctd_delete_force "$rt" "status" "$(ctd_status "$id")" RUNNING
	out=$(ctd task delete --force "$id" 2>&1)
	expect ctd_delete_force "$rt" "task delete --force" "$?:$(sed 's/^.*level=warning msg="//; s/"$//' <<<"$out")" \
		"0:task $id exit with non-zero exit code 137"
	expect ctd_delete_force "$rt" "status after" "$(ctd_status "$id")" ""
	ctd_forget "$id"
}

flow_ctd_oom() {
	local rt=$1 id=$1-oom rc
	# 16 MiB limit, no swap on this host; tail buffers /dev/zero forever.
	ctd run --rm --memory-limit 16777216 $(ctd_r "$rt") $IMAGE "$id" tail /dev/zero >/dev/null 2>&1
	rc=$?
	expect ctd_oom "$rt" exit "$rc" 137
	sleep 0.2
	if grep -q "/tasks/oom {\"container_id\":\"$id\"}" "$CTD/events.log"; then
		expect ctd_oom "$rt" "oom event" yes yes
	else
		expect ctd_oom "$rt" "oom event" no yes
	fi
	ctd_forget "$id"
}

ctd_suite() {
	CUR_SUITE=containerd
	echo "== containerd $(containerd --version | awk '{print $3}') (ctr)"
	if ! command -v containerd >/dev/null || ! command -v ctr >/dev/null; then
		fail "containerd: not installed (Debian package containerd; make deps)"
		return
	fi
	ctd_setup || return
	run_flow ctd_run_rm
	run_flow ctd_exit_code
	run_flow ctd_tty
	run_flow ctd_lifecycle
	run_flow ctd_delete_force
	run_flow ctd_oom
}

# ctd_teardown: delete what is left, stop containerd and the shims by pid.
ctd_teardown() {
	[ -f "$W/pids/containerd" ] || return 0
	local id pid
	for id in $(ctd task ls -q 2>/dev/null) $(ctd container ls -q 2>/dev/null); do
		ctd_forget "$id"
	done
	ctd image rm "$IMAGE" >/dev/null 2>&1
	daemon_stop ctr-events
	daemon_stop containerd
	# Shims outlive containerd when a task is still there: ours carry our
	# socket address on their command line.
	for pid in $(pids_matching "$CTD/containerd.sock"); do
		fail "leak: process $pid left after the daemon stopped: $(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")"
		kill -KILL "$pid" 2>/dev/null
	done
	return 0
}
