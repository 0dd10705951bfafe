package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/heraldhq/herald/server"
)

// Quote is one stock-update event's data. Simulated is always true: the prices are made up,
// and a client can say so.
type Quote struct {
	Symbol        string  `json:"symbol"`
	Price         float64 `json:"price"`
	Change        float64 `json:"change"`
	ChangePercent float64 `json:"changePercent"`
	Simulated     bool    `json:"simulated"`
}

// Stocks is a random walk of prices; change is against each symbol's opening price.
type Stocks struct {
	mu      sync.Mutex
	rng     *rand.Rand
	symbols []string
	open    map[string]float64
	price   map[string]float64
}

var startPrices = map[string]float64{"AAPL": 190, "GOOGL": 140, "MSFT": 410, "AMZN": 180}

// NewStocks starts a walk for symbols (deduplicated, upper-cased).
func NewStocks(symbols []string, rng *rand.Rand) *Stocks {
	s := &Stocks{rng: rng, open: map[string]float64{}, price: map[string]float64{}}
	for _, sym := range symbols {
		sym = strings.ToUpper(strings.TrimSpace(sym))
		if sym == "" || s.open[sym] != 0 {
			continue
		}
		p := startPrices[sym]
		if p == 0 {
			p = 50 + 150*rng.Float64()
		}
		p = round2(p)
		s.symbols = append(s.symbols, sym)
		s.open[sym], s.price[sym] = p, p
	}
	return s
}

// Next moves every price one step (a normal step of 0.3 % at most a few percent away) and
// returns the quotes.
func (s *Stocks) Next() []Quote {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Quote, 0, len(s.symbols))
	for _, sym := range s.symbols {
		p := s.price[sym] * (1 + 0.003*s.rng.NormFloat64())
		p = round2(math.Max(p, 0.01))
		s.price[sym] = p
		open := s.open[sym]
		out = append(out, Quote{Symbol: sym, Price: p, Change: round2(p - open), ChangePercent: round2((p - open) / open * 100), Simulated: true})
	}
	return out
}

// Messages returns Next as stock-update messages on the stocks channel.
func (s *Stocks) Messages() []server.Message {
	qs := s.Next()
	msgs := make([]server.Message, len(qs))
	for i, q := range qs {
		msgs[i] = jsonMessage(StocksChannel, "stock-update", q)
	}
	return msgs
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// Tick is a "tick" event on the time channel.
func Tick(now time.Time) server.Message {
	return jsonMessage(TimeChannel, "tick", struct {
		Time string `json:"time"`
		Unix int64  `json:"unixMs"`
	}{now.UTC().Format(time.RFC3339), now.UnixMilli()})
}

// Notifier makes notification events with a level.
type Notifier struct {
	rng *rand.Rand
	n   int
}

var notes = []struct{ level, title, message string }{
	{"info", "Deploy finished", "api v2.%d is live on all nodes"},
	{"info", "Backup done", "nightly snapshot #%d stored"},
	{"warning", "Disk filling up", "volume /data is at %d%%"},
	{"warning", "Slow responses", "p99 latency %d ms over the last minute"},
	{"error", "Job failed", "build #%d failed on the test step"},
}

// Next returns the next notification. Its data says "simulated": true, so a desktop app can
// tell the demo's alarms from real ones (Herald's does not notify about them by default).
func (n *Notifier) Next(now time.Time) server.Message {
	n.n++
	t := notes[n.rng.IntN(len(notes))]
	return jsonMessage(NotificationsChannel, "notification", struct {
		Level     string `json:"level"`
		Title     string `json:"title"`
		Message   string `json:"message"`
		Time      string `json:"time"`
		Simulated bool   `json:"simulated"`
	}{t.level, t.title, fmt.Sprintf(t.message, 60+n.rng.IntN(40)+n.n%10), now.UTC().Format(time.RFC3339), true})
}

// Metrics is one "metrics" event's data. Fields the system cannot tell are -1.
type Metrics struct {
	CPUPercent       float64 `json:"cpuPercent"`
	MemoryUsedBytes  int64   `json:"memoryUsedBytes"`
	MemoryTotalBytes int64   `json:"memoryTotalBytes"`
	MemoryPercent    float64 `json:"memoryPercent"`
	Load1            float64 `json:"load1"`
	Load5            float64 `json:"load5"`
	Load15           float64 `json:"load15"`
	Connections      int     `json:"connections"`
	Goroutines       int     `json:"goroutines"`
}

// CPU turns /proc/stat's cumulative counters into a busy percentage between two samples.
type CPU struct {
	ProcDir     string
	busy, total uint64
}

// Percent returns the CPU busy percentage since the previous call (since boot on the first),
// or -1 when /proc/stat cannot be read.
func (c *CPU) Percent() float64 {
	b, err := os.ReadFile(filepath.Join(c.ProcDir, "stat"))
	if err != nil {
		return -1
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return -1
	}
	var total, idle uint64
	for i, v := range f[1:] {
		n, _ := strconv.ParseUint(v, 10, 64)
		total += n
		if i == 3 || i == 4 { // idle, iowait
			idle += n
		}
	}
	busy := total - idle
	db, dt := busy-c.busy, total-c.total
	c.busy, c.total = busy, total
	if dt == 0 {
		return 0
	}
	return round2(float64(db) / float64(dt) * 100)
}

// SampleMetrics reads memory and load from procDir and CPU from cpu.
func SampleMetrics(procDir string, cpu *CPU, connections int) server.Message {
	m := Metrics{CPUPercent: cpu.Percent(), MemoryUsedBytes: -1, MemoryTotalBytes: -1, MemoryPercent: -1,
		Load1: -1, Load5: -1, Load15: -1, Connections: connections, Goroutines: runtime.NumGoroutine()}
	if b, err := os.ReadFile(filepath.Join(procDir, "meminfo")); err == nil {
		kv := map[string]int64{}
		for _, line := range strings.Split(string(b), "\n") {
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			f := strings.Fields(v)
			if len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				kv[k] = n * 1024
			}
		}
		if total, avail := kv["MemTotal"], kv["MemAvailable"]; total > 0 {
			m.MemoryTotalBytes, m.MemoryUsedBytes = total, total-avail
			m.MemoryPercent = round2(float64(total-avail) / float64(total) * 100)
		}
	}
	if b, err := os.ReadFile(filepath.Join(procDir, "loadavg")); err == nil {
		f := strings.Fields(string(b))
		if len(f) >= 3 {
			m.Load1, _ = strconv.ParseFloat(f[0], 64)
			m.Load5, _ = strconv.ParseFloat(f[1], 64)
			m.Load15, _ = strconv.ParseFloat(f[2], 64)
		}
	}
	return jsonMessage(MetricsChannel, "metrics", m)
}
