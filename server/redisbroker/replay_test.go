package redisbroker

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/server"
)

// replayPeak is what a hub's process held while never-reading clients resumed.
type replayPeak struct {
	heapMB, rssMB float64 // peak growth over the baseline before the clients connected
}

// neverReadingReplay publishes events of size bytes into a fresh stream, then opens
// clients connections that resume from 0-1 (the whole stream) and never read, on a node
// started after the events were published (its ring is empty, as after a restart or on
// another node), so the whole replay comes from Redis. The clients connect one after the
// other. It samples the process's Go heap and RSS from the first connect until two seconds
// after the last one is counted as connected.
func neverReadingReplay(t testing.TB, clients, events, size int) replayPeak {
	t.Helper()
	rs := startRedisFsync(t, "everysec")
	pub := startNode(t, rs, 10, 100_000)
	ctx := testCtx(t)
	data := strings.Repeat("x", size)
	for i := 0; i < events; i += 50 {
		batch := make([]server.Message, min(50, events-i))
		for k := range batch {
			batch[k] = server.Message{Channel: "big", Data: data}
		}
		if _, err := pub.hub.Publish(ctx, batch...); err != nil {
			t.Fatal(err)
		}
	}
	// The default --history and --history-bytes; a write timeout long enough that no
	// client is cut off while the others connect.
	n := startNodeWith(t, rs.URL(), 0, 100_000, func(c *server.Config) { c.Limits.WriteTimeout = time.Minute })
	runtime.GC()
	baseHeap, baseRSS := memNow()
	var peak replayPeak
	stop, done := make(chan struct{}), make(chan struct{})
	go func() { // sample from the first connect on: the peak may come before the last one
		defer close(done)
		for {
			h, r := memNow()
			peak.heapMB = max(peak.heapMB, h-baseHeap)
			peak.rssMB = max(peak.rssMB, r-baseRSS)
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()

	u, _ := url.Parse(n.url)
	for i := 0; i < clients; i++ {
		c, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		// A tiny receive buffer, and nothing ever read: the hub's writes block at once.
		_ = c.(*net.TCPConn).SetReadBuffer(4096)
		fmt.Fprintf(c, "GET /events?channel=big HTTP/1.1\r\nHost: %s\r\nLast-Event-ID: 0-1\r\n\r\n", u.Host)
		// One at a time, so each replay's Redis read is not slowed by the others'.
		waitFor(t, "the never-reading client to be connected", func() bool {
			return n.hub.Stats().Connections == i+1
		})
	}
	time.Sleep(2 * time.Second)
	close(stop)
	<-done
	st := n.hub.Stats()
	t.Logf("%d clients over %d events of %d bytes: heap +%.1f MB, RSS +%.1f MB at the peak; replayed %d, gaps %d",
		clients, events, size, peak.heapMB, peak.rssMB, st.Replayed, st.Gaps)
	return peak
}

// memNow returns the Go heap in use and the process's resident set, in MB.
func memNow() (heapMB, rssMB float64) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	heapMB = float64(ms.HeapInuse) / (1 << 20)
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return heapMB, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			rssMB = kb / 1024
		}
	}
	return heapMB, rssMB
}

// TestNeverReadingResumesStayBounded: ten clients resume over a 12 MB stream (200 events
// of 60 KiB) from Redis and never read. Each may hold one replay answer (about 256 KiB
// decoded, as much again encoded), not the whole stream: the hub's heap must not grow by
// anything near ten times the stream.
func TestNeverReadingResumesStayBounded(t *testing.T) {
	peak := neverReadingReplay(t, 10, 200, 60<<10)
	if peak.heapMB > 40 {
		t.Errorf("10 never-reading clients resuming over 12 MB grew the heap by %.0f MB; want one bounded chunk each (under 40 MB in all; 360 MB before the replay was streamed in chunks)", peak.heapMB)
	}
}

// BenchmarkNeverReadingResumes is the case: ten never-reading clients resume from
// 0-1 over 1,000 events of 60 KiB held in Redis. It reports the peak growth of the Go heap
// and of RSS (MB) while they are connected.
//
//	go test -run '^$' -bench NeverReadingResumes -benchtime 1x ./server/redisbroker/
func BenchmarkNeverReadingResumes(b *testing.B) {
	var peak replayPeak
	for b.Loop() {
		p := neverReadingReplay(b, 10, 1000, 60<<10)
		peak.heapMB = max(peak.heapMB, p.heapMB)
		peak.rssMB = max(peak.rssMB, p.rssMB)
	}
	b.ReportMetric(peak.heapMB, "MB-heap-peak")
	b.ReportMetric(peak.rssMB, "MB-rss-peak")
	b.ReportMetric(0, "ns/op")
}

// TestRefusedResumeReadsNoHistory: a stream the hub's limits refuse is refused before its
// replay is read from Redis, so refused reconnects cannot cost history reads (nor memory).
func TestRefusedResumeReadsNoHistory(t *testing.T) {
	rs := startRedis(t)
	pub := startNode(t, rs, 0, 1000)
	ctx := testCtx(t)
	if _, err := pub.hub.Publish(ctx, msgs("room", 0, 20)...); err != nil {
		t.Fatal(err)
	}
	// Started after the events: its ring is empty, a resume must ask Redis.
	n := startNodeWith(t, rs.URL(), 0, 1000, func(c *server.Config) { c.Limits.MaxSubscribers = 1 })
	openSSE(t, ctx, n.url+"/events?channel=room", "")
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, n.url+"/events?channel=room", nil)
	req.Header.Set("Last-Event-ID", "0-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if st := n.hub.Stats(); st.Replayed != 0 || strings.Contains(string(body), "data: 1\n") {
		t.Errorf("a stream refused by --max-subscribers (%d %q) replayed %d events; want it refused before any replay", resp.StatusCode, body, st.Replayed)
	}
	if st := n.hub.Stats(); st.Connections != 1 || st.Rejected == 0 {
		t.Errorf("stats after the refusal: %d connections, %d rejected; want 1 and at least 1", st.Connections, st.Rejected)
	}
}
