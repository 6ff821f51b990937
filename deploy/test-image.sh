#!/usr/bin/env bash
# test-image.sh OCI_LAYOUT: runs the image `make image` built as a container
# engine would, without one (Debian's podman/crun refuse to start any
# container on these machines: "crun: cgroups in hybrid mode not
# supported", or, here as root, "crun: setrlimit `RLIMIT_NOFILE`:
# Operation not permitted"): the image's layers unpacked into a root filesystem, its
# config (entrypoint, user, environment, volume) read from the OCI layout,
# and the entrypoint run in fresh mount, PID and network namespaces,
# chrooted into that root as the image's user, the volume bind-mounted and
# the network namespace reached over a veth pair with a 198.19.x.0/30
# (nothing else on the host is touched). Checks: the image's
# facts, start and health check, a bundle fetched from outside and
# verified, reload, stop within --drain, restart with the same signer, and
# what a minimal image must carry (TLS roots, writable /tmp, a volume owned
# by the user, nothing as root). One line per check; exit 1 if any failed.
# Where podman is installed and does run containers, the image runs under
# it too (health check, volume, stop); where it refuses, that is a skip.
# Needs root.
set -euo pipefail
OCI=${1:-build/image/oci}
die() { echo "image test: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (namespaces, chroot)"
[ -f "$OCI/index.json" ] || die "no OCI layout at $OCI: run make image"
for c in go jq curl ip nsenter unshare chroot; do command -v $c >/dev/null || die "$c missing"; done

T0=$(date +%s.%N)
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
FAILED=0
report() {
	local status=ok
	[ "$2" = 0 ] || { status=FAIL; FAILED=1; }
	printf '%-4s %-18s %6ss  %s\n' "$status" "$1" "$(elapsed "$t")" "$3"
}
wait_for() {
	local n=$(($1 * 5))
	shift
	for _ in $(seq "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
	return 1
}

RUN=$(mktemp -d /var/tmp/i2pseed-image-test.XXXXXX)
ROOT=$RUN/rootfs VOL=$RUN/volume NS=i2pseed-img-$$ VETH=i2simg$$
# A /30 of the benchmark range 198.18.0.0/15 of its own, per run (the Go
# tests' namespaces use 198.18.0-1.x; routes there are their own anyway).
NET=198.19.$(($$ % 250 + 1))
HOSTIP=$NET.1 CTIP=$NET.2
UNSHARE=
cleanup() {
	set +e
	# The server first: it is PID 1 of its PID namespace (killing it ends
	# the namespace), and unshare's --kill-child does not reach it (the
	# parent-death signal is cleared when chroot --userspec changes uid).
	if [ -n "$UNSHARE" ] && kill -0 "$UNSHARE" 2>/dev/null; then
		for p in $(pgrep -P "$UNSHARE"); do kill -KILL "$p"; done
		kill -KILL "$UNSHARE"
		wait "$UNSHARE" 2>/dev/null
	fi
	ip link del "$VETH" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# 1. The image: config and layers from the OCI layout.
t=$(date +%s.%N)
blob() { echo "$OCI/blobs/${1/://}"; }
manifest=$(blob "$(jq -r '.manifests[0].digest' "$OCI/index.json")")
config=$(blob "$(jq -r '.config.digest' "$manifest")")
mkdir -p "$ROOT"
for l in $(jq -r '.layers[].digest' "$manifest"); do tar --numeric-owner -xzf "$(blob "$l")" -C "$ROOT"; done
USER_=$(jq -r '.config.User' "$config")
uid=${USER_%%:*} gid=${USER_#*:}
mapfile -t ENTRY < <(jq -r '.config.Entrypoint[]' "$config")
mapfile -t ENVS < <(jq -r '.config.Env[]' "$config")
volume=$(jq -r '.config.Volumes | keys[0]' "$config")
roots=$(grep -c 'BEGIN CERTIFICATE' "$ROOT/etc/ssl/certs/ca-certificates.crt" 2>/dev/null || echo 0)
facts="user $USER_, entrypoint ${ENTRY[*]}, volume $volume, $(du -sh "$ROOT" | cut -f1) unpacked"
if [ "$uid" != 0 ] && [ "$gid" != 0 ] && [ "$volume" = /var/lib/i2pseed ] && [ "${ENTRY[0]}" = /usr/bin/i2pseed ] &&
	[ "$(stat -c '%a %u:%g' "$ROOT$volume")" = "700 $uid:$gid" ] && [ "$(stat -c %a "$ROOT/tmp")" = 1777 ] &&
	[ "$roots" -ge 100 ] && grep -q "^[^:]*:x:$uid:$gid:" "$ROOT/etc/passwd" &&
	go version -m "$ROOT/usr/bin/i2pseed" | grep -q 'CGO_ENABLED=0' &&
	cmp -s "$ROOT/etc/i2pseed/config.yaml" "$(dirname "$0")/config.yaml"; then
	report image 0 "$facts; $roots TLS roots, /tmp 1777, $volume 0700 $uid:$gid, the package's config"
else
	report image 1 "$facts; $roots TLS roots, /tmp $(stat -c %a "$ROOT/tmp"), $volume $(stat -c '%a %u:%g' "$ROOT$volume")"
fi
if [ -f "$OCI.docker.tar" ]; then
	t=$(date +%s.%N)
	dcfg=$(tar -xOf "$OCI.docker.tar" manifest.json | jq -r '.[0].Config')
	hc=$(tar -xOf "$OCI.docker.tar" "$dcfg" | jq -c '.config.Healthcheck.Test')
	rc=0
	[ "$hc" = '["CMD","/usr/bin/i2pseed","healthcheck"]' ] || rc=1
	report healthcheck-cfg $rc "docker-archive HEALTHCHECK $hc"
fi

# The volume as an engine makes a named one: the image's directory copied
# (owner and mode kept). The netDb: synthetic RouterInfos, read-only.
mkdir -p "$VOL" "$RUN/netDb" "$ROOT/proc" "$ROOT/dev" "$ROOT/srv/netDb"
chown --reference="$ROOT$volume" "$VOL" && chmod --reference="$ROOT$volume" "$VOL"
"$ROOT/usr/bin/i2pseed" netdb synth --count 200 --private --spread 12h --out "$RUN/netDb" >/dev/null
chmod -R a+rX "$RUN/netDb"
for d in null zero random urandom; do touch "$ROOT/dev/$d"; done

ip netns add "$NS"
ip link add "$VETH" type veth peer name eth0 netns "$NS"
ip addr add "$HOSTIP/30" dev "$VETH" && ip link set "$VETH" up
ip -n "$NS" addr add "$CTIP/30" dev eth0 && ip -n "$NS" link set eth0 up && ip -n "$NS" link set lo up

# run ARGS...: the entrypoint with ARGS appended (as `docker run IMAGE ARGS`)
# as PID 1 of a new PID namespace, in a new mount namespace in $NS, with
# only the image's environment (and the signer an operator would set).
CHROOT=$(command -v chroot)
run() {
	: >"$RUN/serve.log"
	nsenter --net="/run/netns/$NS" unshare --mount --pid --fork --kill-child --propagation private sh -ec '
		R=$1 V=$2 VOLUME=$3 N=$4; shift 4
		mount --bind "$V" "$R$VOLUME"
		mount --bind -o ro "$N" "$R/srv/netDb"
		mount -t proc proc "$R/proc"
		for d in null zero random urandom; do mount --bind /dev/$d "$R/dev/$d"; done
		exec env -i "$@"
	' sh "$ROOT" "$VOL" "$volume" "$RUN/netDb" \
		"${ENVS[@]}" I2PSEED_SIGNER=test@mail.i2p "$CHROOT" --userspec="$uid:$gid" --groups="$gid" "$ROOT" \
		"${ENTRY[@]}" "$@" >>"$RUN/serve.log" 2>&1 &
	UNSHARE=$!
}
ARGS=(--netdb /srv/netDb --testnet --host "$CTIP" --drain 3s)
# spid: the server's host PID (PID 1 of the new PID namespace).
spid() { pgrep -P "$UNSHARE" | head -1; }
# inside UID CMD...: a command in the running container, as an engine's exec.
inside() { local u=$1; shift; nsenter -t "$(spid)" -n -m -p -r -w -S "$u" -G "$u" -- "$@"; }
healthy() { inside "$uid" /usr/bin/i2pseed healthcheck; }
URL=https://$CTIP:8443
fetch() { curl -sk -A Wget/1.11.4 -o "$1" -w '%{http_code}' "$URL/i2pseeds.su3"; }
fpr() { cat "$VOL"/keys/*.crt 2>/dev/null | sha256sum | cut -c1-16; }

# 2. Start: the image's health check (run inside, as the engine would) passes.
t=$(date +%s.%N)
run "${ARGS[@]}"
if wait_for 30 healthy; then
	report start 0 "healthcheck ok, server PID $(spid) on the host, PID 1 inside"
else
	report start 1 "$(tail -5 "$RUN/serve.log")"; exit 1
fi

# 3. A bundle fetched from outside the namespace, verified with the signer
# certificate serve wrote into the volume.
t=$(date +%s.%N)
code=$(fetch "$RUN/b1.su3" || true)
out=$("$ROOT/usr/bin/i2pseed" su3 verify --certs "$VOL/keys" "$RUN/b1.su3" 2>&1 || true)
case "$code $out" in "200 "*"OK, signed by test@mail.i2p"*) report bundle 0 "HTTP $code from $URL, $(echo "$out" | head -1)" ;;
*) report bundle 1 "HTTP $code; $out" ;; esac
FPR1=$(fpr)

# The metrics port, published for Prometheus: reachable from outside.
t=$(date +%s.%N)
n=$(curl -s "http://$CTIP:9100/metrics" | grep -c '^i2pseed_' || true)
rc=0
[ "$n" -gt 0 ] || rc=1
report metrics $rc "http://$CTIP:9100/metrics from outside: $n i2pseed_ samples"

# 4. Nothing as root: the server's uid, gid and groups are the image's user.
t=$(date +%s.%N)
st=$(grep -E '^(Uid|Gid|Groups):' "/proc/$(spid)/status" | tr -s '\t ' ' ' | tr '\n' ';')
if [ "$st" = "Uid: $uid $uid $uid $uid;Gid: $gid $gid $gid $gid;Groups: $gid ;" ] || [ "$st" = "Uid: $uid $uid $uid $uid;Gid: $gid $gid $gid $gid;Groups: $gid;" ]; then
	report user 0 "$st"
else
	report user 1 "$st"
fi

# 5. The volume: still 0700 and the user's, everything in it the user's.
t=$(date +%s.%N)
others=$(find "$VOL" ! -user "$uid" | head -3)
if [ "$(stat -c '%a %u' "$VOL")" = "700 $uid" ] && [ -z "$others" ] && ls "$VOL"/keys/*.key >/dev/null 2>&1; then
	report volume 0 "$(stat -c '%a %u:%g' "$VOL"), $(find "$VOL" | wc -l) paths, all uid $uid: $(cd "$VOL" && ls | tr '\n' ' ')"
else
	report volume 1 "$(stat -c '%a %u' "$VOL"); not the user's: $others"
fi

# 6. /tmp writable by the user inside; the TLS roots readable and parsed
# (the server's own certificate as the only root: the fetch succeeds; the
# image's roots, which do not hold it: x509 refuses it, so Go loads them).
t=$(date +%s.%N)
tmpok=1
inside "$uid" /usr/bin/i2pseed netdb synth --count 1 --out /tmp/probe >/dev/null 2>&1 && [ -n "$(ls "$ROOT/tmp/probe" 2>/dev/null)" ] && tmpok=0
report tmp "$tmpok" "$([ $tmpok = 0 ] && echo "uid $uid wrote /tmp/probe inside" || echo "uid $uid cannot write /tmp")"

# TLS roots: Go reads them from the image's SSL_CERT_FILE. The image's 144
# do not hold serve's self-signed certificate: x509 refuses it; the same
# fetch with that certificate as the only root passes TLS. So the file is
# read, and a --seed-urls or ACME server under a public CA is trusted.
t=$(date +%s.%N)
boot() { env "$@" nsenter -t "$(spid)" -n -m -p -r -w -S "$uid" -G "$gid" -- /usr/bin/i2pseed bootstrap --urls "$URL/" \
	--certs /var/lib/i2pseed/keys --no-embedded --min-servers 1 --min-routers 50 --min-floodfills 0 --netdb /tmp/bootstrap 2>&1 || true; }
sslenv=$(printf '%s\n' "${ENVS[@]}" | grep '^SSL_CERT_FILE=' || true)
a=$(boot "$sslenv")
tlscert=$(cd "$VOL" && find tls -name "*.crt" | head -1)
b=$(boot SSL_CERT_FILE="/var/lib/i2pseed/$tlscert")
if [ -n "$sslenv" ] && grep -q 'x509: certificate signed by unknown authority' <<<"$a" && ! grep -q x509 <<<"$b" && [ -n "$(ls "$ROOT/tmp/bootstrap" 2>/dev/null)" ]; then
	report tls-roots 0 "$sslenv: serve's certificate refused (x509 unknown authority); as the only root: bundle imported to /tmp/bootstrap"
else
	report tls-roots 1 "image roots: $(tail -2 <<<"$a" | tr '\n' ' ') | serve's cert ($tlscert): $(tail -2 <<<"$b" | tr '\n' ' ')"
fi

# 7. Reload: SIGHUP to PID 1 of the container (what `docker kill -s HUP` does).
t=$(date +%s.%N)
pid=$(spid)
kill -HUP "$pid"
reloaded() { grep -q 'rate limits reloaded' "$RUN/serve.log"; }
if wait_for 10 reloaded && [ "$(spid)" = "$pid" ] && healthy >/dev/null; then
	report reload 0 "same PID $pid, $(grep -o 'msg="rate limits reloaded"' "$RUN/serve.log" | head -1)"
else
	report reload 1 "PID $pid -> $(spid); $(tail -3 "$RUN/serve.log")"
fi

# 8. Stop while a slow client downloads: SIGTERM to PID 1 (docker stop);
# serve lets it run for --drain (3s), cuts it and exits 0. The client runs
# in the namespace too, where tiny TCP buffers keep the server writing.
t=$(date +%s.%N)
ip netns exec "$NS" sysctl -q -w net.ipv4.tcp_rmem="4096 4096 4096" net.ipv4.tcp_wmem="4096 4096 4096"
# The client stalls after 1 KiB: curl writes into a 4 KiB pipe that its
# perl parent stops reading (as in test-nspawn.sh; curl --limit-rate alone
# once had the whole bundle before the stop).
ip netns exec "$NS" perl "$(dirname "$0")/testdata/stall-client.pl" "$RUN/slow.su3" curl -sk --http1.1 --limit-rate 1k -A Wget/1.11.4 "$URL/i2pseeds.su3" &
slow=$!
downloading() { ip netns exec "$NS" ss -Htn state established | grep -q "$CTIP:8443 "; }
wait_for 10 downloading || true
wait_for 10 test -s "$RUN/slow.su3" || true
t=$(date +%s.%N)
kill -TERM "$(spid)"
rc=0
wait "$UNSHARE" || rc=$?
took=$(elapsed "$t")
UNSHARE=
kill "$slow" 2>/dev/null || true
wait "$slow" 2>/dev/null || true
if [ "$rc" = 0 ] && awk -v s="$took" 'BEGIN { exit !(s >= 2.5 && s < 5) }' && grep -q 'drain limit passed.*closed=1' "$RUN/serve.log"; then
	report stop 0 "exit 0 after ${took}s (drain 3s), slow client stalled after reading $(stat -c %s "$RUN/slow.su3") bytes: $(grep -o 'drain limit passed.*closed=1' "$RUN/serve.log" | cut -c1-30)...closed=1"
else
	report stop 1 "exit $rc after ${took}s; $(tail -3 "$RUN/serve.log" | tr '\n' ' ')"
fi

# 9. Restart on the same volume: the same signer, a bundle verified with
# the first run's certificate.
t=$(date +%s.%N)
mkdir -p "$RUN/certs1" && cp "$VOL"/keys/*.crt "$RUN/certs1/"
run "${ARGS[@]}"
ok=1 out=
if wait_for 30 healthy; then
	code=$(fetch "$RUN/b2.su3" || true)
	out=$("$ROOT/usr/bin/i2pseed" su3 verify --certs "$RUN/certs1" "$RUN/b2.su3" 2>&1 || true)
	[ "$code" = 200 ] && grep -q 'OK, signed by test@mail.i2p' <<<"$out" && [ "$(fpr)" = "$FPR1" ] && ok=0
fi
report restart "$ok" "signer certificate $FPR1 -> $(fpr), second bundle verified with the first run's: ${out:-none}"
kill -TERM "$(spid)" 2>/dev/null || true
wait "$UNSHARE" 2>/dev/null || true
UNSHARE=

# 10. Under a real engine where one runs: podman, with a storage of its
# own in $RUN (the host's is not touched). On these machines crun refuses
# any container ("cgroups in hybrid mode not supported", or "setrlimit
# RLIMIT_NOFILE: Operation not permitted"): then this is a skip, not a
# failure, with podman's words.
if command -v podman >/dev/null && [ -f "$OCI.docker.tar" ]; then
	t=$(date +%s.%N)
	pm() { TMPDIR=$RUN podman --root "$RUN/podman/root" --runroot "$RUN/podman/run" --storage-driver vfs "$@"; }
	IMG=localhost/i2pseed:latest
	if ! pm load -q -i "$OCI.docker.tar" >"$RUN/podman.log" 2>&1; then
		report podman 1 "podman load: $(tail -1 "$RUN/podman.log")"
	elif ! pm run --rm --network none --entrypoint /usr/bin/i2pseed "$IMG" version >"$RUN/podman.log" 2>&1; then
		printf '%-4s %-18s %6ss  %s\n' skip podman "$(elapsed "$t")" "loaded, but podman run refuses here: $(grep -v 'level=' "$RUN/podman.log" | tail -1)"
	else
		ok=1
		pm volume create i2pseed-test >/dev/null
		pm run -d --name i2pseed-test --network none -v i2pseed-test:/var/lib/i2pseed -v "$RUN/netDb:/srv/netDb:ro" \
			-e I2PSEED_SIGNER=test@mail.i2p "$IMG" "${ARGS[@]}" >/dev/null 2>>"$RUN/podman.log" &&
			wait_for 30 pm healthcheck run i2pseed-test &&
			[ "$(stat -c '%a %u' "$(pm volume inspect -f '{{.Mountpoint}}' i2pseed-test)")" = "700 $uid" ] &&
			pm stop -t 10 i2pseed-test >/dev/null &&
			[ "$(pm inspect -f '{{.State.ExitCode}}' i2pseed-test)" = 0 ] && ok=0
		report podman "$ok" "podman run: healthy, volume 0700 uid $uid, stopped with exit 0; $(tail -1 "$RUN/podman.log")"
		pm rm -f i2pseed-test >/dev/null 2>&1 || true
	fi
fi

t=$T0
report total "$FAILED" "$([ "$FAILED" = 0 ] && echo "all checks passed" || echo "some checks FAILED")"
exit "$FAILED"
