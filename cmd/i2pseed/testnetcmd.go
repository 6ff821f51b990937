package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/i2pseed/i2pseed/internal/testnet"
	"github.com/spf13/cobra"
)

func (a *app) testnetCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "testnet",
		Short: "Run a private I2P network on this machine: real i2pd routers, our server and router",
		Long: `A private I2P network for router developers, offline, on one machine (needs
root, iproute2 and i2pd: apt-get install i2pd, or make deps-i2pd).

'up' creates a network namespace with N i2pd routers on 198.18.0.10+ (the
first --floodfills of them floodfills), reseeds them from a bundle signed by a
test signer made in --dir, then starts 'i2pseed serve' on 198.18.0.2:8443 whose
built-in router harvests them; it returns once the server serves bundles.
'bootstrap' starts a fresh i2pd that reseeds from that server over HTTPS.
'down' stops everything and deletes the namespace; --dir keeps the logs.`,
	}
	cmd.AddCommand(a.testnetUpCmd(), a.testnetDownCmd(), a.testnetBootstrapCmd())
	return cmd
}

func (a *app) testnetUpCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "up --routers N --dir DIR",
		Short:   "Start the network",
		Example: "  i2pseed testnet up --routers 5 --dir /tmp/i2pnet",
		Args:    exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			i2pd, err := needTestnetTools()
			if err != nil {
				return err
			}
			self, err := os.Executable()
			if err != nil {
				return err
			}
			dir := a.cfg.GetString("dir")
			start := time.Now()
			st, err := testnet.Up(cmd.Context(), testnet.Config{Dir: dir, Routers: a.cfg.GetInt("routers"),
				Floodfills: a.cfg.GetInt("floodfills"), I2PD: i2pd, Self: self, Log: a.stderr})
			if err != nil {
				return err
			}
			a.printTestnet(st, time.Since(start))
			return nil
		},
	}
	f := cmd.Flags()
	f.Int("routers", 5, "i2pd routers (2-100)")
	f.Int("floodfills", 2, "of them floodfills")
	f.String("dir", "testnet", "directory for keys, data, logs and state")
	return cmd
}

func (a *app) printTestnet(st *testnet.State, took time.Duration) {
	w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "test network up in %v, network namespace %s\n\n", took.Round(100*time.Millisecond), st.NetNS)
	fmt.Fprintln(w, "ROUTER\tNTCP2\tFLOODFILL\tPID")
	for _, r := range st.Routers {
		fmt.Fprintf(w, "%s\t%s\t%v\t%d\n", r.Hash, r.Addr, r.Floodfill, r.PID)
	}
	w.Flush()
	fmt.Fprintf(a.stdout, `
reseed server  %s (pid %d, log %s)
  signer       testnet@mail.i2p, certificate %s
  TLS          self-signed, %s

point a client at it (from inside the namespace):
  ip netns exec %s i2pd --reseed.urls=%s --reseed.verify=true --certsdir=%s --host=198.18.0.201 ...
  ip netns exec %s i2pseed bootstrap --urls %s --ca %s --certs %s --min-servers 1 --min-routers %d --netdb NETDB
  i2pseed testnet bootstrap --dir %s     (a fresh i2pd reseeds from it and reports)
stop it:
  i2pseed testnet down --dir %s
`, st.Server.URL, st.Server.PID, st.Server.Log, st.Server.SignerCert, st.Server.TLSCert,
		st.NetNS, st.Server.URL, st.Server.CertsDir,
		st.NetNS, st.Server.URL, st.Server.TLSCert, st.Server.CertsDir+"/reseed", len(st.Routers),
		st.Dir, st.Dir)
}

func (a *app) testnetDownCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "down --dir DIR",
		Short: "Stop the network and delete its namespace (DIR keeps the logs)",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := testnet.Down(a.cfg.GetString("dir")); err != nil {
				return fmt.Errorf("--dir: %w", err)
			}
			fmt.Fprintln(a.stdout, "test network down")
			return nil
		},
	}
	cmd.Flags().String("dir", "testnet", "directory of the network")
	return cmd
}

func (a *app) testnetBootstrapCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bootstrap --dir DIR",
		Short: "Start a fresh i2pd that reseeds from the network's server over HTTPS, and report",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			i2pd, err := needTestnetTools()
			if err != nil {
				return err
			}
			st, err := testnet.Load(a.cfg.GetString("dir"))
			if err != nil {
				return usagef("--dir: %v (testnet up first)", err)
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 3*time.Minute)
			defer cancel()
			res, err := st.Bootstrap(ctx, i2pd)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "fresh i2pd reseeded from %s: %d RouterInfos added in %v\n", st.Server.URL, res.Added, res.Took.Round(time.Millisecond))
			for _, l := range res.Failures {
				fmt.Fprintln(a.stdout, "  "+l)
			}
			if res.Added < len(st.Routers) || len(res.Failures) > 0 {
				return fmt.Errorf("testnet bootstrap: i2pd added %d of %d RouterInfos", res.Added, len(st.Routers))
			}
			return nil
		},
	}
	cmd.Flags().String("dir", "testnet", "directory of the network")
	return cmd
}

// needTestnetTools checks for root, ip and i2pd.
func needTestnetTools() (string, error) {
	if os.Geteuid() != 0 {
		return "", usagef("testnet: needs root (it creates a network namespace)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return "", usagef("testnet: needs ip (apt-get install iproute2)")
	}
	i2pd, err := exec.LookPath("i2pd")
	if err != nil {
		return "", usagef("testnet: needs i2pd (make deps-i2pd, or apt-get install i2pd and keep its service stopped)")
	}
	return strings.TrimSpace(i2pd), nil
}
