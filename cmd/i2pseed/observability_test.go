package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/certs"
	"github.com/i2pseed/i2pseed/internal/pebbletest"
)

// needTool finds a program the test needs; without it the test skips,
// unless CI is set (then the install script should have put it there).
func needTool(t *testing.T, name, install string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but %s is not installed (%s)", name, install)
		}
		t.Skipf("%s not installed (%s)", name, install)
	}
	return p
}

// A liveServe is `i2pseed serve` running in the test with its built-in
// router: self-signed TLS on loopback, metrics on a plain HTTP listener.
type liveServe struct {
	Listen, Metrics string            // host:port
	Cert            *x509.Certificate // the TLS certificate it serves
}

// startObservedServe runs serve with the built-in router seeded from synthetic
// RouterInfos on loopback addresses (nobody answers there, so it has no
// sessions), whose store already holds them, so the pool builds at once.
// It waits for /healthz and stops serve at the end of the test.
func startObservedServe(t *testing.T) *liveServe {
	t.Helper()
	dir := t.TempDir()
	data, seed := filepath.Join(dir, "data"), filepath.Join(dir, "seed")
	synthNetDb(t, 300, true, seed, filepath.Join(data, "netDb"))
	s := &liveServe{Listen: fmt.Sprintf("127.0.0.1:%d", pebbletest.FreePort(t)), Metrics: fmt.Sprintf("127.0.0.1:%d", pebbletest.FreePort(t))}
	ctx, cancel := context.WithCancel(context.Background())
	log := &syncWriter{w: &bytes.Buffer{}}
	done := make(chan int, 1)
	go func() {
		done <- runContext(ctx, []string{"serve", "--signer", "watch@mail.i2p", "--data-dir", data, "--listen", s.Listen,
			"--host", "127.0.0.1", "--metrics-listen", s.Metrics, "--testnet", "--seed", seed, "--probe-every", "0",
			"--sessions", "1"}, io.Discard, log)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop")
		}
	})
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	s.Cert = waitHealthy(t, client, s.Listen, done, log, time.Minute)
	return s
}

// startProcess runs a program until the end of the test, stopping it with
// SIGTERM; its output goes to out.
func startProcess(t *testing.T, out io.Writer, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
}

// alertMetrics are the i2pseed metric names deploy/prometheus/alerts.yml
// uses in its expressions or points operators to in its descriptions,
// and the number of alerts in it.
func alertMetrics(t *testing.T, path string) ([]string, int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, "summary:") || strings.Contains(line, "description:") {
			continue
		}
		for _, m := range regexp.MustCompile(`\bi2pseed_[a-z0-9_]+`).FindAllString(line, -1) {
			if !slices.Contains(names, m) {
				names = append(names, m)
			}
		}
	}
	return names, strings.Count(string(b), "- alert: ")
}

// promQuery runs an instant query against Prometheus's HTTP API.
func promQuery(t *testing.T, api, query string) []struct {
	Metric map[string]string
	Value  [2]any
} {
	t.Helper()
	var r struct {
		Status string
		Data   struct {
			Result []struct {
				Metric map[string]string
				Value  [2]any
			}
		}
	}
	promGet(t, api+"/api/v1/query?query="+url.QueryEscape(query), &r)
	return r.Data.Result
}

func promGet(t *testing.T, u string, v any) bool {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	return resp.StatusCode == 200 && json.NewDecoder(resp.Body).Decode(v) == nil
}

// TestPrometheusScrapesServe runs a real Prometheus on loopback with the
// shipped alert rules, scraping a running serve: every metric the alerts
// use has a series, the TLS expiry is the served certificate's, every rule
// is loaded and evaluates with health ok, and the router-without-sessions
// alert is pending for this router, which has none.
func TestPrometheusScrapesServe(t *testing.T) {
	prom := needTool(t, "prometheus", "bash .ci/install-observability.sh")
	rules, err := filepath.Abs("../../deploy/prometheus/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	metrics, alerts := alertMetrics(t, rules)
	if len(metrics) < 6 || alerts < 8 {
		t.Fatalf("alerts.yml: %d alerts using %v", alerts, metrics)
	}
	s := startObservedServe(t)

	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, `global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [%q]
scrape_configs:
  - job_name: i2pseed
    static_configs:
      - targets: [%q]
`, rules, s.Metrics), 0o644); err != nil {
		t.Fatal(err)
	}
	api := fmt.Sprintf("http://127.0.0.1:%d", pebbletest.FreePort(t))
	var out bytes.Buffer
	startProcess(t, &syncWriter{w: &out}, prom, "--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+strings.TrimPrefix(api, "http://"))

	st := waitPrometheus(t, api, s.Metrics, metrics, alerts, &out)
	loaded, pending := st.loaded, st.pending

	// The values are the server's: its certificate, its pool, its router.
	exp := promQuery(t, api, "i2pseed_tls_cert_expiry_timestamp_seconds")
	if v, _ := strconv.ParseFloat(fmt.Sprint(exp[0].Value[1]), 64); int64(v) != s.Cert.NotAfter.Unix() {
		t.Errorf("i2pseed_tls_cert_expiry_timestamp_seconds %v; the served certificate expires at %d", exp[0].Value[1], s.Cert.NotAfter.Unix())
	}
	if r := promQuery(t, api, "time() - i2pseed_pool_built_timestamp_seconds < 600"); len(r) != 1 {
		t.Errorf("pool age: %v, want a pool built in the last minutes", r)
	}
	if r := promQuery(t, api, `sum(i2pseed_router_sessions) == 0`); len(r) != 1 {
		t.Errorf("router sessions: %v, want 0 (nobody answers at the seeds' addresses)", r)
	}
	for _, quiet := range []string{"ReseedNoTLSCert", "ReseedTLSCertExpiring", "ReseedTLSCertExpiringSoon", "ReseedPoolStale", "ReseedDown"} {
		if pending[quiet] {
			t.Errorf("%s is pending for a healthy server with a fresh pool and a 5-year certificate", quiet)
		}
	}
	t.Logf("%d rules ok; %d metrics the alerts use all scraped; pending: %v", len(loaded), len(metrics), pending)
}

// A promRule is a rule as Prometheus's API reports it.
type promRule struct {
	Name, Health, State, LastError string
	Type                           string
}

// promState is what Prometheus reports: series missing among the metrics
// asked for, the rules loaded (healthy: with health ok), and the alerts
// pending or firing for one instance.
type promState struct {
	missing []string
	loaded  []promRule
	healthy int
	pending map[string]bool
}

// scrapeState asks Prometheus at api for its state.
func scrapeState(t *testing.T, api, instance string, metrics []string) promState {
	var st promState
	for _, m := range append([]string{`up{job="i2pseed"} == 1`}, metrics...) {
		if len(promQuery(t, api, m)) == 0 {
			st.missing = append(st.missing, m)
		}
	}
	var r struct {
		Data struct {
			Groups []struct {
				Name  string
				Rules []promRule
			}
		}
	}
	if promGet(t, api+"/api/v1/rules", &r) {
		for _, g := range r.Data.Groups {
			for _, ru := range g.Rules {
				st.loaded = append(st.loaded, ru)
				if ru.Health == "ok" {
					st.healthy++
				}
			}
		}
	}
	var a struct {
		Data struct {
			Alerts []struct {
				Labels map[string]string
				State  string
			}
		}
	}
	st.pending = map[string]bool{}
	if promGet(t, api+"/api/v1/alerts", &a) {
		for _, al := range a.Data.Alerts {
			if al.Labels["instance"] == instance && al.State != "inactive" {
				st.pending[al.Labels["alertname"]] = true
			}
		}
	}
	return st
}

// waitPrometheus waits up to 90 s until every metric has a series, all
// alerts rules are loaded and healthy, and the router-without-sessions
// alert is pending for instance.
func waitPrometheus(t *testing.T, api, instance string, metrics []string, alerts int, out fmt.Stringer) promState {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		st := scrapeState(t, api, instance, metrics)
		if len(st.missing) == 0 && len(st.loaded) == alerts && st.healthy == alerts && st.pending["ReseedRouterNoSessions"] {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 90s: series missing for %v; rules %+v; alerts pending %v\nprometheus:\n%s", st.missing, st.loaded, st.pending, out.String())
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// spki is the base64 SHA-256 of a certificate's public key, as chromium's
// --ignore-certificate-errors-spki-list wants it.
func spki(c *x509.Certificate) string {
	h := sha256.Sum256(c.RawSubjectPublicKeyInfo)
	return base64.StdEncoding.EncodeToString(h[:])
}

// chromium loads u in headless chromium, trusting only the certificate
// pinned (if any), and returns the DOM it rendered and the URLs the page
// made it request (its main frame and anything the page loaded), read
// from chromium's network log. chromium's own background requests (update
// checks and the like) belong to no page and are left out.
func chromium(t *testing.T, bin, u string, pin *x509.Certificate) (dom string, requested []string) {
	t.Helper()
	dir := t.TempDir()
	netlog := filepath.Join(dir, "netlog.json")
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + filepath.Join(dir, "profile"),
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-extensions", "--disable-default-apps", "--log-net-log=" + netlog, "--dump-dom"}
	if pin != nil {
		args = append(args, "--ignore-certificate-errors-spki-list="+spki(pin))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, append(args, u)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	b, err := os.ReadFile(netlog)
	if err != nil {
		t.Fatal(err)
	}
	var log struct {
		Constants struct {
			LogEventTypes map[string]int `json:"logEventTypes"`
		}
		Events []struct {
			Type   int
			Params struct {
				URL  string `json:"url"`
				NIK  string `json:"network_isolation_key"`
				Kind string `json:"request_type"`
			}
		}
	}
	if err := json.Unmarshal(b, &log); err != nil {
		t.Fatalf("chromium's net log: %v", err)
	}
	start, ok := log.Constants.LogEventTypes["URL_REQUEST_START_JOB"]
	if !ok {
		t.Fatal("chromium's net log has no URL_REQUEST_START_JOB events")
	}
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	site := pu.Scheme + "://" + pu.Hostname() // a network isolation key starts with the top frame's site
	for _, e := range log.Events {
		if e.Type == start && strings.HasPrefix(e.Params.NIK, site+" ") {
			requested = append(requested, e.Params.Kind+" "+e.Params.URL)
		}
	}
	return stdout.String(), requested
}

// TestStatusPageInChromium loads serve's status page over its real TLS in
// headless chromium (which trusts exactly the served certificate's key):
// the page renders the pool, the built-in router's state and the
// certificate pin, and chromium fetched nothing but the page itself. A
// control page with an external image shows that such a fetch is seen.
func TestStatusPageInChromium(t *testing.T) {
	bin := needTool(t, "chromium", "bash .ci/install-observability.sh")
	s := startObservedServe(t)
	page := "https://" + s.Listen + "/"
	dom, requested := chromium(t, bin, page, s.Cert)

	if !strings.Contains(dom, "<title>I2P reseed server</title>") || !strings.Contains(dom, "</table>") {
		t.Fatalf("chromium rendered no status page:\n%s", dom)
	}
	cell := func(label string) string {
		m := regexp.MustCompile(`<td>` + regexp.QuoteMeta(label) + `</td><td[^>]*>(.*?)</td>`).FindStringSubmatch(dom)
		if m == nil {
			t.Errorf("status page has no %q row:\n%s", label, dom)
			return ""
		}
		return m[1]
	}
	if v := cell("status"); v != "serving" {
		t.Errorf("status %q, want serving", v)
	}
	if v := cell("bundles"); !regexp.MustCompile(`^[1-9][0-9]* of up to 75 RouterInfos$`).MatchString(v) {
		t.Errorf("bundles %q", v)
	}
	if v := cell("eligible RouterInfos"); !regexp.MustCompile(`^[1-9][0-9]* of 300$`).MatchString(v) {
		t.Errorf("eligible RouterInfos %q, want some of the 300 in the netDb", v)
	}
	if v := cell("built-in router"); !strings.Contains(v, "no session open") || !strings.Contains(v, "300 RouterInfos stored") {
		t.Errorf("built-in router %q, want no session open and the 300 RouterInfos stored", v)
	}
	if v, want := cell("TLS certificate SHA-256"), certs.Fingerprint(s.Cert); !strings.Contains(v, want) {
		t.Errorf("TLS certificate SHA-256 %q, want the served certificate's %s", v, want)
	}
	// Nothing to load from anywhere: no scripts, images, styles, frames.
	if m := regexp.MustCompile(`(?i)<(script|img|iframe|object|embed|video|audio|source)\b|\ssrc=|<link\b[^>]*href="(https?:|//|/)`).FindString(dom); m != "" {
		t.Errorf("status page loads a resource: %s", m)
	}
	if want := []string{"main frame " + page}; !slices.Equal(requested, want) {
		t.Errorf("chromium requested %q for the status page, want only %q", requested, want)
	}

	// Control: a page that loads an image from elsewhere; the request
	// shows in the net log though nothing answers it.
	control := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><html><head><link rel="icon" href="data:,"></head><body><img src="http://192.0.2.1/x.png"></body></html>`)
	}))
	defer control.Close()
	_, requested = chromium(t, bin, control.URL+"/", nil)
	if !slices.ContainsFunc(requested, func(r string) bool { return strings.Contains(r, "http://192.0.2.1/x.png") }) {
		t.Errorf("control page: chromium's requests %q lack its external image: the check above would miss one", requested)
	}
}
