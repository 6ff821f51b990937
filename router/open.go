package router

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/i2pseed/i2pseed/internal/setting"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router/ntcp2"
	"github.com/i2pseed/i2pseed/router/ssu2"
	"github.com/i2pseed/i2pseed/router/transport"
)

// Settings are a router's settings as a config file or flags give them:
// plain data, checked by Check (no I/O) and opened by Open. A comment
// names each field's setting (the config key, which is also the flag's
// name); zero means the default unless it says otherwise.
type Settings struct {
	// DataDir ("data-dir") holds the identity, in DataDir/router
	// (KeysFile, 0600), and the liveness, in DataDir/liveness.json.
	DataDir string
	// NetID ("netid") is the network, 1-255; 2 is the I2P network.
	NetID int
	// Testnet ("testnet") is a private test network: on netid 2 the
	// published address need not be public.
	Testnet bool
	// Sessions ("sessions") is how many floodfills are harvested at once
	// (default 3).
	Sessions int
	// Interval ("interval") is the least time between lookups to one
	// floodfill (default 5 s).
	Interval time.Duration
	// Lookups ("lookups") bounds the lookups of a session (default 100).
	Lookups int
	// Expire ("expire") removes RouterInfos published longer ago from
	// the store (default 48 hours).
	Expire time.Duration
	// ProbeEvery ("probe-every") is the least time between two liveness
	// probes; zero: no probes and no liveness.
	ProbeEvery time.Duration
	// ProbeRecheck ("probe-recheck") is the least time before a router
	// confirmed reachable is probed again (default 10 minutes).
	ProbeRecheck time.Duration
	// FloodfillWarmup ("floodfill-warmup") is how long after a floodfill
	// published its RouterInfo it is first asked (default 2m20s: a Java
	// floodfill drops every lookup for the first two minutes after it
	// starts); negative: at once, for a test network whose floodfills are
	// all i2pd. On the live network it is at least the default.
	FloodfillWarmup time.Duration
	// NTCP2 ("ntcp2-listen", "ntcp2-host") is the NTCP2 transport's.
	NTCP2 ntcp2.Settings
	// SSU2 ("ssu2") dials routers that publish an SSU2 address over SSU2
	// too (outbound only; our RouterInfo then carries an unpublished SSU2
	// address). Unlike the other fields, zero is off: the flag's default
	// is on.
	SSU2 bool
}

// Check validates s without I/O. Its errors are *setting.Error, naming
// the setting.
func (s Settings) Check() error {
	netID, err := netdb.NetIDFromInt(s.NetID)
	if err != nil {
		return setting.Errorf("netid", s.NetID, "want 1-255 (2 is the live network)")
	}
	if s.DataDir == "" {
		return setting.Errorf("data-dir", nil, "required (where the router keeps its keys)")
	}
	for _, c := range []struct {
		name string
		neg  bool
		val  any
		want string
	}{
		{"sessions", s.Sessions < 0, s.Sessions, "want 1 or more (0: the default, 3)"},
		{"interval", s.Interval < 0, s.Interval, "want 0 (the default, 5s) or more"},
		{"lookups", s.Lookups < 0, s.Lookups, "want 1 or more (0: the default, 100)"},
		{"expire", s.Expire < 0, s.Expire, "want 0 (the default, 48h) or more"},
		{"probe-every", s.ProbeEvery < 0, s.ProbeEvery, "want 0 (no probes) or more"},
		{"probe-recheck", s.ProbeRecheck < 0, s.ProbeRecheck, "want 0 (the default, 10m) or more"},
	} {
		if c.neg {
			return setting.Errorf(c.name, c.val, "%s", c.want)
		}
	}
	live := netID == netdb.LiveNetID && !s.Testnet
	if live && s.FloodfillWarmup != 0 && s.FloodfillWarmup < floodfillWarmup {
		return setting.Errorf("floodfill-warmup", max(s.FloodfillWarmup, 0),
			"want %v or more on the live network (Java I2P floodfills drop every lookup for 2 minutes after they start)", floodfillWarmup)
	}
	return s.NTCP2.Check(live)
}

// Deps are what a router takes from its caller rather than its settings.
type Deps struct {
	// Store is the netDb the router puts what it harvests in (required).
	Store *netdb.Store
	// Seeds returns RouterInfos to start from (Config.Seeds).
	Seeds func(ctx context.Context) ([]*netdb.RouterInfo, error)
	// Candidates admits the routers worth probing (ProbeConfig.Candidates;
	// nil: every router in the store). The router only reads it.
	Candidates *netdb.Policy
	Logger     *slog.Logger
}

// A transportKind is a transport Open runs: its name, the long-term key
// material the identity keeps for it (keySize random bytes: see
// LoadOrCreateIdentity) and how Open makes it from the settings.
type transportKind struct {
	name    string
	keySize int
	open    func(ctx context.Context, s Settings, env transportEnv) (transport.Transport, error)
}

// transportEnv is what every transport is made with.
type transportEnv struct {
	keys  []byte // Identity.TransportKeys
	netID netdb.NetID
	self  netdb.Hash
}

// transportKinds are the transports Open runs, in order of preference.
// Another transport is a package implementing transport.Transport, its
// settings in Settings, and an entry here.
var transportKinds = []transportKind{
	{"NTCP2", ntcp2.KeySize, openNTCP2},
	{"SSU2", ssu2.KeySize, openSSU2},
}

func openNTCP2(ctx context.Context, s Settings, env transportEnv) (transport.Transport, error) {
	var keys ntcp2.RouterKeys
	if err := keys.UnmarshalBinary(env.keys); err != nil {
		return nil, err
	}
	return ntcp2.Listen(ctx, s.NTCP2, ntcp2.TransportConfig{Keys: keys, NetID: env.netID, Self: env.self})
}

// openSSU2 is SSU2, dialling only; nil when Settings.SSU2 is off.
func openSSU2(_ context.Context, s Settings, env transportEnv) (transport.Transport, error) {
	if !s.SSU2 {
		return nil, nil
	}
	var keys ssu2.RouterKeys
	if err := keys.UnmarshalBinary(env.keys); err != nil {
		return nil, err
	}
	return ssu2.NewTransport(ssu2.TransportConfig{Keys: keys, NetID: env.netID}), nil
}

// Open checks s (Check), opens the identity in DataDir/router (created
// the first time), the liveness in DataDir/liveness.json (with
// ProbeEvery) and the transports (NTCP2 listens with NTCP2.Listen; SSU2,
// with Settings.SSU2, dials only), and
// returns the Router, ready to Run. Errors naming a setting (including a
// listener that cannot be opened) are *setting.Error.
func Open(ctx context.Context, s Settings, d Deps) (*Router, error) {
	if err := s.Check(); err != nil {
		return nil, err
	}
	if d.Store == nil {
		return nil, errors.New("router: Deps.Store is required")
	}
	netID, _ := netdb.NetIDFromInt(s.NetID)
	id, err := LoadOrCreateIdentity(filepath.Join(s.DataDir, "router"))
	if err != nil {
		return nil, err
	}
	cfg := Config{
		Identity: id, NetID: netID, Store: d.Store, Seeds: d.Seeds, Logger: d.Logger,
		Sessions: s.Sessions, MaxAge: s.Expire, Warmup: s.FloodfillWarmup,
		Harvest: HarvestConfig{Interval: s.Interval, Lookups: s.Lookups},
		Probe:   ProbeConfig{Every: s.ProbeEvery, Recheck: s.ProbeRecheck, Candidates: d.Candidates},
	}
	if s.ProbeEvery > 0 {
		if cfg.Liveness, err = netdb.OpenLiveness(filepath.Join(s.DataDir, "liveness.json")); err != nil {
			return nil, fmt.Errorf("router: %w", err)
		}
	}
	if cfg.Transports, err = openTransports(ctx, s, transportEnv{netID: netID, self: id.Hash()}, id); err != nil {
		return nil, err
	}
	r, err := New(cfg)
	if err != nil {
		closeAll(cfg.Transports)
		return nil, err
	}
	return r, nil
}

// openTransports opens every transportKind the settings turn on, or none.
func openTransports(ctx context.Context, s Settings, env transportEnv, id *Identity) ([]transport.Transport, error) {
	var ts []transport.Transport
	for _, k := range transportKinds {
		env.keys = id.TransportKeys(k.name)
		t, err := k.open(ctx, s, env)
		if err != nil {
			closeAll(ts)
			return nil, err
		}
		if t != nil {
			ts = append(ts, t)
		}
	}
	return ts, nil
}

func closeAll(ts []transport.Transport) {
	for _, t := range ts {
		t.Close()
	}
}
