# i2pseed: the two commands a newcomer runs are `make demo` and `make test`.
SHELL := /bin/bash
GO    ?= go
BIN   := bin/i2pseed
DEMO  := demo

.PHONY: all build demo test vet fuzz bench perf load clean deps-i2pd deps-observability deps-overlays deb deb-test nspawn-test deps-image image image-test

all: build

build:
	@command -v $(GO) >/dev/null || { echo "i2pseed needs Go 1.26 or newer on PATH (and make): install Go, then run this again"; exit 1; }
	$(GO) build -o $(BIN) ./cmd/i2pseed

# The main job, offline: the whole chain on a private network of i2pd
# routers (scripts/demo.sh; needs root, installs i2pd without starting it).
demo: build
	@if [ -z "$$I2PD" ] && [ -x "$(I2PD_CURRENT)" ]; then export I2PD=$(I2PD_CURRENT); fi; bash scripts/demo.sh

# Installs i2pd (never starting its daemon), faketime and pebble for the
# interop tests when running as root; elsewhere the interop tests skip unless CI is set.
deps-i2pd:
	@if command -v i2pd >/dev/null && command -v pebble >/dev/null && ls /usr/lib/*/faketime/libfaketime.so.1 >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then bash .ci/install-i2pd.sh; \
	else echo "note: i2pd not installed and not root: i2pd interop tests will skip"; fi

# yggdrasil and tor for the delivery-channel tests (each runs its own
# daemons in namespaces; the packaged services never start).
deps-overlays:
	@if command -v yggdrasil >/dev/null && command -v tor >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then bash .ci/install-overlays.sh; \
	else echo "note: yggdrasil/tor not installed and not root: their channel tests will skip"; fi

# Prometheus (promtool) and chromium for the monitoring tests: the alert
# rules, a real Prometheus scraping serve, the status page in a real browser.
deps-observability:
	@if command -v prometheus >/dev/null && command -v promtool >/dev/null && command -v chromium >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then bash .ci/install-observability.sh; \
	else echo "note: prometheus/chromium not installed and not root: monitoring tests will skip"; fi

vet:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# The real peers beside the repository (../shared): a current i2pd and
# Java I2P. The interop tests run against Debian's i2pd 2.45.1 (on PATH)
# and again against I2PD_CURRENT; the Java ones find JAVA_I2P.
SHARED      ?= $(abspath ../shared)
I2PD_CURRENT ?= $(SHARED)/i2pd-2.58/i2pd
JAVA_I2P    ?= $(SHARED)/java-i2p
export JAVA_I2P

# Everything, as CI runs it: vet; the race-enabled suite with Debian's
# i2pd; the interop tests again with the current i2pd; the full
# every-byte-flipped sweep over the live bundle (sampled under -race, which
# makes it slow); the alert rules with promtool; as root, the demo (the
# whole chain on a mixed network of the current i2pd and Java routers), the
# package test, the package under a real systemd in a container and the OCI
# image (built with buildah, run in namespaces). TestWholeChain, the demo's
# chain as a Go test (6-7 minutes more), runs by hand:
# go test -run TestWholeChain ./testnet.
test: deps-i2pd deps-observability deps-overlays vet
	@if [ "$$(id -u)" = 0 ]; then echo "(making the nspawn test's container root in the background: /tmp/i2pseed-nspawn-prepare.log)"; \
		bash deploy/test-nspawn.sh --prepare >/tmp/i2pseed-nspawn-prepare.log 2>&1 & fi
	@echo "== $$(date -u +%T) the race-enabled suite with $$(i2pd --version 2>/dev/null | head -1)"
	$(GO) test -race -count=1 -timeout 20m -skip 'TestWholeChain' ./...
	@if command -v promtool >/dev/null; then promtool check rules deploy/prometheus/alerts.yml && promtool test rules deploy/prometheus/alerts_test.yml; \
	elif [ -n "$$CI" ]; then echo "CI: promtool is missing"; exit 1; fi
	@# The second pass runs what depends on the i2pd version (the Java tests,
	@# such as TestRouterHarvestsSSU2Java, run in the first: they need no i2pd).
	@if [ -x "$(I2PD_CURRENT)" ]; then \
		echo "== $$(date -u +%T) interop tests again with $$($(I2PD_CURRENT) --version | head -1)"; \
		I2PD=$(I2PD_CURRENT) $(GO) test -count=1 -timeout 20m -run 'I2PD|Testnet|Harvest|Router' -skip 'TestWholeChain|Java' ./...; \
	elif [ -n "$$CI" ]; then echo "CI: $(I2PD_CURRENT) is missing (set I2PD_CURRENT)"; exit 1; \
	else echo "note: $(I2PD_CURRENT) missing: interop tests ran with Debian's i2pd only"; fi
	$(GO) test -count=1 -run 'TestLiveEveryByteFlipped' ./su3/
	@echo "== $$(date -u +%T) demo, deb-test, nspawn-test, image-test"
	@if [ "$$(id -u)" = 0 ]; then $(MAKE) --no-print-directory demo deb-test nspawn-test image-test; else echo "note: not root: make demo, deb-test, nspawn-test and image-test skipped"; fi
	@echo "== $$(date -u +%T) make test passed"

# The Debian package (nfpm from the Go module proxy): binary, hardened unit,
# default config, examples, man pages and completions.
NFPM     ?= github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.43.0
VERSION  ?= $(shell git describe --tags 2>/dev/null | sed 's/^v//' || true)
DEB_ARCH ?= $(shell $(GO) env GOARCH)
deb:
	mkdir -p build
	v=$${VERSION:-0.0.0+$$(git rev-parse --short HEAD)}; \
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-X main.stampedVersion=$$v" -o build/i2pseed ./cmd/i2pseed && \
	rm -rf build/docs && build/i2pseed gendocs --out build/docs && \
	VERSION=$$v DEB_ARCH=$(DEB_ARCH) $(GO) run $(NFPM) pkg --config deploy/nfpm.yaml --packager deb --target build/
	@ls build/*.deb

# Installs, checks (systemd-analyze verify/security) and removes the package.
deb-test: deb
	bash deploy/test-deb.sh $$(ls -t build/i2pseed_*.deb | head -1)

# The package under a real systemd: Debian bookworm booted with systemd-nspawn
# (root cached in /var/cache/i2pseed-nspawn), start, bundle, reload, stop with
# a slow client, restart after kill -9, the router in the sandbox, no restart
# on a usage error, remove and purge (deploy/test-nspawn.sh; needs root).
nspawn-test: deb
	bash deploy/test-nspawn.sh $$(ls -t build/i2pseed_*.deb | head -1)

# buildah for the OCI image (no daemon; installed when root, as the others).
deps-image:
	@if command -v buildah >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then bash .ci/install-image.sh; \
	else echo "note: buildah not installed and not root: make image needs both"; exit 1; fi

# The OCI image (deploy/Containerfile) built offline with buildah from
# scratch: build/image/oci (OCI layout) and build/image/oci.docker.tar
# (`docker load` / `podman load`; keeps the HEALTHCHECK). Needs root.
image: deps-image
	bash deploy/build-image.sh build/image/oci

# The image run as an engine would (deploy/test-image.sh): its root
# filesystem and config in fresh namespaces, the volume bind-mounted.
image-test: image
	bash deploy/test-image.sh build/image/oci

# Fuzz each parser; FUZZTIME per target (the issue asks >= 2m).
# Minimizing a 68 KB live-bundle input takes minutes per new input; cap it.
FUZZTIME ?= 2m
fuzz:
	cd su3 && $(GO) test -run '^$$' -fuzz '^FuzzNewReader$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s .
	cd su3 && $(GO) test -run '^$$' -fuzz '^FuzzReadBundle$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s .
	cd su3 && $(GO) test -run '^$$' -fuzz '^FuzzReadStreaming$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s .
	cd netdb && $(GO) test -run '^$$' -fuzz '^FuzzRouterInfo$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s .
	cd netdb && $(GO) test -run '^$$' -fuzz '^FuzzMapping$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s .
	cd netdb && $(GO) test -run '^$$' -fuzz '^FuzzCertificate$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s .
	cd netdb && $(GO) test -run '^$$' -fuzz '^FuzzFamily$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s .
	for f in FuzzReadSessionRequest FuzzReadSessionCreated FuzzReadSessionConfirmed FuzzReadFrame FuzzParseBlocks; do \
		(cd router/ntcp2 && $(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s .) || exit 1; done
	for f in FuzzParseI2NP FuzzShortHeader FuzzDatabaseStore FuzzDatabaseLookup FuzzSearchReply FuzzDeliveryStatus; do \
		(cd router/i2np && $(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s .) || exit 1; done

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./su3/ ./netdb/ ./router/ntcp2/

# The 20,000-router scale check of docs/performance.md: warm and cold cache.
perf: build
	rm -rf /tmp/i2pseed-perf && $(BIN) netdb synth --count 20000 --out /tmp/i2pseed-perf
	/usr/bin/time -f "warm: %e s wall, %M KB max RSS" $(BIN) netdb stats /tmp/i2pseed-perf >/dev/null
	@if [ -w /proc/sys/vm/drop_caches ]; then sync; echo 3 > /proc/sys/vm/drop_caches; \
	/usr/bin/time -f "cold: %e s wall, %M KB max RSS" $(BIN) netdb stats /tmp/i2pseed-perf >/dev/null; fi

# Load test of the reseed server (docs/performance.md); LOADSECS per run.
LOADSECS ?= 10
load:
	bash bench/serve-load.sh $(LOADSECS)

clean:
	rm -rf bin $(DEMO)
