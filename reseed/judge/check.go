package judge

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/i2pseed/i2pseed/certs"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/reseed/client"
	"github.com/i2pseed/i2pseed/reseed/wire"
	"github.com/i2pseed/i2pseed/su3"
)

// A Verdict is how a server fared on one check.
type Verdict uint8

const (
	Pass    Verdict = iota // the rule holds
	Warn                   // one of our recommendations does not hold
	Fail                   // a real client (Java I2P or i2pd) would refuse the server
	Limited                // not judged: the server rate-limited the checker
)

var verdictNames = [...]string{"OK", "WARN", "FAIL", "LIMIT"}

func (v Verdict) String() string {
	if int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return "Verdict(" + strconv.Itoa(int(v)) + ")"
}

// MarshalText gives the lower-case name ("ok", "warn", "fail", "limit").
func (v Verdict) MarshalText() ([]byte, error) { return []byte(strings.ToLower(v.String())), nil }

// UnmarshalText reads what MarshalText writes.
func (v *Verdict) UnmarshalText(b []byte) error {
	for i, name := range verdictNames {
		if strings.EqualFold(string(b), name) {
			*v = Verdict(i)
			return nil
		}
	}
	return fmt.Errorf("reseed: unknown verdict %q", b)
}

// Whose rule a check applies.
const (
	RuleJava = "java"    // Java I2P: its reseed tester and its reseed client
	RuleI2PD = "i2pd"    // i2pd 2.58's reseed client
	RuleOurs = "i2pseed" // recommendations of ours (reseed-protocol.md section 4)
)

// A Check is one rule a reseed server is judged by. OK is false only for
// a Fail.
type Check struct {
	Name    string  `json:"name"`
	OK      bool    `json:"ok"`
	Verdict Verdict `json:"verdict"`
	Rule    string  `json:"rule"`
	Detail  string  `json:"detail"`
}

// Config configures Check.
type Config struct {
	Client client.Config // keyring, netId, HTTP client, clock
	// MinRouters is the fewest RouterInfos a bundle must hold (default 50,
	// Java's tester; lower it for test networks). MinFloodfills is the
	// fewest floodfills we recommend (default 5: a new i2pd reseeds again
	// with fewer).
	MinRouters, MinFloodfills int
	// MaxTime is Java's tester's limit for one download (default 30 s).
	MaxTime time.Duration
	// ExpiryWarning is how soon a TLS or signer certificate may expire
	// before it is a warning (default 30 days).
	ExpiryWarning time.Duration
	// Sources, if two or more, are local addresses (in different address
	// blocks) to fetch from once each, to see whether different clients
	// get different bundles. Each costs a request.
	Sources []netip.Addr
}

func (c *Config) defaults() {
	c.Client.SetDefaults()
	c.MinRouters, c.MinFloodfills = cmp.Or(max(c.MinRouters, 0), 50), cmp.Or(max(c.MinFloodfills, 0), 5)
	if c.MaxTime == 0 {
		c.MaxTime = 30 * time.Second
	}
	if c.ExpiryWarning == 0 {
		c.ExpiryWarning = 30 * 24 * time.Hour
	}
}

// A Report is Check's judgement of one server, with the figures a
// monitor tracks.
type Report struct {
	URL    string  `json:"url"`
	Checks []Check `json:"checks"`

	Status       int           `json:"status"`        // first request's HTTP status, 0 if none
	Took         time.Duration `json:"took"`          // first request, to the last byte
	RouterInfos  int           `json:"routerinfos"`   // accepted by Java's rules
	Floodfills   int           `json:"floodfills"`    // of those
	Signer       string        `json:"signer"`        // su3 signer ID
	SignedAt     time.Time     `json:"signed_at"`     // su3 version; zero if unknown
	TLSExpiry    time.Time     `json:"tls_expiry"`    // leaf certificate's NotAfter; zero without TLS
	SignerExpiry time.Time     `json:"signer_expiry"` // trusted signer certificate's NotAfter
	Requests     int           `json:"requests"`      // requests made
	// RetryAfter is what a server that rate-limited us asked for.
	RetryAfter time.Duration `json:"retry_after,omitempty"`
	// Err is the first failure (nil if none failed), for logs and monitors.
	Err error `json:"-"`
}

// Count returns how many checks have verdict v.
func (r *Report) Count(v Verdict) int {
	n := 0
	for _, c := range r.Checks {
		if c.Verdict == v {
			n++
		}
	}
	return n
}

// Judged reports whether the server answered the first request without
// rate-limiting it: otherwise no rule could be judged.
func (r *Report) Judged() bool { return r.Status != http.StatusTooManyRequests }

// ErrRateLimited means the server answered 429 before a check could be made.
var ErrRateLimited = errors.New("reseed: rate-limited by the server")

// Server judges a reseed server by the rules of the clients that use
// it and by ours, with as few requests as the verdicts need (two or
// three, plus one per cfg.Sources address). Each check's Rule says whose
// rule it is:
//
//   - Java I2P (Fail): HTTP 200, TLS 1.2 or newer, su3 content type reseed,
//     a valid signature by a known signer, su3 version at most 7.5 days
//     old, a zip readable through its central directory, every RouterInfo
//     valid and published within 7.5 days, at least MinRouters of them,
//     the download under MaxTime;
//   - i2pd (Fail): signature type 6 (the only one it verifies), every
//     RouterInfo at most 3072 bytes, the zip readable by its streaming reader;
//   - ours (Warn): another netid refused with 403, the same bundle on a
//     repeat request, different bundles for different clients (Sources),
//     at least MinFloodfills floodfills, a version not in the future, TLS
//     and signer certificates not expiring within ExpiryWarning.
//
// A 429 is reported as a rate limit (Limited), never as a broken rule;
// no request follows it.
func Server(ctx context.Context, cfg Config, server string) *Report {
	cfg.defaults()
	j := &judge{cfg: cfg, rep: &Report{URL: server}}
	j.run(ctx, server)
	return j.rep
}

type judge struct {
	cfg     Config
	rep     *Report
	limited bool
}

func (j *judge) add(name string, v Verdict, rule, format string, args ...any) {
	c := Check{Name: name, OK: v != Fail, Verdict: v, Rule: rule, Detail: fmt.Sprintf(format, args...)}
	j.rep.Checks = append(j.rep.Checks, c)
	if v == Fail && j.rep.Err == nil {
		j.rep.Err = fmt.Errorf("%s: %s", name, c.Detail)
	}
}

// verdict is Pass if ok, else v.
func verdict(ok bool, v Verdict) Verdict {
	if ok {
		return Pass
	}
	return v
}

// response is one request's outcome.
type response struct {
	status int
	body   []byte
	header http.Header
	tls    *tls.ConnectionState
	took   time.Duration
	err    error
}

func (j *judge) get(ctx context.Context, hc *http.Client, server string, netID netdb.NetID) response {
	j.rep.Requests++
	start := time.Now()
	u, err := wire.BundleURL(server, netID)
	if err != nil {
		return response{err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, j.cfg.Client.ServerTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return response{err: err}
	}
	req.Header.Set("User-Agent", wire.UserAgent)
	resp, err := hc.Do(req)
	if err != nil {
		return response{err: fmt.Errorf("reseed: %w", err), took: time.Since(start)}
	}
	defer resp.Body.Close()
	r := response{status: resp.StatusCode, header: resp.Header, tls: resp.TLS}
	if resp.StatusCode == http.StatusOK {
		r.body, r.err = io.ReadAll(io.LimitReader(resp.Body, j.cfg.Client.MaxBody+1))
		if r.err == nil && int64(len(r.body)) > j.cfg.Client.MaxBody {
			r.err = fmt.Errorf("%w: over %d bytes", client.ErrTooLarge, j.cfg.Client.MaxBody)
		}
	}
	r.took = time.Since(start)
	if resp.StatusCode == http.StatusTooManyRequests {
		j.limited = true
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			j.rep.RetryAfter = time.Duration(s) * time.Second
		}
	}
	return r
}

// limitText describes a 429 for a check it stopped.
func (j *judge) limitText(what string) string {
	s := what + ": rate-limited (429)"
	if j.rep.RetryAfter > 0 {
		s += ", retry after " + j.rep.RetryAfter.String()
	}
	return s
}

func (j *judge) run(ctx context.Context, server string) {
	cfg := &j.cfg.Client
	first := j.get(ctx, cfg.HTTP, server, cfg.NetID)
	j.rep.Status, j.rep.Took = first.status, first.took
	switch {
	case first.status == http.StatusTooManyRequests:
		j.add("http-200", Limited, RuleJava, "%s; nothing judged", j.limitText("first request"))
		j.rep.Err = ErrRateLimited
		return
	case first.err != nil && first.status == 0:
		j.add("http-200", Fail, RuleJava, "no answer: %v", first.err)
		return
	case first.status != http.StatusOK:
		j.add("http-200", Fail, RuleJava, "status %d (Java and i2pd take 200 only)", first.status)
		return
	case first.err != nil:
		j.add("http-200", Fail, RuleJava, "status 200 but %v", first.err)
		return
	}
	j.add("http-200", Pass, RuleJava, "status 200, %d bytes", len(first.body))
	j.add("time", verdict(first.took < j.cfg.MaxTime, Fail), RuleJava, "%v (limit %v)", first.took.Round(time.Millisecond), j.cfg.MaxTime)
	j.judgeTLS(first.tls)
	j.judgeBundle(first.body)
	j.judgeRepeats(ctx, server, first.body)
}

func (j *judge) judgeTLS(st *tls.ConnectionState) {
	if st == nil {
		return
	}
	j.add("tls", verdict(st.Version >= tls.VersionTLS12, Fail), RuleJava, "%s (Java 17 and go-i2p need 1.2 or newer)", tls.VersionName(st.Version))
	if len(st.PeerCertificates) == 0 {
		return
	}
	j.rep.TLSExpiry = st.PeerCertificates[0].NotAfter
	j.expiry("tls-expiry", "TLS certificate", j.rep.TLSExpiry)
}

func (j *judge) expiry(name, what string, notAfter time.Time) {
	left := notAfter.Sub(j.cfg.Client.Now())
	detail := fmt.Sprintf("%s expires %s, in %s", what, notAfter.UTC().Format(time.DateOnly), days(left))
	if left <= 0 {
		detail = fmt.Sprintf("%s expired %s, %s ago", what, notAfter.UTC().Format(time.DateOnly), days(-left))
	}
	j.add(name, verdict(left > j.cfg.ExpiryWarning, Warn), RuleOurs, "%s (warning below %s)", detail, days(j.cfg.ExpiryWarning))
}

func days(d time.Duration) string {
	if d < 48*time.Hour {
		return d.Round(time.Minute).String()
	}
	return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
}

// judgeBundle judges the su3 and its content.
func (j *judge) judgeBundle(body []byte) {
	const week = 7*24*time.Hour + 12*time.Hour
	r, err := su3.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		j.add("su3", Fail, RuleJava, "not an su3 file: %v", err)
		return
	}
	h := r.Header
	j.rep.Signer = h.SignerID
	j.add("content-type", verdict(h.ContentType == su3.ContentReseed && h.FileType == su3.FileZip, Fail), RuleJava,
		"content %s, file %s (want reseed, zip)", h.ContentType, h.FileType)
	content, err := r.Verify(j.cfg.Client.Keyring)
	j.add("signature", verdict(err == nil, Fail), RuleJava, "signer %q, %s: %s", h.SignerID, h.SigType, errText(err))
	j.add("sig-type", verdict(h.SigType == su3.RSA_SHA512_4096, Fail), RuleI2PD, "%s (i2pd with reseed.verify checks %s only)", h.SigType, su3.RSA_SHA512_4096)
	if kr, ok := j.cfg.Client.Keyring.(*certs.Keyring); ok {
		if cs := kr.Certificates(h.SignerID); len(cs) > 0 {
			j.rep.SignerExpiry = latest(cs)
			j.expiry("signer-expiry", "signer certificate", j.rep.SignerExpiry)
		}
	}
	j.judgeVersion(&h, week)
	if err != nil {
		return // content that does not verify is not judged further
	}
	zip, err := io.ReadAll(content)
	if err != nil {
		j.add("zip", Fail, RuleJava, "%v", err)
		return
	}
	entries, err := su3.ReadBundle(bytes.NewReader(zip), int64(len(zip)), &su3.BundleLimits{MaxEntries: 400, MaxEntrySize: 4096, MaxTotalSize: j.cfg.Client.MaxBody})
	if err != nil {
		j.add("zip", Fail, RuleJava, "%v", err)
		return
	}
	j.add("zip", Pass, RuleJava, "%d entries", len(entries))
	j.judgeStreaming(zip, entries)
	j.judgeRouterInfos(entries, week)
}

func latest(cs []*x509.Certificate) time.Time {
	var t time.Time
	for _, c := range cs {
		if c.NotAfter.After(t) {
			t = c.NotAfter
		}
	}
	return t
}

func (j *judge) judgeVersion(h *su3.Header, week time.Duration) {
	at, ok := h.SignedAt()
	if !ok {
		j.add("su3-age", Fail, RuleJava, "version %q is not a Unix time", h.Version)
		return
	}
	j.rep.SignedAt = at
	age := j.cfg.Client.Now().Sub(at)
	if age < -j.cfg.Client.MaxFuture {
		j.add("su3-age", Warn, RuleOurs, "version %s is %s in the future (a wrong clock on the server?)", h.Version, days(-age))
		return
	}
	j.add("su3-age", verdict(age <= week, Fail), RuleJava, "version %s, %s old (limit 7.5 days)", h.Version, days(max(age, 0)))
}

// judgeStreaming compares what i2pd's streaming reader makes of the zip
// with what the central directory says.
func (j *judge) judgeStreaming(zip []byte, entries []su3.Entry) {
	got, err := su3.ReadStreaming(zip)
	intact := 0
	for i := range min(len(got), len(entries)) {
		if got[i].Name == entries[i].Name && bytes.Equal(got[i].Data, entries[i].Data) {
			intact++
		}
	}
	switch {
	case err != nil:
		j.add("zip-stream", Fail, RuleI2PD, "i2pd reads %d of %d entries intact: %v", intact, len(entries), err)
	case intact < len(entries):
		j.add("zip-stream", Fail, RuleI2PD, "i2pd reads %d of %d entries intact (stored entries with data descriptors come out with 4 bytes too many)", intact, len(entries))
	default:
		j.add("zip-stream", Pass, RuleI2PD, "i2pd reads all %d entries intact", len(entries))
	}
}

func (j *judge) judgeRouterInfos(entries []su3.Entry, week time.Duration) {
	cfg := &j.cfg.Client
	p := &netdb.Policy{NetID: cfg.NetID, MaxAge: week, MaxFuture: cfg.MaxFuture, Now: cfg.Now}
	rejected := map[netdb.Reason]int{}
	large, ff := 0, 0
	for _, e := range entries {
		if len(e.Data) > maxI2PDRouterInfo {
			large++
		}
		ri, err := netdb.ParseRouterInfo(e.Data)
		if err != nil {
			rejected[netdb.RejectMalformed]++
			continue
		}
		if r := javaReceives(p, ri, e.Name); r != netdb.OK {
			rejected[r]++
			continue
		}
		j.rep.RouterInfos++
		if ri.Floodfill() {
			ff++
		}
	}
	j.rep.Floodfills = ff
	old := rejected[netdb.RejectTooOld] + rejected[netdb.RejectFuture]
	j.add("routerinfo-age", verdict(old == 0, Fail), RuleJava, "%d of %d outside 7.5 days old to 2 minutes ahead", old, len(entries))
	j.add("routerinfo-size", verdict(large == 0, Fail), RuleI2PD, "%d of %d over %d bytes", large, len(entries), maxI2PDRouterInfo)
	j.add("count", verdict(j.rep.RouterInfos >= j.cfg.MinRouters, Fail), RuleJava, "%d valid RouterInfos (need %d)%s",
		j.rep.RouterInfos, j.cfg.MinRouters, rejectText(rejected))
	j.add("floodfills", verdict(ff >= j.cfg.MinFloodfills, Warn), RuleOurs, "%d floodfills (recommended %d: a new i2pd with fewer reseeds again)", ff, j.cfg.MinFloodfills)
}

// maxI2PDRouterInfo is the largest RouterInfo i2pd 2.58 accepts.
const maxI2PDRouterInfo = 3072

// javaReceives applies the checks Java makes of each RouterInfo it loads
// from a bundle (signature, hash = file name, netId, not in the future)
// and the tester's age limit; addresses are not its concern here.
func javaReceives(p *netdb.Policy, ri *netdb.RouterInfo, name string) netdb.Reason {
	now := p.Now()
	switch {
	case ri.Verify() != nil:
		return netdb.RejectSignature
	case ri.Hash().FileName() != name:
		return netdb.RejectName
	case !p.NetID.Matches(ri.Option("netId")):
		return netdb.RejectNetID
	case ri.PublishedTime().After(now.Add(p.MaxFuture)):
		return netdb.RejectFuture
	case now.Sub(ri.PublishedTime()) > p.MaxAge:
		return netdb.RejectTooOld
	}
	return netdb.OK
}

func rejectText(m map[netdb.Reason]int) string {
	if len(m) == 0 {
		return ""
	}
	var parts []string
	for r, n := range m {
		parts = append(parts, fmt.Sprintf("%s %d", r, n))
	}
	sort.Strings(parts)
	return "; refused: " + strings.Join(parts, ", ")
}

// judgeRepeats makes the requests our recommendations need: another
// netid (403), the same bundle again, and one per source address. A
// server that ignores netid answers the netid request with its bundle,
// which then serves as the repeat.
func (j *judge) judgeRepeats(ctx context.Context, server string, bundle []byte) {
	cfg := &j.cfg.Client
	other := cfg.NetID + 1
	if other == 0 {
		other = 1
	}
	wrong := j.get(ctx, cfg.HTTP, server, other)
	var again *response
	switch wrong.status {
	case http.StatusForbidden:
		j.add("netid-403", Pass, RuleOurs, "netid=%d answered 403", other)
	case http.StatusTooManyRequests:
		j.add("netid-403", Limited, RuleOurs, "%s", j.limitText(fmt.Sprintf("netid=%d", other)))
	case http.StatusOK:
		j.add("netid-403", Warn, RuleOurs, "netid=%d answered 200: the server ignores netid and would feed a test network's routers to the real one", other)
		again = &wrong
	default:
		j.add("netid-403", Warn, RuleOurs, "netid=%d answered %d, want 403", other, wrong.status)
	}
	if again == nil && !j.limited {
		r := j.get(ctx, cfg.HTTP, server, cfg.NetID)
		again = &r
	}
	switch {
	case again == nil:
		j.add("same-bundle", Limited, RuleOurs, "%s", j.limitText("repeat request not made"))
	case again.status == http.StatusTooManyRequests:
		j.add("same-bundle", Limited, RuleOurs, "%s", j.limitText("repeat request"))
	case again.status != http.StatusOK || again.err != nil:
		j.add("same-bundle", Warn, RuleOurs, "repeat request: status %d %s", again.status, errText(again.err))
	default:
		same := bytes.Equal(again.body, bundle)
		j.add("same-bundle", verdict(same, Warn), RuleOurs, "repeat request: %s", map[bool]string{true: "the same bundle", false: "a different bundle (a client that asks again learns more of the netDb)"}[same])
	}
	j.judgeSources(ctx, server)
}

// judgeSources fetches once from each source address and warns when they
// all got the same bundle.
func (j *judge) judgeSources(ctx context.Context, server string) {
	if len(j.cfg.Sources) < 2 {
		return
	}
	if j.limited {
		j.add("per-client", Limited, RuleOurs, "%s", j.limitText("not tried"))
		return
	}
	distinct := map[string]bool{}
	got := 0
	for _, src := range j.cfg.Sources {
		r := j.get(ctx, fromAddr(j.cfg.Client.HTTP, src), server, j.cfg.Client.NetID)
		if r.status == http.StatusTooManyRequests {
			j.add("per-client", Limited, RuleOurs, "%s", j.limitText("from "+src.String()))
			return
		}
		if r.status == http.StatusOK && r.err == nil {
			distinct[string(r.body)] = true
			got++
		}
	}
	if got < 2 {
		j.add("per-client", Warn, RuleOurs, "only %d of %d source addresses got a bundle", got, len(j.cfg.Sources))
		return
	}
	j.add("per-client", verdict(len(distinct) > 1, Warn), RuleOurs, "%d source addresses got %d different bundles%s", got, len(distinct),
		map[bool]string{true: "", false: ": one bundle for everyone lets a scraper learn the whole pool from a few addresses"}[len(distinct) > 1])
}

// fromAddr returns a copy of c whose connections leave from src.
func fromAddr(c *http.Client, src netip.Addr) *http.Client {
	cc := *c
	var t *http.Transport
	if base, ok := c.Transport.(*http.Transport); ok {
		t = base.Clone()
	} else {
		t = http.DefaultTransport.(*http.Transport).Clone()
	}
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: src.AsSlice()}, Timeout: 30 * time.Second}
	t.DialContext = d.DialContext
	t.Proxy = nil // a proxy would hide the source address
	cc.Transport = t
	return &cc
}

func errText(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}
