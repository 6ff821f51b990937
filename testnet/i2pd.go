package testnet

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/i2pseed/i2pseed/netdb"
)

// LibFaketime finds the preload library of Debian's faketime package, or "".
func LibFaketime() string {
	m, _ := filepath.Glob("/usr/lib/*/faketime/libfaketime.so.1")
	if len(m) == 0 {
		return ""
	}
	return m[0]
}

// Options for one i2pd process.
type Options struct {
	// Args are extra i2pd options, e.g. --reseed.file=...
	Args []string
	// Conf are extra lines of i2pd.conf, for the switches (ipv4,
	// reservedrange) that i2pd's command line can only turn on.
	Conf []string
	// FakeTime, if set, starts i2pd's wall clock there (libfaketime "@"
	// form, e.g. "@2026-03-02 12:00:00"); the monotonic clock stays real.
	FakeTime string
	// Dir holds the log and config files; DataDir is i2pd's data
	// directory (default Dir/data).
	Dir, DataDir string
	// NetNS runs i2pd in this namespace; nil means a new, empty one
	// (unshare --net: no network at all).
	NetNS *NetNS
	// LogLevel is i2pd's --loglevel; default info.
	LogLevel string
	// Detach starts i2pd in a session of its own, to outlive this process.
	Detach bool
}

// StartI2PD runs the i2pd binary with everything but the router itself
// off (no HTTP console, proxies, SAM, I2CP, UPnP) unless Args turn it on,
// logging to Dir/i2pd.log.
func StartI2PD(bin string, opts Options) (*Process, error) {
	if opts.Dir == "" {
		return nil, fmt.Errorf("testnet: Options.Dir is required")
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("testnet: %w", err)
	}
	tunconf := filepath.Join(opts.Dir, "tunnels.conf")
	if err := os.WriteFile(tunconf, nil, 0o644); err != nil {
		return nil, fmt.Errorf("testnet: %w", err)
	}
	dataDir := opts.DataDir
	if dataDir == "" {
		dataDir = filepath.Join(opts.Dir, "data")
	}
	logFile := filepath.Join(opts.Dir, "i2pd.log")
	// A fresh log: WaitFor must not find what an earlier run in Dir
	// logged, which stays in i2pd.log.N for the audit.
	if err := keepLog(logFile); err != nil {
		return nil, err
	}
	level := opts.LogLevel
	if level == "" {
		level = "info"
	}
	// --reservedrange=false: the test addresses (198.18.0.0/15) must not
	// depend on i2pd's list of reserved ranges (2.58 passes them only by a
	// typo in it; 2.45.1 refuses them on inbound whatever the flag).
	// A switch on i2pd's command line, so only the config file can turn it off.
	conf := filepath.Join(opts.Dir, "i2pd.conf")
	lines := strings.Join(append([]string{"reservedrange = false"}, opts.Conf...), "\n") + "\n"
	if err := os.WriteFile(conf, []byte(lines), 0o644); err != nil {
		return nil, fmt.Errorf("testnet: %w", err)
	}
	args := append([]string{"--datadir=" + dataDir, "--conf=" + conf,
		"--tunconf=" + tunconf, "--tunnelsdir=" + filepath.Join(opts.Dir, "tunnels.d"),
		"--log=file", "--logfile=" + logFile, "--loglevel=" + level},
		append(servicesOff(opts.Args), opts.Args...)...)
	// unshare and ip netns exec exec i2pd in place: the PID we signal is
	// i2pd's own. libfaketime is preloaded through the environment, not
	// the faketime wrapper, which would fork.
	var cmd *exec.Cmd
	if opts.NetNS != nil {
		cmd = opts.NetNS.Command(bin, args...)
	} else {
		cmd = exec.Command("unshare", append([]string{"--net", "--", bin}, args...)...)
	}
	if opts.FakeTime != "" {
		cmd.Env = append(os.Environ(), "LD_PRELOAD="+LibFaketime(), "FAKETIME="+opts.FakeTime,
			"FAKETIME_DONT_FAKE_MONOTONIC=1") // or i2pd's netDb thread stalls
	}
	return startProcess(cmd, opts.Dir, dataDir, logFile, opts.Detach)
}

// servicesOff turns off i2pd's services (HTTP console, proxies, SAM,
// I2CP, UPnP) but those args turn on themselves, e.g. --sam.enabled=true:
// i2pd refuses an option given twice.
func servicesOff(args []string) []string {
	var off []string
	for _, svc := range []string{"http", "httpproxy", "socksproxy", "sam", "i2cp", "bob", "i2pcontrol", "upnp"} {
		opt := "--" + svc + ".enabled="
		if !slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, opt) }) {
			off = append(off, opt+"false")
		}
	}
	return off
}

// CertsDir makes an i2pd certificates directory dir whose reseed/ holds
// only the certificates in crtFiles, for --certsdir.
func CertsDir(dir string, crtFiles ...string) error {
	if err := os.MkdirAll(filepath.Join(dir, "reseed"), 0o755); err != nil {
		return fmt.Errorf("testnet: %w", err)
	}
	for _, f := range crtFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("testnet: %w", err)
		}
		if err := os.WriteFile(filepath.Join(dir, "reseed", filepath.Base(f)), b, 0o644); err != nil {
			return fmt.Errorf("testnet: %w", err)
		}
	}
	return nil
}

// What i2pd logs as it starts.
const (
	transportsStarting = "Daemon: Starting Transports"
	transportsUp       = "Daemon: Transports started"
)

// routerArgs are i2pd router i's address and role: it publishes and binds
// (also for outgoing connections: --address4) its own address, as i2pd
// 2.46+ bans peers whose connections come from elsewhere.
func routerArgs(cfg RoutersConfig, i int) []string {
	host, port, _ := routerAddr(i)
	a := []string{"--host=" + host, "--address4=" + host, fmt.Sprintf("--port=%d", port), "--netid=" + cfg.NetID.String(),
		"--ntcp2.enabled=true", "--ntcp2.published=true"}
	a = append(a, ssu2Args(cfg.SSU2)...)
	if i < cfg.Floodfills {
		a = append(a, "--floodfill")
	}
	return append(a, yggdrasilArgs(cfg, i)...)
}

// ssu2Args turn i2pd's SSU2 on and published, or off. With
// --ssu2.port unset, i2pd's SSU2 takes --port (UDP, beside NTCP2's TCP)
// and --host, as NTCP2 does.
func ssu2Args(on bool) []string {
	if on {
		return []string{"--ssu2.enabled=true", "--ssu2.published=true"}
	}
	return []string{"--ssu2.enabled=false"}
}

// firstStartI2PD runs i2pd router i alone, with no reseed, until its
// transports start, and returns the RouterInfo it wrote.
func firstStartI2PD(ctx context.Context, ns *NetNS, cfg RoutersConfig, i int, rdir string) (*netdb.RouterInfo, error) {
	data := filepath.Join(rdir, "data")
	p, err := StartI2PD(cfg.I2PD, Options{NetNS: ns, Dir: rdir, DataDir: data, Args: append(routerArgs(cfg, i), "--reseed.file=/nonexistent/none.su3")})
	if err != nil {
		return nil, err
	}
	err = p.WaitFor(ctx, transportsStarting)
	p.Stop()
	if err != nil {
		return nil, err
	}
	return readRouterInfo(filepath.Join(data, "router.info"))
}

// startI2PDRouter starts i2pd router i, whose identity is in dir, reseeded
// from reseed (the network's initial bundle, Dir/initial.su3, or a
// startBarrier's URL serving it), trusting only the test signer
// (Dir/certs).
func startI2PDRouter(ns *NetNS, cfg RoutersConfig, i int, dir, reseed string, detach bool) (*Process, error) {
	args := append(routerArgs(cfg, i), "--certsdir="+filepath.Join(cfg.Dir, "certs"),
		"--reseed.file="+reseed, "--reseed.verify=true")
	if cfg.Args != nil {
		args = append(args, cfg.Args(i)...)
	}
	return StartI2PD(cfg.I2PD, Options{NetNS: ns, Dir: dir, DataDir: filepath.Join(dir, "data"), Args: args, Detach: detach})
}

// FindI2PD finds the i2pd binary bin (a path, or a name on PATH) and
// returns its absolute path: the routers run in directories of their own.
func FindI2PD(bin string) (string, error) {
	path, err := exec.LookPath(bin)
	if err != nil {
		return "", err
	}
	return filepath.Abs(strings.TrimSpace(path))
}
