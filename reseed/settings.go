package reseed

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/i2pseed/i2pseed/internal/setting"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router"
)

// Settings are a reseed server's operator settings, one field per
// setting of `i2pseed serve` (flag and config key alike). They are data:
// Check validates them without touching anything, naming the setting in a
// *setting.Error; Open then makes the directories, loads the keys and
// starts listening.
type Settings struct {
	Listen string
	// NetDb is a netDb directory to serve; FromMirror a mirror's directory
	// (its netDb); neither means the built-in router harvests into
	// DataDir/netDb.
	NetDb, FromMirror string
	DataDir           string
	Signer            string // signer ID, e.g. you@mail.i2p
	Rebuild, Epoch    time.Duration
	BundleSize        int
	Bundles           int
	MinEligible       int
	NetID             int
	Testnet           bool
	MinVersion        string
	TrustedProxies    []string // CIDR prefixes
	// UserAgents allowed to fetch bundles; "any" alone allows all.
	UserAgents    []string
	LogClients    bool
	MetricsListen string
	Blocklist     string // file of CIDR prefixes
	MaxConns      int
	Limits        Limits
	// YggdrasilListen are [200::/7 address]:port addresses to serve
	// plain HTTP on for routers that reach only the Yggdrasil mesh.
	YggdrasilListen []string
	// TorControl is tor's ControlPort (host:port or unix:/path) through
	// which serve publishes itself as an onion service; TorControlPassword
	// its HashedControlPassword ("" for cookie or no authentication).
	TorControl, TorControlPassword string
	// I2PSAM is the host:port of a router's SAM bridge to publish an I2P
	// destination through (I2PChannel); "" for none.
	I2PSAM string
	// Drain is how long open connections may finish at shutdown.
	Drain time.Duration
	TLS   TLSSettings
	// Router are the built-in router's settings; its DataDir, NetID and
	// Testnet are taken from these Settings.
	Router router.Settings
}

// DefaultDataDir is where a server (and the built-in router) keeps its
// keys and state unless told: /var/lib/i2pseed for root, as the package
// installs it, else i2pseed in the user's config directory.
func DefaultDataDir() string {
	if os.Geteuid() == 0 {
		return "/var/lib/i2pseed"
	}
	if d, err := os.UserConfigDir(); err == nil {
		return filepath.Join(d, "i2pseed")
	}
	return ".i2pseed"
}

// ServeConfig is Settings checked: what a Service's parts take. Nothing
// in it has been opened yet.
type ServeConfig struct {
	Listen   string
	NetDbDir string
	DataDir  string
	SignerID string
	// BuiltinRouter: no netDb was given, so the built-in router harvests
	// into NetDbDir (made 0700 by Open).
	BuiltinRouter  bool
	NetID          netdb.NetID
	Pool           PoolConfig
	Server         ServerConfig
	Rebuild, Epoch time.Duration
	BlocklistPath  string // "" for none
	MaxConns       int
	MetricsListen  string
	Drain          time.Duration
	Yggdrasil      []string // plain HTTP listen addresses on the mesh
	TorControl     string   // tor's ControlPort; "" for no onion service
	TorPassword    string
	I2PSAM         string // SAM bridge host:port; "" for no I2P channel
	TLS            TLSSettings
	Router         router.Settings // checked when BuiltinRouter
	netDbKey       string          // the setting NetDbDir comes from
}

// Check validates s without I/O.
func (s Settings) Check() (*ServeConfig, error) {
	c := &ServeConfig{
		Listen: s.Listen, NetDbDir: s.NetDb, DataDir: s.DataDir, SignerID: s.Signer,
		Rebuild: s.Rebuild, Epoch: s.Epoch, MaxConns: s.MaxConns, MetricsListen: s.MetricsListen,
		BlocklistPath: s.Blocklist, Drain: s.Drain, TLS: s.TLS, Yggdrasil: s.YggdrasilListen,
		I2PSAM: s.I2PSAM,
	}
	c.TorControl, c.TorPassword = s.TorControl, s.TorControlPassword
	if err := s.checkScalars(); err != nil {
		return nil, err
	}
	netID, err := netdb.NetIDFromInt(s.NetID)
	if err != nil {
		return nil, setting.Errorf("netid", s.NetID, "want 1-255 (2 is the live network)")
	}
	c.NetID = netID
	if err := c.netDb(s); err != nil {
		return nil, err
	}
	policy, err := s.policy(netID)
	if err != nil {
		return nil, err
	}
	// With a yggdrasil channel the built-in router also probes routers on
	// the mesh only (Policy.Mesh: the pool's policy is its candidates).
	policy.Mesh = len(s.YggdrasilListen) > 0
	c.Pool = PoolConfig{Policy: policy, Quota: netdb.DefaultBundleQuota, BundleSize: s.BundleSize,
		Bundles: s.Bundles, MinEligible: s.MinEligible, Mesh: len(s.YggdrasilListen) > 0}
	if c.Server, err = s.server(netID); err != nil {
		return nil, err
	}
	if err := s.TLS.check(); err != nil {
		return nil, err
	}
	if err := checkYggdrasil(s.YggdrasilListen); err != nil {
		return nil, err
	}
	if err := checkTorControl(s.TorControl); err != nil {
		return nil, err
	}
	if err := checkI2PSAM(s.I2PSAM); err != nil {
		return nil, err
	}
	if c.BuiltinRouter {
		c.Router = s.Router
		c.Router.DataDir, c.Router.NetID, c.Router.Testnet = s.DataDir, s.NetID, s.Testnet
		if err := c.Router.Check(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// checkScalars checks the settings that stand alone.
func (s Settings) checkScalars() error {
	switch {
	case s.Signer == "":
		return setting.Errorf("signer", nil, "required (your signer ID, e.g. you@mail.i2p)")
	case s.Rebuild < time.Minute || s.Rebuild > 12*time.Hour:
		return setting.Errorf("rebuild", s.Rebuild, "want 1m to 12h")
	case s.Epoch != 0 && (s.Epoch < time.Minute || s.Epoch > 12*time.Hour):
		return setting.Errorf("epoch", s.Epoch, "want 0 (off) or 1m to 12h")
	case s.Drain < 0:
		return setting.Errorf("drain", s.Drain, "want 0 or more (e.g. 30s)")
	case s.DataDir == "":
		return setting.Errorf("data-dir", nil, "required (where the signer key, TLS state and secret live)")
	}
	return nil
}

// netDb settles where RouterInfos come from.
func (c *ServeConfig) netDb(s Settings) error {
	c.netDbKey = "netdb"
	if s.FromMirror != "" {
		if s.NetDb != "" {
			return setting.Errorf("from-mirror", s.FromMirror, "excludes netdb: serve one or the other")
		}
		c.NetDbDir, c.netDbKey = filepath.Join(s.FromMirror, "netDb"), "from-mirror"
	}
	if c.NetDbDir == "" {
		c.BuiltinRouter, c.NetDbDir, c.netDbKey = true, filepath.Join(s.DataDir, "netDb"), "data-dir"
	}
	return nil
}

// policy is the selection policy: bundle size, network, versions, age.
func (s Settings) policy(netID netdb.NetID) (netdb.Policy, error) {
	if (s.BundleSize < 50 || s.BundleSize > 100) && !(s.Testnet && s.BundleSize >= 1 && s.BundleSize <= 100) {
		return netdb.Policy{}, setting.Errorf("bundle-size", s.BundleSize, "want 50-100 (1-100 on a test network)")
	}
	policy, err := netdb.PolicyFor(netID, s.Testnet, s.MinVersion)
	if err != nil {
		return netdb.Policy{}, setting.Errorf("min-version", fmt.Sprintf("%q", s.MinVersion), "want a dotted version like 0.9.59")
	}
	policy.MaxAge = RouterInfoMaxAge(max(s.Rebuild, s.Epoch))
	return policy, nil
}

// server is the HTTP side: who may fetch, through which proxies, limits.
func (s Settings) server(netID netdb.NetID) (ServerConfig, error) {
	var proxies []netip.Prefix
	for _, p := range s.TrustedProxies {
		pfx, err := netip.ParsePrefix(strings.TrimSpace(p))
		if err != nil {
			return ServerConfig{}, setting.Errorf("trusted-proxies", fmt.Sprintf("%q", p), "want CIDR prefixes like 127.0.0.1/32")
		}
		proxies = append(proxies, pfx)
	}
	agents := s.UserAgents
	if len(agents) == 1 && agents[0] == "any" {
		agents = nil
	}
	return ServerConfig{
		NetID: netID, UserAgents: agents, TrustedProxies: proxies, LogClients: s.LogClients,
		PrivateMetrics: s.MetricsListen != "", SignerID: s.Signer, Limits: s.Limits,
		BundleSize: s.BundleSize,
	}, nil
}
