#!/usr/bin/env bash
# What a bridge costs a real container: `capsa run B ID` of /bin/true with
# --net none, --net host and --net bridge=NAME (veth, address, NAT rule,
# /etc files), side by side in one hyperfine call; then the same with N - 1
# detached containers already on the bridge (N = 50 by default).
#
#   tests/bench/net-run.sh [CAPSA] [N]     default: build/capsa 50
#
# Environment: BENCH_RUNS (default 30).  Prints the hyperfine summaries and a
# table of medians.  Test-private: CAPSA_NETWORK_DIR, --root and rootfs in a
# temp dir, bridge capsabench2, nftables table capsabenchr, a subnet that
# overlaps no host route.  Needs root, hyperfine, runc (for `runc spec`), jq.
# Leaves nothing behind; net.ipv4.ip_forward is restored.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
CAPSA=$(realpath "${1:-$top/build/capsa}")
N=${2:-50}
RUNS=${BENCH_RUNS:-30}
BR=capsabench2
TABLE=capsabenchr
[ -x "$CAPSA" ] || { echo "no capsa binary at $CAPSA"; exit 1; }
for t in hyperfine runc jq ip nft; do command -v $t >/dev/null || { echo "missing $t"; exit 1; }; done
if ip link show $BR >/dev/null 2>&1 || nft list table ip $TABLE >/dev/null 2>&1; then
	echo "$BR or table $TABLE exists already (another run?)"; exit 1
fi

tmp=$(mktemp -d /tmp/capsa-netrun.XXXXXX)
export CAPSA_NETWORK_DIR=$tmp/nets CAPSA_NFT_TABLE=$TABLE
ROOT=$tmp/root
fwd_before=$(cat /proc/sys/net/ipv4/ip_forward)
cleanup() {
	exec 2>/dev/null
	for id in $("$CAPSA" --root "$ROOT" list -q); do "$CAPSA" --root "$ROOT" delete -f "$id"; done
	for l in $(ip -o link show master $BR | awk -F': ' '{print $2}' | cut -d@ -f1); do ip link del "$l"; done
	ip link del $BR
	nft delete table ip $TABLE
	echo "$fwd_before" >/proc/sys/net/ipv4/ip_forward
	rm -rf "$tmp"
}
trap cleanup EXIT

sh "$top/examples/mkrootfs.sh" "$tmp/rootfs" >/dev/null || exit 1
for s in 10.223.0.0/24 10.224.0.0/24 172.29.251.0/24; do
	"$CAPSA" network create bench --subnet $s --bridge $BR >/dev/null 2>&1 && { SUBNET=$s; break; }
done
[ -n "${SUBNET:-}" ] || { echo "no free subnet"; exit 1; }
mkdir -p "$tmp/true" "$tmp/sleep"
(cd "$tmp" && runc spec && jq --arg r "$tmp/rootfs" '.root.path=$r | .process.terminal=false
	| .process.args=["/bin/true"]' config.json >true/config.json &&
	jq '.process.args=["/bin/sleep","100000"]' true/config.json >sleep/config.json) || exit 1

# bench TAG: one hyperfine call, the three modes side by side
bench() {
	hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$tmp/$1.json" \
		-n none "$CAPSA --root $ROOT run --net none $tmp/true b-none" \
		-n host "$CAPSA --root $ROOT run --net host $tmp/true b-host" \
		-n bridge "$CAPSA --root $ROOT run --net bridge=bench $tmp/true b-bridge" || exit 1
}
median() { jq -r --arg n "$2" '.results[] | select(.command == $n) | .median * 1000' "$tmp/$1.json"; }

echo "== 1 container on the bridge (subnet $SUBNET)"
bench one
echo "== $N containers on the bridge ($((N - 1)) detached sleeps + the timed one)"
for i in $(seq $((N - 1))); do
	"$CAPSA" --root "$ROOT" run -d --net bridge=bench "$tmp/sleep" "p$i" </dev/null >/dev/null 2>&1 || { echo "run -d p$i failed"; exit 1; }
done
[ "$(ip -o link show master $BR | wc -l)" -eq $((N - 1)) ] || { echo "expected $((N - 1)) ports on $BR"; exit 1; }
bench many

echo
echo "Host: kernel $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ), $RUNS runs per command."
echo
echo "| capsa run /bin/true, median | --net none | --net host | --net bridge | bridge − none |"
echo "|---|---|---|---|---|"
for tag in one many; do
	label="1 on the bridge"
	[ $tag = many ] && label="$N on the bridge"
	no=$(median $tag none) ho=$(median $tag host) br=$(median $tag bridge)
	printf '| %s | %.2f ms | %.2f ms | %.2f ms | %.2f ms |\n' "$label" "$no" "$ho" "$br" "$(echo "$br - $no" | bc -l)"
done
