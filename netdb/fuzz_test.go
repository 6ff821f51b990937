package netdb

import (
	"bytes"
	"testing"
)

// seedRouterInfos adds the live RouterInfos, the i2pd sample and a few
// synthetic ones.
func seedRouterInfos(f *testing.F) [][]byte {
	var seeds [][]byte
	for _, e := range liveRouterInfos(f) {
		seeds = append(seeds, e.Data)
	}
	ris, err := Synth(3, SynthConfig{Now: synthNow, Seed: 3})
	if err != nil {
		f.Fatal(err)
	}
	for _, ri := range ris {
		seeds = append(seeds, ri.Bytes())
	}
	return seeds
}

func FuzzRouterInfo(f *testing.F) {
	for _, s := range seedRouterInfos(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ri, err := ParseRouterInfo(b)
		if err != nil {
			return
		}
		out, err := ri.AppendBinary(nil)
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("accepted RouterInfo does not re-serialize identically (err %v)", err)
		}
		if _, err := ParseRouterInfo(b[:len(b)-1]); err == nil {
			t.Fatal("a strict prefix of a RouterInfo parses")
		}
		ri.Verify()
		Summarize(ri)
	})
}

// FuzzMapping is seeded with the Mappings of the seed RouterInfos.
func FuzzMapping(f *testing.F) {
	for _, s := range seedRouterInfos(f) {
		ri, err := ParseRouterInfo(s)
		if err != nil {
			f.Fatal(err)
		}
		m, _ := ri.Options.AppendBinary(nil)
		f.Add(m)
		for _, a := range ri.Addresses {
			m, _ := a.Options.AppendBinary(nil)
			f.Add(m)
		}
	}
	f.Add([]byte{0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseMapping(b)
		if err != nil {
			return
		}
		out, err := m.AppendBinary(nil)
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("accepted mapping does not re-serialize identically (err %v)", err)
		}
	})
}

func FuzzCertificate(f *testing.F) {
	for _, s := range seedRouterInfos(f) {
		ri, err := ParseRouterInfo(s)
		if err != nil {
			f.Fatal(err)
		}
		c, _ := ri.Identity.Cert.AppendBinary(nil)
		f.Add(c)
		f.Add(ri.Identity.Bytes())
	}
	f.Add([]byte{0, 0, 0})
	f.Add([]byte{5, 0, 8, 0, 3, 0, 0, 1, 2, 3, 4})
	f.Fuzz(func(t *testing.T, b []byte) {
		if c, err := ParseCertificate(b); err == nil {
			out, err := c.AppendBinary(nil)
			if err != nil || !bytes.Equal(out, b) {
				t.Fatalf("accepted certificate does not re-serialize identically (err %v)", err)
			}
			c.KeyTypes()
		}
		if id, err := ParseIdentity(b); err == nil {
			if !bytes.Equal(id.Bytes(), b) {
				t.Fatal("identity bytes differ from the input")
			}
		}
	})
}
