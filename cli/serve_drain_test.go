package cli

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestServeClosesListenerWhenDrainStarts: as soon as `herald serve` starts shutting down,
// its port refuses new connections (a proxy or a reconnecting client goes to another node
// at once), even while a stream that does not read keeps the drain going.
func TestServeClosesListenerWhenDrainStarts(t *testing.T) {
	const key = "drain-test-key-0123456789abcdef"
	// The write timeout is long enough that the stuck stream is still there when the drain
	// starts, even when publishing is slow on a loaded machine; the drain then ends by
	// cutting it off, before the shutdown timeout.
	url, stop := startServe(t, "--key", key, "--history-store", "memory",
		"--write-timeout", "10s", "--shutdown-timeout", "15s")
	addr := strings.TrimPrefix(url, "http://")

	// A subscriber that never reads: once the socket buffers are full, the hub's write
	// to it blocks, and the drain waits for it (up to the write timeout).
	stuck, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer stuck.Close()
	_ = stuck.(*net.TCPConn).SetReadBuffer(4096)
	fmt.Fprintf(stuck, "GET /events?channel=drain HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
	time.Sleep(200 * time.Millisecond) // registered before the events come
	// About 7 MB, far more than loopback buffers hold, in 8 batches of 15 events (each
	// under the 1 MiB body limit) so publishing takes a moment, not seconds.
	one := fmt.Sprintf(`{"channel":"drain","data":%q}`, strings.Repeat("x", 60<<10))
	body := "[" + strings.Repeat(one+",", 14) + one + "]"
	for range 8 {
		req, _ := http.NewRequest(http.MethodPost, url+"/publish", bytes.NewBufferString(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("publish: %d", resp.StatusCode)
		}
	}
	http.DefaultClient.CloseIdleConnections()

	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()
	// Within a moment the port refuses, while the drain is still waiting for the stuck
	// stream (serve has not returned).
	deadline := time.Now().Add(2 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the port still accepts connections 2 s into the shutdown; it should close as the drain starts")
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case <-stopped:
		t.Fatal("serve stopped before the stuck stream was cut off; the test did not see a drain in progress")
	default:
	}
	<-stopped
}
