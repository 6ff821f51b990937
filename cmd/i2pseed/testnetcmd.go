package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/i2pseed/i2pseed/testnet"
	"github.com/spf13/cobra"
)

func (a *app) testnetCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "testnet",
		Short: "Run a private I2P network on this machine: real i2pd routers, our server and router",
		Long: `A private I2P network for router developers, offline, on one machine (needs
root, iproute2 and i2pd: apt-get install i2pd, or make deps-i2pd; for Java I2P
routers, a JDK and the directory of Java I2P's router.jar and i2p.jar).

'up' creates a network namespace with --routers i2pd and --java Java I2P
routers on 198.18.0.10+, each bound to its own address (the first --floodfills
i2pd and --java-floodfills Java routers are floodfills), all of netId 7. They
learn one another from a bundle signed by a test signer made in --dir; then
'i2pseed serve' starts on 198.18.0.2:8443 and its built-in router harvests them.
It returns once the server serves bundles. Each router's log stays under
--dir/routers/<n>/.
'bootstrap' starts a fresh i2pd (or, with --java, a fresh Java I2P router) that
reseeds from that server over HTTPS.
'stop --routers K' stops K routers that are not floodfills, and 'start' starts
them again with their identities (liveness tests).
'audit' reads every router's log for lines that block, ban or throttle our
router (before or after 'down').
'down' stops everything and deletes the namespace; --dir keeps the logs.

The i2pd binary is --i2pd, else $I2PD, else i2pd on PATH; the Java I2P jars are
in --java-i2p, else $JAVA_I2P.`,
	}
	cmd.AddCommand(a.testnetUpCmd(), a.testnetDownCmd(), a.testnetBootstrapCmd(), a.testnetStopCmd(), a.testnetStartCmd(), a.testnetRaceCmd(), a.testnetLivenessCmd(), a.testnetTunnelsCmd(), a.testnetAuditCmd())
	return cmd
}

func (a *app) testnetUpCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "up --routers N [--java M] --dir DIR",
		Short: "Start the network",
		Example: `  i2pseed testnet up --routers 5 --dir /tmp/i2pnet
  i2pseed testnet up --routers 3 --java 2 --java-i2p ../shared/java-i2p --i2pd ../shared/i2pd-2.58/i2pd --dir /tmp/mixed`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			i2pd, err := a.testnetTools()
			if err != nil {
				return err
			}
			java := a.cfg.GetInt("java")
			jars := ""
			if java > 0 {
				if jars, err = a.javaI2P(); err != nil {
					return err
				}
			}
			self, err := os.Executable()
			if err != nil {
				return err
			}
			dir := a.cfg.GetString("dir")
			start := time.Now()
			st, err := testnet.Up(cmd.Context(), testnet.Config{Dir: dir, Routers: a.cfg.GetInt("routers"),
				Floodfills: a.cfg.GetInt("floodfills"), Java: java, JavaFloodfills: a.cfg.GetInt("java-floodfills"),
				JavaI2P: jars, I2PD: i2pd, Self: self, Log: a.stderr, MinEligible: a.cfg.GetInt("min-eligible")})
			if err != nil {
				return err
			}
			a.printTestnet(st, time.Since(start))
			return nil
		},
	}
	f := cmd.Flags()
	f.Int("routers", 5, "i2pd routers (with --java, 2-100 routers in all)")
	f.Int("floodfills", 2, "of them floodfills")
	f.Int("java", 0, "Java I2P routers (needs --java-i2p)")
	f.Int("java-floodfills", 0, "of them floodfills (default: half, rounded up)")
	f.Int("min-eligible", 0, "fewest eligible routers the server builds bundles from (default: all of them)")
	addTestnetImplFlags(cmd)
	f.String("dir", "testnet", "directory for keys, data, logs and state")
	return cmd
}

// addTestnetImplFlags adds the flags that choose the routers' binaries.
func addTestnetImplFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.String("i2pd", os.Getenv("I2PD"), "i2pd binary (default $I2PD, else i2pd on PATH)")
	f.String("java-i2p", os.Getenv("JAVA_I2P"), "directory of Java I2P's router.jar and i2p.jar (default $JAVA_I2P)")
}

// javaI2P checks --java-i2p and java on PATH.
func (a *app) javaI2P() (string, error) {
	dir := a.cfg.GetString("java-i2p")
	if dir == "" {
		return "", usagef("testnet: Java I2P routers need --java-i2p DIR (the directory of router.jar and i2p.jar) or $JAVA_I2P")
	}
	if _, err := os.Stat(filepath.Join(dir, "router.jar")); err != nil {
		return "", usagef("--java-i2p: %v", err)
	}
	dir, _ = filepath.Abs(dir) // the routers run in directories of their own
	if _, err := exec.LookPath("java"); err != nil {
		return "", usagef("testnet: Java I2P routers need java on PATH (apt-get install default-jre-headless)")
	}
	return dir, nil
}

// floodfillCount is how many of the network's routers are floodfills.
func floodfillCount(st *testnet.State) int {
	n := 0
	for _, r := range st.Routers {
		if r.Floodfill {
			n++
		}
	}
	return n
}

func (a *app) printTestnet(st *testnet.State, took time.Duration) {
	w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "test network up in %v, network namespace %s\n\n", took.Round(100*time.Millisecond), st.NetNS)
	fmt.Fprintln(w, "ROUTER\tIMPL\tNTCP2\tFLOODFILL\tPID")
	for _, r := range st.Routers {
		fmt.Fprintf(w, "%s\t%s\t%s\t%v\t%d\n", r.Hash, r.Impl, r.Addr, r.Floodfill, r.PID)
	}
	w.Flush()
	fmt.Fprintf(a.stdout, `
reseed server  %s (pid %d, log %s)
  signer       testnet@mail.i2p, certificate %s
  TLS          self-signed, %s

point a client at it (from inside the namespace):
  ip netns exec %s i2pd --netid=%d --reseed.urls=%s --reseed.verify=true --certsdir=%s --host=198.18.0.201 ...
  ip netns exec %s i2pseed bootstrap --netid %d --urls %s --ca %s --certs %s --min-servers 1 --min-routers %d --min-floodfills %d --netdb NETDB
  i2pseed testnet bootstrap --dir %s     (a fresh i2pd reseeds from it and reports)
stop it:
  i2pseed testnet down --dir %s
`, st.Server.URL, st.Server.PID, st.Server.Log, st.Server.SignerCert, st.Server.TLSCert,
		st.NetNS, st.NetID, st.Server.URL, st.Server.CertsDir,
		st.NetNS, st.NetID, st.Server.URL, st.Server.TLSCert, st.Server.CertsDir+"/reseed", len(st.Routers), floodfillCount(st),
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

func (a *app) testnetStopCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "stop --dir DIR --routers K",
		Short: "Stop K routers that are not floodfills, i2pd and Java in turn (for liveness tests; 'start' brings them back)",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.loadTestnet()
			if err != nil {
				return err
			}
			k := a.cfg.GetInt("routers")
			if k < 1 {
				return usagef("--routers %d: want at least 1", k)
			}
			stopped, err := st.StopRouters(k)
			if err != nil {
				return usagef("--routers: %v", err)
			}
			for _, r := range stopped {
				fmt.Fprintf(a.stdout, "stopped %s %s %s\n", r.Impl, r.Addr, r.Hash)
			}
			return nil
		},
	}
	cmd.Flags().String("dir", "testnet", "directory of the network")
	cmd.Flags().Int("routers", 1, "how many to stop")
	return cmd
}

func (a *app) testnetStartCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "start --dir DIR",
		Short: "Start the routers 'stop' stopped, with their identities",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.loadTestnet()
			if err != nil {
				return err
			}
			started, err := st.StartStopped(cmd.Context())
			for _, r := range started {
				fmt.Fprintf(a.stdout, "started %s %s %s (pid %d)\n", r.Impl, r.Addr, r.Hash, r.PID)
			}
			return err
		},
	}
	cmd.Flags().String("dir", "testnet", "directory of the network")
	return cmd
}

func (a *app) testnetRaceCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "race --dir DIR [--seeds 2]",
		Short: "Start a fresh i2pseed router, i2pd and Java router at once from the same floodfills, and time how soon each knows the network",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, i2pd, jars, self, err := a.testnetWithPeers()
			if err != nil {
				return err
			}
			res, err := st.Race(cmd.Context(), testnet.RaceConfig{I2PD: i2pd, JavaI2P: jars, Self: self,
				Seeds: a.cfg.GetInt("seeds"), Timeout: a.cfg.GetDuration("timeout"), Log: a.stderr})
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(w, "ROUTER\tHOLDS\tTO 95%\tTO 100%\tTHROTTLED")
			for _, r := range res {
				fmt.Fprintf(w, "%s\t%d of %d\t%s\t%s\t%d\n", r.Impl, r.Held, r.Of, raceTime(r.To95), raceTime(r.To100), r.Throttled)
			}
			return w.Flush()
		},
	}
	f := cmd.Flags()
	f.String("dir", "testnet", "directory of the network")
	f.Int("seeds", 2, "floodfills each fresh router starts from")
	f.Duration("timeout", 15*time.Minute, "give up after this")
	addTestnetImplFlags(cmd)
	return cmd
}

func (a *app) testnetLivenessCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "liveness --dir DIR [--routers K]",
		Short: "Stop K routers that are not floodfills (default a third) and measure how soon the server's bundles leave them out",
		Long: `Stops K routers that are not floodfills, fetches a bundle from the server every
3 s until one holds none of them, and compares the share of routers that run in
that bundle with the share in what the same netDb gives without liveness. The
network needs 'testnet up --min-eligible' low enough for pools to be built
without the stopped routers. 'testnet start' brings them back.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.loadTestnet()
			if err != nil {
				return err
			}
			k := a.cfg.GetInt("routers")
			if k <= 0 {
				k = max(1, st.NonFloodfills()/3)
			}
			res, err := st.Liveness(cmd.Context(), k, a.cfg.GetDuration("timeout"))
			if res != nil {
				for _, r := range res.Stopped {
					fmt.Fprintf(a.stdout, "stopped %s %s %s\n", r.Impl, r.Addr, r.Hash)
				}
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "bundles left them out %v after they stopped\n", res.Gone.Round(time.Second))
			fmt.Fprintf(a.stdout, "with liveness:    %d of %d RouterInfos in a bundle are live (%.0f%%)\n", res.BundleLive, res.Bundle, pct(res.BundleLive, res.Bundle))
			fmt.Fprintf(a.stdout, "without liveness: %d of %d eligible RouterInfos are live (%.0f%%)\n", res.SnapshotLive, res.Snapshot, pct(res.SnapshotLive, res.Snapshot))
			return nil
		},
	}
	f := cmd.Flags()
	f.String("dir", "testnet", "directory of the network")
	f.Int("routers", 0, "how many to stop (default a third of those that are not floodfills)")
	f.Duration("timeout", 15*time.Minute, "give up after this")
	return cmd
}

func (a *app) testnetTunnelsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tunnels --dir DIR [--limit 5m]",
		Short: "Reseed a fresh i2pd and Java router from our server and from a snapshot server without liveness, and time their first exploratory tunnels",
		Long: `Run after 'testnet liveness' (while its routers are stopped): starts a second
server on 198.18.0.3 that serves a copy of the server's netDb with no router and
so no liveness, then reseeds a fresh i2pd and a fresh Java router from each
server in turn and times their first exploratory tunnel each way.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, i2pd, jars, self, err := a.testnetWithPeers()
			if err != nil {
				return err
			}
			res, err := st.Tunnels(cmd.Context(), self, i2pd, jars, a.cfg.GetDuration("limit"))
			w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(w, "SERVER\tROUTER\tRESEEDED\tTUNNELS EACH WAY")
			for _, r := range res {
				fmt.Fprintf(w, "%s\t%s\t%d\t%s\n", r.Server, r.Impl, r.Added, raceTime(r.Tunnels))
			}
			w.Flush()
			return err
		},
	}
	f := cmd.Flags()
	f.String("dir", "testnet", "directory of the network")
	f.Duration("limit", 5*time.Minute, "longest wait for a router's tunnels")
	addTestnetImplFlags(cmd)
	return cmd
}

func (a *app) testnetAuditCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit --dir DIR",
		Short: "Read every router's log for lines that block, ban or throttle our router; exit 1 if any",
		Long: `Reads the log of every router that ran in the network in --dir (its i2pd and
Java I2P routers and the fresh clients, earlier runs of each too) and prints
each line that blocks, bans, banlists, throttles or drops our server's router,
named by its address (198.18.0.2) or its hash (from the server's log). The
rules are Java I2P 2.7's and i2pd 2.45-2.58's (testnet.Rules). Lines of such
rules that name no peer (i2pd's clock skew, Java's inbound rate drop) may be
ours: they go to stderr and are not counted. Works before and after 'down'.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := a.cfg.GetString("dir")
			res, err := testnet.AuditNetwork(dir)
			if err != nil {
				return usagef("--dir: %v", err)
			}
			rel := func(o testnet.Offence) testnet.Offence {
				if r, err := filepath.Rel(dir, o.File); err == nil {
					o.File = r
				}
				return o
			}
			for _, o := range res.Offences {
				fmt.Fprintln(a.stdout, rel(o))
			}
			if len(res.Unnamed) > 0 {
				fmt.Fprintf(a.stderr, "%d lines name no peer (not counted; ours or another's):\n", len(res.Unnamed))
				for _, o := range res.Unnamed {
					fmt.Fprintln(a.stderr, "  "+rel(o).String())
				}
			}
			if err := res.Err(); err != nil {
				return fmt.Errorf("%d lines in the peers' logs block, ban or throttle our router", len(res.Offences))
			}
			fmt.Fprintf(a.stdout, "no peer blocked, banned or throttled our router (%d logs read)\n", len(res.Logs))
			return nil
		},
	}
	cmd.Flags().String("dir", "testnet", "directory of the network")
	return cmd
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

func raceTime(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return d.Round(time.Second).String()
}

func (a *app) testnetBootstrapCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bootstrap --dir DIR [--java]",
		Short: "Start a fresh i2pd (or Java I2P router) that reseeds from the network's server over HTTPS, and report",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			i2pd, err := a.testnetTools()
			if err != nil {
				return err
			}
			st, err := a.loadTestnet()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 3*time.Minute)
			defer cancel()
			impl := "i2pd"
			var res *testnet.BootstrapResult
			if a.cfg.GetBool("java") {
				impl = "Java I2P router"
				jars, jerr := a.javaI2P()
				if jerr != nil {
					return jerr
				}
				res, err = st.BootstrapJava(ctx, jars)
			} else {
				res, err = st.Bootstrap(ctx, i2pd)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "fresh %s reseeded from %s: %d RouterInfos added in %v\n", impl, st.Server.URL, res.Added, res.Took.Round(time.Millisecond))
			for _, l := range res.Failures {
				fmt.Fprintln(a.stdout, "  "+l)
			}
			if res.Added < len(st.Routers) || len(res.Failures) > 0 {
				return fmt.Errorf("testnet bootstrap: the fresh %s added %d of %d RouterInfos", impl, res.Added, len(st.Routers))
			}
			return nil
		},
	}
	cmd.Flags().String("dir", "testnet", "directory of the network")
	cmd.Flags().Bool("java", false, "bootstrap a fresh Java I2P router (needs --java-i2p) instead of i2pd")
	addTestnetImplFlags(cmd)
	return cmd
}

// testnetTools checks for root, ip and i2pd (--i2pd, $I2PD or PATH).
func (a *app) testnetTools() (string, error) {
	if os.Geteuid() != 0 {
		return "", usagef("testnet: needs root (it creates a network namespace)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return "", usagef("testnet: needs ip (apt-get install iproute2)")
	}
	bin := a.cfg.GetString("i2pd")
	if bin == "" {
		bin = "i2pd"
	}
	i2pd, err := exec.LookPath(bin)
	if err != nil {
		return "", usagef("testnet: needs i2pd: --i2pd %q: %v (make deps-i2pd, or apt-get install i2pd and keep its service stopped)", bin, err)
	}
	abs, err := filepath.Abs(strings.TrimSpace(i2pd)) // the routers run in directories of their own
	if err != nil {
		return "", usagef("--i2pd %q: %v", bin, err)
	}
	return abs, nil
}

// loadTestnet reads the state of the network in --dir.
func (a *app) loadTestnet() (*testnet.State, error) {
	st, err := testnet.Load(a.cfg.GetString("dir"))
	if err != nil {
		return nil, usagef("--dir: %v (testnet up first)", err)
	}
	return st, nil
}

// testnetWithPeers is what the commands that start fresh routers of both
// kinds need: the network in --dir, i2pd, the Java jars and ourselves.
// testnetWithPeers loads the network in --dir and finds the i2pd and Java
// I2P it runs fresh routers of: --i2pd and --java-i2p, else the ones the
// network was started with.
func (a *app) testnetWithPeers() (st *testnet.State, i2pd, jars, self string, err error) {
	if st, err = a.loadTestnet(); err != nil {
		return
	}
	if !a.cfg.IsSet("i2pd") && st.Config.I2PD != "" {
		a.cfg.Set("i2pd", st.Config.I2PD)
	}
	if !a.cfg.IsSet("java-i2p") && st.Config.JavaI2P != "" {
		a.cfg.Set("java-i2p", st.Config.JavaI2P)
	}
	if i2pd, err = a.testnetTools(); err != nil {
		return
	}
	if jars, err = a.javaI2P(); err != nil {
		return
	}
	self, err = os.Executable()
	return
}
