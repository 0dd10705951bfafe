package server

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Stats is the hub's state as GET /stats answers it.
type Stats struct {
	// Connections is the number of open /events streams.
	Connections int `json:"connections"`
	// Channels lists every subscribed channel or pattern, and every channel that carried
	// events since the hub started (at most the 4,096 most recent ones), with its number
	// of streams and of events.
	Channels map[string]ChannelStats `json:"channels"`
	// Published counts events stored by this node's publishers.
	Published uint64 `json:"published"`
	// Delivered counts live events written to streams (one per event per stream).
	Delivered uint64 `json:"delivered"`
	// Replayed counts history events written to reconnecting streams.
	Replayed uint64 `json:"replayed"`
	// Dropped counts ring positions slow streams skipped when they fell behind the ring's
	// tail (counted across all channels, since evicted events are gone).
	Dropped uint64 `json:"dropped"`
	// Gaps counts herald.gap events sent (slow streams, and replays after lost history).
	Gaps uint64 `json:"gaps"`
	// CutOff counts streams closed because one write blocked beyond the write timeout.
	CutOff uint64 `json:"cutOff"`
	// Rejected counts publishes and subscriptions refused by auth or limits.
	Rejected uint64 `json:"rejected"`
	// History describes the ring.
	History HistoryStats `json:"history"`
	// UptimeSeconds is the time since the hub started.
	UptimeSeconds float64 `json:"uptimeSeconds"`
	// Healthy is false when the broker cannot take events; Error then says why.
	Healthy bool   `json:"healthy"`
	Error   string `json:"error,omitempty"`
	// Limits are the hub's configured limits.
	Limits LimitStats `json:"limits"`
}

// HistoryStats describes the ring of recent events.
type HistoryStats struct {
	Events    int    `json:"events"`
	Bytes     int    `json:"bytes"`
	MaxEvents int    `json:"maxEvents"`
	MaxBytes  int    `json:"maxBytes"`
	LastID    string `json:"lastId"`
}

// LimitStats lists the configured limits (durations in seconds).
type LimitStats struct {
	MaxSubscribers      int     `json:"maxSubscribers"`
	MaxPerIP            int     `json:"maxPerIp"`
	MaxEventBytes       int     `json:"maxEventBytes"`
	MaxBodyBytes        int64   `json:"maxBodyBytes"`
	MaxBatch            int     `json:"maxBatch"`
	WriteTimeoutSeconds float64 `json:"writeTimeoutSeconds"`
	KeepAliveSeconds    float64 `json:"keepAliveSeconds"`
}

// Stats returns a snapshot of the hub's counters.
func (h *Hub) Stats() Stats {
	conns, chans := h.fan.Counts()
	events, bytes := h.fan.History()
	_, _, last := h.fan.Bounds()
	l := h.limits()
	s := Stats{
		Connections: conns, Channels: h.chans.merge(chans),
		Published: h.stats.published.Load(), Delivered: h.fan.Stats.Delivered.Load(),
		Replayed: h.fan.Stats.Replayed.Load(), Dropped: h.fan.Stats.Dropped.Load(),
		Gaps: h.fan.Stats.Gaps.Load(), CutOff: h.fan.Stats.CutOff.Load(), Rejected: h.stats.rejected.Load(),
		History:       HistoryStats{Events: events, Bytes: bytes, MaxEvents: h.cfg.History, MaxBytes: h.cfg.HistoryBytes, LastID: last.String()},
		UptimeSeconds: time.Since(h.started).Seconds(),
		Healthy:       true,
		Limits: LimitStats{MaxSubscribers: l.MaxSubscribers, MaxPerIP: l.MaxPerIP, MaxEventBytes: l.MaxEventBytes,
			MaxBodyBytes: l.MaxBodyBytes, MaxBatch: l.MaxBatch, WriteTimeoutSeconds: l.WriteTimeout.Seconds(),
			KeepAliveSeconds: h.cfg.KeepAlive.Seconds()},
	}
	if err := h.quickHealth(); err != nil {
		s.Healthy, s.Error = false, err.Error()
	}
	return s
}

func (h *Hub) serveStats(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	writeJSON(w, http.StatusOK, h.Stats())
}

// metrics is the hub's Prometheus registry. Counters read the hub's atomics when scraped,
// so the hot path pays nothing for them.
type metrics struct {
	reg            *prometheus.Registry
	publishLatency prometheus.Histogram
}

func newMetrics(h *Hub) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.publishLatency = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "herald_publish_duration_seconds",
		Help:    "Time to store a publish request's events (broker write included).",
		Buckets: prometheus.ExponentialBuckets(0.00001, 4, 10),
	})
	counter := func(name, help string, f func() uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return float64(f()) })
	}
	gauge := func(name, help string, f func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f)
	}
	m.reg.MustRegister(
		m.publishLatency,
		counter("herald_published_total", "Events published through this node.", h.stats.published.Load),
		counter("herald_delivered_total", "Live events written to streams.", h.fan.Stats.Delivered.Load),
		counter("herald_replayed_total", "History events written to reconnecting streams.", h.fan.Stats.Replayed.Load),
		counter("herald_dropped_total", "Ring positions skipped by streams that fell behind.", h.fan.Stats.Dropped.Load),
		counter("herald_gaps_total", "herald.gap events sent.", h.fan.Stats.Gaps.Load),
		counter("herald_cut_off_total", "Streams closed after a write blocked beyond the write timeout.", h.fan.Stats.CutOff.Load),
		counter("herald_rejected_total", "Publishes and subscriptions refused by auth or limits.", h.stats.rejected.Load),
		gauge("herald_connections", "Open event streams.", func() float64 { n, _ := h.fan.Counts(); return float64(n) }),
		gauge("herald_history_events", "Events kept in the ring.", func() float64 { n, _ := h.fan.History(); return float64(n) }),
		gauge("herald_history_bytes", "Bytes kept in the ring.", func() float64 { _, b := h.fan.History(); return float64(b) }),
		gauge("herald_up", "1 when the hub and its broker are healthy.", func() float64 {
			if h.quickHealth() != nil {
				return 0
			}
			return 1
		}),
		subscribersCollector{h: h},
		prometheus.NewGoCollector(),
		prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}),
	)
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// metricsTopChannels is how many channels /metrics names in herald_subscribers; the rest
// are summed under metricsOtherChannel. Channel names come from clients, so one client
// could otherwise make a series per name (64 names per stream, hundreds of streams) and
// swell every scrape and the monitoring system's storage.
const metricsTopChannels = 100

// metricsOtherChannel labels the sum of the channels beyond the top ones. It cannot be a
// channel name or pattern (those start with a letter, a digit or "*").
const metricsOtherChannel = "_other"

// subscribersCollector exports the open streams per subscribed channel or pattern, read at
// scrape time (the label set changes as subscribers come and go): the metricsTopChannels
// with the most streams by name, the rest summed as "_other".
type subscribersCollector struct{ h *Hub }

var subscribersDesc = prometheus.NewDesc("herald_subscribers",
	"Open streams per subscribed channel or pattern: the 100 with the most streams by name, the rest summed under channel=\"_other\".",
	[]string{"channel"}, nil)

func (c subscribersCollector) Describe(ch chan<- *prometheus.Desc) { ch <- subscribersDesc }

func (c subscribersCollector) Collect(ch chan<- prometheus.Metric) {
	_, chans := c.h.fan.Counts()
	top, other := topChannels(chans, metricsTopChannels)
	for _, name := range top {
		ch <- prometheus.MustNewConstMetric(subscribersDesc, prometheus.GaugeValue, float64(chans[name]), name)
	}
	if len(chans) > len(top) {
		ch <- prometheus.MustNewConstMetric(subscribersDesc, prometheus.GaugeValue, float64(other), metricsOtherChannel)
	}
}

// topChannels returns the n names with the highest counts (ties by name, so scrapes are
// stable) and the sum of the counts of the others.
func topChannels(counts map[string]int, n int) (top []string, other int) {
	names := make([]string, 0, len(counts))
	for name := range counts {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int {
		if c := cmp.Compare(counts[b], counts[a]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	if len(names) <= n {
		return names, 0
	}
	for _, name := range names[n:] {
		other += counts[name]
	}
	return names[:n], other
}
