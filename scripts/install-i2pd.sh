#!/usr/bin/env bash
# Installs the Debian package i2pd for the interop tests without ever letting
# its packaged daemon run (it would try to reach the public I2P network).
# Prefers the shared harness script when the workspace provides one.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shared="$here/../../shared/harness/install-i2pd.sh"
if [ -f "$shared" ]; then
	exec bash "$shared"
fi
exec bash "$here/../.ci/install-i2pd.sh"
