package server

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"
)

// readUntil reads lines from r until one contains want (bounded by a 10 s deadline).
func readUntil(t *testing.T, c net.Conn, r *bufio.Reader, want string) {
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
