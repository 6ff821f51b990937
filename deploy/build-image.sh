#!/usr/bin/env bash
# build-image.sh OUT: builds the i2pseed OCI image (deploy/Containerfile)
# offline with buildah and writes it as an OCI layout to OUT (default
# build/image/oci) and as a docker-archive OUT.docker.tar (for `docker load`
# and `podman load`: the docker format keeps HEALTHCHECK, which the OCI
# image config has no field for and the OCI layout therefore lacks). buildah's
# storage is a temporary directory (vfs), removed afterwards: nothing is
# pulled, nothing left in the host's container storage. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-build/image/oci}
TAG=${IMAGE_TAG:-localhost/i2pseed:latest}
UID_=65532
die() { echo "build-image: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (buildah, file owners in the image)"
command -v buildah >/dev/null || die "buildah missing: run bash .ci/install-image.sh"
[ -r /etc/ssl/certs/ca-certificates.crt ] || die "no /etc/ssl/certs/ca-certificates.crt on this host (install ca-certificates): the image needs TLS roots"

ctx=$(mktemp -d /var/tmp/i2pseed-image.XXXXXX)
trap 'rm -rf "$ctx"' EXIT
r=$ctx/rootfs
mkdir -p "$r/usr/bin" "$r/etc/ssl/certs" "$r/etc/i2pseed" "$r/tmp" "$r/var/lib/i2pseed"
v=${VERSION:-0.0.0+$(git rev-parse --short HEAD)}
CGO_ENABLED=0 go build -trimpath -ldflags "-X main.stampedVersion=$v" -o "$r/usr/bin/i2pseed" ./cmd/i2pseed
go version -m "$r/usr/bin/i2pseed" | grep -q "CGO_ENABLED=0" || die "the binary is not static (CGO_ENABLED=0)"
cp /etc/ssl/certs/ca-certificates.crt "$r/etc/ssl/certs/"
cp deploy/config.yaml "$r/etc/i2pseed/config.yaml"
printf 'root:x:0:0:root:/root:/sbin/nologin\ni2pseed:x:%d:%d:i2pseed:/var/lib/i2pseed:/sbin/nologin\n' $UID_ $UID_ >"$r/etc/passwd"
printf 'root:x:0:\ni2pseed:x:%d:\n' $UID_ >"$r/etc/group"
chmod 0755 "$r/usr/bin/i2pseed" && chmod 0644 "$r/etc/passwd" "$r/etc/group" "$r/etc/i2pseed/config.yaml" "$r/etc/ssl/certs/ca-certificates.crt"
chmod 1777 "$r/tmp"
chmod 0700 "$r/var/lib/i2pseed" && chown $UID_:$UID_ "$r/var/lib/i2pseed"
tar --numeric-owner --sort=name --mtime=@0 -C "$r" -cf "$ctx/rootfs.tar" .
cp deploy/Containerfile "$ctx/"

st=$ctx/storage
b() { buildah --root "$st/root" --runroot "$st/run" --storage-driver vfs "$@"; }
b bud --quiet --format docker --pull-never --network none -f "$ctx/Containerfile" -t "$TAG" "$ctx" >/dev/null
rm -rf "$OUT" "$OUT.docker.tar" && mkdir -p "$(dirname "$OUT")"
b push --quiet "$TAG" "oci:$OUT:latest"
b push --quiet "$TAG" "docker-archive:$OUT.docker.tar:$TAG"
b rmi --all >/dev/null 2>&1 || true
echo "image: $OUT (OCI layout), $OUT.docker.tar (docker-archive, $(du -h "$OUT.docker.tar" | cut -f1)), tag $TAG"
