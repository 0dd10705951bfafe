package demo

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/heraldhq/herald/server"
)

func TestStocksWalk(t *testing.T) {
	s := NewStocks([]string{"AAPL", "GOOGL", "MSFT", "AMZN", "tsla", "AAPL", ""}, rand.New(rand.NewPCG(1, 2)))
	var last []Quote
	for range 200 {
		last = s.Next()
	}
	if len(last) != 5 || last[4].Symbol != "TSLA" {
		t.Fatalf("symbols = %+v, want the four defaults plus TSLA once", last)
	}
	for _, q := range last {
		open := s.open[q.Symbol]
		if q.Price <= 0 || q.Change != round2(q.Price-open) || q.ChangePercent != round2((q.Price-open)/open*100) {
			t.Errorf("inconsistent quote %+v (open %v)", q, open)
		}
	}
	msgs := s.Messages()
	var q Quote
	if err := json.Unmarshal([]byte(msgs[0].Data), &q); err != nil || msgs[0].Channel != "stocks" || msgs[0].Event != "stock-update" || q.Symbol != "AAPL" {
		t.Errorf("message = %+v (%v)", msgs[0], err)
	}
}

func TestSampleMetricsFromProc(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("stat", "cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 1 2 3\n")
	write("meminfo", "MemTotal:       1000 kB\nMemFree:         100 kB\nMemAvailable:    250 kB\n")
	write("loadavg", "0.50 0.25 0.10 1/100 42\n")
	cpu := &CPU{ProcDir: dir}
	cpu.Percent()
	write("stat", "cpu  150 0 150 750 150 0 0 0 0 0\n") // +100 busy, +100 idle+iowait
	var m Metrics
	msg := SampleMetrics(dir, cpu, 7)
	if err := json.Unmarshal([]byte(msg.Data), &m); err != nil {
		t.Fatal(err)
	}
	want := Metrics{CPUPercent: 50, MemoryUsedBytes: 750 * 1024, MemoryTotalBytes: 1000 * 1024, MemoryPercent: 75, Load1: 0.5, Load5: 0.25, Load15: 0.1, Connections: 7, Goroutines: m.Goroutines}
	if m != want || msg.Channel != "metrics" {
		t.Errorf("metrics = %+v, want %+v", m, want)
	}
	// Unreadable /proc: -1s, not a crash.
	_ = json.Unmarshal([]byte(SampleMetrics(filepath.Join(dir, "missing"), &CPU{ProcDir: "/nonexistent"}, 0).Data), &m)
	if m.CPUPercent != -1 || m.MemoryTotalBytes != -1 || m.Load1 != -1 {
		t.Errorf("metrics without /proc = %+v, want -1 fields", m)
	}
}

type recorder struct {
	mu   sync.Mutex
	by   map[string][]server.Message
	want chan struct{}
}

func (r *recorder) Publish(ctx context.Context, msgs ...server.Message) ([]server.Receipt, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range msgs {
		r.by[m.Channel] = append(r.by[m.Channel], m)
	}
	if len(r.by) == 4 && r.want != nil {
		close(r.want)
		r.want = nil
	}
	return make([]server.Receipt, len(msgs)), nil
}

func TestRunPublishesOnEveryChannelAndStops(t *testing.T) {
	r := &recorder{by: map[string][]server.Message{}, want: make(chan struct{})}
	all := r.want
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, r, Options{StockInterval: 10 * time.Millisecond, TimeInterval: 10 * time.Millisecond,
			NotificationInterval: 10 * time.Millisecond, MetricsInterval: 10 * time.Millisecond, Connections: func() int { return 3 }, Seed: 5})
	}()
	select {
	case <-all:
	case <-ctx.Done():
		t.Fatal("not every simulator published within 20 s")
	}
	cancel()
	if err := <-done; err == nil {
		t.Error("Run returned nil after its context ended")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for ch, ev := range map[string]string{"stocks": "stock-update", "time": "tick", "notifications": "notification", "metrics": "metrics"} {
		if len(r.by[ch]) == 0 || r.by[ch][0].Event != ev {
			t.Errorf("channel %s: %v, want %s events", ch, r.by[ch], ev)
		}
	}
	var n struct {
		Level     string
		Simulated bool
	}
	_ = json.Unmarshal([]byte(r.by["notifications"][0].Data), &n)
	if n.Level == "" || !n.Simulated {
		t.Errorf("notification %s: want a level and simulated true", r.by["notifications"][0].Data)
	}
}
