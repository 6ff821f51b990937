package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/i2pseed/i2pseed/testnet"
	"github.com/spf13/cobra"
)

func (a *app) testnetCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "testnet"}
	cmd.AddCommand(a.testnetUpCmd(), a.testnetDownCmd(), a.testnetBootstrapCmd(), a.testnetStopCmd(), a.testnetStartCmd(), a.testnetRaceCmd(), a.testnetLivenessCmd(), a.testnetTunnelsCmd(), a.testnetAuditCmd())
	return cmd
}

// testnetSub is a testnet subcommand that takes no arguments, with --dir;
// those of a network that is up wrap their run in testnetRun.
func testnetSub(use string, run func(cmd *cobra.Command, args []string) error) *cobra.Command {
	cmd := &cobra.Command{Use: use, Args: exactArgs(0, "no arguments"), RunE: run}
	cmd.Flags().String("dir", "testnet", "directory of the network")
	return cmd
}

// testnetRun is a run of testnetSub that loads the network in --dir.
func (a *app) testnetRun(run func(cmd *cobra.Command, st *testnet.State) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		st, err := a.loadTestnet()
		if err != nil {
			return err
		}
		return run(cmd, st)
	}
}

func (a *app) testnetUpCmd() *cobra.Command {
	cmd := testnetSub("up --routers N [--java M] --dir DIR", func(cmd *cobra.Command, _ []string) error {
		i2pd, jars, err := a.testnetTools(a.cfg.GetInt("java") > 0)
		if err != nil {
			return err
		}
		self, err := os.Executable()
		if err != nil {
			return err
		}
		start := time.Now()
		st, err := testnet.Up(cmd.Context(), testnet.Config{Dir: a.cfg.GetString("dir"), Routers: a.cfg.GetInt("routers"),
			Floodfills: a.cfg.GetInt("floodfills"), Java: a.cfg.GetInt("java"), JavaFloodfills: a.cfg.GetInt("java-floodfills"),
			JavaI2P: jars, I2PD: i2pd, Self: self, Log: a.stderr, MinEligible: a.cfg.GetInt("min-eligible"),
			Yggdrasil: a.cfg.GetInt("yggdrasil"), SSU2: testnetSSU2(cmd, false)})
		if err != nil {
			return err
		}
		return st.WriteSummary(a.stdout, time.Since(start))
	})
	f := cmd.Flags()
	f.Lookup("dir").Usage = "directory for keys, data, logs and state"
	f.Int("routers", 5, "i2pd routers (with --java, 2-100 routers in all)")
	f.Int("floodfills", 2, "of them floodfills")
	f.Int("java", 0, "Java I2P routers (needs --java-i2p)")
	f.Int("java-floodfills", 0, "of them floodfills (default: half, rounded up)")
	f.Int("min-eligible", 0, "fewest eligible routers the server builds bundles from (default: all of them)")
	f.Int("yggdrasil", 0, "of the i2pd routers, this many also publish a Yggdrasil address, and the server serves http://"+testnet.YggdrasilServer+"/ for them")
	f.Bool("ssu2", false, "every router also publishes SSU2 (UDP, on its NTCP2 host and port); the server's router dials some over it")
	addTestnetImplFlags(cmd)
	return cmd
}

// testnetSSU2 is --ssu2 if given, else def. Read from the flag itself:
// the config key ssu2 (I2PSEED_SSU2) is the router's, not the test
// network's.
func testnetSSU2(cmd *cobra.Command, def bool) bool {
	if f := cmd.Flags().Lookup("ssu2"); f != nil && f.Changed {
		return f.Value.String() == "true"
	}
	return def
}

// addTestnetImplFlags adds the flags that choose the routers' binaries.
func addTestnetImplFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.String("i2pd", os.Getenv("I2PD"), "i2pd binary (default $I2PD, else i2pd on PATH)")
	f.String("java-i2p", os.Getenv("JAVA_I2P"), "directory of Java I2P's router.jar and i2p.jar (default $JAVA_I2P)")
}

func (a *app) testnetDownCmd() *cobra.Command {
	return testnetSub("down --dir DIR", func(*cobra.Command, []string) error {
		if err := testnet.Down(a.cfg.GetString("dir")); err != nil {
			return fmt.Errorf("--dir: %w", err)
		}
		fmt.Fprintln(a.stdout, "test network down")
		return nil
	})
}

func (a *app) testnetStopCmd() *cobra.Command {
	cmd := testnetSub("stop --dir DIR --routers K", a.testnetRun(func(_ *cobra.Command, st *testnet.State) error {
		k := a.cfg.GetInt("routers")
		if k < 1 {
			return usagef("--routers %d: want at least 1", k)
		}
		stopped, err := st.StopRouters(k)
		if err != nil {
			return usagef("--routers: %v", err)
		}
		return testnet.WriteRouters(a.stdout, "stopped", stopped)
	}))
	cmd.Flags().Int("routers", 1, "how many to stop")
	return cmd
}

func (a *app) testnetStartCmd() *cobra.Command {
	return testnetSub("start --dir DIR", a.testnetRun(func(cmd *cobra.Command, st *testnet.State) error {
		started, err := st.StartStopped(cmd.Context())
		for _, r := range started {
			fmt.Fprintf(a.stdout, "started %s %s %s (pid %d)\n", r.Impl, r.Addr, r.Hash, r.PID)
		}
		return err
	}))
}

func (a *app) testnetRaceCmd() *cobra.Command {
	cmd := testnetSub("race --dir DIR [--seeds 2]", a.testnetRun(func(cmd *cobra.Command, st *testnet.State) error {
		i2pd, jars, self, err := a.testnetPeers(st)
		if err != nil {
			return err
		}
		ssu2 := testnetSSU2(cmd, st.Config.SSU2)
		res, err := st.Race(cmd.Context(), testnet.RaceConfig{I2PD: i2pd, JavaI2P: jars, Self: self,
			Seeds: a.cfg.GetInt("seeds"), Timeout: a.cfg.GetDuration("timeout"), Log: a.stderr, SSU2: ssu2})
		if err != nil {
			return err
		}
		return testnet.WriteRace(a.stdout, res)
	}))
	cmd.Flags().Int("seeds", 2, "floodfills each fresh router starts from")
	cmd.Flags().Duration("timeout", 15*time.Minute, "give up after this")
	cmd.Flags().Bool("ssu2", false, "the fresh i2pd and Java routers publish SSU2 too (default: as the network's routers, testnet up --ssu2)")
	addTestnetImplFlags(cmd)
	return cmd
}

func (a *app) testnetLivenessCmd() *cobra.Command {
	cmd := testnetSub("liveness --dir DIR [--routers K]", a.testnetRun(func(cmd *cobra.Command, st *testnet.State) error {
		res, err := st.Liveness(cmd.Context(), a.cfg.GetInt("routers"), a.cfg.GetDuration("timeout"))
		if err != nil {
			if res != nil {
				testnet.WriteRouters(a.stdout, "stopped", res.Stopped)
			}
			return err
		}
		return res.WriteText(a.stdout)
	}))
	cmd.Flags().Int("routers", 0, "how many to stop (default a third of those that are not floodfills)")
	cmd.Flags().Duration("timeout", 15*time.Minute, "give up after this")
	return cmd
}

func (a *app) testnetTunnelsCmd() *cobra.Command {
	cmd := testnetSub("tunnels --dir DIR [--limit 5m]", a.testnetRun(func(cmd *cobra.Command, st *testnet.State) error {
		i2pd, jars, self, err := a.testnetPeers(st)
		if err != nil {
			return err
		}
		res, err := st.Tunnels(cmd.Context(), self, i2pd, jars, a.cfg.GetDuration("limit"))
		testnet.WriteTunnels(a.stdout, res)
		return err
	}))
	cmd.Flags().Duration("limit", 5*time.Minute, "longest wait for a router's tunnels")
	addTestnetImplFlags(cmd)
	return cmd
}

func (a *app) testnetAuditCmd() *cobra.Command {
	return testnetSub("audit --dir DIR", func(*cobra.Command, []string) error {
		dir := a.cfg.GetString("dir")
		res, err := testnet.AuditNetwork(dir)
		if err != nil {
			return usagef("--dir: %v", err)
		}
		res.WriteOffences(a.stdout, dir)
		res.WriteUnnamed(a.stderr, dir)
		if err := res.Err(); err != nil {
			return fmt.Errorf("%d lines in the peers' logs block, ban or throttle our router", len(res.Offences))
		}
		fmt.Fprintf(a.stdout, "no peer blocked, banned or throttled our router (%d logs read)\n", len(res.Logs))
		return nil
	})
}

func (a *app) testnetBootstrapCmd() *cobra.Command {
	cmd := testnetSub("bootstrap --dir DIR [--java]", func(cmd *cobra.Command, _ []string) error {
		i2pd, _, err := a.testnetTools(false)
		if err != nil {
			return err
		}
		st, err := a.loadTestnet()
		if err != nil {
			return err
		}
		impl, name, bin := testnet.ImplI2PD, "i2pd", i2pd
		if a.cfg.GetBool("java") {
			if bin, err = a.javaI2P(); err != nil {
				return err
			}
			impl, name = testnet.ImplJava, "Java I2P router"
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), 3*time.Minute)
		defer cancel()
		res, err := st.BootstrapImpl(ctx, impl, bin, testnet.BootstrapOptions{})
		if err != nil {
			return err
		}
		res.WriteText(a.stdout, name, st.Server.URL)
		if !res.Complete(st) {
			return fmt.Errorf("testnet bootstrap: the fresh %s added %d of %d RouterInfos", name, res.Added, len(st.Routers))
		}
		return nil
	})
	cmd.Flags().Bool("java", false, "bootstrap a fresh Java I2P router (needs --java-i2p) instead of i2pd")
	addTestnetImplFlags(cmd)
	return cmd
}

// testnetTools checks for root, ip and i2pd (--i2pd, $I2PD or PATH) and,
// if java, Java I2P (javaI2P).
func (a *app) testnetTools(java bool) (i2pd, jars string, err error) {
	if err := testnet.CheckHost(); err != nil {
		return "", "", usagef("%v", err)
	}
	bin := cmp.Or(a.cfg.GetString("i2pd"), "i2pd")
	if i2pd, err = testnet.FindI2PD(bin); err != nil {
		return "", "", usagef("testnet: needs i2pd: --i2pd %q: %v (make deps-i2pd, or apt-get install i2pd and keep its service stopped)", bin, err)
	}
	if java {
		jars, err = a.javaI2P()
	}
	return i2pd, jars, err
}

// javaI2P checks --java-i2p and java on PATH.
func (a *app) javaI2P() (string, error) {
	dir := a.cfg.GetString("java-i2p")
	if dir == "" {
		return "", usagef("testnet: Java I2P routers need --java-i2p DIR (the directory of router.jar and i2p.jar) or $JAVA_I2P")
	}
	dir, err := testnet.FindJava(dir)
	if errors.Is(err, testnet.ErrNoJava) {
		return "", usagef("%v", err)
	} else if err != nil {
		return "", usagef("--java-i2p: %v", err)
	}
	return dir, nil
}

// loadTestnet reads the state of the network in --dir.
func (a *app) loadTestnet() (*testnet.State, error) {
	st, err := testnet.Load(a.cfg.GetString("dir"))
	if err != nil {
		return nil, usagef("--dir: %v (testnet up first)", err)
	}
	return st, nil
}

// testnetPeers finds the i2pd and Java I2P that st runs fresh routers of
// (--i2pd and --java-i2p, else the ones the network was started with),
// and ourselves.
func (a *app) testnetPeers(st *testnet.State) (i2pd, jars, self string, err error) {
	if !a.cfg.IsSet("i2pd") && st.Config.I2PD != "" {
		a.cfg.Set("i2pd", st.Config.I2PD)
	}
	if !a.cfg.IsSet("java-i2p") && st.Config.JavaI2P != "" {
		a.cfg.Set("java-i2p", st.Config.JavaI2P)
	}
	if i2pd, jars, err = a.testnetTools(true); err != nil {
		return "", "", "", err
	}
	self, err = os.Executable()
	return i2pd, jars, self, err
}
