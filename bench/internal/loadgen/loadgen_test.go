package loadgen

import (
	"context"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/bench/internal/hubproc"
	"github.com/heraldhq/herald/bench/internal/hubs"
)

// inProcess serves hub name from this process on loopback, for tests and smoke benchmarks
// (cmd/hubbench runs each hub in a process of its own instead).
func inProcess(tb testing.TB, name string) Target {
	tb.Helper()
	h, err := hubs.New(name)
	if err != nil {
		tb.Fatal(err)
	}
	ctl := hubproc.New(h)
	srv := httptest.NewUnstartedServer(h.Handler())
	srv.Listener = ctl.Listener(srv.Listener)
	srv.Start()
	csrv := httptest.NewServer(ctl)
	tb.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
		csrv.Close()
		ctl.Close(time.Second)
		_ = h.Close()
	})
	return Target{Hub: name, Addr: strings.TrimPrefix(srv.URL, "http://"), Control: strings.TrimPrefix(csrv.URL, "http://"),
		Path: h.SubscribePath(), PID: os.Getpid()}
}

// small versions of the four scenarios: quick enough for every CI run.
var small = []Scenario{
	{Name: "a", Subs: 20, Events: 50, Size: 64, Stall: 2 * time.Second, Timeout: 20 * time.Second},
	{Name: "b", Idle: 50, Settle: 50 * time.Millisecond, Timeout: 20 * time.Second},
	{Name: "c", Subs: 20, Events: 20, Size: 64, Rate: 200, Stall: 2 * time.Second, Timeout: 20 * time.Second},
	{Name: "d", Subs: 20, Stuck: 2, Events: 50, Size: 64, Stall: 2 * time.Second, Timeout: 20 * time.Second},
}

// TestScenariosCountEveryDelivery runs the small scenarios against every hub and checks the
// harness saw each event exactly once at every reading subscriber.
func TestScenariosCountEveryDelivery(t *testing.T) {
	for _, name := range hubs.Names() {
		for _, sc := range small {
			t.Run(name+"/"+sc.Name, func(t *testing.T) {
				r := Run(context.Background(), inProcess(t, name), sc)
				if r.Err != "" {
					t.Fatal(r.Err)
				}
				if sc.Idle > 0 {
					if r.Registered != sc.Idle || r.RSSAfter <= 0 {
						t.Fatalf("registered %d of %d, RSS %d", r.Registered, sc.Idle, r.RSSAfter)
					}
					return
				}
				want := int64(sc.Subs * sc.Events)
				if r.Delivered != want || r.Lost != 0 || r.Dups != 0 || r.Stalled {
					t.Fatalf("delivered %d of %d, lost %d, duplicates %d, stalled %v", r.Delivered, want, r.Lost, r.Dups, r.Stalled)
				}
				if r.P99 <= 0 || r.P99 > 10*time.Second {
					t.Fatalf("p99 latency %v is not plausible", r.P99)
				}
			})
		}
	}
}

// BenchmarkScenarios runs the small scenarios in-process, so they keep working between full
// runs of cmd/hubbench (which gives the real figures).
func BenchmarkScenarios(b *testing.B) {
	for _, name := range hubs.Names() {
		for _, sc := range small {
			b.Run(name+"/"+sc.Name, func(b *testing.B) {
				t := inProcess(b, name)
				for b.Loop() {
					r := Run(context.Background(), t, sc)
					if r.Err != "" {
						b.Fatal(r.Err)
					}
					b.ReportMetric(r.PerSecond, "deliveries/s")
					b.ReportMetric(float64(r.P99.Microseconds()), "p99-µs")
				}
			})
		}
	}
}
