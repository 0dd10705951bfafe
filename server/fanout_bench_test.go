package server

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// BenchmarkFanout publishes b.N events of 64 bytes through Hub.Publish to subs streams over
// real loopback TCP and waits until every stream has read every event. It reports
// deliveries per second and wall time per delivery; allocs/op are per published event (for
// all subscribers together), the figure the hot path must keep flat as subs grows.
func BenchmarkFanout(b *testing.B) {
	for _, subs := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("subs=%d", subs), func(b *testing.B) { benchFanout(b, subs, 1) })
	}
	b.Run("subs=100/batch=100", func(b *testing.B) { benchFanout(b, 100, 100) })
	b.Run("subs=100/10-channels", func(b *testing.B) { benchFanoutChannels(b, 100, 10) })
}

func benchFanout(b *testing.B, subs, batch int) {
	// History holds the whole run: a publisher that outruns its readers by more than the
	// history would (correctly) give them gaps, which is not what this measures.
	th := newTestHub(b, Config{History: b.N + 1000, KeepAlive: time.Hour, Limits: Limits{MaxPerIP: subs + 10, MaxSubscribers: subs + 10}})
	readers := openCounters(b, th, subs, func(int) string { return "?channel=bench" })
	data := strings.Repeat("x", 64)
	msgs := make([]Message, batch)
	for i := range msgs {
		msgs[i] = Message{Channel: "bench", Data: data}
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i += batch {
		n := min(batch, b.N-i)
		if _, err := th.Publish(ctx, msgs[:n]...); err != nil {
			b.Fatal(err)
		}
	}
	readers.wait(b, b.N)
	el := time.Since(start)
	b.StopTimer()
	deliveries := float64(b.N) * float64(subs)
	b.ReportMetric(deliveries/el.Seconds(), "deliveries/s")
	b.ReportMetric(float64(el.Nanoseconds())/deliveries, "ns/delivery")
}

// benchFanoutChannels spreads subscribers over channels; each event reaches subs/channels.
func benchFanoutChannels(b *testing.B, subs, channels int) {
	th := newTestHub(b, Config{History: b.N*channels + 1000, KeepAlive: time.Hour, Limits: Limits{MaxPerIP: subs + 10}})
	readers := openCounters(b, th, subs, func(i int) string { return fmt.Sprintf("?channel=c%d", i%channels) })
	data := strings.Repeat("x", 64)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N*channels; i++ {
		if _, err := th.Publish(ctx, Message{Channel: fmt.Sprintf("c%d", i%channels), Data: data}); err != nil {
			b.Fatal(err)
		}
	}
	readers.wait(b, b.N)
	el := time.Since(start)
	b.StopTimer()
	deliveries := float64(b.N) * float64(subs)
	b.ReportMetric(deliveries/el.Seconds(), "deliveries/s")
	b.ReportMetric(float64(el.Nanoseconds())/deliveries, "ns/delivery")
}

// eventCounters are streams whose readers count dispatched events ("\n\n").
type eventCounters struct {
	mu     sync.Mutex
	cond   *sync.Cond
	counts []int
	hub    *testHub
}

func openCounters(b *testing.B, th *testHub, n int, query func(int) string) *eventCounters {
	c := &eventCounters{counts: make([]int, n), hub: th}
	c.cond = sync.NewCond(&c.mu)
	for i := range n {
		resp, err := http.Get(th.URL + "/events" + query(i))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { resp.Body.Close() })
		br := bufio.NewReaderSize(resp.Body, 64<<10)
		// Skip the preamble: retry + herald.connected end with the first blank line.
		if _, err := br.ReadString('}'); err != nil {
			b.Fatal(err)
		}
		br.ReadString('\n')
		br.ReadString('\n')
		go func() {
			buf := make([]byte, 64<<10)
			carry := false // the previous read ended with '\n'
			for {
				k, err := br.Read(buf)
				got := bytes.Count(buf[:k], []byte("\n\n"))
				if carry && k > 0 && buf[0] == '\n' {
					got++
				}
				carry = k > 0 && buf[k-1] == '\n'
				if got > 0 {
					c.mu.Lock()
					c.counts[i] += got
					c.cond.Broadcast()
					c.mu.Unlock()
				}
				if err != nil {
					if err != io.EOF {
						c.mu.Lock()
						c.counts[i] = -1 << 30
						c.cond.Broadcast()
						c.mu.Unlock()
					}
					return
				}
			}
		}()
	}
	return c
}

// wait blocks until every stream counted want events (or one failed).
func (c *eventCounters) wait(b *testing.B, want int) {
	timer := time.AfterFunc(20*time.Second, func() { c.mu.Lock(); c.counts[0] = -1 << 30; c.cond.Broadcast(); c.mu.Unlock() })
	defer timer.Stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		done := true
		for _, n := range c.counts {
			if n < 0 {
				b.Fatalf("a stream failed or the benchmark timed out; counts %v, want %d, stats %+v", c.counts[:min(len(c.counts), 20)], want, c.hub.Stats())
			}
			if n < want {
				done = false
			}
		}
		if done {
			return
		}
		c.cond.Wait()
	}
}
