#!/usr/bin/env bash
# Installs Debian's buildah for the OCI image test (make image, image-test).
# buildah has no daemon; nothing is started. Idempotent: installs only
# what is missing.
set -euo pipefail
cd "$(dirname "$0")"
command -v buildah >/dev/null 2>&1 || bash apt-install-quiet.sh buildah buildah
