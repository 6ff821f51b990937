// Package router is the built-in I2P router that harvests RouterInfos:
// its persistent identity, NTCP2 sessions (package ntcp2) and I2NP netDb
// lookups (package i2np).
package router

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
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
// every start and never rotated while running.
type Identity struct {
	SigningKey ed25519.PrivateKey // Ed25519, signs our RouterInfo
	Encryption [32]byte           // X25519 private key of the identity
	Padding    [32]byte           // identity padding block (proposal 161)
	NTCP2      ntcp2.RouterKeys   // NTCP2 static key and published IV

	id *netdb.Identity
}

type identityFile struct {
	SigningSeed []byte `json:"ed25519_seed"`
	Encryption  []byte `json:"x25519"`
	Padding     []byte `json:"padding"`
	NTCP2       []byte `json:"ntcp2_static"`
	NTCP2IV     []byte `json:"ntcp2_iv"`
}

// LoadOrCreateIdentity loads dir/router.keys.json or creates it (0600).
func LoadOrCreateIdentity(dir string) (*Identity, error) {
	path := filepath.Join(dir, KeysFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return createIdentity(dir, path)
	}
	if err != nil {
		return nil, fmt.Errorf("router: %w", err)
	}
	var f identityFile
	if err := json.Unmarshal(b, &f); err != nil || len(f.SigningSeed) != ed25519.SeedSize ||
		len(f.Encryption) != 32 || len(f.Padding) != 32 || len(f.NTCP2) != 32 || len(f.NTCP2IV) != 16 {
		return nil, fmt.Errorf("router: %s is damaged; restore it from a backup or delete it for a new identity", path)
	}
	id := &Identity{SigningKey: ed25519.NewKeyFromSeed(f.SigningSeed)}
	copy(id.Encryption[:], f.Encryption)
	copy(id.Padding[:], f.Padding)
	copy(id.NTCP2.Static[:], f.NTCP2)
	copy(id.NTCP2.IV[:], f.NTCP2IV)
	return id, id.build()
}

func createIdentity(dir, path string) (*Identity, error) {
	_, sk, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	id := &Identity{SigningKey: sk}
	for _, b := range [][]byte{id.Encryption[:], id.Padding[:], id.NTCP2.Static[:], id.NTCP2.IV[:]} {
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
	}
	f := identityFile{SigningSeed: sk.Seed(), Encryption: id.Encryption[:], Padding: id.Padding[:], NTCP2: id.NTCP2.Static[:], NTCP2IV: id.NTCP2.IV[:]}
	b, _ := json.Marshal(f)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("router: %w", err)
	}
	if err := atomicfile.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("router: %w", err)
	}
	return id, id.build()
}

func (id *Identity) build() error {
	var err error
	id.id, err = netdb.NewIdentity(id.SigningKey.Public().(ed25519.PublicKey), ntcp2.PublicKey(id.Encryption), id.Padding)
	return err
}

// Hash is the router hash.
func (id *Identity) Hash() netdb.Hash { return id.id.Hash() }

// Address is where the router listens, if it publishes one.
type Address struct {
	Host string // IP address; empty for an unpublished (firewalled) router
	Port int
}

// Caps we publish: bandwidth class K (we share none), R when we publish
// an address (U otherwise), and G: we take part in no tunnels (proposal
// 162). Java's tunnel peer selection skips K, E and G, and i2pd 2.58's
// skips G, so no router sends us a tunnel build that would fail (Java
// banlists a hop that fails it: "No transports").
const (
	capsPublished   = "KRG"
	capsUnpublished = "KUG"
)

// RouterInfo builds and signs our RouterInfo as of now: an NTCP2 address
// (published with host, port and i, or unpublished with caps=4), caps
// (capsPublished or capsUnpublished), netId and router.version.
func (id *Identity) RouterInfo(now time.Time, netID netdb.NetID, addr Address) (*netdb.RouterInfo, error) {
	caps := capsUnpublished
	if addr.Host != "" {
		caps = capsPublished
	}
	ri := &netdb.RouterInfo{
		Identity:  id.id,
		Published: uint64(now.UnixMilli()),
		Addresses: []netdb.RouterAddress{id.NTCP2.Address(addr.Host, addr.Port)},
		Options:   netdb.Mapping{{Key: "caps", Value: caps}, {Key: "netId", Value: netID.String()}, {Key: "router.version", Value: Version}},
	}
	if err := ri.SignEd25519(id.SigningKey); err != nil {
		return nil, err
	}
	return ri, nil
}
