package fanout

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// The two stream writers: hijacked (HTTP/1.x, straight to the socket, kick-driven) and
// flushed (HTTP/2 and test recorders, through the ResponseWriter, parked in its handler).

// streamWriter is where a stream's bytes go.
type streamWriter interface {
	// write sends b (and flushes it) or fails within the write timeout.
	write(b []byte) error
	// gone is closed when the client is known to have left (nil when only a failed write
	// or the departure probe can tell).
	gone() <-chan struct{}
	// departed reports whether the departure probe found the client gone (the probe then
	// closed the connection and kicked the stream).
	departed() bool
	close()
}

// open starts the response. On HTTP/1.x it takes over the connection, so the stream costs
// no net/http buffers or background reader while idle; otherwise it writes through the
// ResponseWriter and flushes.
func (f *Fanout) open(w http.ResponseWriter, r *http.Request) (streamWriter, error) {
	rc := http.NewResponseController(w)
	if r.ProtoMajor == 1 {
		conn, brw, err := rc.Hijack()
		if err == nil {
			// net/http's bufio buffers are dropped: writes go straight to the socket.
			_ = brw
			hj := &hijacked{conn: conn, timeout: f.cfg.WriteTimeout}
			head := make([]byte, 0, 256)
			head = append(head, "HTTP/1.1 200 OK\r\n"...)
			hdr := w.Header().Clone()
			hdr.Del("Content-Length")
			hdr.Del("Transfer-Encoding")
			hdr.Set("Connection", "close")
			hb := &byteWriter{b: head}
			hdr.Write(hb)
			hj.header = append(hb.b, "\r\n"...)
			return hj, nil
		}
	}
	w.WriteHeader(http.StatusOK)
	if err := rc.Flush(); err != nil {
		return nil, fmt.Errorf("the response cannot be flushed, so events would not stream: %w", err)
	}
	return &flushed{w: w, rc: rc, ctx: r.Context(), timeout: f.cfg.WriteTimeout}, nil
}

type byteWriter struct{ b []byte }

func (w *byteWriter) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }

// hijacked writes straight to a taken-over HTTP/1.x connection. The response is
// close-delimited (no chunking), which every SSE client reads.
//
// Its write timeout is enforced by the hub's watchdog rather than a socket deadline per
// write: resetting a deadline costs a runtime timer update on every write of every
// stream, about a tenth of the CPU of steady fan-out. A write records when it began; the
// watchdog closes a connection whose write has been blocked for longer than the timeout.
type hijacked struct {
	conn    net.Conn
	timeout time.Duration
	header  []byte // the status line and headers, sent with the first write
	once    sync.Once
	since   atomic.Int64 // UnixNano when the write in progress began, 0 when none
	cut     atomic.Bool  // set by the watchdog before it closes the connection
	left    atomic.Bool  // set by the departure probe before it closes the connection
}

// errCutOff is a write ended by the watchdog; it counts as a write timeout.
var errCutOff = fmt.Errorf("the write blocked longer than the write timeout: %w", os.ErrDeadlineExceeded)

func (c *hijacked) write(b []byte) error {
	if c.header != nil {
		b = append(c.header, b...)
		c.header = nil
	}
	c.since.Store(time.Now().UnixNano())
	_, err := c.conn.Write(b)
	c.since.Store(0)
	if err != nil && c.cut.Load() {
		return errCutOff
	}
	return err
}

// stuck reports whether a write has been blocked since before deadline (UnixNano).
func (c *hijacked) stuck(deadline int64) bool {
	t := c.since.Load()
	return t != 0 && t < deadline
}

// cutOff closes the connection under a blocked write.
func (c *hijacked) cutOff() {
	c.cut.Store(true)
	c.close()
}

func (c *hijacked) gone() <-chan struct{} { return nil }

func (c *hijacked) departed() bool { return c.left.Load() }

func (c *hijacked) close() { c.once.Do(func() { c.conn.Close() }) }

// flushed writes through an http.ResponseWriter and flushes each write.
type flushed struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	ctx     context.Context
	timeout time.Duration
	mu      sync.Mutex
	closed  bool
}

func (f *flushed) write(b []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return net.ErrClosed
	}
	_ = f.rc.SetWriteDeadline(time.Now().Add(f.timeout)) // unsupported by some writers
	if _, err := f.w.Write(b); err != nil {
		return err
	}
	return f.rc.Flush()
}

func (f *flushed) gone() <-chan struct{} { return f.ctx.Done() }

// departed is false: net/http watches the connection and ends ctx (gone) instead.
func (f *flushed) departed() bool { return false }

// close marks the stream closed; the handler's return ends the response.
func (f *flushed) close() {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
}
