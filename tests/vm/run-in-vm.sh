#!/usr/bin/env bash
# run-in-vm.sh [--timeout SECS] [--console] [--timing] [--cwd DIR] -- CMD [ARG...]
#
# Boot Debian's kernel under qemu (software emulation) with a pure cgroup v2 hierarchy, run
# CMD inside with the host's /usr and /etc and this checkout (same path) and exit with CMD's
# exit status.  CMD's stdout and stderr arrive on ours, live.  Exit 124 when the VM did not
# finish within the timeout (default 600 s; qemu is killed), 125 when it did not get as far as
# running CMD (the guest console is printed then).
#   --console  run CMD on the serial console with our terminal as its stdin (e.g. `-- bash`);
#              Ctrl-A x quits qemu
#   --timing   print the guest's boot time and the total time on stderr
#   --cwd DIR  working directory in the guest (default: $PWD if inside the checkout, else the
#              checkout root)
# VM_CPU, VM_MEM, VM_SMP override qemu's -cpu max, -m 2G, -smp 2.
# VM_DEBUG=1 shows the guest console (kernel and init messages) on stderr.
# Everything temporary lives in tests/vm/cache/run.* and is removed on exit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${VM_CACHE:-$here/cache}

usage() {
	sed -n '2,3p' "$0" >&2
	exit 2
}
timeout=600 mode=batch timing=0 cwd=
while [ $# -gt 0 ]; do
	case $1 in
	--timeout) timeout=${2:?}; shift 2 ;;
	--console) mode=console; shift ;;
	--timing) timing=1; shift ;;
	--cwd) cwd=${2:?}; shift 2 ;;
	--) shift; break ;;
	*) usage ;;
	esac
done
[ $# -gt 0 ] || usage
case $timeout in '' | *[!0-9]*) usage ;; esac
if [ -z "$cwd" ]; then
	case $PWD/ in "$repo"/*) cwd=$PWD ;; *) cwd=$repo ;; esac
fi

"$here/mkinitramfs.sh"
read -r _ _ kver <"$cache/kernel.stamp"

run=$(mktemp -d "$cache/run.XXXXXX")
qpid='' relays=()
cleanup() {
	set +e
	trap - EXIT INT TERM HUP
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null && wait "$qpid" 2>/dev/null
	for p in "${relays[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$run"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM HUP

{
	printf 'VM_MODE=%q\n' "$mode"
	printf 'VM_REPO=%q\n' "$repo"
	printf 'VM_CWD=%q\n' "$cwd"
	[ "$mode" = console ] && printf 'VM_TERM=%q\n' "${TERM:-vt100}"
} >"$run/config"
{
	echo '#!/bin/bash'
	printf 'exec'
	printf ' %q' "$@"
	echo
} >"$run/cmd"
chmod +x "$run/cmd"

# quiet/loglevel keep the console short; mitigations=off because an emulated CPU gains nothing
# from them and they cost emulated cycles.
append="console=ttyS0 quiet loglevel=4 panic=-1 cgroup_no_v1=all mitigations=off"
append+=" rdinit=/init tsc=reliable no_timer_check random.trust_cpu=on"
[ "${VM_DEBUG:-0}" = 1 ] && append="${append/quiet loglevel=4/loglevel=7} capsa_vm_debug"

qemu=(qemu-system-x86_64 -machine q35 -accel tcg -cpu "${VM_CPU:-max}" -m "${VM_MEM:-2G}" -smp "${VM_SMP:-2}"
	-nodefaults -no-user-config -display none -no-reboot -nic none ${VM_BIOS:+-bios "$VM_BIOS"}
	-kernel "$cache/vmlinux" -initrd "$cache/initramfs.cpio" -append "$append")
share() { # tag path [readonly]
	local ro=
	[ "${3:-}" = ro ] && ro=,readonly=on
	qemu+=(-virtfs "local,path=$2,mount_tag=$1,security_model=none,multidevs=remap$ro")
}
share run "$run"
share usr /usr ro
share etc /etc ro
share repo "$repo" ro
share mods "$cache/kernel/lib/modules/$kver" ro

if [ "$mode" = console ]; then
	qemu+=(-serial mon:stdio)
else
	# ttyS0: console (kernel, init), ttyS1: CMD's stdout, ttyS2: CMD's stderr.
	mkfifo "$run/con" "$run/out" "$run/err"
	if [ "${VM_DEBUG:-0}" = 1 ]; then
		tee "$run/console.log" <"$run/con" >&2 &
	else
		cat <"$run/con" >"$run/console.log" &
	fi
	relays+=($!)
	cat <"$run/out" &
	relays+=($!)
	cat <"$run/err" >&2 &
	relays+=($!)
	qemu+=(-chardev "file,id=con,path=$run/con" -serial chardev:con
		-chardev "file,id=out,path=$run/out" -serial chardev:out
		-chardev "file,id=err,path=$run/err" -serial chardev:err)
fi

start=$(date +%s.%N)
rc=0
if [ "$mode" = console ]; then
	timeout --foreground "$timeout" setpriv --pdeathsig KILL -- "${qemu[@]}" 2>"$run/qemu.log" || rc=$?
else
	# In the background so that a signal to us is handled at once (the trap kills qemu).
	timeout -k 5 "$timeout" setpriv --pdeathsig KILL -- "${qemu[@]}" </dev/null 2>"$run/qemu.log" &
	qpid=$!
	wait "$qpid" || rc=$?
	qpid=
	wait "${relays[@]}" 2>/dev/null || true
	relays=()
fi
end=$(date +%s.%N)

if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	echo "run-in-vm: timed out after $timeout s; qemu killed" >&2
	[ -f "$run/console.log" ] && tail -n 20 "$run/console.log" | sed 's/^/run-in-vm: console: /' >&2
	exit 124
fi
if [ ! -s "$run/status" ]; then
	echo "run-in-vm: the guest did not run the command (qemu exit $rc)" >&2
	cat "$run/qemu.log" >&2
	[ -f "$run/console.log" ] && sed 's/^/run-in-vm: console: /' "$run/console.log" >&2
	exit 125
fi
if [ "$timing" = 1 ]; then
	boot=$(sed -n 's/^capsa-vm: boot done in \([0-9.]*\) s.*/\1/p' "$run/console.log" 2>/dev/null | tr -d '\r')
	awk -v b="${boot:-?}" -v s="$start" -v e="$end" \
		'BEGIN { printf "run-in-vm: guest ready after %s s (guest uptime), qemu ran %.1f s\n", b, e - s }' >&2
fi
exit "$(cat "$run/status")"
