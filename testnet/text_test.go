package testnet

import (
	"strings"
	"testing"
	"time"
)

func TestUnitWriteSummary(t *testing.T) {
	st := &State{NetNS: "i2pseed-0a1b2c3d", NetID: NetID, Dir: "/tmp/net",
		Routers: []RouterState{
			{Impl: ImplI2PD, Hash: "AAAA", Addr: "198.18.0.10:18800", Floodfill: true, PID: 101},
			{Impl: ImplJava, Hash: "BBBB", Addr: "198.18.0.11:18801", PID: 102},
		},
		Server: ServerState{PID: 100, URL: "https://198.18.0.2:8443/", TLSCert: "/tmp/net/server/tls.crt",
			CertsDir: "/tmp/net/certs", SignerCert: "/tmp/net/signer.crt", Log: "/tmp/net/server.log"},
	}
	var b strings.Builder
	if err := st.WriteSummary(&b, 12340*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, want := range []string{
		"test network up in 12.3s, network namespace i2pseed-0a1b2c3d\n\nROUTER  IMPL  NTCP2              FLOODFILL  PID\n",
		"AAAA    i2pd  198.18.0.10:18800  true       101\n",
		"BBBB    java  198.18.0.11:18801  false      102\n",
		"reseed server  https://198.18.0.2:8443/ (pid 100, log /tmp/net/server.log)\n  signer       testnet@mail.i2p, certificate /tmp/net/signer.crt\n",
		"ip netns exec i2pseed-0a1b2c3d i2pd --netid=7 --reseed.urls=https://198.18.0.2:8443/ --reseed.verify=true --certsdir=/tmp/net/certs",
		"ip netns exec i2pseed-0a1b2c3d i2pseed bootstrap ",
		"  i2pseed testnet down --dir /tmp/net\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
}

func TestUnitWriteResults(t *testing.T) {
	var b strings.Builder
	WriteRace(&b, []RaceResult{
		{Impl: "i2pseed", Held: 10, Of: 10, To95: 61400 * time.Millisecond, To100: 90 * time.Second},
		{Impl: ImplJava, Held: 8, Of: 10, Throttled: 3},
	})
	(&BootstrapResult{Added: 12, Took: 4321 * time.Millisecond, Failures: []string{"Reseed: failed to verify"}}).WriteText(&b, "i2pd", "https://198.18.0.2:8443/")
	WriteTunnels(&b, []TunnelResult{{Server: "liveness", Impl: ImplI2PD, Added: 20, Tunnels: 42 * time.Second}})
	(&LivenessResult{Stopped: []RouterState{{Impl: ImplI2PD, Addr: "198.18.0.12:18802", Hash: "CCCC"}},
		Gone: 35 * time.Second, Bundle: 10, BundleLive: 10, Snapshot: 12, SnapshotLive: 9}).WriteText(&b)
	want := `ROUTER   HOLDS     TO 95%  TO 100%  THROTTLED
i2pseed  10 of 10  1m1s    1m30s    0
java     8 of 10   -       -        3
fresh i2pd reseeded from https://198.18.0.2:8443/: 12 RouterInfos added in 4.321s
  Reseed: failed to verify
SERVER    ROUTER  RESEEDED  TUNNELS EACH WAY
liveness  i2pd    20        42s
stopped i2pd 198.18.0.12:18802 CCCC
bundles left them out 35s after they stopped
with liveness:    10 of 10 RouterInfos in a bundle are live (100%)
without liveness: 9 of 12 eligible RouterInfos are live (75%)
`
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestUnitWriteAudit(t *testing.T) {
	a := &Audit{
		Offences: []Offence{{File: "/n/routers/3/logs/log-router-0.txt", Line: 12, Impl: ImplJava, Rule: "banlist", Text: "Banlist AAAA"}},
		Unnamed:  []Offence{{File: "/n/routers/0/i2pd.log", Line: 7, Impl: ImplI2PD, Rule: "clock-skew", Text: "clock skew"}},
	}
	var out, unnamed strings.Builder
	a.WriteOffences(&out, "/n")
	a.WriteUnnamed(&unnamed, "/n")
	if got, want := out.String(), "routers/3/logs/log-router-0.txt:12: java banlist: Banlist AAAA\n"; got != want {
		t.Errorf("offences: got %q, want %q", got, want)
	}
	if got, want := unnamed.String(), "1 lines name no peer (not counted; ours or another's):\n  routers/0/i2pd.log:7: i2pd clock-skew: clock skew\n"; got != want {
		t.Errorf("unnamed: got %q, want %q", got, want)
	}
	out.Reset()
	(&Audit{}).WriteUnnamed(&out, "/n")
	if out.Len() != 0 {
		t.Errorf("no unnamed lines: got %q, want nothing", out.String())
	}
}
