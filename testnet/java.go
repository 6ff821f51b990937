package testnet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
)

// JavaOptions for one Java I2P router (shared java-i2p/README.md: how to
// run it headless).
type JavaOptions struct {
	// Jars is the directory holding router.jar and i2p.jar.
	Jars string
	// Dir holds everything the router writes: config, keys, netDb, logs.
	Dir   string
	NetNS *NetNS
	// Host and Port are where it listens and what it publishes (NTCP2
	// only); I2CPPort is bound on Host too, as nothing may listen elsewhere.
	Host           string
	Port, I2CPPort int
	NetID          netdb.NetID
	Floodfill      bool
	// SSU2 publishes SSU2 too, on Host and Port (UDP).
	SSU2 bool
	// Config holds further router.config entries (e.g. reseed settings);
	// they override the defaults.
	Config map[string]string
	Detach bool
}

// JavaLog is the router log below a Java router's Dir; StartJava keeps
// an earlier run's as log-0.txt.1, .2, ...
const JavaLog = "logs/log-0.txt"

// StartJava runs a headless Java I2P router: no console, no apps, no UDP
// (SSU2) unless opts.SSU2, no UPnP, no NTP, no reseed unless Config asks
// for one. Its log levels
// are WARN, with the netDb lookup handler, the banlist and NTCP at INFO
// so tests can read what it did to our router.
func StartJava(opts JavaOptions) (*Process, error) {
	for _, jar := range []string{"router.jar", "i2p.jar"} {
		if _, err := os.Stat(filepath.Join(opts.Jars, jar)); err != nil {
			return nil, fmt.Errorf("testnet: Java I2P: %w", err)
		}
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("testnet: %w", err)
	}
	if err := writeJavaConfig(opts); err != nil {
		return nil, err
	}
	// Java writes to the first of logs/log-0.txt, log-1.txt, ... that does
	// not exist: a fresh JavaLog, for WaitFor. An earlier run's logs stay
	// in log-N.txt.M for the audit.
	olds, _ := filepath.Glob(filepath.Join(opts.Dir, "logs", "log-*.txt"))
	for _, old := range olds {
		if err := keepLog(old); err != nil {
			return nil, err
		}
	}
	cmd := javaCommand(opts)
	return startProcess(cmd, opts.Dir, opts.Dir, filepath.Join(opts.Dir, JavaLog), opts.Detach)
}

// javaCommand runs the router of opts in its namespace (or a new, empty
// one), everything below opts.Dir.
func javaCommand(opts JavaOptions) *exec.Cmd {
	d := opts.Dir
	args := []string{"-Xmx192m", "-Djava.net.preferIPv4Stack=true", "-Duser.home=" + d,
		"-Di2p.dir.base=" + d, "-Di2p.dir.config=" + d, "-Di2p.dir.router=" + d, "-Di2p.dir.pid=" + d,
		"-Di2p.dir.log=" + d, "-Di2p.dir.app=" + d,
		"-cp", filepath.Join(opts.Jars, "router.jar") + ":" + filepath.Join(opts.Jars, "i2p.jar"),
		"net.i2p.router.RouterLaunch"}
	var cmd *exec.Cmd
	if opts.NetNS != nil {
		cmd = opts.NetNS.Command("java", args...)
	} else {
		cmd = exec.Command("unshare", append([]string{"--net", "--", "java"}, args...)...)
	}
	cmd.Dir = d
	return cmd
}

// writeJavaConfig writes the router's router.config and logger.config.
func writeJavaConfig(opts JavaOptions) error {
	// The router keeps its NTCP2 static key and IV (i2np.ntcp2.sp, .iv)
	// in router.config: a later start must keep them.
	path := filepath.Join(opts.Dir, "router.config")
	conf := javaConfig(opts)
	if b, err := os.ReadFile(path); err == nil {
		keepProperties(conf, string(b))
	}
	if err := writeProperties(path, conf); err != nil {
		return err
	}
	return writeProperties(filepath.Join(opts.Dir, "logger.config"), map[string]string{
		"logger.defaultLevel": "WARN",
		"logger.record.net.i2p.router.networkdb.kademlia.FloodfillDatabaseLookupMessageHandler": "INFO",
		"logger.record.net.i2p.router.Banlist":                                                  "INFO",
		"logger.record.net.i2p.router.transport.ntcp":                                           "INFO",
		"logger.logFileSize": "64m",
	})
}

// javaConfig is the router.config of opts: a headless router on its
// host and port, opts.Config over it.
func javaConfig(opts JavaOptions) map[string]string {
	conf := map[string]string{
		"router.networkID":            opts.NetID.String(),
		"router.reseedDisable":        "true",
		"time.disabled":               "true",
		"i2np.udp.enable":             "false",
		"i2np.upnp.enable":            "false",
		"i2np.allowLocal":             "true",
		"i2np.ntcp.enable":            "true",
		"i2np.ntcp.autoip":            "false",
		"i2np.ntcp.autoport":          "false",
		"i2np.ntcp.hostname":          opts.Host,
		"i2np.ntcp.bindInterface":     opts.Host,
		"i2np.ntcp.port":              strconv.Itoa(opts.Port),
		"i2np.ntcp.ipv6":              "disable",
		"i2cp.hostname":               opts.Host,
		"i2cp.port":                   strconv.Itoa(opts.I2CPPort),
		"router.blocklist.enable":     "false",
		"router.rejectStartupTime":    "0",
		"router.floodfillParticipant": strconv.FormatBool(opts.Floodfill),
	}
	if opts.SSU2 {
		port := strconv.Itoa(opts.Port)
		for k, v := range map[string]string{"i2np.udp.enable": "true", "i2np.udp.host": opts.Host,
			"i2np.udp.bindInterface": opts.Host, "i2np.udp.port": port, "i2np.udp.internalPort": port,
			"i2np.udp.ipv6": "disable", "i2np.udp.autoip": "false", "i2np.udp.fixedHost": "true"} {
			conf[k] = v
		}
	}
	for k, v := range opts.Config {
		conf[k] = v
	}
	return conf
}

// keepProperties adds to conf the entries of the properties file text
// that conf does not set.
func keepProperties(conf map[string]string, text string) {
	for _, line := range strings.Split(text, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(k, "#") {
			if _, set := conf[k]; !set {
				conf[k] = v
			}
		}
	}
}

// writeProperties writes a Java properties file, keys sorted.
func writeProperties(path string, props map[string]string) error {
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%s\n", k, props[k])
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("testnet: %w", err)
	}
	return nil
}

// javaListening is what a Java router logs once its NTCP2 transport listens.
const javaListening = "Starting NTCP transport listening"

// javaOptions are Java router i's.
func javaOptions(ns *NetNS, cfg RoutersConfig, i int, dir string) JavaOptions {
	host, port, i2cp := routerAddr(i)
	return JavaOptions{Jars: cfg.JavaI2P, Dir: dir, NetNS: ns, Host: host, Port: port, I2CPPort: i2cp,
		NetID: cfg.NetID, Floodfill: i-cfg.Routers < cfg.JavaFloodfills, Detach: cfg.Detach, SSU2: cfg.SSU2}
}

// startJavaRouter starts Java router i knowing every router of the
// network: their RouterInfos go into its netDb directory first.
func startJavaRouter(ns *NetNS, cfg RoutersConfig, i int, routers []*Router) (*Process, error) {
	dir := routers[i].Dir
	for _, r := range routers {
		if r != routers[i] {
			if _, err := netdb.Write(filepath.Join(dir, "netDb"), r.RouterInfo); err != nil {
				return nil, err
			}
		}
	}
	return StartJava(javaOptions(ns, cfg, i, dir))
}

// InitJava runs a Java router alone until it has written its RouterInfo
// with an NTCP2 address, then stops it; its identity and NTCP2 keys stay
// in opts.Dir for the next start. (On a first start Java may publish its
// RouterInfo before its NTCP2 address is in it, and then not again for a
// long while; a second start publishes the address at once.)
func InitJava(ctx context.Context, opts JavaOptions) (*netdb.RouterInfo, error) {
	p, err := StartJava(opts)
	if err != nil {
		return nil, err
	}
	defer p.Stop()
	for {
		if ri, err := readRouterInfo(filepath.Join(opts.Dir, "router.info")); err == nil {
			if _, _, ok := publishedNTCP2(ri); ok {
				return ri, nil
			}
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("no router.info with an NTCP2 address: %w (log %s)", ctx.Err(), p.LogFile)
		case <-p.exited:
			return nil, fmt.Errorf("java exited (%v): %s", p.err, p.Output())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// publishedNTCP2 returns the host and port of ri's published NTCP2 address.
func publishedNTCP2(ri *netdb.RouterInfo) (host, port string, ok bool) {
	for _, a := range ri.Addresses {
		h, _ := a.Options.Get("host")
		p, _ := a.Options.Get("port")
		if a.Transport == "NTCP2" && h != "" && p != "" {
			return h, p, true
		}
	}
	return "", "", false
}

// ErrNoJava is FindJava's error when java is not on PATH.
var ErrNoJava = errors.New("testnet: Java I2P routers need java on PATH (apt-get install default-jre-headless)")

// FindJava checks that jars holds Java I2P's router.jar and that java is
// on PATH (else ErrNoJava), and returns jars as an absolute path: the
// routers run in directories of their own.
func FindJava(jars string) (string, error) {
	if _, err := os.Stat(filepath.Join(jars, "router.jar")); err != nil {
		return "", err
	}
	jars, _ = filepath.Abs(jars)
	if _, err := exec.LookPath("java"); err != nil {
		return "", ErrNoJava
	}
	return jars, nil
}
