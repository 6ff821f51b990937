package reseed

import (
	"github.com/i2pseed/i2pseed/netdb"

	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// A Check is one rule a reseed server is judged by.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// CheckServer judges a reseed server by Java I2P's tester rules (HTTP 200,
// a valid signature by a known signer, su3 version at most 7.5 days old,
// every RouterInfo published within 7.5 days, at least 50 RouterInfos,
// under 30 s) and ours (the same bundle on a repeat request, another netid
// refused with 403, TLS 1.2 or newer). cfg.MaxAge is set to 7.5 days;
// cfg.MinRouters, if set, replaces the 50 (for test networks).
func CheckServer(ctx context.Context, cfg ClientConfig, server string) []Check {
	const week = 7*24*time.Hour + 12*time.Hour
	cfg.MaxAge = week
	need := cmpOr(cfg.MinRouters, 50)
	cfg.defaults()
	var checks []Check
	add := func(name string, ok bool, format string, args ...any) {
		checks = append(checks, Check{Name: name, OK: ok, Detail: fmt.Sprintf(format, args...)})
	}
	var tlsVersion uint16
	cfg.HTTP = withTLSObserver(cfg.HTTP, &tlsVersion)
	start := time.Now()
	r := Fetch(ctx, cfg, server)
	took := time.Since(start)
	add("http-200", r.Status == http.StatusOK, "status %d", r.Status)
	if r.Status != http.StatusOK {
		add("bundle", false, "%v", r.Err)
		return checks
	}
	add("signature", r.Err == nil || errors.Is(r.Err, ErrNoRouters), "signer %q: %v", r.Signer, errText(r.Err))
	secs, _ := strconv.ParseInt(r.Version, 10, 64)
	age := cfg.Now().Sub(time.Unix(secs, 0))
	add("su3-age", secs > 0 && age <= week, "version %s, %v old", r.Version, age.Round(time.Minute))
	add("routerinfo-age", r.Err == nil && r.Rejected[netdb.RejectTooOld] == 0 && r.Rejected[netdb.RejectFuture] == 0,
		"%d accepted, rejected %v", r.Accepted, r.Rejected)
	add("count", r.Accepted >= need, "%d RouterInfos (need %d)", r.Accepted, need)
	add("time", took < 30*time.Second, "%v (limit 30s)", took.Round(time.Millisecond))
	again := Fetch(ctx, cfg, server)
	add("same-bundle", again.Err == nil && bytes.Equal(again.Bundle, r.Bundle), "repeat request: %s", sameText(again, r))
	other := cfg
	other.NetID = cfg.NetID + 1
	wrong := Fetch(ctx, other, server)
	add("netid-403", wrong.Status == http.StatusForbidden, "netid=%d answered %d", other.NetID, wrong.Status)
	if tlsVersion != 0 {
		add("tls", tlsVersion >= tls.VersionTLS12, "%s", tls.VersionName(tlsVersion))
	}
	return checks
}

func errText(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

func sameText(a, b ServerResult) string {
	if a.Err != nil {
		return a.Err.Error()
	}
	if bytes.Equal(a.Bundle, b.Bundle) {
		return "identical bundle"
	}
	return "a different bundle"
}

// withTLSObserver wraps c's transport to record the TLS version used.
func withTLSObserver(c *http.Client, v *uint16) *http.Client {
	cc := *c
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	cc.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := base.RoundTrip(r)
		if err == nil && resp.TLS != nil {
			*v = resp.TLS.Version
		}
		return resp, err
	})
	return &cc
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
