//go:build unix

package server

import (
	"fmt"
	"net"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkIdleMemory opens b.N idle streams (raw TCP, preamble read) and reports the hub
// process's Go memory (heap in use + goroutine stacks) per stream. The client sockets live
// in the same process but hold only small net.Conn values, so the figure is a close upper
// bound of the hub's own cost.
func BenchmarkIdleMemory(b *testing.B) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil && uint64(2*b.N+100) > lim.Cur {
		b.Skipf("%d streams need %d file descriptors (both ends are in this process); the limit is %d: use a smaller -benchtime", b.N, 2*b.N+100, lim.Cur)
	}
	th := newTestHub(b, Config{KeepAlive: time.Hour, Limits: Limits{MaxPerIP: b.N + 10, MaxSubscribers: b.N + 10}})
	addr := strings.TrimPrefix(th.URL, "http://")
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	conns := make([]net.Conn, 0, b.N)
	buf := make([]byte, 4096)
	b.ResetTimer()
	for range b.N {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		conns = append(conns, c)
		fmt.Fprintf(c, "GET /events?channel=idle HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
		if _, err := c.Read(buf); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	used := float64(after.HeapInuse+after.StackInuse) - float64(before.HeapInuse+before.StackInuse)
	b.ReportMetric(used/float64(b.N), "bytes/stream")
	b.ReportMetric((float64(after.StackInuse)-float64(before.StackInuse))/float64(b.N), "stack-bytes/stream")
	// The departure probe visits every idle stream each departureEvery: its cost per stream.
	t0 := time.Now()
	if found := th.fan.SweepDeparted(); found != 0 {
		b.Fatalf("the departure sweep closed %d groups of live streams", found)
	}
	b.ReportMetric(float64(time.Since(t0).Nanoseconds())/float64(b.N), "sweep-ns/stream")
	for _, c := range conns {
		c.Close()
	}
}
