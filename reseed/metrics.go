package reseed

import (
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the server's Prometheus metrics, on a registry of its own.
type metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	served    prometheus.Counter
	limited   *prometheus.CounterVec
	poolSize  prometheus.Gauge
	poolStale prometheus.Gauge
	withdrawn prometheus.Gauge
	eligible  prometheus.Gauge
	routers   prometheus.Gauge
	// meshRouters: eligible routers reachable over Yggdrasil (mesh.go)
	meshRouters prometheus.Gauge
	rejected    *prometheus.GaugeVec
	builds      *prometheus.CounterVec
	poolBuilt   prometheus.Gauge
	tlsExpiry   *expiryCollector
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "i2pseed_requests_total", Help: "Bundle requests by HTTP status and by the channel they came in on (https, yggdrasil, onion, i2p)."}, []string{"code", "channel"}),
		served: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "i2pseed_bundles_served_total", Help: "Bundles sent (GET with status 200)."}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "i2pseed_ratelimit_rejections_total", Help: "Requests refused by a rate limit, by scope (client, global)."}, []string{"scope"}),
		poolSize: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "i2pseed_pool_bundles", Help: "Bundles in the current pool (0 while it is withdrawn)."}),
		poolStale: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "i2pseed_pool_bundles_stale", Help: "Bundles of the current pool held back: they carry a router found unreachable since the pool was built."}),
		withdrawn: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "i2pseed_pool_withdrawn", Help: "1 while the pool is withdrawn, bundle requests getting 503: routers of it were found unreachable since it was built, and every bundle is held back or the rebuild failed for want of eligible RouterInfos (see --min-eligible)."}),
		eligible: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "i2pseed_pool_eligible_routerinfos", Help: "RouterInfos that passed the selection policy at the last build."}),
		routers: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "i2pseed_source_routerinfos", Help: "RouterInfos the source had at the last build."}),
		meshRouters: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "i2pseed_pool_mesh_routerinfos", Help: "Eligible RouterInfos reachable over the Yggdrasil mesh at the last build, which the bundles for the yggdrasil channel's clients carry first (0 without that channel)."}),
		rejected: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "i2pseed_routerinfos_rejected", Help: "RouterInfos rejected at the last build, by reason."}, []string{"reason"}),
		builds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "i2pseed_pool_builds_total", Help: "Pool builds by result (ok, error)."}, []string{"result"}),
		poolBuilt: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "i2pseed_pool_built_timestamp_seconds", Help: "Unix time the current pool was built; alert on its age."}),
		tlsExpiry: &expiryCollector{desc: prometheus.NewDesc("i2pseed_tls_cert_expiry_timestamp_seconds",
			"Unix time the served TLS certificate expires (0: no certificate yet); alert on the time left.", nil, nil)},
	}
	// The series alerts watch are there from the start, at 0: a counter
	// that appears at 1 has no increase to alert on.
	m.builds.WithLabelValues("ok")
	m.builds.WithLabelValues("error")
	m.requests.WithLabelValues("200", "https")
	m.reg.MustRegister(m.collectors()...)
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// collectors are the server's own metrics.
func (m *metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.requests, m.served, m.limited, m.poolSize, m.poolStale, m.withdrawn, m.eligible, m.routers, m.meshRouters, m.rejected, m.builds, m.poolBuilt, m.tlsExpiry}
}

func (m *metrics) request(channel string, code int) {
	m.requests.WithLabelValues(strconv.Itoa(code), channel).Inc()
}

// An expiryCollector asks the certificate's owner (a certs.Provider) for
// the expiry at every scrape, so reloads and renewals show at once; it
// reports nothing until given a source.
type expiryCollector struct {
	desc     *prometheus.Desc
	notAfter atomic.Pointer[func() time.Time]
}

func (c *expiryCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *expiryCollector) Collect(ch chan<- prometheus.Metric) {
	f := c.notAfter.Load()
	if f == nil {
		return
	}
	v := 0.0
	if t := (*f)(); !t.IsZero() {
		v = float64(t.Unix())
	}
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, v)
}
