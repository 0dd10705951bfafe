package server

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestOversizedPublishAnswered413: a client that writes its whole oversized body before it
// reads anything (as Python's http.client does) gets the 413 JSON answer, not a reset: the
// hub answers, then drains the rest of the body (bounded) before closing. Bodies sized by
// Content-Length (refused before reading) and chunked (refused when the limit is crossed),
// written at network pace (4 MiB in 64 KiB pieces) or in one go (16 MiB: more than the
// loopback buffers hold).
func TestOversizedPublishAnswered413(t *testing.T) {
	th := newTestHub(t, Config{})
	addr := strings.TrimPrefix(th.URL, "http://")
	request := func(size int, chunked bool) []byte {
		head := fmt.Sprintf("POST /publish?channel=big HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: text/plain\r\n", addr, testKey)
		data := strings.Repeat("x", size)
		if chunked {
			return []byte(fmt.Sprintf("%sTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n", head, size, data))
		}
		return []byte(fmt.Sprintf("%sContent-Length: %d\r\n\r\n%s", head, size, data))
	}
	tests := []struct {
		name  string
		req   []byte
		paced bool
	}{
		{"content-length, network pace", request(4<<20+12345, false), true},
		{"chunked, network pace", request(4<<20+12345, true), true},
		{"content-length, at once", request(16<<20, false), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(30 * time.Second))
			piece := len(tt.req)
			if tt.paced {
				_ = c.(*net.TCPConn).SetWriteBuffer(64 << 10)
				piece = 64 << 10
			}
			for b := tt.req; len(b) > 0; {
				n := min(piece, len(b))
				if _, err := c.Write(b[:n]); err != nil {
					t.Fatalf("writing the whole request before reading: %v (the hub reset the connection)", err)
				}
				b = b[n:]
				if tt.paced {
					time.Sleep(10 * time.Millisecond)
				}
			}
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatalf("reading the answer: %v", err)
			}
			defer resp.Body.Close()
			var e struct{ Error string }
			if resp.StatusCode != http.StatusRequestEntityTooLarge || json.NewDecoder(resp.Body).Decode(&e) != nil || !strings.Contains(e.Error, "limit") {
				t.Fatalf("answer %d %q; want 413 with a JSON error naming the limit", resp.StatusCode, e.Error)
			}
		})
	}
	// The hub still works, and stored nothing of the refused bodies.
	th.mustPublish(t, "big", "", "small")
	if n := th.Stats().Published; n != 1 {
		t.Errorf("published %d events; want only the small one", n)
	}
}
