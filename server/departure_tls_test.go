//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package server

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestDepartedTLSClientsNoticed: the departure probe looks under TLS (tls.Conn.NetConn), so
// TLS clients of idle streams that leave, whether with close_notify, a bare FIN or a reset,
// stop counting within a sweep or two instead of at the next keep-alive (an hour here),
// and live TLS streams are left alone and keep receiving.
func TestDepartedTLSClientsNoticed(t *testing.T) {
	h, err := New(Config{Key: testKey, KeepAlive: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.StartTLS() // HTTP/1.1 over TLS: streams are hijacked *tls.Conn
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.Shutdown(ctx)
		srv.Close()
	})
	addr := srv.Listener.Addr().String()

	open := func() (*tls.Conn, *bufio.Reader) {
		c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		fmt.Fprintf(c, "GET /events?channel=tls HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\n\r\n", addr)
		r := bufio.NewReader(c)
		readTLSUntil(t, c, r, "herald.connected")
		return c, r
	}
	leave := []struct {
		name string
		how  func(c *tls.Conn)
	}{
		{"close_notify then FIN", func(c *tls.Conn) { c.Close() }},
		{"FIN without close_notify", func(c *tls.Conn) { c.NetConn().Close() }},
		{"reset", func(c *tls.Conn) { c.NetConn().(*net.TCPConn).SetLinger(0); c.NetConn().Close() }},
	}
	stay := make([]*tls.Conn, 2)
	stayR := make([]*bufio.Reader, 2)
	for i := range stay {
		stay[i], stayR[i] = open()
	}
	for _, l := range leave {
		t.Run(l.name, func(t *testing.T) {
			c, _ := open()
			waitConnections(t, h, len(stay)+1)
			if n := h.fan.SweepDeparted(); n != 0 {
				t.Fatalf("a sweep over live TLS streams found %d departed", n)
			}
			l.how(c)
			waitConnections(t, h, len(stay))
		})
	}
	if _, err := h.Publish(t.Context(), Message{Channel: "tls", Data: "still here"}); err != nil {
		t.Fatal(err)
	}
	for i := range stay {
		readTLSUntil(t, stay[i], stayR[i], "data: still here")
	}
}

func readTLSUntil(t *testing.T, c *tls.Conn, r *bufio.Reader, want string) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	defer c.SetReadDeadline(time.Time{})
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading until %q: %v", want, err)
		}
		if strings.Contains(line, want) {
			return
		}
	}
}
