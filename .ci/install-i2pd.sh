#!/usr/bin/env bash
# Installs Debian's i2pd for the interop tests without ever letting its
# packaged daemon start: it would try to reach the public I2P network.
# Also installs faketime: the tests run i2pd with libfaketime so that the
# live network's (months old) RouterInfos count as fresh.
set -euo pipefail
if command -v i2pd >/dev/null && ls /usr/lib/*/faketime/libfaketime.so.1 >/dev/null 2>&1; then
	exit 0
fi
[ "$(id -u)" = 0 ] || { echo "install-i2pd: must run as root" >&2; exit 1; }

# policy-rc.d exit 101 tells invoke-rc.d (and so the package scripts) not
# to start services; remove it afterwards only if we created it.
created=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
	created=1
fi
cleanup() { [ -n "$created" ] && rm -f /usr/sbin/policy-rc.d; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
if ! apt-cache policy i2pd faketime 2>/dev/null | grep -q 'Candidate: [0-9]'; then
	apt-get update -qq
fi
apt-get install -y -qq --no-install-recommends i2pd faketime >/dev/null

# Belt and braces: make sure no packaged daemon runs or will run.
if command -v systemctl >/dev/null && systemctl is-system-running >/dev/null 2>&1; then
	systemctl disable --now i2pd >/dev/null 2>&1 || true
fi
pkill -x i2pd >/dev/null 2>&1 || true
i2pd --version 2>/dev/null | head -n 1 || true
