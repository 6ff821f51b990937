#!/usr/bin/env bash
# Installs what the monitoring tests need from Debian: prometheus (and
# promtool) for the alert-rule and scrape tests, and chromium for the
# status-page test. Prometheus's packaged daemon is never started: the
# tests run their own instance on loopback. Idempotent: installs only what
# is missing.
set -euo pipefail
cd "$(dirname "$0")"
need=()
{ command -v prometheus && command -v promtool; } >/dev/null 2>&1 || need+=(prometheus)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ "${#need[@]}" -gt 0 ] || exit 0
bash apt-install-quiet.sh prometheus "${need[@]}"
prometheus --version 2>&1 | head -n 1 || true
chromium --version 2>/dev/null || true
