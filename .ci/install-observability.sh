#!/usr/bin/env bash
# Installs what the monitoring tests need from Debian: prometheus (and
# promtool) for the alert-rule and scrape tests, and chromium for the
# status-page test. Prometheus's packaged daemon is never started: the
# tests run their own instance on loopback. Idempotent: installs only what
# is missing.
set -euo pipefail
need=()
{ command -v prometheus && command -v promtool; } >/dev/null 2>&1 || need+=(prometheus)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ "${#need[@]}" -gt 0 ] || exit 0
[ "$(id -u)" = 0 ] || { echo "install-observability: must run as root" >&2; exit 1; }

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
		systemctl disable --now prometheus >/dev/null 2>&1 || true
	else
		systemctl disable prometheus >/dev/null 2>&1 || true # offline: drops the symlink
	fi
fi
if command -v update-rc.d >/dev/null 2>&1; then
	update-rc.d prometheus disable >/dev/null 2>&1 || true
fi
# The packaged service runs as user prometheus; our test instances run as
# whoever runs the tests. Stop only a daemon of that user.
if id prometheus >/dev/null 2>&1; then
	pkill -TERM -u prometheus -x prometheus >/dev/null 2>&1 || true
fi
prometheus --version 2>&1 | head -n 1 || true
chromium --version 2>/dev/null || true
