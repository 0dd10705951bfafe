// Package demo runs Herald's demo simulators: stock prices, clock ticks, notifications and
// real system metrics, published to a hub so a fresh `herald serve --demo` has live data.
package demo

import (
	"context"
	"encoding/json"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/heraldhq/herald/server"
)

// Publisher is what the simulators publish to; *server.Hub is one.
type Publisher interface {
	Publish(ctx context.Context, msgs ...server.Message) ([]server.Receipt, error)
}

// Channels the simulators publish on.
const (
	StocksChannel        = "stocks"
	TimeChannel          = "time"
	NotificationsChannel = "notifications"
	MetricsChannel       = "metrics"
)

// DefaultSymbols are the stocks always simulated.
var DefaultSymbols = []string{"AAPL", "GOOGL", "MSFT", "AMZN"}

// Options configure the simulators. Zero intervals take the defaults; a negative interval
// turns that simulator off.
type Options struct {
	// Symbols are simulated in addition to DefaultSymbols.
	Symbols []string
	// StockInterval is the time between price updates of each symbol (default 1 s).
	StockInterval time.Duration
	// TimeInterval is the time between clock ticks (default 1 s).
	TimeInterval time.Duration
	// NotificationInterval is the time between notifications (default 15 s).
	NotificationInterval time.Duration
	// MetricsInterval is the time between system metrics samples (default 2 s).
	MetricsInterval time.Duration
	// Connections reports the hub's open streams for the metrics simulator (may be nil).
	Connections func() int
	// Seed makes the random walk repeatable when non-zero.
	Seed uint64
	// ProcDir is where system metrics are read from (default /proc).
	ProcDir string
	// Logger receives publish failures (default slog.Default()).
	Logger *slog.Logger
}

func (o *Options) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&o.StockInterval, time.Second)
	def(&o.TimeInterval, time.Second)
	def(&o.NotificationInterval, 15*time.Second)
	def(&o.MetricsInterval, 2*time.Second)
	if o.ProcDir == "" {
		o.ProcDir = "/proc"
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Seed == 0 {
		o.Seed = uint64(time.Now().UnixNano())
	}
}

// Run publishes from every enabled simulator until ctx ends, then returns ctx's error.
func Run(ctx context.Context, pub Publisher, opts Options) error {
	opts.defaults()
	rng := rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15))
	stocks := NewStocks(append(append([]string{}, DefaultSymbols...), opts.Symbols...), rng)
	notes := &Notifier{rng: rand.New(rand.NewPCG(opts.Seed+1, 7))}
	cpu := &CPU{ProcDir: opts.ProcDir}
	type sim struct {
		every time.Duration
		next  func(now time.Time) []server.Message
	}
	sims := []sim{
		{opts.StockInterval, func(time.Time) []server.Message { return stocks.Messages() }},
		{opts.TimeInterval, func(now time.Time) []server.Message { return []server.Message{Tick(now)} }},
		{opts.NotificationInterval, func(now time.Time) []server.Message { return []server.Message{notes.Next(now)} }},
		{opts.MetricsInterval, func(time.Time) []server.Message {
			conns := -1
			if opts.Connections != nil {
				conns = opts.Connections()
			}
			return []server.Message{SampleMetrics(opts.ProcDir, cpu, conns)}
		}},
	}
	done := make(chan struct{}, len(sims))
	running := 0
	for _, s := range sims {
		if s.every < 0 {
			continue
		}
		running++
		go func() {
			defer func() { done <- struct{}{} }()
			t := time.NewTicker(s.every)
			defer t.Stop()
			for {
				if _, err := pub.Publish(ctx, s.next(time.Now())...); err != nil && ctx.Err() == nil {
					opts.Logger.Warn("demo publish failed", "err", err)
				}
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		}()
	}
	for range running {
		<-done
	}
	return ctx.Err()
}

// jsonMessage makes a message whose data is v as JSON.
func jsonMessage(channel, event string, v any) server.Message {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // the simulators' own types always encode
	}
	return server.Message{Channel: channel, Event: event, Data: string(b)}
}
