package judge

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/i2pseed/i2pseed/internal/atomicfile"
	"github.com/i2pseed/i2pseed/reseed/client"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// MonitorConfig configures a Monitor.
type MonitorConfig struct {
	Check   Config   // how each server is judged (Check)
	Servers []string // default client.DefaultServers
	// Every is how often each server is judged (default 2 h: with 2-3
	// requests a check, inside the 4 an hour that reseed-tools allows one
	// address). Jitter spreads each wait by up to this fraction either way
	// (default 0.2), so servers are not all asked at the same moment.
	Every  time.Duration
	Jitter float64
	// History is the file the monitor keeps its results in (JSON, written
	// atomically); empty keeps them in memory only. Keep bounds the
	// results kept per server (default 500).
	History string
	Keep    int
	Logger  *slog.Logger
	Rand    *rand.Rand // schedule; nil means random
}

// A Judgement is one check of one server, as the monitor keeps it.
type Judgement struct {
	At          time.Time     `json:"at"`
	Up          bool          `json:"up"`     // judged and no check failed
	Judged      bool          `json:"judged"` // not rate-limited at the first request
	Fail        []string      `json:"fail,omitempty"`
	Warn        []string      `json:"warn,omitempty"`
	Limited     []string      `json:"limited,omitempty"`
	Status      int           `json:"status"`
	RouterInfos int           `json:"routerinfos"`
	Floodfills  int           `json:"floodfills"`
	SU3Age      time.Duration `json:"su3_age,omitempty"` // zero if unknown
	TLSExpiry   time.Time     `json:"tls_expiry,omitzero"`
	Signer      string        `json:"signer,omitempty"`
	Took        time.Duration `json:"took"`
	Error       string        `json:"error,omitempty"`
	Checks      []Check       `json:"checks,omitempty"` // the latest result's only
}

// State is UP (a real client would use the server), DOWN (it would
// refuse it) or RATE-LIMITED (not judged).
func (j Judgement) State() string {
	switch {
	case !j.Judged:
		return "RATE-LIMITED"
	case !j.Up:
		return "DOWN"
	}
	return "UP"
}

// stateClass is a State's CSS class on the status page.
var stateClass = map[string]string{"UP": "up", "DOWN": "down", "RATE-LIMITED": "limit"}

// JudgementOf condenses a Report.
func JudgementOf(rep *Report, at time.Time) Judgement {
	r := Judgement{At: at, Judged: rep.Judged(), Status: rep.Status, RouterInfos: rep.RouterInfos, Floodfills: rep.Floodfills,
		TLSExpiry: rep.TLSExpiry, Signer: rep.Signer, Took: rep.Took, Checks: rep.Checks}
	for _, c := range rep.Checks {
		switch c.Verdict {
		case Fail:
			r.Fail = append(r.Fail, c.Name)
		case Warn:
			r.Warn = append(r.Warn, c.Name)
		case Limited:
			r.Limited = append(r.Limited, c.Name)
		}
	}
	r.Up = r.Judged && len(r.Fail) == 0
	if !rep.SignedAt.IsZero() {
		r.SU3Age = at.Sub(rep.SignedAt)
	}
	if rep.Err != nil {
		r.Error = rep.Err.Error()
	}
	return r
}

// A Monitor judges a list of reseed servers on a jittered schedule, keeps
// their history on disk, and serves a status page and Prometheus metrics.
type Monitor struct {
	cfg MonitorConfig
	log *slog.Logger

	mu      sync.Mutex
	history map[string][]Judgement // oldest first
	rng     *rand.Rand
}

// historyFile is the on-disk form of the history.
type historyFile struct {
	Servers map[string][]Judgement `json:"servers"`
}

// NewMonitor makes a Monitor, loading cfg.History if it exists. A history
// file that does not parse is an error (it is never overwritten unread).
func NewMonitor(cfg MonitorConfig) (*Monitor, error) {
	if len(cfg.Servers) == 0 {
		cfg.Servers = client.DefaultServers
	}
	if cfg.Every <= 0 {
		cfg.Every = 2 * time.Hour
	}
	if cfg.Jitter <= 0 || cfg.Jitter >= 1 {
		cfg.Jitter = 0.2
	}
	cfg.Keep = cmp.Or(max(cfg.Keep, 0), 500)
	cfg.Check.defaults()
	m := &Monitor{cfg: cfg, log: cfg.Logger, history: map[string][]Judgement{}, rng: cfg.Rand}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	if m.rng == nil {
		m.rng = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	if cfg.History != "" {
		b, err := os.ReadFile(cfg.History)
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			return nil, fmt.Errorf("reseed: monitor history: %w", err)
		default:
			var h historyFile
			if err := json.Unmarshal(b, &h); err != nil {
				return nil, fmt.Errorf("reseed: monitor history %s: %w", cfg.History, err)
			}
			for s, rs := range h.Servers {
				m.history[s] = rs
			}
		}
	}
	return m, nil
}

// Servers returns the servers watched.
func (m *Monitor) Servers() []string { return slices.Clone(m.cfg.Servers) }

// CheckNow judges one server now, records the result and saves the history;
// a check cut off because ctx ended is returned but not recorded.
func (m *Monitor) CheckNow(ctx context.Context, server string) (Judgement, error) {
	rep := Server(ctx, m.cfg.Check, server)
	res := JudgementOf(rep, m.cfg.Check.Client.Now())
	if ctx.Err() != nil {
		return res, nil // cut off by the caller, not the server's fault: not recorded
	}
	m.mu.Lock()
	hist := m.history[server]
	for i := range hist {
		hist[i].Checks = nil // only the latest keeps its checks
	}
	hist = append(hist, res)
	if len(hist) > m.cfg.Keep {
		hist = hist[len(hist)-m.cfg.Keep:]
	}
	m.history[server] = hist
	m.mu.Unlock()
	m.log.Info("checked", "server", server, "up", res.Up, "fail", res.Fail, "warn", res.Warn, "limited", res.Limited,
		"routerinfos", res.RouterInfos, "took", res.Took, "error", res.Error)
	return res, m.save()
}

func (m *Monitor) save() error {
	if m.cfg.History == "" {
		return nil
	}
	m.mu.Lock()
	b, err := json.MarshalIndent(historyFile{Servers: m.history}, "", " ")
	m.mu.Unlock()
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(m.cfg.History, b, 0o600); err != nil {
		return fmt.Errorf("reseed: monitor history: %w", err)
	}
	return nil
}

// History returns a server's results, oldest first.
func (m *Monitor) History(server string) []Judgement {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.history[server])
}

// wait returns Every spread by up to Jitter either way.
func (m *Monitor) wait() time.Duration {
	m.mu.Lock()
	f := 1 + m.cfg.Jitter*(2*m.rng.Float64()-1)
	m.mu.Unlock()
	return time.Duration(float64(m.cfg.Every) * f)
}

// Run judges every server until ctx ends: each first at a random moment
// within the first interval (a server checked within the last interval,
// by the history, waits for the rest of it), then every Every with jitter,
// one server at a time. Saving the history is the only error it returns.
func (m *Monitor) Run(ctx context.Context) error {
	due := map[string]time.Time{}
	now := time.Now()
	for _, s := range m.cfg.Servers {
		m.mu.Lock()
		first := now.Add(time.Duration(m.rng.Float64() * float64(m.cfg.Every) * m.cfg.Jitter))
		if h := m.history[s]; len(h) > 0 {
			if next := h[len(h)-1].At.Add(m.cfg.Every); next.After(first) {
				first = next
			}
		}
		m.mu.Unlock()
		due[s] = first
	}
	for {
		next, at := "", time.Time{}
		for _, s := range m.cfg.Servers {
			if next == "" || due[s].Before(at) {
				next, at = s, due[s]
			}
		}
		t := time.NewTimer(time.Until(at))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		if _, err := m.CheckNow(ctx, next); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
		due[next] = time.Now().Add(m.wait())
	}
}

// Handler serves the status page at /, the history as JSON at
// /status.json and Prometheus metrics at /metrics.
func (m *Monitor) Handler() http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(monitorCollector{m})
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /status.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		m.mu.Lock()
		defer m.mu.Unlock()
		json.NewEncoder(w).Encode(historyFile{Servers: m.history})
	})
	mux.HandleFunc("GET /{$}", m.serveStatus)
	return mux
}

// Monitor metrics, one series per server.
var (
	monUp = prometheus.NewDesc("i2pseed_monitor_up",
		"1 if the server's last check had no FAIL (a real client would use it), 0 if it had, absent before the first check.", []string{"server"}, nil)
	monLimited = prometheus.NewDesc("i2pseed_monitor_rate_limited",
		"1 if the server rate-limited the last check (a check limited at the first request is not judged).", []string{"server"}, nil)
	monRouterInfos = prometheus.NewDesc("i2pseed_monitor_routerinfos", "RouterInfos Java would accept in the last bundle.", []string{"server"}, nil)
	monFloodfills  = prometheus.NewDesc("i2pseed_monitor_floodfills", "Floodfills among them.", []string{"server"}, nil)
	monSU3Age      = prometheus.NewDesc("i2pseed_monitor_su3_age_seconds", "Age of the last bundle's su3 version at the check.", []string{"server"}, nil)
	monTLSExpiry   = prometheus.NewDesc("i2pseed_monitor_tls_expiry_timestamp_seconds", "Unix time the server's TLS certificate expires.", []string{"server"}, nil)
	monTook        = prometheus.NewDesc("i2pseed_monitor_check_duration_seconds", "Time the last bundle download took.", []string{"server"}, nil)
	monLast        = prometheus.NewDesc("i2pseed_monitor_last_check_timestamp_seconds", "Unix time of the last check.", []string{"server"}, nil)
	monChecks      = prometheus.NewDesc("i2pseed_monitor_checks", "Checks of the last judgement by verdict.", []string{"server", "verdict"}, nil)
	monError       = prometheus.NewDesc("i2pseed_monitor_last_error_info", "The last check's first failure (1 while there is one).", []string{"server", "error"}, nil)
	monHistory     = prometheus.NewDesc("i2pseed_monitor_checks_recorded", "Judgements kept in the history.", []string{"server"}, nil)
)

type monitorCollector struct{ m *Monitor }

func (c monitorCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{monUp, monLimited, monRouterInfos, monFloodfills, monSU3Age, monTLSExpiry, monTook, monLast, monChecks, monError, monHistory} {
		ch <- d
	}
}

func (c monitorCollector) Collect(ch chan<- prometheus.Metric) {
	c.m.mu.Lock()
	defer c.m.mu.Unlock()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for _, s := range c.m.cfg.Servers {
		h := c.m.history[s]
		if len(h) == 0 {
			continue
		}
		r := h[len(h)-1]
		gauge(monUp, b2f(r.Up), s)
		gauge(monLimited, b2f(len(r.Limited) > 0), s)
		gauge(monHistory, float64(len(h)), s)
		gauge(monLast, float64(r.At.Unix()), s)
		gauge(monTook, r.Took.Seconds(), s)
		counts := map[Verdict]int{}
		for _, ch := range r.Checks {
			counts[ch.Verdict]++
		}
		for _, v := range []Verdict{Pass, Warn, Fail, Limited} {
			gauge(monChecks, float64(counts[v]), s, v.String())
		}
		if r.Error != "" {
			gauge(monError, 1, s, r.Error)
		}
		if r.Status != http.StatusOK {
			continue // no bundle: the figures below would say 0, not unknown
		}
		gauge(monRouterInfos, float64(r.RouterInfos), s)
		gauge(monFloodfills, float64(r.Floodfills), s)
		if r.SU3Age != 0 {
			gauge(monSU3Age, r.SU3Age.Seconds(), s)
		}
		if !r.TLSExpiry.IsZero() {
			gauge(monTLSExpiry, float64(r.TLSExpiry.Unix()), s)
		}
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// statusRow is one server on the status page.
type statusRow struct {
	URL, State, Class, Last, Took, SU3Age, TLS, Err string
	RouterInfos, Floodfills                         int
	Checks                                          []Check
	Recent                                          []string // the last results, oldest first: up, down, limit
	UpShare                                         string
}

func (m *Monitor) serveStatus(w http.ResponseWriter, r *http.Request) {
	now := m.cfg.Check.Client.Now()
	var rows []statusRow
	m.mu.Lock()
	for _, s := range m.cfg.Servers {
		row := statusRow{URL: s, State: "not checked yet", Class: "none"}
		h := m.history[s]
		if len(h) > 0 {
			last := h[len(h)-1]
			row.State = last.State()
			row.Class = stateClass[row.State]
			row.Last = fmt.Sprintf("%s (%s ago)", last.At.UTC().Format(time.DateTime), now.Sub(last.At).Round(time.Second))
			row.Took = last.Took.Round(time.Millisecond).String()
			row.RouterInfos, row.Floodfills, row.Err, row.Checks = last.RouterInfos, last.Floodfills, last.Error, last.Checks
			if last.SU3Age != 0 {
				row.SU3Age = days(last.SU3Age)
			}
			if !last.TLSExpiry.IsZero() {
				row.TLS = fmt.Sprintf("%s (in %s)", last.TLSExpiry.UTC().Format(time.DateOnly), days(last.TLSExpiry.Sub(now)))
			}
			up := 0
			for _, res := range h[max(0, len(h)-48):] {
				if res.Up {
					up++
				}
				row.Recent = append(row.Recent, stateClass[res.State()])
			}
			row.UpShare = fmt.Sprintf("%d of %d", up, len(row.Recent))
		}
		rows = append(rows, row)
	}
	m.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	monitorPage.Execute(w, struct {
		Rows  []statusRow
		Every time.Duration
		Now   string
	}{rows, m.cfg.Every, now.UTC().Format(time.DateTime)})
}

var monitorPage = template.Must(template.New("monitor").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>I2P reseed servers</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{padding:.2em .8em;text-align:left;vertical-align:top}
.up{color:#070}.down{color:#b00}.limit{color:#a60}.none{color:#777}.bar span{display:inline-block;width:.5em;height:1em;margin-right:1px}
.bar .up{background:#3a3}.bar .down{background:#c33}.bar .limit{background:#da3}details{font-size:90%}</style></head>
<body><h1>I2P reseed servers</h1>
<p>Each server is judged as Java I2P and i2pd would judge it (FAIL: they refuse it; the server is DOWN) and by our
recommendations (WARN), about every {{.Every}}. As of {{.Now}} UTC. Metrics: <a href="metrics">/metrics</a>, history: <a href="status.json">/status.json</a>.</p>
<table><tr><th>server</th><th>state</th><th>RouterInfos</th><th>floodfills</th><th>su3 age</th><th>TLS expires</th><th>took</th><th>last check</th><th>recent</th></tr>
{{range .Rows}}<tr><td>{{.URL}}</td><td class="{{.Class}}">{{.State}}</td><td>{{.RouterInfos}}</td><td>{{.Floodfills}}</td><td>{{.SU3Age}}</td><td>{{.TLS}}</td><td>{{.Took}}</td><td>{{.Last}}</td>
<td><span class="bar">{{range .Recent}}<span class="{{.}}"></span>{{end}}</span> {{.UpShare}}</td></tr>
{{if or .Err .Checks}}<tr><td></td><td colspan="8">{{if .Err}}<div class="down">{{.Err}}</div>{{end}}{{if .Checks}}<details><summary>checks</summary><table>
{{range .Checks}}<tr><td>{{.Verdict}}</td><td>{{.Name}}</td><td>{{.Rule}}</td><td>{{.Detail}}</td></tr>{{end}}</table></details>{{end}}</td></tr>{{end}}
{{end}}</table></body></html>
`))

// Serve runs the monitor (Run) and serves its Handler on ln until ctx
// ends, then closes the listener, letting requests under way finish for
// up to 5 seconds.
func (m *Monitor) Serve(ctx context.Context, ln net.Listener, errorLog *log.Logger) error {
	hs := &http.Server{Handler: m.Handler(), ErrorLog: errorLog,
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 20 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: 30 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	runErr := m.Run(ctx)
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	hs.Shutdown(sctx)
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("monitor: %w", err)
	}
	return runErr
}
