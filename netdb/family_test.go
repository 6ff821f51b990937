package netdb

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/internal/i2pbase64"
)

func TestKnownFamilies(t *testing.T) {
	known := KnownFamilies()
	var names []string
	for name, k := range known {
		names = append(names, name)
		if _, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append([]byte{4}, k[:]...)); err != nil {
			t.Errorf("%s: key not on P-256: %v", name, err)
		}
	}
	slices.Sort(names)
	want := []string{"gostcoin", "i2p-dev", "i2pd-dev", "mca2-i2p", "stormycloud", "volatile"}
	if !slices.Equal(names, want) {
		t.Errorf("known families %q, want %q (i2pd's contrib/certificates/family)", names, want)
	}
}

func TestParseFamilyCertificateRejects(t *testing.T) {
	rsa, err := os.ReadFile("../su3/testdata/test-signer.crt")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrFormat},
		{"not PEM", []byte("certificate"), ErrFormat},
		{"PEM garbage", []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), ErrFormat},
		{"RSA key", rsa, ErrUnsupported},
	} {
		if _, _, err := ParseFamilyCertificate(tt.in); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
}

// liveFamilies returns the RouterInfos of the live bundle that name a
// family, by family name.
func liveFamilies(t testing.TB) map[string][]*RouterInfo {
	t.Helper()
	m := map[string][]*RouterInfo{}
	for _, e := range liveRouterInfos(t) {
		ri, err := ParseRouterInfo(e.Data)
		if err != nil {
			t.Fatal(err)
		}
		if name := ri.Option(OptFamily); name != "" {
			m[name] = append(m[name], ri)
		}
	}
	return m
}

// withOption returns a copy of ri's options with key set to value (or
// removed if value is "\x00"), sorted; it does not re-sign.
func withOption(ri *RouterInfo, key, value string) *RouterInfo {
	c := RouterInfo{raw: ri.raw, Identity: ri.Identity, Published: ri.Published, Addresses: ri.Addresses, Peers: ri.Peers, Signature: ri.Signature}
	c.Options = slices.DeleteFunc(slices.Clone(ri.Options), func(kv KV) bool { return kv.Key == key })
	if value != "\x00" {
		c.Options = append(c.Options, KV{key, value})
		slices.SortFunc(c.Options, func(a, b KV) int { return strings.Compare(a.Key, b.Key) })
	}
	return &c
}

// flipSig returns the base64 of s's bytes with the last one changed.
func flipSig(t testing.TB, s string) string {
	b, err := i2pbase64.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-1] ^= 1
	return i2pbase64.EncodeToString(b)
}

// TestLiveFamilies: the six real routers with a family in the live bundle
// (Java's stormycloud with the known key and its family.key, Java's i2pag
// with only its family.key, i2pd's curlhouse and NiggaNetworks without a
// key) pass, and each check is real: a changed signature fails whenever
// there is a key to check it with.
func TestLiveFamilies(t *testing.T) {
	fams := liveFamilies(t)
	if len(fams["stormycloud"]) != 2 || len(fams["i2pag"]) != 1 || len(fams["curlhouse"]) != 1 || len(fams["NiggaNetworks"]) != 2 {
		t.Fatalf("live families: %v", fams)
	}
	for name, ris := range fams {
		for _, ri := range ris {
			checkLiveFamilyMember(t, name, ri)
		}
	}
	storm := fams["stormycloud"][0]
	// Known key only (as i2pd checks it): the real signature verifies, a
	// wrong known key refutes it even though family.key would verify.
	if err := withOption(storm, OptFamilyKey, "\x00").VerifyFamily(); err != nil {
		t.Errorf("stormycloud against its certificate alone: %v", err)
	}
	other := KnownFamilies()["i2p-dev"]
	if err := storm.VerifyFamilyWith(map[string]FamilyKey{"stormycloud": other}); !errors.Is(err, ErrFamily) {
		t.Errorf("stormycloud against another family's key: %v, want ErrFamily", err)
	}
	// i2pd lower-cases the name and signs the lower-cased name, so an
	// upper-case claim to a known family fails.
	if err := withOption(storm, OptFamily, "StormyCloud").VerifyFamily(); !errors.Is(err, ErrFamily) {
		t.Errorf("StormyCloud: %v, want ErrFamily", err)
	}
	// Without any key an i2pd family is unverifiable; given one, checked.
	nn := fams["NiggaNetworks"][0]
	if err := nn.VerifyFamilyWith(map[string]FamilyKey{"nigganetworks": other}); !errors.Is(err, ErrFamily) {
		t.Errorf("NiggaNetworks with a known (wrong) key: %v, want ErrFamily", err)
	}
}

// checkLiveFamilyMember checks one live router of family name: its family
// verifies and Summarize takes it, and a changed signature fails unless
// there is no key to check it with.
func checkLiveFamilyMember(t *testing.T, name string, ri *RouterInfo) {
	t.Helper()
	if err := ri.VerifyFamily(); err != nil {
		t.Errorf("%s %s: %v", name, ri.Hash(), err)
	}
	if got := Summarize(ri); got.Family != strings.ToLower(name) || got.BadFamily {
		t.Errorf("%s: Summarize: family %q bad %v", name, got.Family, got.BadFamily)
	}
	bad := withOption(ri, OptFamilySig, flipSig(t, ri.Option(OptFamilySig)))
	err := bad.VerifyFamily()
	switch name {
	case "curlhouse", "NiggaNetworks": // i2pd: no key published, not a known family
		if err != nil {
			t.Errorf("%s with a changed signature and no key: %v, want nil (unverifiable)", name, err)
		}
	default:
		if !errors.Is(err, ErrFamily) {
			t.Errorf("%s with a changed signature: %v, want ErrFamily", name, err)
		}
	}
}

// p256Sign signs msg as a family key does: SHA-256, r||s.
func p256Sign(t testing.TB, k *ecdsa.PrivateKey, msg []byte) []byte {
	d := sha256.Sum256(msg)
	r, s, err := ecdsa.Sign(rand.Reader, k, d[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return sig
}

func TestVerifyFamily(t *testing.T) {
	ris, err := Synth(1, SynthConfig{Now: synthNow, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	base := ris[0]
	h := base.Hash()
	b64 := i2pbase64.EncodeToString
	edPub, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	ecPriv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecRaw, _ := ecPriv.PublicKey.Bytes()
	var known FamilyKey
	copy(known[:], ecRaw[1:])
	knownSet := map[string]FamilyKey{"ours": known}
	msg := func(name string) []byte { return append([]byte(name), h[:]...) }
	edKey := "7:" + b64(edPub)
	edSig := func(name string) string { return b64(ed25519.Sign(edPriv, msg(name))) }
	ecSig := func(name string) string { return b64(p256Sign(t, ecPriv, msg(name))) }
	long := strings.Repeat("x", 69)

	tests := []struct {
		name string
		opts map[string]string // family, family.key, family.sig; "" leaves it out
		ok   bool
	}{
		{"no family", map[string]string{OptFamilySig: "garbage"}, true},
		{"family without a signature", map[string]string{OptFamily: "f", OptFamilyKey: "garbage"}, true},
		{"EdDSA family.key", map[string]string{OptFamily: "f", OptFamilyKey: edKey, OptFamilySig: edSig("f")}, true},
		{"EdDSA, ';' separator", map[string]string{OptFamily: "f", OptFamilyKey: "7;" + b64(edPub), OptFamilySig: edSig("f")}, true},
		{"EdDSA, signed for another name", map[string]string{OptFamily: "f", OptFamilyKey: edKey, OptFamilySig: edSig("g")}, false},
		{"ECDSA family.key", map[string]string{OptFamily: "f", OptFamilyKey: "1:" + b64(ecRaw[1:]), OptFamilySig: ecSig("f")}, true},
		{"ECDSA key, EdDSA signature", map[string]string{OptFamily: "f", OptFamilyKey: "1:" + b64(ecRaw[1:]), OptFamilySig: edSig("f")}, false},
		{"EdDSA key, 63-byte signature", map[string]string{OptFamily: "f", OptFamilyKey: edKey, OptFamilySig: b64(make([]byte, 63))}, false},
		{"signature not base64", map[string]string{OptFamily: "f", OptFamilyKey: edKey, OptFamilySig: "!!"}, false},
		{"key without type", map[string]string{OptFamily: "f", OptFamilyKey: b64(edPub), OptFamilySig: edSig("f")}, false},
		{"key type not a number", map[string]string{OptFamily: "f", OptFamilyKey: "x:" + b64(edPub), OptFamilySig: edSig("f")}, false},
		{"unknown key type", map[string]string{OptFamily: "f", OptFamilyKey: "99:" + b64(edPub), OptFamilySig: edSig("f")}, false},
		{"key of the wrong length", map[string]string{OptFamily: "f", OptFamilyKey: "7:" + b64(edPub[:31]), OptFamilySig: edSig("f")}, false},
		{"key not base64", map[string]string{OptFamily: "f", OptFamilyKey: "7:!!", OptFamilySig: edSig("f")}, false},
		{"RSA key type", map[string]string{OptFamily: "f", OptFamilyKey: "4:" + b64(make([]byte, 256)), OptFamilySig: b64(make([]byte, 256))}, false},
		{"unknown family, no key: unverifiable", map[string]string{OptFamily: "f", OptFamilySig: edSig("g")}, true},
		{"known family, its key", map[string]string{OptFamily: "ours", OptFamilySig: ecSig("ours")}, true},
		{"known family, its key, i2pd's case folding", map[string]string{OptFamily: "OURS", OptFamilySig: ecSig("ours")}, true},
		{"known family signed as upper case", map[string]string{OptFamily: "OURS", OptFamilySig: ecSig("OURS")}, false},
		{"known family, own family.key instead", map[string]string{OptFamily: "ours", OptFamilyKey: edKey, OptFamilySig: edSig("ours")}, false},
		{"known family, also its family.key", map[string]string{OptFamily: "ours", OptFamilyKey: "1:" + b64(ecRaw[1:]), OptFamilySig: ecSig("ours")}, true},
		{"known family, EdDSA-length garbage", map[string]string{OptFamily: "ours", OptFamilySig: b64(make([]byte, 64))}, false},
		{"68-byte name", map[string]string{OptFamily: long[:68], OptFamilyKey: edKey, OptFamilySig: edSig(long[:68])}, true},
		{"69-byte name (i2pd refuses)", map[string]string{OptFamily: long, OptFamilyKey: edKey, OptFamilySig: edSig(long)}, false},
	}
	for _, tt := range tests {
		ri := base
		for _, k := range []string{OptFamily, OptFamilyKey, OptFamilySig} {
			if v, ok := tt.opts[k]; ok {
				ri = withOption(ri, k, v)
			}
		}
		err := ri.VerifyFamilyWith(knownSet)
		if tt.ok && err != nil || !tt.ok && !errors.Is(err, ErrFamily) {
			t.Errorf("%s: %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}

// TestSynthFamilies: Synth's family members are validly signed routers
// whose family signature verifies (or, BadSig, is refuted), and Policy
// refuses the refuted ones with RejectFamily both when selecting and when
// receiving them.
func TestSynthFamilies(t *testing.T) {
	cfg := SynthConfig{Now: synthNow, Seed: 5, MaxAge: 20 * time.Hour, Families: []SynthFamily{
		{Name: "good", Members: 10}, {Name: "bad", Members: 10, BadSig: true}, {Name: "Quiet", Members: 5, NoKey: true}}}
	ris, err := Synth(40, cfg)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Synth(40, cfg)
	plain, _ := Synth(40, SynthConfig{Now: synthNow, Seed: 5, MaxAge: 20 * time.Hour})
	p := DefaultPolicy()
	p.Now = func() time.Time { return synthNow }
	var entries []*Entry
	for i, ri := range ris {
		checkSynthRouter(t, i, ri, again[i], plain[i])
		e := Summarize(ri)
		entries = append(entries, e)
		checkSynthFamilyVerdicts(t, &p, i, ri, e)
	}
	sel := p.Select(entries)
	if sel.Rejected[RejectFamily] != 10 {
		t.Errorf("Select rejected %v, want 10 for family", sel.Rejected)
	}
	for _, e := range sel.Eligible {
		if e.BadFamily {
			t.Errorf("%s with a bad family signature is eligible", e.Hash)
		}
	}
	if RejectFamily.String() != "family" {
		t.Errorf("RejectFamily is %q", RejectFamily)
	}
}

// checkSynthRouter: router i of a Synth with families is the same in a
// second run (again) and, but for its family options, the same as without
// families (plain); it is validly signed.
func checkSynthRouter(t *testing.T, i int, ri, again, plain *RouterInfo) {
	t.Helper()
	if string(again.Bytes()) != string(ri.Bytes()) {
		t.Fatalf("router %d differs between two runs with one seed", i)
	}
	if ri.Hash() != plain.Hash() || ri.Published != plain.Published {
		t.Errorf("router %d: families changed more than the family options", i)
	}
	if err := ri.Verify(); err != nil {
		t.Fatalf("router %d: %v", i, err)
	}
}

// synthFamilyOf is the family TestSynthFamilies's Synth gives router i,
// and whether its signature is refuted: ten good, ten bad, five quiet.
func synthFamilyOf(i int) (family string, bad bool) {
	switch {
	case i < 10:
		return "good", false
	case i < 20:
		return "bad", true
	case i < 25:
		return "quiet", false
	}
	return "", false
}

// checkSynthFamilyVerdicts: router i, summarized as e, carries the family
// synthFamilyOf says; its family signature verifies or is refuted
// accordingly, and Policy p rejects it for its family, when received and
// when checked, exactly when it is refuted.
func checkSynthFamilyVerdicts(t *testing.T, p *Policy, i int, ri *RouterInfo, e *Entry) {
	t.Helper()
	wantFam, wantBad := synthFamilyOf(i)
	if e.Family != wantFam || e.BadFamily != wantBad {
		t.Errorf("router %d: family %q bad %v, want %q %v", i, e.Family, e.BadFamily, wantFam, wantBad)
	}
	if err := ri.VerifyFamily(); (err != nil) != wantBad || wantBad && !errors.Is(err, ErrFamily) {
		t.Errorf("router %d: VerifyFamily %v", i, err)
	}
	if got := p.CheckReceived(ri, ri.Hash().FileName()); wantBad && got != RejectFamily {
		t.Errorf("router %d of the bad family received: %v, want %v", i, got, RejectFamily)
	} else if !wantBad && got == RejectFamily {
		t.Errorf("router %d received: %v", i, got)
	}
	if got := p.Check(e); wantBad != (got == RejectFamily) {
		t.Errorf("router %d: Check %v (bad family %v)", i, got, wantBad)
	}
}

// FuzzFamily: any family options give a verdict, never a panic; seeded
// with the live routers' family options.
func FuzzFamily(f *testing.F) {
	for _, ris := range liveFamilies(f) {
		for _, ri := range ris {
			f.Add(ri.Option(OptFamily), ri.Option(OptFamilyKey), ri.Option(OptFamilySig))
		}
	}
	f.Add("x", "7:", "")
	f.Add("x", "1:"+strings.Repeat("A", 88), strings.Repeat("A", 88))
	f.Add("x", "0:"+strings.Repeat("A", 172), strings.Repeat("A", 56))
	f.Add("x", "3;"+strings.Repeat("A", 176), strings.Repeat("A", 176))
	ris, err := Synth(1, SynthConfig{Now: synthNow, Seed: 2})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, name, key, sig string) {
		ri := withOption(withOption(withOption(ris[0], OptFamily, name), OptFamilyKey, key), OptFamilySig, sig)
		if err := ri.VerifyFamily(); err != nil && !errors.Is(err, ErrFamily) {
			t.Fatalf("error %v does not wrap ErrFamily", err)
		}
		if typ, k, err := parseFamilyKey(key); err == nil && len(k) != sigInfos[typ].keyLen {
			t.Fatalf("parseFamilyKey(%q): %d-byte %v key", key, len(k), typ)
		}
		if fam := ri.Family(); len(fam) != len(name) || strings.ContainsAny(fam, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
			t.Fatalf("Family() = %q for %q", fam, name)
		}
	})
}
