#!/usr/bin/env bash
# Load test of `i2pseed serve` on loopback: a synthetic 20,000-router netDb,
# pool build time, bundles/s with a new TLS connection per request at
# concurrency 16 and 64, and the server's peak RSS. Figures go to
# docs/performance.md. Usage: bench/serve-load.sh [seconds per run]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
work=$(mktemp -d)
trap 'kill "$srv" 2>/dev/null || true; pkill -f "^$work/i2pseed serve" || true; rm -rf "$work"' EXIT
go build -o "$work/i2pseed" ./cmd/i2pseed
go build -o "$work/load" ./bench/load
"$work/i2pseed" netdb synth --count 20000 --spread 20h --out "$work/netDb" >/dev/null
/usr/bin/time -f "server: %M KB max RSS, %e s wall" "$work/i2pseed" serve --netdb "$work/netDb" --signer bench@mail.i2p \
	--data-dir "$work/data" --listen 127.0.0.1:18443 --host 127.0.0.1 \
	--rate-per-client 0 --rate-global 0 --max-conns 4096 2>"$work/server.log" &
srv=$!
for _ in $(seq 1 240); do
	grep -q 'pool built' "$work/server.log" && break
	sleep 0.5
done
grep -o 'pool built.*' "$work/server.log" || { cat "$work/server.log"; exit 1; }
for c in 16 64; do
	"$work/load" -url https://127.0.0.1:18443/i2pseeds.su3 -c "$c" -d "${secs}s"
done
# /usr/bin/time does not forward signals: stop the server itself, then
# let time report.
pkill -TERM -f "^$work/i2pseed serve"
wait "$srv" || true
grep 'max RSS' "$work/server.log"
