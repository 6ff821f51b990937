package reseed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/su3"
)

// ClientConfig configures Bootstrap and Fetch.
type ClientConfig struct {
	URLs    []string    // reseed servers (bundle URL or base URL ending in /)
	Keyring su3.Keyring // trusted signers
	NetID   netdb.NetID // default netdb.LiveNetID
	// MaxAge is the oldest RouterInfo accepted (default 48h, as go-i2p);
	// MaxFuture the clock skew tolerated (default 2 minutes, as Java).
	MaxAge, MaxFuture time.Duration
	// MinRouters and MinServers end a bootstrap early once reached
	// (defaults 100 and 2, as Java I2P).
	MinRouters, MinServers int
	Parallel               int           // servers fetched at once; default 3
	ServerTimeout, Timeout time.Duration // per server (60 s) and overall (5 min)
	MaxBody                int64         // bytes per response; default 4 MiB
	HTTP                   *http.Client  // TLS roots, proxy; nil means a default client
	Now                    func() time.Time
	Rand                   *rand.Rand // server order; nil means random
}

func (c *ClientConfig) defaults() {
	if c.NetID == 0 {
		c.NetID = netdb.LiveNetID
	}
	if c.MaxAge == 0 {
		c.MaxAge = 48 * time.Hour
	}
	if c.MaxFuture == 0 {
		c.MaxFuture = 2 * time.Minute
	}
	c.MinRouters, c.MinServers, c.Parallel = cmpOr(c.MinRouters, 100), cmpOr(c.MinServers, 2), cmpOr(c.Parallel, 3)
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

// ServerResult is what one reseed server gave.
type ServerResult struct {
	URL      string
	Status   int                  // HTTP status, 0 if none
	Err      error                // why the server's bundle was refused, nil if used
	Signer   string               // su3 signer ID
	Version  string               // su3 version
	Accepted int                  // RouterInfos taken
	Rejected map[netdb.Reason]int // RouterInfos refused, by reason
	Duration time.Duration
	Bundle   []byte // the su3 as received (for mirrors)

	routers map[netdb.Hash]*netdb.RouterInfo
}

// Errors Fetch reports, testable with errors.Is.
var (
	ErrHTTPStatus = errors.New("reseed: server did not answer 200")
	ErrTooLarge   = errors.New("reseed: response too large")
	ErrNoRouters  = errors.New("reseed: bundle has no acceptable RouterInfos")
)

// BundleURL turns a server URL into its bundle URL with the netid query.
func BundleURL(server string, netID netdb.NetID) (string, error) {
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("reseed: %q is not an http(s) URL", server)
	}
	if u.Path == "" || u.Path[len(u.Path)-1] == '/' {
		u.Path += "i2pseeds.su3"
	}
	q := u.Query()
	q.Set("netid", netID.String())
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Fetch downloads and verifies one server's bundle.
func Fetch(ctx context.Context, cfg ClientConfig, server string) ServerResult {
	cfg.defaults()
	start := time.Now()
	res := ServerResult{URL: server}
	defer func() { res.Duration = time.Since(start) }()
	body, status, err := download(ctx, cfg, server)
	res.Status = status
	if err != nil {
		res.Err = err
		return res
	}
	res.Bundle = body
	b, err := VerifyBundle(body, cfg)
	res.Err = err
	res.routers, res.Rejected, res.Signer, res.Version = b.Routers, b.Rejected, b.Signer, b.Version
	res.Accepted = len(res.routers)
	res.Duration = time.Since(start)
	return res
}

func download(ctx context.Context, cfg ClientConfig, server string) ([]byte, int, error) {
	u, err := BundleURL(server, cfg.NetID)
	if err != nil {
		return nil, 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.ServerTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("User-Agent", RealClientAgent)
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
	Routers         map[netdb.Hash]*netdb.RouterInfo // accepted: parsed and verified
	Rejected        map[netdb.Reason]int             // RouterInfos refused, by reason
}

// VerifyBundle checks an su3 reseed bundle (or a plain zip, when data
// starts with "PK") and every RouterInfo in it: signature, hash = file
// name, netId, published not in the future and not older than MaxAge, an
// address peers can use. On error the Bundle still says what was learned
// (signer, version, rejections).
func VerifyBundle(data []byte, cfg ClientConfig) (*Bundle, error) {
	cfg.defaults()
	b := &Bundle{Routers: map[netdb.Hash]*netdb.RouterInfo{}, Rejected: map[netdb.Reason]int{}}
	var entries []su3.Entry
	var err error
	if bytes.HasPrefix(data, []byte("PK")) {
		entries, err = su3.ReadBundle(bytes.NewReader(data), int64(len(data)), nil)
	} else {
		var r *su3.Reader
		if r, err = su3.NewReader(bytes.NewReader(data), int64(len(data))); err != nil {
			return b, err
		}
		b.Signer, b.Version = r.SignerID, r.Version
		entries, err = r.VerifyBundle(cfg.Keyring, nil)
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
	if len(b.Routers) == 0 {
		return b, fmt.Errorf("%w (%d rejected: %v)", ErrNoRouters, len(entries), b.Rejected)
	}
	return b, nil
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

// ErrNotEnough means the bootstrap ended below MinRouters or MinServers.
var ErrNotEnough = errors.New("reseed: not enough RouterInfos from enough servers")

// Bootstrap fetches from cfg.URLs in random order, Parallel at a time, one
// URL per host, until MinRouters RouterInfos from MinServers servers are
// in, every server was tried, or Timeout passes. progress, if not nil, is
// called as each server finishes.
func Bootstrap(ctx context.Context, cfg ClientConfig, progress func(ServerResult)) (*Result, error) {
	cfg.defaults()
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	urls := onePerHost(cfg.URLs)
	shuffle := rand.Shuffle
	if cfg.Rand != nil {
		shuffle = cfg.Rand.Shuffle
	}
	shuffle(len(urls), func(i, j int) { urls[i], urls[j] = urls[j], urls[i] })

	res := &Result{Routers: map[netdb.Hash]*netdb.RouterInfo{}}
	var mu sync.Mutex
	enough := func() bool { return len(res.Routers) >= cfg.MinRouters && res.Succeeded() >= cfg.MinServers }
	sem := make(chan struct{}, cfg.Parallel)
	var wg sync.WaitGroup
	for _, u := range urls {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		mu.Lock()
		stop := enough() || ctx.Err() != nil
		mu.Unlock()
		if stop {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			r := Fetch(ctx, cfg, u)
			mu.Lock()
			defer mu.Unlock()
			for h, b := range r.routers {
				res.Routers[h] = b
			}
			res.Servers = append(res.Servers, r)
			if enough() {
				cancel() // the others' downloads are no longer needed
			}
			if progress != nil {
				progress(r)
			}
		})
	}
	wg.Wait()
	if !enough() {
		return res, fmt.Errorf("%w: %d RouterInfos from %d servers, want %d from %d", ErrNotEnough,
			len(res.Routers), res.Succeeded(), cfg.MinRouters, cfg.MinServers)
	}
	return res, nil
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

// WriteNetDb puts routers into a netDb store (r<c>/ layout, read by Java
// I2P and i2pd alike), each file atomically with its mtime at the
// published time; one the store holds in a newer version is left. It
// returns how many it wrote.
func WriteNetDb(store *netdb.Store, routers map[netdb.Hash]*netdb.RouterInfo) (int, error) {
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
