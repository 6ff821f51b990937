package reseed

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
)

// Settings are a reseed server's operator settings, one field per
// setting of `i2pseed serve` (flag and config key alike; a SettingError
// names the key). Config validates them into what the parts of a server
// take.
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
}

// ServeConfig is Settings validated: what a server's listener, pool
// builder, server and router take.
type ServeConfig struct {
	Listen   string
	NetDbDir string
	DataDir  string
	SignerID string
	// BuiltinRouter: no netDb was given, so the built-in router harvests
	// into NetDbDir (created 0700).
	BuiltinRouter  bool
	NetID          netdb.NetID
	Pool           PoolConfig
	Server         ServerConfig
	Rebuild, Epoch time.Duration
	Blocklist      *Blocklist // nil without Settings.Blocklist
	BlocklistPath  string
	MaxConns       int
	MetricsListen  string
}

// ErrSetting is what every SettingError wraps.
var ErrSetting = errors.New("bad setting")

// A SettingError names the setting (flag and config key) that is wrong.
type SettingError struct {
	Setting string // e.g. "bundle-size"
	Value   string // as given; empty when missing
	Msg     string // what is wanted
}

func (e *SettingError) Error() string {
	if e.Value == "" {
		return e.Setting + ": " + e.Msg
	}
	return e.Setting + " " + e.Value + ": " + e.Msg
}

func (e *SettingError) Unwrap() error { return ErrSetting }

func settingErr(setting string, value any, msg string) error {
	return &SettingError{Setting: setting, Value: fmt.Sprint(value), Msg: msg}
}

// Config validates s. With neither NetDb nor FromMirror it creates
// DataDir/netDb (0700) for the built-in router.
func (s Settings) Config() (*ServeConfig, error) {
	c := &ServeConfig{
		Listen: s.Listen, NetDbDir: s.NetDb, DataDir: s.DataDir, SignerID: s.Signer,
		Rebuild: s.Rebuild, Epoch: s.Epoch, MaxConns: s.MaxConns, MetricsListen: s.MetricsListen,
		BlocklistPath: s.Blocklist,
	}
	switch {
	case s.Signer == "":
		return nil, settingErr("signer", "", "required (your signer ID, e.g. you@mail.i2p)")
	case s.Rebuild < time.Minute || s.Rebuild > 12*time.Hour:
		return nil, settingErr("rebuild", s.Rebuild, "want 1m to 12h")
	case s.Epoch != 0 && (s.Epoch < time.Minute || s.Epoch > 12*time.Hour):
		return nil, settingErr("epoch", s.Epoch, "want 0 (off) or 1m to 12h")
	}
	if err := privateDir(s.DataDir); err != nil {
		return nil, err
	}
	netID, err := netdb.NetIDFromInt(s.NetID)
	if err != nil {
		return nil, settingErr("netid", s.NetID, "want 1-255 (2 is the live network)")
	}
	c.NetID = netID
	if err := c.netDb(s); err != nil {
		return nil, err
	}
	policy, err := s.policy(netID)
	if err != nil {
		return nil, err
	}
	c.Pool = PoolConfig{Policy: policy, Quota: netdb.DefaultBundleQuota, BundleSize: s.BundleSize,
		Bundles: s.Bundles, MinEligible: s.MinEligible}
	if c.Server, err = s.server(netID); err != nil {
		return nil, err
	}
	if s.Blocklist != "" {
		if c.Blocklist, err = LoadBlocklist(s.Blocklist); err != nil {
			return nil, settingErr("blocklist", s.Blocklist, err.Error())
		}
	}
	return c, nil
}

// netDb settles where RouterInfos come from.
func (c *ServeConfig) netDb(s Settings) error {
	if s.FromMirror != "" {
		if s.NetDb != "" {
			return settingErr("from-mirror", s.FromMirror, "excludes --netdb")
		}
		c.NetDbDir = filepath.Join(s.FromMirror, "netDb")
	}
	if c.NetDbDir == "" {
		c.BuiltinRouter, c.NetDbDir = true, filepath.Join(s.DataDir, "netDb")
		if err := os.MkdirAll(c.NetDbDir, 0o700); err != nil {
			return settingErr("data-dir", s.DataDir, err.Error())
		}
	}
	if fi, err := os.Stat(c.NetDbDir); err != nil || !fi.IsDir() {
		key := "netdb"
		if s.FromMirror != "" {
			key = "from-mirror"
		}
		return settingErr(key, c.NetDbDir, "not a directory")
	}
	return nil
}

// policy is the selection policy: bundle size, network, versions, age.
func (s Settings) policy(netID netdb.NetID) (netdb.Policy, error) {
	if (s.BundleSize < 50 || s.BundleSize > 100) && !(s.Testnet && s.BundleSize >= 1 && s.BundleSize <= 100) {
		return netdb.Policy{}, settingErr("bundle-size", s.BundleSize, "want 50-100 (1-100 with --testnet)")
	}
	policy := netdb.DefaultPolicy()
	if s.Testnet {
		policy = netdb.TestnetPolicy(netID)
	}
	policy.NetID = netID
	policy.MinVersion = s.MinVersion
	if netdb.CompareVersions(policy.MinVersion, "0.0") < 0 {
		return netdb.Policy{}, settingErr("min-version", fmt.Sprintf("%q", s.MinVersion), "want a dotted version like 0.9.59")
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
			return ServerConfig{}, settingErr("trusted-proxies", fmt.Sprintf("%q", p), "want CIDR prefixes like 127.0.0.1/32")
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
	}, nil
}

// privateDir makes the data dir (signer key, secret, TLS and router keys)
// 0700, or tightens an existing one that lets its group or others in.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return settingErr("data-dir", dir, err.Error())
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return settingErr("data-dir", dir, err.Error())
	}
	if !fi.IsDir() {
		return settingErr("data-dir", dir, "not a directory")
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return settingErr("data-dir", dir, fmt.Sprintf("mode %v lets others in and cannot be tightened to 0700: %v", fi.Mode().Perm(), err))
		}
	}
	return nil
}
