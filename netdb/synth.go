package netdb

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/i2pseed/i2pseed/internal/i2pbase64"
	"golang.org/x/crypto/curve25519"
)

// SynthConfig controls Synth. Zero fields take the defaults noted.
type SynthConfig struct {
	NetID NetID     // default LiveNetID
	Now   time.Time // default time.Now(); routers publish up to MaxAge before it
	// MaxAge spreads published times over [Now-MaxAge, Now]; default 36h,
	// so a realistic share is too old for a 24-hour selection.
	MaxAge time.Duration
	// Seed makes the output deterministic: same seed, same RouterInfos.
	Seed uint64
	// Private puts routers on 127.0.0.0/8 addresses, for test networks;
	// otherwise addresses are random public IPv4 (data only: nothing ever
	// connects to them).
	Private bool
	// Families makes routers members of families, in order: the first
	// Families[0].Members routers join the first, the next ones the
	// second, and so on. Everything else about the routers is as without.
	Families []SynthFamily
	// Yggdrasil makes the first Yggdrasil routers also publish an NTCP2
	// address on the Yggdrasil mesh (a host in YggdrasilPrefix), as i2pd
	// does with meshnets.yggdrasil; zero keeps the output as without.
	Yggdrasil int
	// YggdrasilOnly makes the first YggdrasilOnly of those publish only
	// their mesh address, as i2pd does with ipv4 and ipv6 off.
	YggdrasilOnly int
}

// A SynthFamily is a router family Synth puts routers in.
type SynthFamily struct {
	Name    string
	Members int
	// NoKey publishes no family.key, as i2pd routers do: without a known
	// key for Name, nobody can check the signature.
	NoKey bool
	// BadSig signs the name with another router's hash, so that
	// VerifyFamily fails (RejectFamily).
	BadSig bool
}

// familyKey is the Ed25519 key that signs a synthetic family: derived from
// the seed and name, so Synth stays deterministic.
func (cfg *SynthConfig) familyKey(name string) ed25519.PrivateKey {
	m := sha256.New()
	m.Write([]byte("i2pseed synth family"))
	m.Write(binary.BigEndian.AppendUint64(nil, cfg.Seed))
	m.Write([]byte(name))
	return ed25519.NewKeyFromSeed(m.Sum(nil))
}

// family returns the family of router i, if any.
func (cfg *SynthConfig) family(i int) (SynthFamily, bool) {
	for _, f := range cfg.Families {
		if i < f.Members {
			return f, true
		}
		i -= f.Members
	}
	return SynthFamily{}, false
}

// addFamily adds the family options to ri, signed with the family's key
// (whose type is published in family.key: 7, EdDSA).
func (cfg *SynthConfig) addFamily(ri *RouterInfo, f SynthFamily) {
	key := cfg.familyKey(f.Name)
	h := ri.Hash()
	if f.BadSig {
		h[0] ^= 1
	}
	sig := ed25519.Sign(key, append([]byte(f.Name), h[:]...))
	ri.Options = append(ri.Options, KV{OptFamily, f.Name}, KV{OptFamilySig, i2pbase64.EncodeToString(sig)})
	if !f.NoKey {
		pub := key.Public().(ed25519.PublicKey)
		ri.Options = append(ri.Options, KV{OptFamilyKey, strconv.Itoa(int(SigEdDSA_SHA512)) + ":" + i2pbase64.EncodeToString(pub)})
	}
	slices.SortFunc(ri.Options, func(a, b KV) int { return strings.Compare(a.Key, b.Key) })
}

// Synth makes n realistic, validly signed RouterInfos: Ed25519 + X25519
// identities, NTCP2 and SSU2 addresses (some firewalled with introducers,
// some with IPv6), a mix of caps, versions from 0.9.55 to 0.9.67, and
// published times spread over MaxAge.
func Synth(n int, cfg SynthConfig) ([]*RouterInfo, error) {
	if cfg.NetID == 0 {
		cfg.NetID = LiveNetID
	}
	if cfg.Now.IsZero() {
		cfg.Now = time.Now()
	}
	if cfg.MaxAge == 0 {
		cfg.MaxAge = 36 * time.Hour
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	out := make([]*RouterInfo, 0, n)
	for i := range n {
		ri, err := synthOne(rng, cfg, i)
		if err != nil {
			return nil, err
		}
		out = append(out, ri)
	}
	return out, nil
}

func randBytes(rng *rand.Rand, b []byte) {
	for i := 0; i < len(b); i += 8 {
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], rng.Uint64())
		copy(b[i:], w[:])
	}
}

var (
	synthCaps     = []string{"LR", "LU", "MR", "NR", "OR", "PR", "XR", "XfR", "PfR", "OfR", "LRD", "XRE", "LRG", "NU", "OH"}
	synthVersions = []string{"0.9.55", "0.9.58", "0.9.59", "0.9.61", "0.9.62", "0.9.64", "0.9.65", "0.9.66", "0.9.66", "0.9.67", "0.9.67"}
)

func synthOne(rng *rand.Rand, cfg SynthConfig, i int) (*RouterInfo, error) {
	var seed [32]byte
	randBytes(rng, seed[:])
	sigPriv := ed25519.NewKeyFromSeed(seed[:])
	encPub := synthPublicKey(rng)
	var pad [32]byte
	randBytes(rng, pad[:])
	ntcpStatic := synthPublicKey(rng)
	id, err := NewIdentity(sigPriv.Public().(ed25519.PublicKey), encPub, pad)
	if err != nil {
		return nil, err
	}
	age := time.Duration(rng.Int64N(int64(cfg.MaxAge)))
	caps := synthCaps[rng.IntN(len(synthCaps))]
	ri := &RouterInfo{
		Identity:  id,
		Published: uint64(cfg.Now.Add(-age).UnixMilli()),
		Options: Mapping{
			{"caps", caps},
			{"netId", cfg.NetID.String()},
			{"netdb.knownLeaseSets", strconv.Itoa(rng.IntN(400))},
			{"netdb.knownRouters", strconv.Itoa(2000 + rng.IntN(6000))},
			{"router.version", synthVersions[rng.IntN(len(synthVersions))]},
		},
	}
	host := synthHost(rng, cfg.Private, i)
	port := strconv.Itoa(9000 + rng.IntN(30000))
	key := func() string { // takes as many random bytes as b64(32)
		k := synthPublicKey(rng)
		return i2pbase64.EncodeToString(k[:])
	}
	b64 := func(n int) string {
		b := make([]byte, n)
		randBytes(rng, b)
		return i2pbase64.EncodeToString(b)
	}
	if caps[len(caps)-1] == 'U' || rng.IntN(12) == 0 {
		// Firewalled: SSU2 with introducers and no host.
		ri.Addresses = []RouterAddress{{Cost: 15, Transport: "SSU2", Options: Mapping{
			{"caps", "4"}, {"i", b64(32)},
			{"iexp0", strconv.FormatInt(cfg.Now.Add(time.Hour).Unix(), 10)},
			{"ih0", b64(32)}, {"itag0", strconv.Itoa(rng.IntN(1 << 30))},
			{"s", key()}, {"v", "2"},
		}}}
	} else {
		ri.Addresses = []RouterAddress{
			{Cost: 3, Transport: "NTCP2", Options: Mapping{{"host", host}, {"i", b64(16)}, {"port", port}, {"s", i2pbase64.EncodeToString(ntcpStatic[:])}, {"v", "2"}}},
			{Cost: 8, Transport: "SSU2", Options: Mapping{{"host", host}, {"i", b64(32)}, {"port", port}, {"s", key()}, {"v", "2"}}},
		}
		if rng.IntN(4) == 0 {
			v6 := fmt.Sprintf("2001:db8:%x:%x::%x", rng.IntN(1<<16), rng.IntN(1<<16), rng.IntN(1<<16))
			ri.Addresses = append(ri.Addresses, RouterAddress{Cost: 5, Transport: "NTCP2", Options: Mapping{
				{"host", v6}, {"i", b64(16)}, {"port", port}, {"s", i2pbase64.EncodeToString(ntcpStatic[:])}, {"v", "2"}}})
		}
	}
	if i < cfg.Yggdrasil {
		// A node's address is its key's: they differ in the first 64 bits.
		ygg := netip.AddrFrom16([16]byte{0x02, 0x01, byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i), 15: 1})
		if i < cfg.YggdrasilOnly {
			ri.Addresses = nil
		}
		ri.Addresses = append(ri.Addresses, RouterAddress{Cost: 3, Transport: "NTCP2", Options: Mapping{
			{"host", ygg.String()}, {"i", b64(16)}, {"port", port}, {"s", i2pbase64.EncodeToString(ntcpStatic[:])}, {"v", "2"}}})
	}
	if f, ok := cfg.family(i); ok {
		cfg.addFamily(ri, f)
	}
	if err := ri.SignEd25519(sigPriv); err != nil {
		return nil, err
	}
	return ri, nil
}

// synthPublicKey returns the X25519 public key of a random private key:
// a static key that Java and i2pd accept (random bytes have bit 255 set
// half the time, which no public key has).
func synthPublicKey(rng *rand.Rand) [32]byte {
	var priv [32]byte
	randBytes(rng, priv[:])
	pub, err := curve25519.X25519(priv[:], curve25519.Basepoint)
	if err != nil {
		panic("netdb: X25519 of a random scalar: " + err.Error()) // only for a low-order point, never the base point
	}
	return [32]byte(pub)
}

// synthHost returns a public IPv4 address (or a loopback one when private).
// A few routers share an address, as happens on the real network.
func synthHost(rng *rand.Rand, private bool, i int) string {
	if private {
		return netip.AddrFrom4([4]byte{127, byte(i >> 16), byte(i >> 8), byte(i)}).String()
	}
	for {
		a := [4]byte{byte(1 + rng.IntN(222)), byte(rng.IntN(256)), byte(rng.IntN(256)), byte(1 + rng.IntN(254))}
		if rng.IntN(200) == 0 {
			a = [4]byte{93, 184, 0, byte(rng.IntN(4) + 1)} // a crowded address
		}
		if addr := netip.AddrFrom4(a); IsPublic(addr) {
			return addr.String()
		}
	}
}
