#!/usr/bin/env bash
# Installs what the interop tests need from Debian: i2pd, without ever letting
# its packaged daemon start (it would try to reach the public I2P network);
# faketime, whose libfaketime the i2pd tests preload; and pebble, a local
# ACME CA for the certificate tests. Idempotent: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")"
need=()
command -v i2pd >/dev/null 2>&1 || [ -x /usr/sbin/i2pd ] || need+=(i2pd)
compgen -G '/usr/lib/*/faketime/libfaketime.so.1' >/dev/null || need+=(faketime)
command -v pebble >/dev/null 2>&1 || need+=(pebble) # local ACME CA for the TLS tests
[ "${#need[@]}" -gt 0 ] || exit 0
bash apt-install-quiet.sh i2pd "${need[@]}"
i2pd --version 2>/dev/null | head -n 1 || true
