package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// exampleConfig documents every serve setting; keys are flag names
// (TestExampleConfigListsEverySetting holds it to that).
const exampleConfig = `# i2pseed serve configuration (YAML). Every key is also a flag (--key) and an
# environment variable (I2PSEED_KEY, dashes as underscores). Use it with
#   i2pseed serve --config /etc/i2pseed/config.yaml
# SIGHUP reloads the blocklist, TLS files and rate limits; other changes need a restart.
# Commented keys show their defaults.

# Where RouterInfos come from: the netDb of a Java I2P or i2pd router, or a
# mirror made by 'i2pseed mirror --out DIR'. With neither, the built-in
# router harvests them into data-dir/netDb (see the router settings below).
netdb: /var/lib/i2pd/netDb
# from-mirror: /srv/i2pseed-mirror
# Your signer ID; its RSA-4096 key is made in data-dir/keys on first run.
signer: you@mail.i2p
# Signer key, TLS state, router keys and the server secret (mode 0700, never served).
data-dir: /var/lib/i2pseed

listen: ":8443"
# selfsigned (a P-256 certificate for the hosts below, made once), files, or acme.
tls: selfsigned
host: [reseed.example.org]
# tls: files
# tls-cert: /etc/letsencrypt/live/reseed.example.org/fullchain.pem
# tls-key: /etc/letsencrypt/live/reseed.example.org/privkey.pem
# tls: acme                   # certificates for host from Let's Encrypt, renewed in the background
# acme-email: you@example.org
# acme-ca: ""                 # ACME directory URL; empty: Let's Encrypt
# acme-staging: false
# acme-http-listen: ":80"     # HTTP-01 challenges
# acme-ca-roots: ""           # PEM roots of a private CA's HTTPS endpoint
# acme-storage: ""            # default data-dir/acme; a shared filesystem for replicas

netid: 2
testnet: false
min-version: 0.9.59
bundle-size: 75
bundles: 0          # 0 scales with the eligible RouterInfos
min-eligible: 50
rebuild: 1h
# epoch: 0s         # replicas: rebuild at multiples of this (e.g. 1h), docs/scaling.md

user-agents: [Wget/1.11.4]   # [any] lets every client through
rate-per-client: 0.0166      # bundles per second per address after the burst
burst-per-client: 5
rate-global: 200
trusted-proxies: []          # e.g. [127.0.0.1/32] behind nginx
blocklist: ""                # file of CIDR prefixes, one per line
max-conns: 1024
log-clients: false
metrics-listen: ""           # e.g. 127.0.0.1:9100 to keep /metrics private
drain: 30s                   # at SIGTERM; keep below systemd's TimeoutStopSec

# The built-in router (when neither netdb nor from-mirror is set).
# seed: ""                   # netDb directory or RouterInfo file to start from
# seed-urls: []              # reseed servers to start from; empty: the built-in list
# ntcp2-listen: ""           # accept inbound NTCP2 here, e.g. 0.0.0.0:12345
# ntcp2-host: ""             # the public IP to publish with ntcp2-listen
# sessions: 3                # floodfills harvested at once
# interval: 5s               # least time between lookups to one floodfill
# lookups: 100               # most lookups per session
# expire: 48h                # remove RouterInfos published longer ago
# probe-every: 3s            # liveness probes of published addresses (0: none)
# probe-recheck: 10m         # least time before a reachable router is probed again
# For a reseed from seed-urls: trust and fetching, as 'i2pseed bootstrap'.
# certs: ""                  # directory of extra signer certificates (*.crt)
# no-embedded: false         # trust only the certificates in certs
# at: ""                     # check certificates at this time (RFC 3339)
# ca: ""                     # PEM file of extra TLS roots
# proxy: ""                  # http://host:port or socks5://host:port
`

func (a *app) configCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Configuration helpers",
		Args:  exactArgs(0, "a subcommand (example)"),
		RunE:  func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(&cobra.Command{
		Use:     "example",
		Short:   "Print a commented example config for 'i2pseed serve'",
		Example: "  i2pseed config example > /etc/i2pseed/config.yaml",
		Args:    exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprint(a.stdout, exampleConfig)
			return nil
		},
	})
	return cmd
}
