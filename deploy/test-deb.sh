#!/usr/bin/env bash
# Installs the .deb made by `make deb`, checks it, removes it, checks what is
# left: the config and the state (until purge). Needs root.
set -euo pipefail
deb=${1:?usage: test-deb.sh build/i2pseed_VERSION_ARCH.deb}
fail() { echo "deb test: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root (dpkg -i)"
dpkg -s i2pseed >/dev/null 2>&1 && fail "i2pseed is already installed here; not touching it"

dpkg -s adduser >/dev/null 2>&1 || apt-get install -y -qq adduser >/dev/null   # the package's one dependency
command -v systemd-analyze >/dev/null || apt-get install -y -qq systemd >/dev/null
dpkg -i "$deb"
trap 'dpkg -P i2pseed >/dev/null 2>&1 || true' EXIT
/usr/bin/i2pseed --version | grep -q "i2pseed version 0.0.0+" || fail "i2pseed --version from /usr/bin"
/usr/bin/i2pseed --version
getent passwd i2pseed >/dev/null || fail "no i2pseed user"
for f in /lib/systemd/system/i2pseed.service /etc/i2pseed/config.yaml /usr/share/man/man1/i2pseed-serve.1 \
	/usr/share/bash-completion/completions/i2pseed /usr/share/doc/i2pseed/examples/acme.yaml \
	/usr/share/doc/i2pseed/examples/prometheus/alerts.yml /usr/share/doc/i2pseed/examples/grafana/i2pseed.json; do
	[ -e "$f" ] || fail "$f not installed"
done
man -w i2pseed-serve >/dev/null 2>&1 || [ -e /usr/share/man/man1/i2pseed-serve.1 ] || fail "man page"
systemd-analyze verify /lib/systemd/system/i2pseed.service
echo "systemd-analyze verify: ok"
systemd-analyze security --offline=yes /lib/systemd/system/i2pseed.service | tail -1

# The operator's state, as a running server would leave it.
mkdir -p /var/lib/i2pseed/keys && echo key >/var/lib/i2pseed/keys/x.key
echo "# edited" >>/etc/i2pseed/config.yaml

dpkg -r i2pseed
[ -e /usr/bin/i2pseed ] && fail "binary left after dpkg -r"
[ -e /lib/systemd/system/i2pseed.service ] && fail "unit left after dpkg -r"
[ -e /usr/share/man/man1/i2pseed-serve.1 ] && fail "man page left after dpkg -r"
grep -q edited /etc/i2pseed/config.yaml || fail "config not kept after dpkg -r"
[ -e /var/lib/i2pseed/keys/x.key ] || fail "state not kept after dpkg -r"
dpkg -P i2pseed
[ -e /etc/i2pseed/config.yaml ] && fail "config left after purge"
[ -e /var/lib/i2pseed ] && fail "state left after purge: its files would belong to the next user with i2pseed's uid"
getent passwd i2pseed >/dev/null && fail "user left after purge"
getent group i2pseed >/dev/null && fail "group left after purge"
trap - EXIT
echo "deb test: install, verify, remove and purge ok"
