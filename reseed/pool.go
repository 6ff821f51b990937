package reseed

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/i2pseed/i2pseed/internal/atomicfile"
	"github.com/i2pseed/i2pseed/internal/secretfile"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/su3"
)

// ErrNotEnoughRouters means the source has too few eligible RouterInfos to
// build bundles yet.
var ErrNotEnoughRouters = errors.New("reseed: not enough eligible RouterInfos")

// PoolConfig says how bundles are built.
type PoolConfig struct {
	Policy     netdb.Policy // selection; its clock is replaced by the build time
	Quota      netdb.BundleQuota
	BundleSize int // RouterInfos per bundle; default 75
	// Bundles is K; zero scales it with the eligible set: two bundles per
	// BundleSize eligible routers, between 1 and 100.
	Bundles int
	// MinEligible is the fewest eligible RouterInfos to build from; default
	// 50, the least a bundle may hold.
	MinEligible int
	Signer      *su3.Signer
	// Secret keys the bundle composition and the client-to-bundle mapping.
	// Replicas that must agree share it.
	Secret []byte
	// Mesh builds K more bundles for clients that arrive over the
	// Yggdrasil mesh (see Pool.Mesh); set when a yggdrasil channel is
	// served.
	Mesh bool
}

func (c *PoolConfig) bundleSize() int { return cmpOr(c.BundleSize, 75) }
func (c *PoolConfig) minEligible() int {
	return cmpOr(c.MinEligible, 50)
}

func cmpOr(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

// A Pool is a set of signed bundles built at one time.
type Pool struct {
	Built   time.Time // the build time: su3 version and selection clock
	Bundles [][]byte  // signed i2pseeds.su3 files
	// Carried lists, per bundle, the routers it carries, sorted.
	Carried  [][]netdb.Hash
	Routers  int // RouterInfos the source had
	Eligible int // of which passed the policy
	Rejected map[netdb.Reason]int
	// Mesh is how many of Bundles, at the end, are for clients of the
	// Yggdrasil mesh: each holds as many of the MeshRouters eligible
	// routers reachable over the mesh as it fits, topped up with others.
	// Zero when not asked for (PoolConfig.Mesh) or none is reachable.
	Mesh        int
	MeshRouters int

	members map[netdb.Hash][]int // router -> the bundles carrying it
}

// Age is how long ago the pool was built.
func (p *Pool) Age(now time.Time) time.Duration { return now.Sub(p.Built) }

// Members is how many routers the pool's bundles carry, each counted once.
func (p *Pool) Members() int { return len(p.members) }

// Carrying returns the indexes of the bundles that carry router h, in
// order; none if h is not a member.
func (p *Pool) Carrying(h netdb.Hash) []int { return p.members[h] }

// add appends a bundle carrying the routers in carried.
func (p *Pool) add(bundle []byte, carried []netdb.Hash) {
	i := len(p.Bundles)
	slices.SortFunc(carried, func(a, b netdb.Hash) int { return bytes.Compare(a[:], b[:]) })
	p.Bundles = append(p.Bundles, bundle)
	p.Carried = append(p.Carried, carried)
	if p.members == nil {
		p.members = map[netdb.Hash][]int{}
	}
	for _, h := range carried {
		p.members[h] = append(p.members[h], i)
	}
}

// BuildPool selects RouterInfos from src as of the time at (truncated to the
// second), composes and signs the bundles. Given the same RouterInfos,
// config and time it returns byte-identical bundles.
func BuildPool(ctx context.Context, src Source, cfg PoolConfig, at time.Time) (*Pool, error) {
	at = at.Truncate(time.Second).UTC()
	entries, err := src.Entries(ctx)
	if err != nil {
		return nil, fmt.Errorf("reseed: read RouterInfos: %w", err)
	}
	policy := cfg.Policy
	policy.Now = func() time.Time { return at }
	policy.Mesh = false // mesh-only routers go into mesh bundles only
	sel := policy.Select(entries)
	pool := &Pool{Built: at, Routers: len(entries), Eligible: len(sel.Eligible), Rejected: sel.Rejected}
	if len(sel.Eligible) < cfg.minEligible() {
		return pool, fmt.Errorf("%w: %d of %d, need %d", ErrNotEnoughRouters, len(sel.Eligible), len(entries), cfg.minEligible())
	}
	n := cfg.bundleSize()
	k := cfg.Bundles
	if k <= 0 {
		k = min(max(2*len(sel.Eligible)/n, 1), 100)
	}
	err = pool.sign(ctx, src, cfg.Signer, k, func(i int) []*netdb.Entry {
		return cfg.Quota.Pick(sel.Eligible, n, bundleSeed(cfg.Secret, at, i))
	})
	if err == nil && cfg.Mesh {
		policy.Mesh = true
		err = pool.addMesh(ctx, src, cfg, policy.Select(entries).Eligible, sel.Eligible, k)
	}
	return pool, err
}

// sign adds k bundles to p, bundle i holding the RouterInfos pick(i).
func (p *Pool) sign(ctx context.Context, src Source, signer *su3.Signer, k int, pick func(i int) []*netdb.Entry) error {
	version := strconv.FormatInt(p.Built.Unix(), 10)
	for i := range k {
		if err := ctx.Err(); err != nil {
			return err
		}
		b, carried, err := buildBundle(src, pick(i), signer, p.Built, version)
		if err != nil {
			return fmt.Errorf("reseed: bundle %d: %w", len(p.Bundles), err)
		}
		p.add(b, carried)
	}
	return nil
}

// buildBundle signs a bundle of the RouterInfos in pick that can still be
// loaded, and returns it with the routers it carries.
func buildBundle(src Source, pick []*netdb.Entry, signer *su3.Signer, at time.Time, version string) ([]byte, []netdb.Hash, error) {
	entries := make([]su3.Entry, 0, len(pick))
	carried := make([]netdb.Hash, 0, len(pick))
	for _, e := range pick {
		b, err := src.Load(e)
		if err != nil {
			continue // gone or changed since the scan: leave it out
		}
		// Dated when the router published it, as Java I2P's bundler does:
		// tools that judge a bundle by its zip times see real ages.
		entries = append(entries, su3.Entry{Name: e.Hash.FileName(), Data: b, Modified: e.Published()})
		carried = append(carried, e.Hash)
	}
	var zip bytes.Buffer
	if err := su3.WriteBundle(&zip, entries, at); err != nil {
		return nil, nil, err
	}
	h := su3.Header{FileType: su3.FileZip, ContentType: su3.ContentReseed, Version: version}
	b, err := su3.Sign(h, zip.Bytes(), signer)
	return b, carried, err
}

// bundleSeed derives bundle i's composition seed from the secret and time.
func bundleSeed(secret []byte, at time.Time, i int) uint64 {
	m := hmac.New(sha256.New, secret)
	var b [16]byte
	binary.BigEndian.PutUint64(b[:], uint64(at.Unix()))
	binary.BigEndian.PutUint64(b[8:], uint64(i))
	m.Write([]byte("i2pseed bundle"))
	m.Write(b[:])
	return binary.BigEndian.Uint64(m.Sum(nil))
}

// BundleFor returns the index of the bundle for a client key (its address
// prefix) in a pool of k bundles built at the given time: a keyed hash, so
// the mapping is stable for the pool's life and unpredictable to clients.
func BundleFor(secret []byte, built time.Time, clientKey []byte, k int) int {
	m := hmac.New(sha256.New, secret)
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(built.Unix()))
	m.Write([]byte("i2pseed client"))
	m.Write(b[:])
	m.Write(clientKey)
	return int(binary.BigEndian.Uint64(m.Sum(nil)) % uint64(k))
}

// LoadOrCreateSecret reads the server secret that maps clients to bundles
// (see PoolConfig.Secret) from path, or makes a random one there (0600).
// Replicas that must serve the same bundle to a client share it. One that
// group or others can read, or shorter than 32 bytes, is refused, and
// never replaced (internal/secretfile).
func LoadOrCreateSecret(path string) ([]byte, error) {
	secret, err := secretfile.Read(path, secretSize)
	if errors.Is(err, os.ErrNotExist) {
		secret = make([]byte, secretSize)
		if _, err = rand.Read(secret); err == nil {
			err = atomicfile.Create(path, 0o600, func(w io.Writer) error { _, err := w.Write(secret); return err })
		}
	}
	if errors.Is(err, secretfile.ErrShort) {
		err = fmt.Errorf("%w; or delete it to make a new one (clients then get other bundles; replicas must share it)", err)
	}
	if err != nil {
		return nil, fmt.Errorf("reseed: secret: %w", err)
	}
	return secret, nil
}

// secretSize is the server secret's length in bytes.
const secretSize = 32
