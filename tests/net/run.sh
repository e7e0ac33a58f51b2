#!/usr/bin/env bash
# Bridge networking tests: the netns library driven through tests/net/nettest,
# then `capsa network` and real containers (run.bats, counted here too) when
# the binary builds.  Needs root, iproute2, nftables (nft), busybox-static,
# util-linux (unshare, nsenter), bats, runc (for `runc spec`), jq.
#
# Everything is test-private: networks in a temp CAPSA_NETWORK_DIR, bridge
# capsatest0, nftables table "capsatest", state root in a temp dir, traffic
# only to namespaces made here and to 127.0.0.1.  All of it is removed at exit.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BR=capsatest0
NET=nettest
tmp=$(mktemp -d /tmp/capsa-nettest.XXXXXX)
export CAPSA_NETWORK_DIR=$tmp/networks CAPSA_NFT_TABLE=capsatest
STATE=$tmp/state
NT=$tmp/nettest
mkdir -p "$STATE" "$tmp/files"
pids=()
passed=0
failed=0
fwd_before=$(cat /proc/sys/net/ipv4/ip_forward)
table_before=0
bats_ran=0
nft list table ip capsatest >/dev/null 2>&1 && table_before=1

cleanup() {
	exec 2>/dev/null # no "Killed" job notices
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	for l in $(ip -o link show master $BR 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
		ip link del "$l" 2>/dev/null
	done
	ip link del $BR 2>/dev/null
	[ "$table_before" = 1 ] || nft delete table ip capsatest 2>/dev/null
	# run.bats cleans up after itself (bridge capsatest1, table capsatest1);
	# this is the net under it should bats itself be killed
	if [ "$bats_ran" = 1 ]; then
		for l in $(ip -o link show master capsatest1 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
			ip link del "$l" 2>/dev/null
		done
		ip link del capsatest1 2>/dev/null
		nft delete table ip capsatest1 2>/dev/null
	fi
	echo "$fwd_before" >/proc/sys/net/ipv4/ip_forward
	rm -rf "$tmp"
}
trap cleanup EXIT

ok() { passed=$((passed + 1)); echo "ok - $*"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $*"; }
# check DESC CMD...: CMD must succeed
check() { local d=$1; shift; if "$@" >"$tmp/out" 2>&1; then ok "$d"; else not_ok "$d"; sed 's/^/#   /' "$tmp/out"; fi; }
# check_fail DESC PATTERN CMD...: CMD must fail and print PATTERN
check_fail() {
	local d=$1 pat=$2; shift 2
	if "$@" >"$tmp/out" 2>&1; then not_ok "$d (succeeded)"; sed 's/^/#   /' "$tmp/out"
	elif grep -q -- "$pat" "$tmp/out"; then ok "$d"
	else not_ok "$d (wrong message)"; sed 's/^/#   /' "$tmp/out"; fi
}

# --- build -----------------------------------------------------------------
CFLAGS="-std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-format-nonliteral -Wno-format-truncation -O2 -g"
if ! (cd "$top" && cc $CFLAGS -I. -Iruntime $(pkg-config --cflags libmnl libnftnl jansson) -o "$NT" \
	tests/net/nettest.c netns/*.c runtime/err.c runtime/util-*.c \
	$(pkg-config --libs libmnl libnftnl jansson)); then
	echo "build of nettest failed"; echo "0 passed, 1 failed"; exit 1
fi
for t in ip nft nsenter unshare busybox; do
	command -v $t >/dev/null || { echo "missing $t"; echo "0 passed, 1 failed"; exit 1; }
done

# --- helpers -----------------------------------------------------------------
# spawn ID: a "container": a process in a new network namespace; prints its pid
spawn() {
	unshare -n sleep 600 &
	local p=$!
	pids+=("$p")
	mkdir -p "$STATE/$1" "$tmp/files/$1"
	# wait until the unshare has happened
	for _ in $(seq 100); do
		[ "$(readlink /proc/$p/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break
		sleep 0.01
	done
	SPAWNED=$p
}
attach() { local id=$1 pid=$2; shift 2; "$NT" attach "$@" --network $NET "$STATE" "$id" "$pid" "$tmp/files/$id"; }
addr_of() { awk -v id="$1" '$2 == id {print $1}' "$STATE/networks/$NET.alloc"; }
in_ns() { local p=$1; shift; nsenter -t "$p" -n "$@"; }
veth() { "$NT" veth "$1"; }
# serve PID PORT TEXT: a TCP server answering TEXT inside the namespace of PID
serve() { nsenter -t "$1" -n busybox nc -ll -p "$2" -e echo "$3" & pids+=($!); }
# fetch [nsenter-args] ADDR PORT: retries while the server starts
fetch() {
	local out
	for _ in $(seq 50); do
		out=$("$@" </dev/null 2>/dev/null) && [ -n "$out" ] && { echo "$out"; return 0; }
		sleep 0.1
	done
	return 1
}
expect_eq() { [ "$1" = "$2" ] || { echo "expected '$2', got '$1'"; return 1; }; }

# --- a subnet free on this host ------------------------------------------------
SUBNET=
for cand in 10.213.0.0/24 10.214.7.0/24 172.29.240.0/24; do
	if "$NT" net-create $NET $cand $BR 2>"$tmp/err"; then SUBNET=$cand; break; fi
done
if [ -z "$SUBNET" ]; then echo "no free test subnet: $(cat "$tmp/err")"; echo "0 passed, 1 failed"; exit 1; fi
PFX=${SUBNET%.0/24}
GW=$PFX.1
ok "network $NET created on $SUBNET"

# --- bad input: nothing is created -------------------------------------------------
check_fail "subnet overlapping the host's eth0 route is refused, naming the route" "route 192.0.2.0/24 dev eth0" \
	"$NT" net-create bad1 192.0.2.128/25 capsatestb1
check_fail "subnet overlapping another network is refused" "overlaps network '$NET'" \
	"$NT" net-create bad2 $PFX.128/25 capsatestb2
check_fail "bridge name too long is refused" "too long" "$NT" net-create bad3 10.215.0.0/24 capsatestbridge0123
check_fail "subnet with host bits set is refused" "host bits" "$NT" net-create bad4 10.215.0.1/24 capsatestb4
check "refused networks left no definition" test ! -e "$CAPSA_NETWORK_DIR/bad1.json" -a ! -e "$CAPSA_NETWORK_DIR/bad3.json"
check_fail "publish parser rejects port 0" "host port" "$NT" parse-publish 0:80
check_fail "publish parser rejects sctp" "tcp or udp" "$NT" parse-publish 80:80/sctp
check "publish parser reads 8080:80/udp" expect_eq "$("$NT" parse-publish 8080:80/udp)" "8080 80 udp"

spawn bad; badpid=$SPAWNED
check_fail "unknown network" "unknown network 'nope'" "$NT" attach --network nope "$STATE" bad $badpid "$tmp/files/bad"
check_fail "address outside the subnet" "outside network" attach bad $badpid --address 10.216.0.9
check "failed attaches created no veth" bash -c "! ip link show $(veth bad) 2>/dev/null"
check "bridge was not created by failed attaches" bash -c "! ip link show $BR 2>/dev/null"

# --- two containers ----------------------------------------------------------
printf 'search example.test\nnameserver 127.0.0.53\nnameserver 10.9.9.9\n' >"$tmp/resolv.conf"
spawn c1; p1=$SPAWNED
spawn c2; p2=$SPAWNED
check "attach c1" attach c1 $p1 --hostname web1 --resolv "$tmp/resolv.conf"
check "attach c2" attach c2 $p2
a1=$(addr_of c1); a2=$(addr_of c2)
check "bridge $BR exists, up, with gateway $GW/24" bash -c "ip -o -4 addr show $BR | grep -q ' $GW/24' && ip -o link show $BR | grep -q 'UP'"
check "c1 eth0 has $a1/24 and is up" bash -c "nsenter -t $p1 -n ip -o -4 addr show eth0 | grep -q ' $a1/24' && nsenter -t $p1 -n ip -o link show eth0 | grep -q ',UP'"
check "c1 default route via $GW" bash -c "nsenter -t $p1 -n ip route show default | grep -q 'default via $GW dev eth0'"
check "c1 lo is up" bash -c "nsenter -t $p1 -n ip -o link show lo | grep -q ',UP'"
check "c1 host veth $(veth c1) is on $BR and up" bash -c "ip -o link show $(veth c1) | grep -q 'master $BR' && ip -o link show $(veth c1) | grep -q ',UP'"
mtu_of() { "$@" | sed -n 's/.* mtu \([0-9]*\) .*/\1/p'; }
check "c1 eth0 MTU equals the bridge's" expect_eq "$(mtu_of in_ns $p1 ip -o link show eth0)" "$(mtu_of ip -o link show $BR)"
check "distinct addresses" test "$a1" != "$a2" -a -n "$a1" -a -n "$a2"
check "hosts has the hostname" grep -qP "^$a1\tweb1\$" "$tmp/files/c1/hosts"
check "hostname file" expect_eq "$(cat "$tmp/files/c1/hostname")" web1
check "resolv.conf drops 127.x nameservers, keeps the rest" \
	bash -c "! grep -q 127.0.0.53 $tmp/files/c1/resolv.conf && grep -q 'nameserver 10.9.9.9' $tmp/files/c1/resolv.conf && grep -q 'search example.test' $tmp/files/c1/resolv.conf"
check "default hostname is the id" expect_eq "$(cat "$tmp/files/c2/hostname")" c2
check "c1 pings c2" in_ns $p1 busybox ping -c1 -W2 "$a2"
serve $p2 7000 pong-c2
check "c1 reaches c2 by TCP" expect_eq "$(fetch in_ns $p1 busybox nc -w2 "$a2" 7000)" pong-c2
check "the host reaches c2's port over the bridge" expect_eq "$(fetch busybox nc -w2 "$a2" 7000)" pong-c2
check_fail "attaching c1 twice is refused" "already attached" attach c1 $p1
spawn dup; pdup=$SPAWNED
check_fail "duplicate address is refused" "already used by container c1" attach dup $pdup --address "$a1"
check_fail "the gateway address is refused" "gateway" attach dup $pdup --address "$GW"
check "refused attach left no veth and no entry" bash -c "! ip link show $(veth dup) 2>/dev/null && ! grep -q ' dup ' $STATE/networks/$NET.alloc"
check_fail "network rm refused while in use" "in use by" "$NT" net-rm "$STATE" $NET

# --- published port, NAT ---------------------------------------------------------
spawn c3; p3=$SPAWNED
check "attach c3 with --publish 18080:80 --nat" attach c3 $p3 --publish 18080:80 --nat
a3=$(addr_of c3)
serve $p3 80 pong-c3
check "published port reachable on 127.0.0.1:18080" expect_eq "$(fetch busybox nc -w2 127.0.0.1 18080)" pong-c3
check "rules tagged with c3 exist in table capsatest" bash -c "nft list table ip capsatest | grep -q 'comment \"c3\"'"
check "ip_forward on with nat" expect_eq "$(cat /proc/sys/net/ipv4/ip_forward)" 1
check_fail "a host port already published is refused" "already published by container c3" attach dup $pdup --publish 18080:81
check "refused publish left no veth, no rules" bash -c "! ip link show $(veth dup) 2>/dev/null && ! nft list table ip capsatest | grep -q 'comment \"dup\"'"
check "detach c3" "$NT" detach "$STATE" c3
check "detach c3 again (idempotent)" "$NT" detach "$STATE" c3
check "c3's rules are gone" expect_eq "$("$NT" nft-count)" 0
check "c3's veth is gone" bash -c "! ip link show $(veth c3) 2>/dev/null"
check "published port closed after detach" bash -c "! busybox nc -w1 127.0.0.1 18080 </dev/null | grep -q pong"

# --- fixed address ------------------------------------------------------------------
spawn c4; p4=$SPAWNED
check "attach c4 with --address $PFX.200" attach c4 $p4 --address $PFX.200
check "c4 has $PFX.200" bash -c "nsenter -t $p4 -n ip -o -4 addr show eth0 | grep -q ' $PFX.200/24'"

# --- failure mid-way is undone ------------------------------------------------------
spawn c5; p5=$SPAWNED
check_fail "attach with an unwritable files dir fails" "hosts" "$NT" attach --network $NET --publish 18181:80 --nat "$STATE" c5 $p5 "$tmp/no/such/dir"
check "...and undid the veth, the rules and the address" bash -c "! ip link show $(veth c5) 2>/dev/null && ! nft list table ip capsatest | grep -q 'comment \"c5\"' && ! grep -q ' c5 ' $STATE/networks/$NET.alloc"

# --- SIGKILL mid-way, then detach -----------------------------------------------------
spawn k1; pk=$SPAWNED
mkfifo "$tmp/fifo"   # net_attach blocks reading it: the last step, after veth and rules
"$NT" attach --network $NET --nat --publish 18282:80 --resolv "$tmp/fifo" "$STATE" k1 $pk "$tmp/files/k1" &
katt=$!
for _ in $(seq 200); do nft list table ip capsatest 2>/dev/null | grep -q 'comment "k1"' && break; sleep 0.02; done
check "killed attacher had created veth and rules" bash -c "ip link show $(veth k1) >/dev/null && nft list table ip capsatest | grep -q 'comment \"k1\"'"
kill -9 $katt; wait $katt 2>/dev/null
check "detach after SIGKILL" "$NT" detach "$STATE" k1
check "...removed veth, rules and address" bash -c "! ip link show $(veth k1) 2>/dev/null && ! nft list table ip capsatest | grep -q 'comment \"k1\"' && ! grep -q ' k1 ' $STATE/networks/$NET.alloc"

# --- stale entries are reclaimed ---------------------------------------------------------
spawn s1; ps1=$SPAWNED
attach s1 $ps1 >/dev/null 2>&1
rm -rf "$STATE/s1"
spawn s2; ps2=$SPAWNED
check "attach after a container vanished" attach s2 $ps2
check "the vanished container's entry and veth were reclaimed" bash -c "! grep -q ' s1 ' $STATE/networks/$NET.alloc && ! ip link show $(veth s1) 2>/dev/null"

# --- 50 concurrent attaches ---------------------------------------------------------------
for id in c1 c2 c4 s2; do "$NT" detach "$STATE" $id; done
declare -a cp
for i in $(seq 50); do spawn m$i; cp[$i]=$SPAWNED; done
for i in $(seq 50); do attach m$i ${cp[$i]} --publish $((20000 + i)):80 --nat >"$tmp/m$i.log" 2>&1 & done
wait_fail=0
for j in $(jobs -p); do
	case " ${pids[*]} " in *" $j "*) continue ;; esac
	wait "$j" || wait_fail=1
done
check "50 concurrent attaches succeed" test $wait_fail = 0 -a "$(cat "$tmp"/m*.log | wc -c)" = 0
check "50 distinct addresses in the allocator" expect_eq "$(awk '{print $1}' "$STATE/networks/$NET.alloc" | sort -u | wc -l)" 50
got=$(for i in $(seq 50); do nsenter -t ${cp[$i]} -n ip -o -4 addr show eth0 | awk '{print $4}'; done | sort -u | wc -l)
check "50 distinct addresses on the eth0s" expect_eq "$got" 50
check "50 ports on the bridge" expect_eq "$(ip -o link show master $BR | wc -l)" 50
check "200 rules (masquerade, 2 DNAT, loopback masquerade, x 50)" expect_eq "$("$NT" nft-count)" 200
for i in $(seq 50); do "$NT" detach "$STATE" m$i & done; wait_fail=0
for j in $(jobs -p); do
	case " ${pids[*]} " in *" $j "*) continue ;; esac
	wait "$j" || wait_fail=1
done
check "50 concurrent detaches succeed" test $wait_fail = 0
check "after detach the bridge has no ports" expect_eq "$(ip -o link show master $BR | wc -l)" 0
check "the allocator file is empty" test ! -s "$STATE/networks/$NET.alloc"
check "the nft table has no rules" expect_eq "$("$NT" nft-count)" 0

# --- network rm -----------------------------------------------------------------------------
check "network rm once unused" "$NT" net-rm "$STATE" $NET
check "...deleted the bridge and the definition" bash -c "! ip link show $BR 2>/dev/null && ! test -e $CAPSA_NETWORK_DIR/$NET.json"
check_fail "attach to the removed network" "unknown network" attach dup $pdup

# --- the CLI: capsa network ls|create|rm ------------------------------------------------------
BUILD=${BUILD:-build-net}
CAPSA=${CAPSA:-$top/$BUILD/capsa}
if [ -z "${CAPSA_SKIP_BUILD:-}" ]; then (cd "$top" && make -s BUILD="$BUILD" "$BUILD/capsa" >"$tmp/make.log" 2>&1); fi
if [ ! -x "$CAPSA" ]; then
	echo "# SKIP capsa network CLI tests: $CAPSA did not build (see make BUILD=$BUILD)"
else
	cli=$PFX.0/24   # free again: network $NET is gone
	check_fail "capsa network create: bridge name too long" "too long" "$CAPSA" network create cli --subnet $cli --bridge capsatestbridge0123
	check_fail "capsa network create: overlap with the host names the route" "overlaps host route 192.0.2.0/24 dev eth0" \
		"$CAPSA" network create cli --subnet 192.0.2.0/24 --bridge capsatest0
	check "capsa network create cli" "$CAPSA" network create cli --subnet $cli --bridge $BR
	check "capsa network ls shows it" bash -c "'$CAPSA' --root '$STATE' network ls | grep -E '^cli +$BR +$cli +$GW +0\$'"
	check_fail "capsa network create cli twice" "already exists" "$CAPSA" network create cli --subnet 10.217.0.0/24
	spawn cl1; pcl=$SPAWNED
	check "attach to cli" "$NT" attach --network cli "$STATE" cl1 $pcl "$tmp/files/cl1"
	check "capsa network ls counts the container" bash -c "'$CAPSA' --root '$STATE' network ls | grep -E '^cli .* 1\$'"
	check_fail "capsa network rm refused while in use" "in use by 1 container" "$CAPSA" --root "$STATE" network rm cli
	check "detach cl1" "$NT" detach "$STATE" cl1
	check "capsa network rm cli" "$CAPSA" --root "$STATE" network rm cli
	check "...deleted bridge and definition" bash -c "! ip link show $BR 2>/dev/null && ! test -e $CAPSA_NETWORK_DIR/cli.json"
	check_fail "capsa network rm of an unknown network" "unknown network" "$CAPSA" --root "$STATE" network rm cli

	# --- real containers: capsa run/create --net bridge (run.bats, TAP) ---------------------
	if ! command -v bats >/dev/null; then
		not_ok "run.bats: bats is not installed"
	else
		bats_ran=1
		CAPSA=$CAPSA bats --tap "$here/run.bats" >"$tmp/bats.tap" 2>&1
		while IFS= read -r line; do
			case $line in
			"ok "*) ok "run.bats: ${line#ok [0-9]* }" ;;
			"not ok "*) not_ok "run.bats: ${line#not ok [0-9]* }" ;;
			1..*) ;;
			*) echo "#   $line" ;;
			esac
		done <"$tmp/bats.tap"
		grep -q '^1\.\.[1-9]' "$tmp/bats.tap" || not_ok "run.bats ran no test"
	fi
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
