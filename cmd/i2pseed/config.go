package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// exampleConfig documents every serve setting; keys are flag names.
const exampleConfig = `# i2pseed serve configuration (YAML). Every key is also a flag (--key) and an
# environment variable (I2PSEED_KEY, dashes as underscores). Use it with
#   i2pseed serve --config /etc/i2pseed/config.yaml
# SIGHUP reloads the blocklist, TLS files and rate limits; other changes need a restart.

# Where RouterInfos come from: the netDb of a Java I2P or i2pd router.
netdb: /var/lib/i2pd/netDb
# Your signer ID; its RSA-4096 key is made in data-dir/keys on first run.
signer: you@mail.i2p
# Signer key, TLS state and the server secret (mode 0700, never served).
data-dir: /var/lib/i2pseed

listen: ":8443"
# selfsigned (a P-256 certificate for the hosts below, made once) or files.
tls: selfsigned
host: [reseed.example.org]
# tls: files
# tls-cert: /etc/letsencrypt/live/reseed.example.org/fullchain.pem
# tls-key: /etc/letsencrypt/live/reseed.example.org/privkey.pem

netid: 2
testnet: false
bundle-size: 75
bundles: 0          # 0 scales with the eligible RouterInfos
min-eligible: 50
rebuild: 1h

user-agents: [Wget/1.11.4]   # [any] lets every client through
rate-per-client: 0.0166      # bundles per second per address after the burst
burst-per-client: 5
rate-global: 200
trusted-proxies: []          # e.g. [127.0.0.1/32] behind nginx
blocklist: ""                # file of CIDR prefixes, one per line
max-conns: 1024
log-clients: false
metrics-listen: ""           # e.g. 127.0.0.1:9100 to keep /metrics private
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
