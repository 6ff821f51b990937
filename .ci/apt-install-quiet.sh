#!/usr/bin/env bash
# apt-install-quiet.sh SERVICE PACKAGE...: installs PACKAGEs from Debian
# without ever letting SERVICE's packaged daemon start (the tests run their
# own instances). A policy-rc.d exiting 101 makes invoke-rc.d and
# deb-systemd-invoke refuse to start services during the install; it is
# removed afterwards only if this script created it. Then the service is
# disabled, and a daemon running as the service's own user is stopped.
set -euo pipefail
service=$1
shift
[ "$#" -gt 0 ] || exit 0
[ "$(id -u)" = 0 ] || { echo "apt-install-quiet: must run as root (to install $*)" >&2; exit 1; }

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
for p in "$@"; do
	if ! apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
		apt-get update -qq
		break
	fi
done
apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends "$@" >/dev/null

# Belt and braces: make sure the packaged service neither runs nor will run.
if command -v systemctl >/dev/null 2>&1; then
	if [ -d /run/systemd/system ]; then
		systemctl disable --now "$service" >/dev/null 2>&1 || true
	else
		systemctl disable "$service" >/dev/null 2>&1 || true # offline: drops the symlink
	fi
fi
if command -v update-rc.d >/dev/null 2>&1; then
	update-rc.d "$service" disable >/dev/null 2>&1 || true
fi
# The packaged service runs as a user of its own name; our test instances
# run as whoever runs the tests. Stop only a daemon of that user.
if id "$service" >/dev/null 2>&1; then
	pkill -TERM -u "$service" -x "$service" >/dev/null 2>&1 || true
fi
