#!/usr/bin/env bash
# The README's first command (make demo): the whole chain on one machine,
# offline. A private I2P network of real i2pd routers, and Java I2P routers
# when $JAVA_I2P (or ../shared/java-i2p) holds its jars, in a network namespace;
# i2pseed serve with its built-in router harvesting it over NTCP2 and serving
# signed bundles over HTTPS; a fresh i2pd bootstrapping from it; i2pseed check
# and i2pseed bootstrap judging it; no router's log holding a block, ban or
# throttle of ours (it fails otherwise). Prints a table, then tears everything
# down (the logs stay in ./demo).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$PWD/bin/i2pseed
demo=$PWD/demo
routers=${DEMO_ROUTERS:-5}
# Java I2P routers join when its jars are here (java is on every machine).
JAVA_I2P=${JAVA_I2P:-$PWD/../shared/java-i2p}
java=0
if [ -f "$JAVA_I2P/router.jar" ] && command -v java >/dev/null; then
	java=${DEMO_JAVA:-2}
	routers=${DEMO_ROUTERS:-3}
fi
export JAVA_I2P
total=$((routers + java))

if [ "$(id -u)" != 0 ]; then
	echo "make demo runs a private I2P network in a network namespace: run it as root (sudo make demo)"
	exit 1
fi
command -v i2pd >/dev/null && ls /usr/lib/*/faketime/libfaketime.so.1 >/dev/null 2>&1 || bash .ci/install-i2pd.sh
command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl >/dev/null; }
[ -f "$demo/testnet.json" ] && $bin testnet down --dir "$demo" >/dev/null 2>&1 || true
rm -rf "$demo" && mkdir -p "$demo"

rows=()
now() { date +%s.%N; }
row() { rows+=("$(printf '%-44s %-40s %6.1fs' "$1" "$2" "$(awk -v a="$(now)" -v b="$3" 'BEGIN{print a-b}')")"); }
step() { printf '\n== %s\n' "$*"; }

step "1. a reseed bundle from the live I2P network, verified with the built-in certificates"
t=$(now)
$bin su3 verify su3/testdata/live-diva.su3
row "live bundle verified" "77 RouterInfos, reseed@diva.exchange" "$t"

i2pd_version=$(${I2PD:-i2pd} --version 2>/dev/null | awk 'NR == 1 {print $3}')
step "2. i2pseed testnet up: $routers i2pd $i2pd_version and $java Java I2P routers, then i2pseed serve whose built-in router harvests them"
echo "(the built-in router asks no floodfill before its RouterInfo is 2m20s old: Java drops every lookup in its first two minutes)"
t=$(now)
trap '$bin testnet down --dir "$demo" >/dev/null 2>&1 || true' EXIT
# Bundles need all but one router (--min-eligible): when one stops (step 6),
# the next pool is built from the live ones instead of being withdrawn.
# Two i2pd routers also publish an address on a (simulated) Yggdrasil mesh
# and the server serves its yggdrasil channel for them (step 6).
$bin testnet up --routers "$routers" --java "$java" --yggdrasil 2 --min-eligible $((total - 1)) --dir "$demo" | tee "$demo/up.txt"
ns=$(sed -n 's/.*network namespace \(i2pseed-[0-9a-f]*\).*/\1/p' "$demo/up.txt" | awk 'NR == 1')
url=https://198.18.0.2:8443/
metric() { ip netns exec "$ns" curl -sk "${url}metrics" | sed -n "s/^$1 \(.*\)/\1/p"; }
# The first pool may lack the last router harvested or probed: wait (up to
# 4 minutes; pools are rebuilt every minute) for one with every router.
for _ in $(seq 120); do [ "$(metric i2pseed_pool_eligible_routerinfos)" = "$total" ] && break; sleep 2; done
[ "$(metric i2pseed_pool_eligible_routerinfos)" = "$total" ] || { echo "no pool of all $total routers within 4 minutes"; exit 1; }
harvested=$(ip netns exec "$ns" curl -sk "${url}metrics" | sed -n 's/^i2pseed_router_routerinfos_stored \(.*\)/\1/p')
row "test network up, server serving" "$harvested of $total RouterInfos harvested" "$t"

step "3. a fresh i2pd reseeds from our server over HTTPS (verifying our signer)"
t=$(now)
out=$($bin testnet bootstrap --dir "$demo")
echo "$out"
row "fresh i2pd bootstrapped over HTTPS" "$(echo "$out" | grep -o '[0-9]* RouterInfos added')" "$t"
if [ "$java" -gt 0 ]; then
	t=$(now)
	out=$($bin testnet bootstrap --java --dir "$demo")
	echo "$out"
	row "fresh Java I2P bootstrapped over HTTPS" "$(echo "$out" | grep -o '[0-9]* RouterInfos added')" "$t"
fi

floodfills=$(grep -o '"floodfill": *true' "$demo/testnet.json" | wc -l)
step "4. i2pseed check: Java's and i2pd's rules (FAIL) and ours (WARN); 50 RouterInfos lowered to $total, 5 floodfills to $floodfills"
t=$(now)
ip netns exec "$ns" $bin check --netid 7 --min-routers "$total" --min-floodfills "$floodfills" --ca "$demo/server/tls/tls.crt" --certs "$demo/certs/reseed" "$url" | tee "$demo/check.txt"
row "i2pseed check" "$(tail -1 "$demo/check.txt" | sed 's/.*: //')" "$t"

# A Java floodfill of a network this small may publish its RouterInfo
# without f for a while: ask bootstrap for the floodfills the bundle holds.
served_ff=$(grep -o '[0-9]* floodfills (recommended' "$demo/check.txt" | grep -o '^[0-9]*' || true)
served_ff=${served_ff:-1}
[ "$served_ff" -gt 0 ] || served_ff=1
step "5. i2pseed bootstrap: fetch, verify and write a netDb as a router would"
t=$(now)
ip netns exec "$ns" $bin bootstrap --netid 7 --urls "$url" --ca "$demo/server/tls/tls.crt" --certs "$demo/certs/reseed" \
	--min-servers 1 --min-routers "$total" --min-floodfills "$served_ff" --netdb "$demo/client-netDb"
row "i2pseed bootstrap" "$(ls "$demo"/client-netDb/r*/ | grep -c routerInfo) RouterInfos written" "$t"

step "6. the Yggdrasil channel: plain HTTP on the server's mesh address; a mesh client's bundle carries every router it can reach there"
t=$(now)
ygg=http://[201:7e57:0:2::1]:8080/
ip netns exec "$ns" $bin bootstrap --netid 7 --urls "$ygg" --certs "$demo/certs/reseed" \
	--min-servers 1 --min-routers "$total" --min-floodfills "$served_ff" --netdb "$demo/mesh-netDb"
mesh=$(metric i2pseed_pool_mesh_routerinfos)
[ "$mesh" = 2 ] || { echo "the pool counts $mesh routers on the mesh, want 2"; exit 1; }
on_mesh=$(grep -l '201:7e57:' "$demo"/mesh-netDb/r*/routerInfo-*.dat | wc -l || true) # the mesh addresses
[ "$on_mesh" = 2 ] || { echo "the mesh client's bundle carries $on_mesh routers on the mesh, want 2"; exit 1; }
ip netns exec "$ns" curl -sk "${url}metrics" | grep -E '^i2pseed_(requests_total\{channel="yggdrasil"|pool_mesh_routerinfos)'
row "bootstrap over Yggdrasil" "$(ls "$demo"/mesh-netDb/r*/ | grep -c routerInfo) RouterInfos, both mesh routers" "$t"

step "7. liveness: a router stops; the built-in router's probes find it gone, its bundles are held back at once and the next pool is built without it"
t=$(now)
$bin testnet stop --dir "$demo" --routers 1
unreachable() { metric 'i2pseed_routerinfos_rejected{reason="unreachable"}'; }
for _ in $(seq 150); do [ "$(unreachable)" = 1 ] && [ "$(metric i2pseed_pool_eligible_routerinfos)" = $((total - 1)) ] && break; sleep 2; done
[ "$(unreachable)" = 1 ] || { echo "the stopped router was not refused as unreachable within 5 minutes"; exit 1; }
[ "$(metric i2pseed_pool_withdrawn)" = 0 ] || { echo "the pool was withdrawn: $(ip netns exec "$ns" curl -sk "${url}healthz")"; exit 1; }
echo "the pool refuses it: i2pseed_routerinfos_rejected{reason=\"unreachable\"} 1, i2pseed_pool_eligible_routerinfos $((total - 1))"
row "stopped router left the pool" "next pool: the $((total - 1)) live routers" "$t"
$bin testnet start --dir "$demo"

step "8. i2pseed monitor --once: our server and an address where nothing answers, judged as check does, history kept"
t=$(now)
ip netns exec "$ns" $bin monitor --once --netid 7 --min-routers $((total - 1)) --min-floodfills "$floodfills" --ca "$demo/server/tls/tls.crt" \
	--certs "$demo/certs/reseed" --history "$demo/monitor.json" "$url" https://127.0.0.1:1/ | tee "$demo/monitor.txt" || true
grep -q "^$url .*UP" "$demo/monitor.txt" && grep -q "DOWN" "$demo/monitor.txt" || { echo "monitor: want our server UP and the dead address DOWN"; exit 1; }
row "i2pseed monitor --once" "ours UP, the dead address DOWN" "$t"

step "9. what the server and its router report (/metrics)"
ip netns exec "$ns" curl -sk "${url}metrics" | grep -E '^i2pseed_(router_(handshakes|routerinfos_stored|publish|lookups|probes|routers_live)|bundles_served|pool_(bundles|withdrawn))'

step "10. i2pseed testnet audit: no router's log blocks, bans or throttles ours (Java's banlist, blocked IPs, throttled lookups; i2pd's bans)"
t=$(now)
$bin testnet audit --dir "$demo"
row "peers' logs audited" "0 blocks, bans or throttles of ours" "$t"

step "11. i2pseed testnet down"
t=$(now)
trap - EXIT
$bin testnet down --dir "$demo"
row "test network down" "namespace $ns deleted" "$t"

printf '\n%-44s %-40s %7s\n' "STEP" "RESULT" "TIME"
printf '%s\n' "${rows[@]}"
echo
echo "logs: $demo/server/server.log, $demo/routers/*/i2pd.log (Java: logs/log-0.txt), $demo/client-*/"
