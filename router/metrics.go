package router

import "github.com/prometheus/client_golang/prometheus"

// metrics are the router's Prometheus metrics. The Router is itself a
// prometheus.Collector, so a server registers it next to its own.
type metrics struct {
	sessions    *prometheus.GaugeVec
	handshakes  *prometheus.CounterVec
	ends        *prometheus.CounterVec
	lookups     *prometheus.CounterVec
	harvested   prometheus.Counter
	expired     prometheus.Counter
	stored      prometheus.Gauge
	floodfills  prometheus.Gauge
	published   prometheus.Counter
	probes      *prometheus.CounterVec
	live        prometheus.Gauge
	unreachable prometheus.Gauge
}

func newMetrics() *metrics {
	m := &metrics{
		sessions: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "i2pseed_router_sessions", Help: "Open sessions (NTCP2 and any other transport), by direction (outbound, inbound)."}, []string{"direction"}),
		handshakes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "i2pseed_router_handshakes_total", Help: "Handshakes (NTCP2 and any other transport) by direction and outcome (ok, dial, no_message_1, no_message_2, no_message_3, timeout, decrypt, clock_skew, other)."},
			[]string{"direction", "outcome"}),
		ends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "i2pseed_router_session_ends_total", Help: "Established sessions ended, by outcome (ok, silent_close, terminated, timeout, decrypt, canceled, other)."},
			[]string{"outcome"}),
		lookups: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "i2pseed_router_lookups_total", Help: "DatabaseLookups sent, by kind (exploration, routerinfo)."}, []string{"kind"}),
		harvested: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "i2pseed_router_routerinfos_harvested_total", Help: "Verified RouterInfos written to the store (new routers or newer versions)."}),
		expired: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "i2pseed_router_routerinfos_expired_total", Help: "RouterInfos removed from the store for being too old."}),
		stored: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "i2pseed_router_routerinfos_stored", Help: "RouterInfos in the store."}),
		floodfills: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "i2pseed_router_floodfills_known", Help: "Floodfills with an address one of the router's transports reaches."}),
		published: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "i2pseed_router_publish_acks_total", Help: "Floodfills that confirmed storing our RouterInfo."}),
		probes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "i2pseed_router_probes_total", Help: "Liveness probes (handshakes to a router's published address), by outcome and transport (the last one tried: NTCP2, SSU2; none when no transport reaches the router)."}, []string{"outcome", "transport"}),
		live: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "i2pseed_router_routers_live", Help: "Routers whose latest handshake (probe or harvest) completed within the hour."}),
		unreachable: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "i2pseed_router_routers_unreachable", Help: "Routers whose latest handshake failed."}),
	}
	// Both directions are there from the start, at 0: an alert on no
	// sessions must see a router that never had one.
	for _, dir := range []string{"outbound", "inbound"} {
		m.sessions.WithLabelValues(dir)
	}
	return m
}

func (m *metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.sessions, m.handshakes, m.ends, m.lookups, m.harvested, m.expired, m.stored, m.floodfills, m.published, m.probes, m.live, m.unreachable}
}
