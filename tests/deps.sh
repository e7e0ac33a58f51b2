#!/usr/bin/env bash
# Install the Debian packages listed in tests/packages.txt that are missing.
# Needs root; a no-op when everything is there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mapfile -t want < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$here/packages.txt" | grep -v '^$')
missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages (run as root to install): ${missing[*]}" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Refresh the lists once if they are empty or a package is unknown.
apt-get install -y -q --no-install-recommends "${missing[@]}" || {
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
}
