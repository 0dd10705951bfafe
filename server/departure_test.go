//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package server

import (
	"bufio"
	"net"
	"testing"
	"time"
)

// TestDepartedClientsNoticedBeforeKeepAlive: clients of idle streams that close (FIN) or
// reset (RST) their connection stop counting against the connection, per-IP and
// subscriber limits within a departure sweep, long before the next keep-alive (an hour
// here), while the streams still open are left alone and keep receiving.
func TestDepartedClientsNoticedBeforeKeepAlive(t *testing.T) {
	th := newTestHub(t, Config{KeepAlive: time.Hour, Limits: Limits{MaxPerIP: 5, MaxSubscribers: 5}})
	conns := make([]net.Conn, 5)
	readers := make([]*bufio.Reader, 5)
	for i := range conns {
		conns[i] = rawConnBuf(t, th.URL, "?channel=idle", 0)
		readers[i] = bufio.NewReader(conns[i])
		readUntil(t, conns[i], readers[i], "herald.connected")
	}
	waitConnections(t, th.Hub, 5)
	if found := th.fan.SweepDeparted(); found != 0 {
		t.Fatalf("a sweep over live idle streams found %d departed groups", found)
	}
	conns[0].Close()
	conns[1].(*net.TCPConn).SetLinger(0) // close with RST
	conns[1].Close()
	conns[2].Close()
	waitConnections(t, th.Hub, 2)

	// The freed slots are usable at once, and the streams left open still work.
	for range 3 {
		c := rawConnBuf(t, th.URL, "?channel=idle", 0)
		readUntil(t, c, bufio.NewReader(c), "herald.connected")
	}
	th.mustPublish(t, "idle", "", "still here")
	for _, i := range []int{3, 4} {
		readUntil(t, conns[i], readers[i], "data: still here")
	}
}
