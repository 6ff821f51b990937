#!/usr/bin/env bash
# Installs what the interop tests need from Debian: i2pd, without ever letting
# its packaged daemon start (it would try to reach the public I2P network);
# faketime, whose libfaketime the i2pd tests preload; and pebble, a local
# ACME CA for the certificate tests. Idempotent: installs only what is missing.
set -euo pipefail
need=()
command -v i2pd >/dev/null 2>&1 || [ -x /usr/sbin/i2pd ] || need+=(i2pd)
compgen -G '/usr/lib/*/faketime/libfaketime.so.1' >/dev/null || need+=(faketime)
command -v pebble >/dev/null 2>&1 || need+=(pebble) # local ACME CA for the TLS tests
[ "${#need[@]}" -gt 0 ] || exit 0
[ "$(id -u)" = 0 ] || { echo "install-i2pd: must run as root" >&2; exit 1; }

# policy-rc.d exiting 101 makes invoke-rc.d and deb-systemd-invoke (used by
# the package's postinst) refuse to start services. Remove it afterwards
# only if we created it.
policy=/usr/sbin/policy-rc.d
created=""
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 0755 "$policy"
	created=1
fi
cleanup() {
	if [ -n "$created" ]; then rm -f "$policy"; fi
}
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
for p in "${need[@]}"; do
	if ! apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
		apt-get update -qq
		break
	fi
done
apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends "${need[@]}" >/dev/null

# Belt and braces: make sure the packaged service neither runs nor will run.
if command -v systemctl >/dev/null 2>&1; then
	if [ -d /run/systemd/system ]; then
		systemctl disable --now i2pd >/dev/null 2>&1 || true
	else
		systemctl disable i2pd >/dev/null 2>&1 || true # offline: drops the symlink
	fi
fi
if command -v update-rc.d >/dev/null 2>&1; then
	update-rc.d i2pd disable >/dev/null 2>&1 || true
fi
# Kill only a daemon the package may have started: the packaged service
# runs as user i2pd; our own test instances run as another user.
if id i2pd >/dev/null 2>&1; then
	pkill -TERM -u i2pd -x i2pd >/dev/null 2>&1 || true
fi
i2pd --version 2>/dev/null | head -n 1 || true
