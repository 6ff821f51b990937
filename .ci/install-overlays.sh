#!/usr/bin/env bash
# Installs the overlay networks' daemons the delivery-channel tests run in
# namespaces of their own: yggdrasil (two peered mesh nodes) and tor (a
# private test network: directory authorities, relays, a client and our
# onion service). Neither packaged daemon is ever started: Debian's tor
# would join the real Tor network and yggdrasil the public mesh.
# Idempotent: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")"
command -v yggdrasil >/dev/null 2>&1 || [ -x /usr/sbin/yggdrasil ] || bash apt-install-quiet.sh yggdrasil yggdrasil
if ! { command -v tor >/dev/null 2>&1 || [ -x /usr/sbin/tor ]; }; then
	bash apt-install-quiet.sh tor tor
	# The package's units are tor.service and tor@default.service, run as debian-tor.
	systemctl disable tor@default >/dev/null 2>&1 || true
	pkill -TERM -u debian-tor -x tor >/dev/null 2>&1 || true
fi
