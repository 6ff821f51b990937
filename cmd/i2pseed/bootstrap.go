package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"time"

	"github.com/i2pseed/i2pseed/reseed/client"
	"github.com/i2pseed/i2pseed/su3"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

func (a *app) bootstrapCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:  "bootstrap --netdb DIR [--urls U,...] [--file BUNDLE]",
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error { return a.bootstrap(cmd.Context()) },
	}
	addTrustFlags(cmd)
	addFetchFlags(cmd)
	f := cmd.Flags()
	f.String("netdb", "", "netDb directory to write (e.g. ~/.i2pd/netDb or ~/.i2p/netDb)")
	f.StringSlice("urls", nil, "reseed server URLs (default: the built-in list)")
	f.String("file", "", "verify and import this su3 or zip bundle instead of fetching")
	f.Duration("max-age", 48*time.Hour, "oldest RouterInfo accepted")
	f.Int("min-routers", 100, "RouterInfos wanted")
	f.Int("min-servers", 2, "servers they must come from")
	f.Int("min-floodfills", 5, "floodfills wanted among the RouterInfos (0: none)")
	f.Duration("timeout", 5*time.Minute, "overall time limit")
	f.Duration("server-timeout", 60*time.Second, "time limit per server")
	return cmd
}

// addFetchFlags adds the flags of commands that fetch from reseed servers:
// TLS roots, proxy, SAM bridge and network ID (unless the command has one
// already).
func addFetchFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.String("ca", "", "PEM file of extra TLS roots (for servers with self-signed certificates)")
	f.String("proxy", "", "proxy URL: http://[user:pass@]host:port or socks5://host:port (e.g. Tor)")
	f.String("sam", "", "SAM bridge (host:port, e.g. 127.0.0.1:7656) to reach .i2p servers through")
	if f.Lookup("netid") == nil {
		f.Int("netid", 2, "network ID")
	}
}

// httpClient builds the TLS-verifying client, with --ca roots, --proxy and --sam.
func (a *app) httpClient() (*http.Client, error) {
	var c client.HTTPConfig
	if p := a.cfg.GetString("ca"); p != "" {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, usagef("--ca: %v", err)
		}
		c.CA = b
	}
	c.Proxy, c.SAM = a.cfg.GetString("proxy"), a.cfg.GetString("sam")
	hc, err := client.NewHTTPClient(c)
	switch {
	case errors.Is(err, client.ErrCA):
		return nil, usagef("--ca %s: %v", a.cfg.GetString("ca"), err)
	case errors.Is(err, client.ErrProxy):
		return nil, usagef("--proxy %q: %v", c.Proxy, err)
	case errors.Is(err, client.ErrSAM):
		return nil, usagef("--sam %q: %v", c.SAM, err)
	}
	return hc, err
}

// clientConfig is the reseed client setup shared by the fetching commands:
// the trusted reseed signers (--certs, --no-embedded, --at), the HTTPS
// client (--ca, --proxy), --netid, and urls or else the built-in servers.
func (a *app) clientConfig(urls []string) (client.Config, error) {
	kr, err := a.keyring(su3.ContentReseed)
	if err != nil {
		return client.Config{}, err
	}
	hc, err := a.httpClient()
	if err != nil {
		return client.Config{}, err
	}
	if len(urls) == 0 {
		urls = client.DefaultServers
	}
	netID, err := a.netID()
	if err != nil {
		return client.Config{}, err
	}
	return client.Config{URLs: urls, Keyring: kr, NetID: netID, HTTP: hc, Now: a.now}, nil
}

func (a *app) bootstrap(ctx context.Context) error {
	dir := a.cfg.GetString("netdb")
	if dir == "" {
		return usagef("bootstrap: --netdb DIR is required (the router's netDb directory)")
	}
	cfg, err := a.clientConfig(a.cfg.GetStringSlice("urls"))
	if err != nil {
		return err
	}
	cfg.MaxAge, cfg.MinRouters, cfg.MinServers = a.cfg.GetDuration("max-age"), a.cfg.GetInt("min-routers"), a.cfg.GetInt("min-servers")
	cfg.Timeout, cfg.ServerTimeout = a.cfg.GetDuration("timeout"), a.cfg.GetDuration("server-timeout")
	switch ff := a.cfg.GetInt("min-floodfills"); {
	case ff < 0:
		return usagef("--min-floodfills %d: want 0 or more", ff)
	case ff == 0:
		cfg.MinFloodfills = -1 // the library's zero means its default
	default:
		cfg.MinFloodfills = ff
	}
	var res *client.Result
	if file := a.cfg.GetString("file"); file != "" {
		if res, err = a.bootstrapFile(file, cfg); err == nil && res.Floodfills() < cfg.MinFloodfills {
			fmt.Fprintf(a.stderr, "warning: --file %s has %d floodfills, fewer than --min-floodfills %d: i2pd reseeds again below 5\n",
				file, res.Floodfills(), cfg.MinFloodfills)
		}
	} else {
		report, done := a.progress(cfg.MinRouters)
		res, err = client.Bootstrap(ctx, cfg, report)
		done()
	}
	if res != nil {
		res.WriteTable(a.stdout)
	}
	if err != nil {
		return err
	}
	n, err := client.WriteNetDb(ctx, dir, res.Routers)
	if err != nil {
		return fmt.Errorf("--netdb %s: %w", dir, err)
	}
	fmt.Fprintf(a.stdout, "wrote %d RouterInfos to %s\n", n, dir)
	return nil
}

// progress reports each finished server: a progress bar towards the
// RouterInfos wanted when stderr is a terminal, plain lines otherwise.
// The second function ends the display.
func (a *app) progress(want int) (func(client.ServerResult), func()) {
	if f, ok := a.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar := progressbar.NewOptions(want, progressbar.OptionSetWriter(f), progressbar.OptionSetDescription("RouterInfos"),
			progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
		total := 0
		return func(r client.ServerResult) {
				total += r.Accepted
				bar.Set(min(total, want))
			}, func() {
				bar.Finish()
				fmt.Fprintln(f)
			}
	}
	return func(r client.ServerResult) { fmt.Fprintln(a.stderr, r) }, func() {}
}

// bootstrapFile verifies --file in place (at most cfg.MaxBody bytes, never
// read whole into memory). A file it cannot open is a usage error.
func (a *app) bootstrapFile(file string, cfg client.Config) (*client.Result, error) {
	res, err := client.BootstrapFile(cfg, file)
	var pe *fs.PathError
	switch {
	case errors.As(err, &pe):
		return nil, usagef("--file %s: %v", file, pe.Err)
	case errors.Is(err, client.ErrNotFile):
		return nil, usagef("--file %s: %v", file, err)
	case err != nil:
		return res, fmt.Errorf("--file %s: %w", file, err)
	}
	return res, nil
}
