package reseed

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/internal/reseedtest"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// definedMetrics maps every i2pseed metric serve can export (the server's
// and the built-in router's) to its label names.
func definedMetrics(t *testing.T) map[string][]string {
	t.Helper()
	id, err := router.LoadOrCreateIdentity(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	store, err := netdb.OpenStore(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r, err := router.New(router.Config{Identity: id, NetID: 2, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan *prometheus.Desc, 100)
	for _, c := range append(newMetrics().collectors(), r) {
		c.Describe(ch)
	}
	close(ch)
	desc := regexp.MustCompile(`fqName: "([^"]+)".*variableLabels: \{([^}]*)\}`)
	out := map[string][]string{}
	for d := range ch {
		m := desc.FindStringSubmatch(d.String())
		if m == nil {
			t.Fatalf("cannot read %s", d)
		}
		out[m[1]] = strings.FieldsFunc(m[2], func(r rune) bool { return r == ',' || r == ' ' })
	}
	return out
}

// selector is an i2pseed metric name with its optional {label matchers}.
var (
	selector = regexp.MustCompile(`\b(i2pseed_[a-z0-9_]+)(\{([^}]*)\})?`)
	matchers = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)`)
)

// checkQueries reports metric names in queries that serve does not
// export, and label matchers a metric does not have.
func checkQueries(t *testing.T, file string, queries []string, defined map[string][]string) (used map[string]bool) {
	t.Helper()
	used = map[string]bool{}
	for _, q := range queries {
		for _, m := range selector.FindAllStringSubmatch(q, -1) {
			labels, ok := defined[m[1]]
			if !ok {
				t.Errorf("%s: %s is not a metric of serve (in %q)", file, m[1], q)
				continue
			}
			used[m[1]] = true
			for _, matcher := range matchers.FindAllStringSubmatch(m[3], -1) {
				if name := matcher[1]; name != "job" && name != "instance" && !slices.Contains(labels, name) {
					t.Errorf("%s: %s has no label %q (labels %v), in %q", file, m[1], name, labels, q)
				}
			}
		}
	}
	return used
}

// TestDashboardAndAlertsUseDefinedMetrics: the Grafana dashboard is valid
// JSON, and it and the alert rules use only metrics and labels serve
// exports.
func TestDashboardAndAlertsUseDefinedMetrics(t *testing.T) {
	defined := definedMetrics(t)
	for _, want := range []string{"i2pseed_requests_total", "i2pseed_tls_cert_expiry_timestamp_seconds", "i2pseed_router_sessions"} {
		if _, ok := defined[want]; !ok {
			t.Fatalf("metric %s not found among %d: the test cannot read the definitions", want, len(defined))
		}
	}
	checkDashboard(t, defined)
	checkAlerts(t, defined)
}

// grafanaDashboard is what the tests read of a Grafana dashboard.
type grafanaDashboard struct {
	SchemaVersion int `json:"schemaVersion"`
	Templating    struct {
		List []struct {
			Name, Type string
			Query      any `json:"query"`
		}
	}
	Panels []struct {
		Title, Type string
		Datasource  struct{ UID string }
		Targets     []struct{ Expr string }
	}
}

// checkDashboard: the Grafana dashboard is valid JSON of a recent schema,
// its queries use only metrics and labels in defined, and it has a panel
// for each of the metrics an operator watches.
func checkDashboard(t *testing.T, defined map[string][]string) {
	t.Helper()
	b, err := os.ReadFile("../deploy/grafana/i2pseed.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash grafanaDashboard
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("dashboard: %v", err)
	}
	if dash.SchemaVersion < 36 {
		t.Errorf("dashboard schemaVersion %d", dash.SchemaVersion)
	}
	queries, panels := dashboardQueries(t, &dash)
	used := checkQueries(t, "i2pseed.json", queries, defined)
	for _, want := range []string{"i2pseed_requests_total", "i2pseed_bundles_served_total", "i2pseed_pool_built_timestamp_seconds",
		"i2pseed_pool_eligible_routerinfos", "i2pseed_routerinfos_rejected", "i2pseed_router_sessions", "i2pseed_router_handshakes_total",
		"i2pseed_router_probes_total", "i2pseed_tls_cert_expiry_timestamp_seconds", "i2pseed_pool_bundles_stale"} {
		if !used[want] {
			t.Errorf("dashboard has no panel for %s", want)
		}
	}
	t.Logf("dashboard: %d panels, %d queries, %d of %d metrics", panels, len(queries), len(used), len(defined))
}

// dashboardQueries returns the queries of dash's variables and panels and
// how many panels it has; it checks that dash has a Prometheus datasource
// variable and that every panel queries through it.
func dashboardQueries(t *testing.T, dash *grafanaDashboard) (queries []string, panels int) {
	t.Helper()
	hasDS := false
	for _, v := range dash.Templating.List {
		hasDS = hasDS || v.Type == "datasource" && v.Query == "prometheus" && v.Name == "datasource"
		if q, ok := v.Query.(map[string]any); ok {
			queries = append(queries, q["query"].(string))
		}
	}
	if !hasDS {
		t.Error("dashboard has no Prometheus datasource variable")
	}
	for _, p := range dash.Panels {
		if p.Type == "row" {
			continue
		}
		panels++
		if p.Datasource.UID != "${datasource}" || len(p.Targets) == 0 {
			t.Errorf("panel %q: datasource %q, %d queries", p.Title, p.Datasource.UID, len(p.Targets))
		}
		for _, tg := range p.Targets {
			queries = append(queries, tg.Expr)
		}
	}
	return queries, panels
}

// checkAlerts: the alert rules use only metrics and labels in defined, and
// alert on each of the metrics that says the server is in trouble.
func checkAlerts(t *testing.T, defined map[string][]string) {
	t.Helper()
	b, err := os.ReadFile("../deploy/prometheus/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	used := checkQueries(t, "alerts.yml", []string{string(b)}, defined)
	for _, want := range []string{"i2pseed_pool_built_timestamp_seconds", "i2pseed_pool_builds_total", "i2pseed_bundles_served_total",
		"i2pseed_requests_total", "i2pseed_tls_cert_expiry_timestamp_seconds", "i2pseed_router_sessions", "i2pseed_pool_withdrawn"} {
		if !used[want] {
			t.Errorf("no alert uses %s", want)
		}
	}
}

// TestStatusPageRouterAndTLSExpiry: the router's state appears on the
// status page once SetRouterStatus is called, asked afresh at every
// request; the TLS expiry metric follows its source, 0 without a
// certificate; the page links no favicon to fetch.
func TestStatusPageRouterAndTLSExpiry(t *testing.T) {
	srv := NewServer(ServerConfig{SignerID: "test@mail.i2p", TLSFingerprint: "ab12", Now: func() time.Time { return reseedtest.Now }})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	page := func() string {
		t.Helper()
		_, b := do(t, ts, req{path: "/"})
		return string(b)
	}
	if p := page(); strings.Contains(p, "built-in router") || !strings.Contains(p, `<link rel="icon" href="data:,">`) {
		t.Errorf("status page without a router: shows one, or lacks the inline favicon:\n%s", p)
	}
	if n := testutil.CollectAndCount(srv.metrics.tlsExpiry); n != 0 {
		t.Errorf("TLS expiry metric without a source: %d series, want none", n)
	}

	st := RouterStatus{Hash: "routerhash", Floodfills: 0}
	srv.SetRouterStatus(func() RouterStatus { return st })
	if p := page(); !strings.Contains(p, "looking for a floodfill") || !strings.Contains(p, "routerhash") {
		t.Errorf("router without floodfills:\n%s", p)
	}
	st = RouterStatus{Hash: "routerhash", Outbound: 2, Inbound: 1, Floodfills: 7, Stored: 1234, Live: 99, Harvested: 4321}
	if p := page(); !strings.Contains(p, "harvesting: 3 sessions open (2 outbound, 1 inbound); 7 floodfills known, 1234 RouterInfos stored, 99 routers live, 4321 harvested") {
		t.Errorf("router status not on the page:\n%s", p)
	}

	var notAfter time.Time
	srv.SetTLSExpiry(func() time.Time { return notAfter })
	if v := testutil.ToFloat64(srv.metrics.tlsExpiry); v != 0 {
		t.Errorf("no certificate yet: expiry %v, want 0", v)
	}
	notAfter = reseedtest.Now.Add(90 * 24 * time.Hour)
	_, m := do(t, ts, req{path: "/metrics"})
	if want := "i2pseed_tls_cert_expiry_timestamp_seconds " + strconv.FormatFloat(float64(notAfter.Unix()), 'g', -1, 64); !strings.Contains(string(m), want) {
		t.Errorf("metrics lack %q (expiry %d):\n%s", want, notAfter.Unix(), m)
	}
	for _, want := range []string{`i2pseed_pool_builds_total{result="error"} 0`, `i2pseed_requests_total{channel="https",code="200"} 0`} {
		if !strings.Contains(string(m), want) {
			t.Errorf("metrics lack %s before any build or request", want)
		}
	}
}
