#!/usr/bin/env bash
# The README's first command (make demo): offline, on one machine, a real
# reseed server serving signed bundles over HTTPS, fetched the way routers
# fetch them, then verified. Everything lives in ./demo and stops at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=bin/i2pseed
demo=demo
port=${DEMO_PORT:-18443}
url="https://127.0.0.1:$port"

if ! command -v curl >/dev/null; then
	if [ "$(id -u)" = 0 ]; then apt-get install -y -qq curl >/dev/null; else echo "demo needs curl (apt-get install -y curl)"; exit 1; fi
fi
rm -rf "$demo" && mkdir -p "$demo"
step() { printf '\n== %s\n' "$*"; }

step "1. a reseed bundle from the live I2P network, verified with the built-in certificates"
$bin su3 verify su3/testdata/live-diva.su3

step "2. a netDb of 1,000 synthetic, validly signed RouterInfos (the router of a later release will harvest real ones)"
$bin netdb synth --count 1000 --spread 20h --out "$demo/netDb"
$bin netdb stats "$demo/netDb" | sed -n '1,6p'

step "3. i2pseed serve: makes its signer key and TLS certificate in $demo/data, builds the bundle pool"
$bin serve --netdb "$demo/netDb" --signer demo@mail.i2p --data-dir "$demo/data" \
	--listen "127.0.0.1:$port" --host 127.0.0.1 2>"$demo/server.log" &
srv=$!
trap 'kill $srv 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
	curl -skf "$url/healthz" >/dev/null 2>&1 && break
	sleep 0.3
done
curl -sk "$url/healthz"

step "4. fetch /i2pseeds.su3 as Java I2P does, twice: the same client gets the same bundle"
curl -sk -A Wget/1.11.4 -o "$demo/a.su3" -w 'HTTP %{http_code}, %{size_download} bytes\n' "$url/i2pseeds.su3?netid=2"
curl -sk -A Wget/1.11.4 -o "$demo/b.su3" -w 'HTTP %{http_code}, %{size_download} bytes\n' "$url/i2pseeds.su3?netid=2"
cmp "$demo/a.su3" "$demo/b.su3" && echo "identical bundles"

step "5. verify it with the server's signer certificate"
$bin su3 verify --certs "$demo/data/keys" "$demo/a.su3"
$bin su3 info --certs "$demo/data/keys" "$demo/a.su3" | sed -n '2,7p'

step "6. i2pseed check: the I2P project's tester rules and ours"
$bin check --ca "$demo/data/tls/tls.crt" --certs "$demo/data/keys" "$url/"

step "7. what others get: a browser (403), another network (403)"
curl -sk -A Mozilla/5.0 -w ' (HTTP %{http_code})\n' "$url/i2pseeds.su3"
curl -sk -A Wget/1.11.4 -w ' (HTTP %{http_code})\n' "$url/i2pseeds.su3?netid=3"

step "8. metrics"
curl -sk "$url/metrics" | grep -E '^i2pseed_(requests_total|bundles_served|pool_bundles|pool_eligible)'

kill -TERM $srv
wait $srv 2>/dev/null || true
step "done: server log in $demo/server.log; signer certificate $demo/data/keys/demo_at_mail.i2p.crt"
