package judge

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/internal/reseedtest"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/reseed/client"
)

func scrape(t *testing.T, h http.Handler, path string) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d", path, rec.Code)
	}
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

// monitorUp is what h's metrics say of server's i2pseed_monitor_up, or
// "absent".
func monitorUp(t *testing.T, h http.Handler, server string) string {
	t.Helper()
	re := regexp.MustCompile(`i2pseed_monitor_up\{server="` + regexp.QuoteMeta(server) + `"\} (\d)`)
	if g := re.FindStringSubmatch(scrape(t, h, "/metrics")); g != nil {
		return g[1]
	}
	return "absent"
}

// TestMonitor: a server that fails and recovers, and one that rate-limits,
// judged in turn; the metrics, the status page and the history on disk
// follow, and the history survives a restart.
func TestMonitor(t *testing.T) {
	signer, kr := reseedtest.Signer(t)
	ok := bundleSpec{entries: reseedtest.SynthEntries(t, 75, netdb.SynthConfig{Now: reseedtest.Now, Seed: 31, MaxAge: 10 * time.Hour}), signer: signer}.build(t)
	var broken atomic.Bool
	flap := flappingServer(t, ok, &broken)
	limited := reseedtest.TLSServer(t, limitedServer(ok, 0))
	dir := t.TempDir()
	cfg := MonitorConfig{
		Check:   Config{Client: client.Config{Keyring: kr, HTTP: insecureClient(), Now: func() time.Time { return reseedtest.Now.Add(time.Hour) }}},
		Servers: []string{flap.URL + "/", limited.URL + "/"},
		History: filepath.Join(dir, "history.json"),
	}
	m, err := NewMonitor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := m.Handler()
	ctx := context.Background()
	if got := monitorUp(t, h, cfg.Servers[0]); got != "absent" {
		t.Errorf("before any check: up %s, want absent", got)
	}
	for i, state := range []bool{false, true, false} {
		broken.Store(state)
		res, err := m.CheckNow(ctx, cfg.Servers[0])
		if err != nil {
			t.Fatal(err)
		}
		checkFlapRound(t, h, cfg.Servers[0], i, state, res)
	}
	if _, err := m.CheckNow(ctx, cfg.Servers[1]); err != nil {
		t.Fatal(err)
	}
	checkMonitorMetrics(t, scrape(t, h, "/metrics"), cfg.Servers[0], cfg.Servers[1])
	checkStatusPage(t, scrape(t, h, "/"), cfg.Servers[0], cfg.Servers[1])

	// The history is on disk, 0600, and a new monitor starts from it.
	checkHistoryReloads(t, cfg)
	if got := monitorUp(t, h, cfg.Servers[0]); got != "1" {
		t.Errorf("old monitor's metrics changed: %s", got)
	}
	// A history file that does not parse is refused, not overwritten.
	os.WriteFile(cfg.History, []byte("{not json"), 0o600)
	if _, err := NewMonitor(cfg); err == nil {
		t.Error("corrupt history accepted")
	}
	if b, _ := os.ReadFile(cfg.History); string(b) != "{not json" {
		t.Error("corrupt history overwritten")
	}
}

// flappingServer serves bundle, honouring netid, except while broken,
// when it answers 503.
func flappingServer(t *testing.T, bundle []byte, broken *atomic.Bool) *httptest.Server {
	return reseedtest.TLSServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case broken.Load():
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		case r.URL.Query().Get("netid") != "2":
			http.Error(w, "wrong netid", http.StatusForbidden)
		default:
			w.Write(bundle)
		}
	})
}

// checkFlapRound: after round i's check of server, broken or not, gave
// res, h's metrics say whether it is up, name the last error while it is
// broken, and count its RouterInfos only while it is not.
func checkFlapRound(t *testing.T, h http.Handler, server string, i int, broken bool, res Judgement) {
	t.Helper()
	want := map[bool]string{false: "1", true: "0"}[broken]
	if got := monitorUp(t, h, server); got != want || res.Up == broken {
		t.Errorf("round %d (broken %v): up %s, result %+v", i, broken, got, res)
	}
	metrics := scrape(t, h, "/metrics")
	hasErr := strings.Contains(metrics, `i2pseed_monitor_last_error_info{error="http-200: status 503`)
	if hasErr != broken {
		t.Errorf("round %d: last_error_info present %v, want %v", i, hasErr, broken)
	}
	if !broken && !strings.Contains(metrics, `i2pseed_monitor_routerinfos{server="`+server+`"} 75`) {
		t.Errorf("round %d: no routerinfos 75 in\n%s", i, metrics)
	}
	if broken && strings.Contains(metrics, `i2pseed_monitor_routerinfos{server="`+server+`"}`) {
		t.Errorf("round %d: a server with no bundle reports a RouterInfo count", i)
	}
}

// checkMonitorMetrics: the metrics hold the figures of flap, checked three
// times, and of limited, rate-limited.
func checkMonitorMetrics(t *testing.T, metrics, flap, limited string) {
	t.Helper()
	for _, want := range []string{
		`i2pseed_monitor_rate_limited{server="` + limited + `"} 1`,
		`i2pseed_monitor_up{server="` + limited + `"} 0`,
		`i2pseed_monitor_floodfills{server="` + flap + `"}`,
		`i2pseed_monitor_tls_expiry_timestamp_seconds{server="` + flap + `"}`,
		`i2pseed_monitor_su3_age_seconds{server="` + flap + `"} 3600`,
		`i2pseed_monitor_check_duration_seconds{server="` + flap + `"}`,
		`i2pseed_monitor_checks{server="` + flap + `",verdict="FAIL"} 0`,
		`i2pseed_monitor_checks_recorded{server="` + flap + `"} 3`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// checkStatusPage: the status page names both servers, flap up in 2 of 3
// checks and limited rate-limited, and loads nothing from elsewhere.
func checkStatusPage(t *testing.T, page, flap, limited string) {
	t.Helper()
	for _, want := range []string{flap, limited, `class="up">UP`, `class="limit">RATE-LIMITED`, "2 of 3"} {
		if !strings.Contains(page, want) {
			t.Errorf("status page lacks %q", want)
		}
	}
	for _, external := range []string{"<script", "<link", "src=", "@import", "url("} {
		if strings.Contains(page, external) {
			t.Errorf("status page has %q", external)
		}
	}
}

// checkHistoryReloads: cfg's history file is private and a new monitor
// reads from it the first server's three results: up, down, up, the
// first without its checks.
func checkHistoryReloads(t *testing.T, cfg MonitorConfig) {
	t.Helper()
	if fi, err := os.Stat(cfg.History); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("history file: %v %v", fi, err)
	}
	again, err := NewMonitor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hist := again.History(cfg.Servers[0])
	if len(hist) != 3 || !hist[0].Up || hist[1].Up || !hist[2].Up || hist[0].Checks != nil || hist[2].Checks == nil {
		t.Errorf("reloaded history: %+v", hist)
	}
}

// TestMonitorRun: Run judges every server again and again on its
// schedule, keeps at most Keep results each, and returns when ctx ends.
func TestMonitorRun(t *testing.T) {
	signer, kr := reseedtest.Signer(t)
	ok := bundleSpec{entries: reseedtest.SynthEntries(t, 60, netdb.SynthConfig{Now: reseedtest.Now, Seed: 32, MaxAge: 10 * time.Hour}), signer: signer}.build(t)
	var hits atomic.Int64
	a := reseedtest.TLSServer(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1); w.Write(ok) })
	b := reseedtest.TLSServer(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1); http.Error(w, "gone", http.StatusGone) })
	m, err := NewMonitor(MonitorConfig{
		Check:   Config{Client: client.Config{Keyring: kr, HTTP: insecureClient(), Now: func() time.Time { return reseedtest.Now }}},
		Servers: []string{a.URL + "/", b.URL + "/"}, Every: 50 * time.Millisecond, Keep: 3,
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- m.Serve(ctx, ln, nil) }()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) && (len(m.History(a.URL+"/")) < 3 || len(m.History(b.URL+"/")) < 3) {
		time.Sleep(20 * time.Millisecond)
	}
	resp, err := http.Get("http://" + ln.Addr().String() + "/status.json")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("status while serving: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Error("the status page still listens after Serve returned")
	}
	ha, hb := m.History(a.URL+"/"), m.History(b.URL+"/")
	if len(ha) != 3 || len(hb) != 3 || !ha[2].Up || hb[2].Up {
		t.Errorf("after Run: %d and %d results (want Keep = 3 each), up %v / %v", len(ha), len(hb), ha, hb)
	}
	if hits.Load() < 6 {
		t.Errorf("servers saw %d requests", hits.Load())
	}
}

// TestMonitorCheckCutOff: a check cut off by the caller's context is not
// held against the server.
func TestMonitorCheckCutOff(t *testing.T) {
	_, kr := reseedtest.Signer(t)
	m, err := NewMonitor(MonitorConfig{
		Check:   Config{Client: client.Config{Keyring: kr, HTTP: insecureClient(), Now: func() time.Time { return reseedtest.Now }}},
		Servers: []string{"https://127.0.0.1:1/"},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.CheckNow(ctx, "https://127.0.0.1:1/"); err != nil {
		t.Fatal(err)
	}
	if h := m.History("https://127.0.0.1:1/"); len(h) != 0 {
		t.Errorf("a cut-off check was recorded: %+v", h)
	}
	if _, err := m.CheckNow(context.Background(), "https://127.0.0.1:1/"); err != nil {
		t.Fatal(err)
	}
	if h := m.History("https://127.0.0.1:1/"); len(h) != 1 || h[0].Up {
		t.Errorf("a refused connection: %+v, want one DOWN result", h)
	}
}
