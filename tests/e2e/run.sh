#!/usr/bin/env bash
# End-to-end tests: capsa driven by real clients (containerd/ctr, podman,
# docker), every flow run with runc too and the results compared.
#
#   tests/e2e/run.sh CAPSA_PATH        (make e2e)
#
# Environment:
#   E2E_RUNTIMES  runtimes to run each flow with (default "runc capsa");
#                 runc is the reference the others are compared with.
#   E2E_SUITES    which clients (default "containerd podman docker").
#   E2E_TIMEOUT   seconds any single client command may take (default 20);
#                 after a timeout the runtime's other flows with that client FAIL unrun.
#   E2E_VERBOSE=1 print passing checks too.
#   E2E_KEEP=1    keep the scratch directory (logs) after the run.
# Needs root and the Debian packages containerd, podman, conmon, docker.io,
# umoci, skopeo, busybox-static (tests/packages.txt).  Everything it starts
# runs under a scratch dir and is stopped by pid at the end; the leak check
# then fails the run if a process, mount, cgroup or runtime state dir of
# ours is left.  A runtime that cannot do something yet fails that check;
# only a dockerd that cannot run on this machine is skipped (visibly).
set -uo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 CAPSA_PATH" >&2
	exit 2
fi
if [ "$(id -u)" != 0 ]; then
	echo "e2e: needs root" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
CAPSA=$(readlink -f "$1" 2>/dev/null || echo "$1")
RUNTIMES=${E2E_RUNTIMES:-runc capsa}
SUITES=${E2E_SUITES:-containerd podman docker}
IMAGE=localhost/busybox:latest
IMG=${E2E_IMAGE_DIR:-$top/build/e2e-images}
TAG=capsa-e2e-$$
W=$(mktemp -d /tmp/capsa-e2e.XXXXXX)
chmod 0755 "$W"
mkdir -p "$W/res" "$W/pids" "$W/cwd"
# conmon writes an `oom` file into its working directory when a container
# is OOM-killed (the podman limits flow does that): not into the checkout
cd "$W/cwd" || exit 1

. "$here/lib.sh"
. "$here/containerd.sh"
. "$here/podman.sh"
. "$here/docker.sh"
. "$here/leaks.sh"

case " $RUNTIMES " in *" capsa "*)
	[ -x "$CAPSA" ] || echo "e2e: note: $CAPSA is not an executable: every capsa flow will fail" ;;
esac

close_fds
leaks_snapshot
rt_setup

cleanup() {
	trap - EXIT INT TERM
	# Cleanup must not wait on a hung runtime for long.
	E2E_TIMEOUT=5
	CUR_RT=
	ctd_teardown
	pm_teardown
	dk_teardown
	leaks_check
	if [ "${E2E_KEEP:-0}" = 1 ]; then
		echo "e2e: kept $W"
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT
trap 'echo "e2e: interrupted"; exit 130' INT TERM

start=$(date +%s)
echo "e2e: runtimes: $RUNTIMES; capsa: $CAPSA; scratch: $W"
if ! "$top/tests/images/build.sh" "$IMG"; then
	fail "image: tests/images/build.sh $IMG failed"
else
	for s in $SUITES; do
		case $s in
		containerd) ctd_suite ;;
		podman) pm_suite ;;
		docker) dk_suite ;;
		*) fail "unknown suite $s" ;;
		esac
	done
fi

final() {
	cleanup
	echo "e2e: $(($(date +%s) - start)) s"
	if [ ${#E2E_FAILED[@]} -gt 0 ]; then
		echo "e2e: failed checks:"
		printf '  %s\n' "${E2E_FAILED[@]}"
	fi
	[ "$E2E_SKIP" -gt 0 ] && echo "e2e: $E2E_SKIP skipped (see SKIP lines above)"
	echo "$E2E_PASS passed, $E2E_FAIL failed"
	[ "$E2E_FAIL" -eq 0 ]
}
final
