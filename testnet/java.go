package testnet

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

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
	// Config holds further router.config entries (e.g. reseed settings);
	// they override the defaults.
	Config map[string]string
	Detach bool
}

// JavaLog is the router log below a Java router's Dir; StartJava keeps
// an earlier run's as log-0.txt.1, .2, ...
const JavaLog = "logs/log-0.txt"

// StartJava runs a headless Java I2P router: no console, no apps, no UDP,
// no UPnP, no NTP, no reseed unless Config asks for one. Its log levels
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
	for k, v := range opts.Config {
		conf[k] = v
	}
	// The router keeps its NTCP2 static key and IV (i2np.ntcp2.sp, .iv)
	// in router.config: a later start must keep them.
	path := filepath.Join(opts.Dir, "router.config")
	if b, err := os.ReadFile(path); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(k, "#") {
				if _, set := conf[k]; !set {
					conf[k] = v
				}
			}
		}
	}
	if err := writeProperties(path, conf); err != nil {
		return nil, err
	}
	if err := writeProperties(filepath.Join(opts.Dir, "logger.config"), map[string]string{
		"logger.defaultLevel": "WARN",
		"logger.record.net.i2p.router.networkdb.kademlia.FloodfillDatabaseLookupMessageHandler": "INFO",
		"logger.record.net.i2p.router.Banlist":                                                  "INFO",
		"logger.record.net.i2p.router.transport.ntcp":                                           "INFO",
		"logger.logFileSize": "64m",
	}); err != nil {
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
	logFile := filepath.Join(opts.Dir, JavaLog)
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
	return startProcess(cmd, d, d, logFile, opts.Detach)
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
