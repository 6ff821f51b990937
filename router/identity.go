package router

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"time"

	"github.com/i2pseed/i2pseed/internal/atomicfile"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router/ntcp2"
)

// KeysFile is where the router keeps its secrets, mode 0600.
const KeysFile = "router.keys.json"

// Version is the router.version we publish.
const Version = "0.9.65"

// Identity is the router's long-term keys: created once, then loaded on
// every start and never rotated while running. Besides the router's own
// keys it keeps each transport's (TransportKeys).
type Identity struct {
	SigningKey ed25519.PrivateKey // Ed25519, signs our RouterInfo
	Encryption [32]byte           // X25519 private key of the identity
	Padding    [32]byte           // identity padding block (proposal 161)

	transports map[string][]byte // key material by transport name
	id         *netdb.Identity
}

// identityFile is router.keys.json. NTCP2's keys keep the two fields they
// had before the identity kept keys per transport (the file of an existing
// router is read as it was written); a transport added since keeps its
// keys under Transports.
type identityFile struct {
	SigningSeed []byte            `json:"ed25519_seed"`
	Encryption  []byte            `json:"x25519"`
	Padding     []byte            `json:"padding"`
	NTCP2       []byte            `json:"ntcp2_static"`
	NTCP2IV     []byte            `json:"ntcp2_iv"`
	Transports  map[string][]byte `json:"transports,omitempty"`
}

// LoadOrCreateIdentity loads dir/router.keys.json or creates it (0600).
// Each transport the router runs (see Open) has its keys there: random
// bytes made with the identity, or, for a transport added after the
// identity was made, when the identity is next loaded (the file is then
// written again).
func LoadOrCreateIdentity(dir string) (*Identity, error) {
	path := filepath.Join(dir, KeysFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return createIdentity(dir, path)
	}
	if err != nil {
		return nil, fmt.Errorf("router: %w", err)
	}
	id, added, err := parseIdentity(b)
	if err != nil {
		return nil, fmt.Errorf("router: %s is damaged; restore it from a backup or delete it for a new identity", path)
	}
	if added {
		if err := id.save(dir, path); err != nil {
			return nil, err
		}
	}
	return id, id.build()
}

// parseIdentity reads router.keys.json; added reports keys it made for a
// transport the file has none for.
func parseIdentity(b []byte) (id *Identity, added bool, err error) {
	var f identityFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, false, err
	}
	if len(f.SigningSeed) != ed25519.SeedSize || len(f.Encryption) != 32 || len(f.Padding) != 32 ||
		len(f.NTCP2) != 32 || len(f.NTCP2IV) != 16 {
		return nil, false, errors.New("bad key size")
	}
	id = &Identity{SigningKey: ed25519.NewKeyFromSeed(f.SigningSeed), transports: map[string][]byte{}}
	copy(id.Encryption[:], f.Encryption)
	copy(id.Padding[:], f.Padding)
	maps.Copy(id.transports, f.Transports)
	id.transports["NTCP2"] = append(f.NTCP2, f.NTCP2IV...)
	for _, k := range transportKinds {
		keys, ok := id.transports[k.name]
		switch {
		case !ok:
			id.transports[k.name], added = randomBytes(k.keySize), true
		case len(keys) != k.keySize:
			return nil, false, fmt.Errorf("bad %s key size", k.name)
		}
	}
	return id, added, nil
}

func createIdentity(dir, path string) (*Identity, error) {
	_, sk, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	id := &Identity{SigningKey: sk, transports: map[string][]byte{}}
	rand.Read(id.Encryption[:])
	rand.Read(id.Padding[:])
	for _, k := range transportKinds {
		id.transports[k.name] = randomBytes(k.keySize)
	}
	if err := id.save(dir, path); err != nil {
		return nil, err
	}
	return id, id.build()
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand)
	return b
}

// save writes the identity to path (0600), creating dir.
func (id *Identity) save(dir, path string) error {
	f := identityFile{SigningSeed: id.SigningKey.Seed(), Encryption: id.Encryption[:], Padding: id.Padding[:]}
	for name, keys := range id.transports {
		if name == "NTCP2" {
			f.NTCP2, f.NTCP2IV = keys[:32], keys[32:]
			continue
		}
		if f.Transports == nil {
			f.Transports = map[string][]byte{}
		}
		f.Transports[name] = keys
	}
	b, _ := json.Marshal(f)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("router: %w", err)
	}
	if err := atomicfile.WriteFile(path, b, 0o600); err != nil {
		return fmt.Errorf("router: %w", err)
	}
	return nil
}

func (id *Identity) build() error {
	var err error
	id.id, err = netdb.NewIdentity(id.SigningKey.Public().(ed25519.PublicKey), ntcp2.PublicKey(id.Encryption), id.Padding)
	return err
}

// TransportKeys returns a copy of the long-term key material the identity
// keeps for the named transport, nil if none; for NTCP2 it is
// ntcp2.RouterKeys' binary form.
func (id *Identity) TransportKeys(name string) []byte { return bytes.Clone(id.transports[name]) }

// Hash is the router hash.
func (id *Identity) Hash() netdb.Hash { return id.id.Hash() }

// Caps we publish: bandwidth class K (we share none), R when we publish
// an address (U otherwise), and G: we take part in no tunnels (proposal
// 162). Java's tunnel peer selection skips K, E and G, and i2pd 2.58's
// skips G, so no router sends us a tunnel build that would fail (Java
// banlists a hop that fails it: "No transports").
const (
	capsPublished   = "KRG"
	capsUnpublished = "KUG"
)

// RouterInfo builds and signs our RouterInfo as of now, with the
// addresses our transports contribute (transport.Transport.Address), caps
// (capsPublished when one of them has a host, else capsUnpublished),
// netId and router.version.
func (id *Identity) RouterInfo(now time.Time, netID netdb.NetID, addrs []netdb.RouterAddress) (*netdb.RouterInfo, error) {
	caps := capsUnpublished
	for _, a := range addrs {
		if _, ok := a.Options.Get("host"); ok {
			caps = capsPublished
		}
	}
	ri := &netdb.RouterInfo{
		Identity:  id.id,
		Published: uint64(now.UnixMilli()),
		Addresses: addrs,
		Options:   netdb.Mapping{{Key: "caps", Value: caps}, {Key: "netId", Value: netID.String()}, {Key: "router.version", Value: Version}},
	}
	if err := ri.SignEd25519(id.SigningKey); err != nil {
		return nil, err
	}
	return ri, nil
}
