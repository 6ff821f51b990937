package router

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/internal/setting"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router/ntcp2"
)

func TestSettingsCheck(t *testing.T) {
	ok := Settings{DataDir: "d", NetID: 2}
	tests := []struct {
		name    string
		edit    func(*Settings)
		setting string // "" for valid
		msg     string // part of the message
	}{
		{"defaults", func(s *Settings) {}, "", ""},
		{"netid 0", func(s *Settings) { s.NetID = 0 }, "netid", "want 1-255"},
		{"netid 256", func(s *Settings) { s.NetID = 256 }, "netid", "want 1-255"},
		{"no data-dir", func(s *Settings) { s.DataDir = "" }, "data-dir", "required"},
		{"sessions", func(s *Settings) { s.Sessions = -1 }, "sessions", "want 1 or more"},
		{"interval", func(s *Settings) { s.Interval = -time.Second }, "interval", "want 0"},
		{"lookups", func(s *Settings) { s.Lookups = -1 }, "lookups", "want 1 or more"},
		{"expire", func(s *Settings) { s.Expire = -time.Hour }, "expire", "want 0"},
		{"probe-every", func(s *Settings) { s.ProbeEvery = -time.Second }, "probe-every", "want 0 (no probes) or more"},
		{"probe-recheck", func(s *Settings) { s.ProbeRecheck = -time.Second }, "probe-recheck", "want 0"},
		{"warmup short on the live network", func(s *Settings) { s.FloodfillWarmup = time.Minute }, "floodfill-warmup", "want 2m20s or more on the live network"},
		{"no warmup on the live network", func(s *Settings) { s.FloodfillWarmup = -1 }, "floodfill-warmup", "Java I2P floodfills drop"},
		{"warmup longer on the live network", func(s *Settings) { s.FloodfillWarmup = 5 * time.Minute }, "", ""},
		{"no warmup on a test network", func(s *Settings) { s.FloodfillWarmup, s.Testnet = -1, true }, "", ""},
		{"no warmup on netid 7", func(s *Settings) { s.FloodfillWarmup, s.NetID = -1, 7 }, "", ""},
		{"listen port 0", func(s *Settings) { s.NTCP2.Listen = "127.0.0.1:0" }, "ntcp2-listen", "fixed port"},
		{"listen no port", func(s *Settings) { s.NTCP2.Listen = "198.51.100.1" }, "ntcp2-listen", "fixed port"},
		{"listen any, no host", func(s *Settings) { s.NTCP2.Listen = ":12345" }, "ntcp2-host", "the IP address to publish is needed"},
		{"listen any, host", func(s *Settings) { s.NTCP2 = ntcp2.Settings{Listen: ":12345", Host: "8.8.8.8"} }, "", ""},
		{"host a name", func(s *Settings) { s.NTCP2 = ntcp2.Settings{Listen: ":12345", Host: "example.com"} }, "ntcp2-host", "want the IP address"},
		{"private on netid 2", func(s *Settings) { s.NTCP2.Listen = "192.168.1.5:12345" }, "ntcp2-host", "routers refuse a RouterInfo whose only address is not public"},
		{"loopback host on netid 2", func(s *Settings) { s.NTCP2 = ntcp2.Settings{Listen: ":12345", Host: "127.0.0.1"} }, "ntcp2-host", "not public"},
		{"host without listen", func(s *Settings) { s.NTCP2 = ntcp2.Settings{Host: "203.0.113.5"} }, "ntcp2-host", "needs ntcp2-listen"},
		{"private on a test network", func(s *Settings) { s.NTCP2.Listen, s.Testnet = "192.168.1.5:12345", true }, "", ""},
		{"private on netid 3", func(s *Settings) { s.NTCP2.Listen, s.NetID = "192.168.1.5:12345", 3 }, "", ""},
		{"public IPv6", func(s *Settings) { s.NTCP2.Listen = "[2a00:1450::1]:12345" }, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ok
			tt.edit(&s)
			err := s.Check()
			var se *setting.Error
			switch {
			case tt.setting == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tt.setting == "":
			case !errors.As(err, &se) || se.Setting != tt.setting || !errors.Is(err, setting.ErrBad):
				t.Errorf("got %v, want a *setting.Error naming %s", err, tt.setting)
			case !strings.Contains(se.Msg, tt.msg):
				t.Errorf("message %q, want it to say %q", se.Msg, tt.msg)
			}
		})
	}
}

// freePort is a TCP port nothing listens on (for now) on 127.0.0.1.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestOpen: Open makes the identity (then keeps it), the liveness with
// probes, and the NTCP2 listener whose address our RouterInfo publishes;
// Close closes it. Settings in error open nothing.
func TestOpen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store := testStore(t, t.TempDir())
	listen := freePort(t)
	s := Settings{DataDir: dir, NetID: 2, Testnet: true, ProbeEvery: time.Second, NTCP2: ntcp2.Settings{Listen: listen}}
	r, err := Open(ctx, s, Deps{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "router", KeysFile)); err != nil {
		t.Errorf("identity: %v", err)
	}
	if r.Liveness() == nil {
		t.Error("no liveness with probe-every set")
	}
	ri := r.RouterInfo()
	as := ri.NTCP2Addresses()
	if len(as) != 1 || as[0].AddrPort().String() != listen || ri.Option("caps") != capsPublished || ri.Verify() != nil {
		t.Fatalf("RouterInfo publishes %v, caps %q; want %s, %s", as, ri.Option("caps"), listen, capsPublished)
	}
	if !listens(listen) {
		t.Fatalf("nothing listens on %s", listen)
	}
	hash := r.Hash()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if listens(listen) {
		t.Errorf("%s still listens after Close", listen)
	}

	// Again, outbound only and without probes: the same router.
	r, err = Open(ctx, Settings{DataDir: dir, NetID: 2}, Deps{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if ri := r.RouterInfo(); r.Hash() != hash || r.Liveness() != nil || ri.Option("caps") != capsUnpublished {
		t.Errorf("reopened: same hash %v, liveness %v, caps %q", r.Hash() == hash, r.Liveness(), ri.Option("caps"))
	}
}

// TestOpenSSU2: with SSU2 on, the same router gains an unpublished SSU2
// address (caps 4, s, i, v=2) whose keys the identity keeps.
func TestOpenSSU2(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store := testStore(t, t.TempDir())
	r, err := Open(ctx, Settings{DataDir: dir, NetID: 2}, Deps{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	hash := r.Hash()
	if got := addressStyles(r.RouterInfo()); got != "NTCP2" {
		t.Errorf("SSU2 off: RouterInfo addresses %s, want NTCP2", got)
	}
	r.Close()
	r, err = Open(ctx, Settings{DataDir: dir, NetID: 2, SSU2: true}, Deps{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ri := r.RouterInfo()
	if got := addressStyles(ri); r.Hash() != hash || got != "NTCP2 SSU2" || ri.Option("caps") != capsUnpublished || ri.Verify() != nil {
		t.Fatalf("SSU2 on: same hash %v, addresses %s, caps %q", r.Hash() == hash, got, ri.Option("caps"))
	}
	a := ri.Addresses[1]
	for _, k := range []string{"s", "i"} {
		if v, _ := a.Options.Get(k); v == "" {
			t.Errorf("SSU2 address without %s: %v", k, a.Options)
		}
	}
	if caps, _ := a.Options.Get("caps"); caps != "4" || hasKey(a.Options, "host") {
		t.Errorf("SSU2 address %v, want unpublished, caps 4", a.Options)
	}
}

// addressStyles lists ri's addresses' transports.
func addressStyles(ri *netdb.RouterInfo) string {
	var s []string
	for _, a := range ri.Addresses {
		s = append(s, a.Transport)
	}
	return strings.Join(s, " ")
}

// listens reports whether a TCP connection to addr opens.
func listens(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		c.Close()
	}
	return err == nil
}

// TestOpenRefuses: settings in error open nothing; a listener that cannot
// be opened names its setting.
func TestOpenRefuses(t *testing.T) {
	ctx := context.Background()
	store := testStore(t, t.TempDir())
	fresh := t.TempDir()
	_, err := Open(ctx, Settings{DataDir: fresh, NetID: 2, NTCP2: ntcp2.Settings{Listen: "10.0.0.1:12345"}}, Deps{Store: store})
	if se := (*setting.Error)(nil); !errors.As(err, &se) || se.Setting != "ntcp2-host" {
		t.Errorf("private address on netid 2: %v", err)
	}
	if es, _ := os.ReadDir(fresh); len(es) != 0 {
		t.Errorf("a refused Open wrote %v", es)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = Open(ctx, Settings{DataDir: fresh, NetID: 2, Testnet: true, NTCP2: ntcp2.Settings{Listen: ln.Addr().String()}}, Deps{Store: store})
	if se := (*setting.Error)(nil); !errors.As(err, &se) || se.Setting != "ntcp2-listen" {
		t.Errorf("listening where another listens: %v", err)
	}
	if _, err := Open(ctx, Settings{DataDir: fresh, NetID: 2}, Deps{}); err == nil {
		t.Error("opened without a store")
	}
}

func hasKey(m netdb.Mapping, key string) bool {
	_, ok := m.Get(key)
	return ok
}
