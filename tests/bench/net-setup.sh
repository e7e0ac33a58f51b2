#!/usr/bin/env bash
# Network setup time per container: capsa's netns library (through
# tests/net/nettest, one process per container like a runtime) against the CNI
# bridge plugin with host-local IPAM (containernetworking-plugins), both
# attaching N namespaces to one bridge, N = 1 .. 200.  No NAT on either side.
#
#   tests/bench/net-setup.sh [N...]        default: 1 10 50 100 200
#
# Prints, per N and per tool: mean ms per container, and the mean over the
# last 10% of containers (how setup cost grows with the bridge's population),
# then the teardown mean.  Needs root.  Leaves nothing behind.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(1 10 50 100 200)
CNI_DIR=${CNI_DIR:-/usr/lib/cni}
[ -x "$CNI_DIR/bridge" ] || { echo "need $CNI_DIR/bridge (apt install containernetworking-plugins)"; exit 1; }

tmp=$(mktemp -d /tmp/capsa-netbench.XXXXXX)
export CAPSA_NETWORK_DIR=$tmp/networks CAPSA_NFT_TABLE=capsabench
NT=$tmp/nettest
pids=()
cleanup() {
	exec 2>/dev/null
	for p in "${pids[@]}"; do kill -9 "$p"; done
	wait
	for br in capsabench0 capsabench1; do
		for l in $(ip -o link show master $br | awk -F': ' '{print $2}' | cut -d@ -f1); do ip link del "$l"; done
		ip link del $br
	done
	nft delete table ip capsabench
	rm -rf "$tmp"
}
trap cleanup EXIT

(cd "$top" && cc -std=gnu11 -D_GNU_SOURCE -O2 -I. -Iruntime -o "$NT" tests/net/nettest.c netns/*.c \
	runtime/err.c runtime/util-*.c -lmnl -lnftnl -ljansson) || exit 1

pick_subnet() { # a /24 not overlapping host routes: used by both tools
	for c in "$@"; do
		if ! ip -4 route show table all | awk '{print $1}' | grep -q "^${c%.0/24}\."; then echo "$c"; return; fi
	done
	return 1
}
S1=$(pick_subnet 10.219.0.0/24 10.221.0.0/24) || { echo "no free subnet"; exit 1; }
S2=$(pick_subnet 10.220.0.0/24 10.222.0.0/24) || { echo "no free subnet"; exit 1; }
"$NT" net-create bench "$S1" capsabench0 || exit 1
cat >"$tmp/cni.json" <<JSON
{"cniVersion": "1.0.0", "name": "capsabench", "type": "bridge", "bridge": "capsabench1",
 "isGateway": true, "ipMasq": false,
 "ipam": {"type": "host-local", "subnet": "$S2", "dataDir": "$tmp/cni-ipam"}}
JSON

now() { date +%s%N; }
spawn_n() { # spawn_n N: N processes in fresh network namespaces -> ns_pids
	ns_pids=()
	for _ in $(seq "$1"); do unshare -n sleep 3600 & pids+=($!); ns_pids+=($!); done
	for p in "${ns_pids[@]}"; do
		while [ "$(readlink /proc/$p/ns/net)" = "$(readlink /proc/self/ns/net)" ]; do sleep 0.005; done
	done
}
report() { # report TOOL N FILE-of-ns-per-container DOWN_NS_TOTAL
	awk -v tool="$1" -v n="$2" -v down="$4" '
		{ t[NR] = $1; s += $1 }
		END { k = int(n / 10); if (k < 1) k = 1; for (i = NR - k + 1; i <= NR; i++) l += t[i];
		      printf "%-6s N=%-4d setup %7.2f ms/container (last 10%%: %7.2f ms)  teardown %7.2f ms/container\n",
		             tool, n, s / NR / 1e6, l / k / 1e6, down / n / 1e6 }' "$3"
}

for n in "${counts[@]}"; do
	# capsa
	spawn_n "$n"; : >"$tmp/t"
	for i in $(seq "$n"); do
		mkdir -p "$tmp/state/b$i" "$tmp/files/b$i"
		t0=$(now)
		"$NT" attach --network bench "$tmp/state" "b$i" "${ns_pids[$((i - 1))]}" "$tmp/files/b$i" || exit 1
		echo $(($(now) - t0)) >>"$tmp/t"
	done
	t0=$(now)
	for i in $(seq "$n"); do "$NT" detach "$tmp/state" "b$i" || exit 1; done
	report capsa "$n" "$tmp/t" $(($(now) - t0))
	kill -9 "${ns_pids[@]}"; wait "${ns_pids[@]}" 2>/dev/null
	# CNI bridge + host-local
	spawn_n "$n"; : >"$tmp/t"
	for i in $(seq "$n"); do
		t0=$(now)
		CNI_COMMAND=ADD CNI_CONTAINERID="b$i" CNI_NETNS=/proc/${ns_pids[$((i - 1))]}/ns/net CNI_IFNAME=eth0 \
			CNI_PATH=$CNI_DIR "$CNI_DIR/bridge" <"$tmp/cni.json" >/dev/null || exit 1
		echo $(($(now) - t0)) >>"$tmp/t"
	done
	t0=$(now)
	for i in $(seq "$n"); do
		CNI_COMMAND=DEL CNI_CONTAINERID="b$i" CNI_NETNS=/proc/${ns_pids[$((i - 1))]}/ns/net CNI_IFNAME=eth0 \
			CNI_PATH=$CNI_DIR "$CNI_DIR/bridge" <"$tmp/cni.json" >/dev/null || exit 1
	done
	report cni "$n" "$tmp/t" $(($(now) - t0))
	kill -9 "${ns_pids[@]}"; wait "${ns_pids[@]}" 2>/dev/null
done
