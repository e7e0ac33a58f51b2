#!/bin/sh
# The demo: build the example rootfs and run the hello container.
#
#   examples/demo.sh [EXAMPLE]        (EXAMPLE: hello (default), seccomp, shell)
#
# CAPSA selects the runtime binary (default: build/capsa next to this
# checkout).  capsa takes the spec file: `capsa run examples/hello/config.json`
# (the spec's directory is the bundle).  For comparison, CAPSA=runc or
# CAPSA=crun run the same bundle with their own command line.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
example=${1:-hello}
capsa=${CAPSA:-$repo/build/capsa}
spec=$here/$example/config.json

if [ ! -f "$spec" ]; then
	echo "demo: no example '$example' (have: $(cd "$here" && ls -d */ | grep -v rootfs | tr -d / | tr '\n' ' '))" >&2
	exit 2
fi
if [ "$(id -u)" != 0 ]; then
	echo "demo: run as root (the containers use namespaces and mounts)" >&2
	exit 1
fi

"$here/mkrootfs.sh" "$here/rootfs"

id=demo-$example-$$
case $(basename "$capsa") in
runc | crun) set -- "$capsa" run --bundle "$here/$example" "$id" ;;
*) set -- "$capsa" run "$spec" "$id" ;;
esac
echo "+ $*" >&2
exec "$@"
