package netdb

import (
	"testing"
	"time"
)

func TestYggdrasil(t *testing.T) {
	ok := Mapping{{"host", "201:abcd::1"}, {"i", "AAAAAAAAAAAAAAAAAAAAAA=="}, {"port", "9000"}, {"s", "dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0dGVzdHRlc3Q="}, {"v", "2"}}
	with := func(k, v string) Mapping {
		m := append(Mapping(nil), ok...)
		for i := range m {
			if m[i].Key == k {
				m[i].Value = v
				return m
			}
		}
		return append(m, KV{k, v})
	}
	tests := []struct {
		name  string
		addrs []RouterAddress
		want  bool
	}{
		{"NTCP2 on 200::/8", []RouterAddress{{Transport: "NTCP2", Options: ok}}, true},
		{"SSU2 on 300::/8", []RouterAddress{{Transport: "SSU2", Options: with("host", "300:1::1")}}, true},
		{"mesh beside IPv4", []RouterAddress{{Transport: "NTCP2", Options: with("host", "198.18.0.1")}, {Transport: "NTCP2", Options: ok}}, true},
		{"IPv4 only", []RouterAddress{{Transport: "NTCP2", Options: with("host", "198.18.0.1")}}, false},
		{"IPv6 outside 200::/7", []RouterAddress{{Transport: "NTCP2", Options: with("host", "2001:db8::1")}}, false},
		{"400::/7 is not the mesh", []RouterAddress{{Transport: "NTCP2", Options: with("host", "400::1")}}, false},
		{"no port", []RouterAddress{{Transport: "NTCP2", Options: with("port", "")}}, false},
		{"bad static key", []RouterAddress{{Transport: "NTCP2", Options: with("s", "AAAA")}}, false},
		{"version 1", []RouterAddress{{Transport: "NTCP2", Options: with("v", "1")}}, false},
		{"introducers", []RouterAddress{{Transport: "SSU2", Options: with("ih0", "AAAA")}}, false},
		{"SSU", []RouterAddress{{Transport: "SSU", Options: ok}}, false},
		{"no address", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ri := &RouterInfo{Addresses: tt.addrs}
			if got := ri.Yggdrasil(); got != tt.want {
				t.Errorf("RouterInfo.Yggdrasil() = %v, want %v", got, tt.want)
			}
			if got := (&Entry{Addrs: addrs(ri)}).Yggdrasil(); got != tt.want {
				t.Errorf("Entry.Yggdrasil() = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestSynthYggdrasil: SynthConfig.Yggdrasil puts the first routers on the
// mesh and leaves the others as they are without it.
func TestSynthYggdrasil(t *testing.T) {
	cfg := SynthConfig{Now: time.Unix(1.7e9, 0), Seed: 5}
	plain, err := Synth(30, cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Yggdrasil = 10
	mesh, err := Synth(30, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i, ri := range mesh {
		if got, want := Summarize(ri).Yggdrasil(), i < 10; got != want || ri.Verify() != nil {
			t.Errorf("router %d: Yggdrasil %v, want %v (verify: %v)", i, got, want, ri.Verify())
		}
		if plain[i].Yggdrasil() {
			t.Errorf("router %d is on the mesh without SynthConfig.Yggdrasil", i)
		}
	}
}

// TestPolicyMesh: a router that publishes only a mesh address has no
// address for an ordinary bundle, and one for a mesh bundle (Policy.Mesh).
func TestPolicyMesh(t *testing.T) {
	now := time.Unix(1.7e9, 0)
	ris, err := Synth(40, SynthConfig{Now: now, Seed: 5, Yggdrasil: 40, YggdrasilOnly: 40})
	if err != nil {
		t.Fatal(err)
	}
	p := DefaultPolicy()
	p.Now = func() time.Time { return now }
	checked := 0
	for _, ri := range ris {
		e := Summarize(ri)
		p.Mesh = true
		if p.Check(e) != OK {
			continue // caps, version...: not what this test is about
		}
		checked++
		p.Mesh = false
		if r := p.Check(e); r != RejectAddress {
			t.Errorf("mesh-only router without Policy.Mesh: %v, want %v", r, RejectAddress)
		}
	}
	if checked == 0 {
		t.Fatal("no mesh-only router passes the mesh policy: the test tests nothing")
	}
}
