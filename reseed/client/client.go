package client

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/reseed/wire"
	"github.com/i2pseed/i2pseed/su3"
)

// Config configures Bootstrap and Fetch.
type Config struct {
	URLs    []string    // reseed servers (bundle URL or base URL ending in /)
	Keyring su3.Keyring // trusted signers
	NetID   netdb.NetID // default netdb.LiveNetID
	// MaxAge is the oldest RouterInfo accepted (default 48h, as go-i2p);
	// MaxFuture the clock skew tolerated (default 2 minutes, as Java).
	MaxAge, MaxFuture time.Duration
	// MinRouters and MinServers end a bootstrap early once reached
	// (defaults 100 and 2, as Java I2P).
	MinRouters, MinServers int
	// MinFloodfills keeps a bootstrap going to further servers while the
	// RouterInfos in hand hold fewer floodfills (caps f) than this, even
	// once MinRouters and MinServers are reached: a new i2pd reseeds again
	// whenever it knows fewer than 5 floodfills, and with none it cannot
	// look anything up. Default 5; negative means none are needed.
	MinFloodfills          int
	Parallel               int           // servers fetched at once; default 3
	ServerTimeout, Timeout time.Duration // per server (60 s) and overall (5 min)
	MaxBody                int64         // bytes per response; default 4 MiB
	HTTP                   *http.Client  // TLS roots, proxy; nil means a default client
	Now                    func() time.Time
	Rand                   *rand.Rand // server order; nil means random
}

func (c *Config) SetDefaults() {
	if c.NetID == 0 {
		c.NetID = netdb.LiveNetID
	}
	if c.MaxAge == 0 {
		c.MaxAge = 48 * time.Hour
	}
	if c.MaxFuture == 0 {
		c.MaxFuture = 2 * time.Minute
	}
	c.MinRouters, c.MinServers, c.Parallel = cmp.Or(max(c.MinRouters, 0), 100), cmp.Or(max(c.MinServers, 0), 2), cmp.Or(max(c.Parallel, 0), 3)
	if c.MinFloodfills == 0 {
		c.MinFloodfills = 5 // negative stays: none needed
	}
	if c.ServerTimeout == 0 {
		c.ServerTimeout = 60 * time.Second
	}
	if c.Timeout == 0 {
		c.Timeout = 5 * time.Minute
	}
	if c.MaxBody == 0 {
		c.MaxBody = 4 << 20
	}
	if c.HTTP == nil {
		c.HTTP = &http.Client{}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// ServerResult is what one reseed server (or bundle file) gave.
type ServerResult struct {
	URL        string               // the server, or the file's path
	Status     int                  // HTTP status, 0 if none
	Err        error                // why the server's bundle was refused, nil if used
	Signer     string               // su3 signer ID; empty for a plain zip
	Version    string               // su3 version
	Unsigned   bool                 // a plain zip: no su3 signature was checked
	Accepted   int                  // RouterInfos taken
	Floodfills int                  // of those, floodfills (caps f)
	Rejected   map[netdb.Reason]int // RouterInfos refused, by reason
	Duration   time.Duration        // time taken, also on error or timeout
	Bundle     []byte               // the su3 as received (for mirrors); nil for a file

	routers map[netdb.Hash]*netdb.RouterInfo
}

// Errors Fetch reports, testable with errors.Is.
var (
	ErrHTTPStatus = errors.New("reseed: server did not answer 200")
	ErrTooLarge   = errors.New("reseed: bundle too large")
	ErrNoRouters  = errors.New("reseed: bundle has no acceptable RouterInfos")
	// ErrUnsigned: a server answered with a plain zip. Only a carried-in
	// file (BootstrapFile) may be unsigned; over the network nothing
	// vouches for its RouterInfos, so an on-path attacker could choose a
	// newcomer's whole view of the network.
	ErrUnsigned = errors.New("reseed: server sent an unsigned zip, not an su3")
)

// Fetch downloads and verifies one server's bundle. Duration is set on
// every path, a timeout included.
func Fetch(ctx context.Context, cfg Config, server string) (res ServerResult) {
	cfg.SetDefaults()
	start := time.Now()
	res = ServerResult{URL: server}
	defer func() { res.Duration = time.Since(start) }()
	body, status, err := download(ctx, cfg, server)
	res.Status = status
	if err != nil {
		res.Err = err
		return res
	}
	b, err := VerifyBundle(body, cfg)
	if err == nil && b.Unsigned {
		res.Unsigned, res.Err = true, ErrUnsigned
		return res // neither used nor mirrored
	}
	res.Bundle = body
	res.Err = err
	res.use(b)
	return res
}

// use takes what VerifyBundle learned.
func (res *ServerResult) use(b *Bundle) {
	res.routers, res.Rejected, res.Signer, res.Version, res.Unsigned = b.Routers, b.Rejected, b.Signer, b.Version, b.Unsigned
	res.Accepted, res.Floodfills = len(b.Routers), b.Floodfills
}

// BootstrapFile is Bootstrap from a bundle file (su3 or plain zip) carried
// in: it verifies the file as Fetch verifies a server's bundle, reading it
// in place rather than into memory. A file larger than cfg.MaxBody is
// refused (ErrTooLarge) before any of it is read, and so is anything but
// a regular file (ErrNotFile); errors opening the file wrap its
// *fs.PathError. MinRouters, MinServers and MinFloodfills do not apply
// (the caller can compare Result.Floodfills). The Result, with the file's
// path as its one server's URL, is returned also on error; its error is
// the ServerResult's.
func BootstrapFile(cfg Config, path string) (*Result, error) {
	r := verifyFile(cfg, path)
	routers := r.routers
	if routers == nil {
		routers = map[netdb.Hash]*netdb.RouterInfo{}
	}
	return &Result{Routers: routers, Servers: []ServerResult{r}}, r.Err
}

func verifyFile(cfg Config, path string) (res ServerResult) {
	cfg.SetDefaults()
	start := time.Now()
	res = ServerResult{URL: path}
	defer func() { res.Duration = time.Since(start) }()
	f, err := os.Open(path)
	if err != nil {
		res.Err = fmt.Errorf("reseed: %w", err)
		return res
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		res.Err = fmt.Errorf("reseed: %w", err)
		return res
	}
	switch {
	case !fi.Mode().IsRegular():
		res.Err = ErrNotFile
		return res
	case fi.Size() > cfg.MaxBody:
		res.Err = fmt.Errorf("%w: %d bytes, over the %s limit", ErrTooLarge, fi.Size(), byteSize(cfg.MaxBody))
		return res
	}
	b, err := VerifyBundleAt(f, fi.Size(), cfg)
	res.Err = err
	res.use(b)
	return res
}

// ErrNotFile means BootstrapFile was given a directory, device or pipe.
var ErrNotFile = errors.New("reseed: not a regular file")

// byteSize shows n in the largest binary unit that divides it.
func byteSize(n int64) string {
	for _, u := range []struct {
		shift int
		name  string
	}{{30, "GiB"}, {20, "MiB"}, {10, "KiB"}} {
		if n >= 1<<u.shift && n%(1<<u.shift) == 0 {
			return fmt.Sprintf("%d %s", n>>u.shift, u.name)
		}
	}
	return fmt.Sprintf("%d-byte", n)
}

func download(ctx context.Context, cfg Config, server string) ([]byte, int, error) {
	u, err := wire.BundleURL(server, cfg.NetID)
	if err != nil {
		return nil, 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.ServerTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("User-Agent", wire.UserAgent)
	resp, err := cfg.HTTP.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("reseed: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, resp.StatusCode, fmt.Errorf("%w: %s", ErrHTTPStatus, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, cfg.MaxBody+1))
	if err != nil {
		return nil, resp.StatusCode, fmt.Errorf("reseed: read body: %w", err)
	}
	if int64(len(body)) > cfg.MaxBody {
		return nil, resp.StatusCode, fmt.Errorf("%w: over %d bytes", ErrTooLarge, cfg.MaxBody)
	}
	return body, resp.StatusCode, nil
}

// A Bundle is what VerifyBundle made of a reseed bundle.
type Bundle struct {
	Signer, Version string                           // the su3's; empty for a plain zip
	Unsigned        bool                             // a plain zip: no signature checked
	Routers         map[netdb.Hash]*netdb.RouterInfo // accepted: parsed and verified
	Floodfills      int                              // how many of Routers are floodfills
	Rejected        map[netdb.Reason]int             // RouterInfos refused, by reason
}

// VerifyBundle checks an su3 reseed bundle (or a plain zip, when data
// starts with "PK") and every RouterInfo in it: signature, hash = file
// name, netId, published not in the future and not older than MaxAge, an
// address peers can use. On error the Bundle still says what was learned
// (signer, version, rejections).
func VerifyBundle(data []byte, cfg Config) (*Bundle, error) {
	return VerifyBundleAt(bytes.NewReader(data), int64(len(data)), cfg)
}

// VerifyBundleAt is VerifyBundle for the size bytes of r, which it reads
// in place: the signature is checked streaming and the zip's entries are
// read within su3.DefaultBundleLimits. r must not change meanwhile.
func VerifyBundleAt(r io.ReaderAt, size int64, cfg Config) (*Bundle, error) {
	cfg.SetDefaults()
	b := &Bundle{Routers: map[netdb.Hash]*netdb.RouterInfo{}, Rejected: map[netdb.Reason]int{}}
	var entries []su3.Entry
	var err error
	var magic [2]byte
	if size >= 2 {
		if n, err := r.ReadAt(magic[:], 0); n < len(magic) && err != nil {
			return b, fmt.Errorf("reseed: read bundle: %w", err)
		}
	}
	if string(magic[:]) == "PK" {
		b.Unsigned = true
		entries, err = su3.ReadBundle(r, size, nil)
	} else {
		var s *su3.Reader
		if s, err = su3.NewReader(r, size); err != nil {
			return b, err
		}
		b.Signer, b.Version = s.SignerID, s.Version
		entries, err = s.VerifyBundle(cfg.Keyring, nil)
	}
	if err != nil {
		return b, err
	}
	p := &netdb.Policy{NetID: cfg.NetID, MaxAge: cfg.MaxAge, MaxFuture: cfg.MaxFuture, Now: cfg.Now}
	for _, e := range entries {
		ri, reason := checkRouterInfo(e, p)
		if reason != netdb.OK {
			b.Rejected[reason]++
			continue
		}
		b.Routers[ri.Hash()] = ri
	}
	b.Floodfills = countFloodfills(b.Routers)
	if len(b.Routers) == 0 {
		return b, fmt.Errorf("%w (%d rejected: %v)", ErrNoRouters, len(entries), b.Rejected)
	}
	return b, nil
}

func countFloodfills(routers map[netdb.Hash]*netdb.RouterInfo) int {
	n := 0
	for _, ri := range routers {
		if ri.Floodfill() {
			n++
		}
	}
	return n
}

func checkRouterInfo(e su3.Entry, p *netdb.Policy) (*netdb.RouterInfo, netdb.Reason) {
	ri, err := netdb.ParseRouterInfo(e.Data)
	if err != nil {
		return nil, netdb.RejectMalformed
	}
	if r := p.CheckReceived(ri, e.Name); r != netdb.OK {
		return nil, r
	}
	return ri, netdb.OK
}

// Result is a whole bootstrap.
type Result struct {
	Routers map[netdb.Hash]*netdb.RouterInfo // merged, no duplicates; verified
	Servers []ServerResult                   // in the order they finished
}

// Succeeded counts servers whose bundle was used.
func (r *Result) Succeeded() int {
	n := 0
	for _, s := range r.Servers {
		if s.Err == nil {
			n++
		}
	}
	return n
}

// Floodfills counts the floodfills among the merged RouterInfos.
func (r *Result) Floodfills() int { return countFloodfills(r.Routers) }

// ErrNotEnough means the bootstrap ended below MinRouters, MinServers or
// MinFloodfills.
var ErrNotEnough = errors.New("reseed: not enough RouterInfos from enough servers")

// Bootstrap fetches from cfg.URLs in random order, Parallel at a time, one
// URL per host, until MinRouters RouterInfos, MinFloodfills of them
// floodfills, from MinServers servers are in, every server was tried, or
// Timeout passes. progress, if not nil, is called as each server finishes.
func Bootstrap(ctx context.Context, cfg Config, progress func(ServerResult)) (*Result, error) {
	cfg.SetDefaults()
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	urls := onePerHost(cfg.URLs)
	shuffle := rand.Shuffle
	if cfg.Rand != nil {
		shuffle = cfg.Rand.Shuffle
	}
	shuffle(len(urls), func(i, j int) { urls[i], urls[j] = urls[j], urls[i] })

	m := &merged{cfg: &cfg, res: &Result{Routers: map[netdb.Hash]*netdb.RouterInfo{}}}
	sem := make(chan struct{}, cfg.Parallel)
	var wg sync.WaitGroup
	for _, u := range urls {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if m.enough() || ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			r := Fetch(ctx, cfg, u)
			if m.add(r, progress) {
				cancel() // the others' downloads are no longer needed
			}
		})
	}
	wg.Wait()
	if !m.enough() {
		return m.res, fmt.Errorf("%w: %d RouterInfos (%d floodfills) from %d servers, want %d (%d floodfills) from %d",
			ErrNotEnough, len(m.res.Routers), m.floodfills, m.res.Succeeded(), cfg.MinRouters, max(cfg.MinFloodfills, 0), cfg.MinServers)
	}
	return m.res, nil
}

// merged is a bootstrap's result as servers finish.
type merged struct {
	cfg        *Config
	mu         sync.Mutex
	res        *Result
	floodfills int // among res.Routers, kept as they merge
}

// enough reports whether the bootstrap has what it wants.
func (m *merged) enough() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.enoughLocked()
}

func (m *merged) enoughLocked() bool {
	return len(m.res.Routers) >= m.cfg.MinRouters && m.res.Succeeded() >= m.cfg.MinServers && m.floodfills >= m.cfg.MinFloodfills
}

// add merges one server's result, reports it to progress (one call at a
// time) and reports whether that was enough.
func (m *merged) add(r ServerResult, progress func(ServerResult)) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for h, ri := range r.routers {
		if old, ok := m.res.Routers[h]; ok && old.Floodfill() {
			m.floodfills--
		}
		if ri.Floodfill() {
			m.floodfills++
		}
		m.res.Routers[h] = ri
	}
	m.res.Servers = append(m.res.Servers, r)
	if progress != nil {
		progress(r)
	}
	return m.enoughLocked()
}

// onePerHost keeps the first URL of each host.
func onePerHost(urls []string) []string {
	var out, hosts []string
	for _, s := range urls {
		u, err := url.Parse(s)
		host := s
		if err == nil {
			host = u.Hostname()
		}
		if !slices.Contains(hosts, host) {
			hosts = append(hosts, host)
			out = append(out, s)
		}
	}
	return out
}

// WriteNetDb puts routers into the netDb directory dir (r<c>/ layout, read
// by Java I2P and i2pd alike; made if missing), each file atomically with
// its mtime at the published time; one the netDb holds in a newer version
// is left. It returns how many it wrote.
func WriteNetDb(ctx context.Context, dir string, routers map[netdb.Hash]*netdb.RouterInfo) (int, error) {
	store, err := netdb.OpenStore(ctx, dir)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, ri := range routers {
		ok, err := store.Put(ri)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// DefaultServers are the public reseed servers Java I2P and i2pd ship,
// whose signer certificates are built in (certs.Embedded(PurposeReseed)).
var DefaultServers = []string{
	"https://reseed.diva.exchange/",
	"https://reseed.stormycloud.org/",
	"https://i2p.novg.net/",
	"https://reseed-fr.i2pd.xyz/",
	"https://reseed.onion.im/",
	"https://i2pseed.creativecowpat.net:8443/",
	"https://reseed.i2pgit.org/",
	"https://banana.incognet.io/",
	"https://www2.mk16.de/",
	"https://i2p.ghativega.in/",
	"https://reseed.sahil.world/",
	"https://cubicchaos.net:8443/",
}
