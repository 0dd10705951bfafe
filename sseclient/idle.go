package sseclient

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// idleWatch cancels a connection that stays silent for too long. It runs only while the
// client waits for bytes (armed around each read), so a consumer that takes its time with
// an event never makes a healthy connection look dead.
type idleWatch struct {
	timeout time.Duration
	timer   *time.Timer // nil when disabled
	fired   atomic.Bool
}

func newIdleWatch(timeout time.Duration, cancel context.CancelFunc) *idleWatch {
	w := &idleWatch{timeout: timeout}
	if timeout > 0 {
		w.timer = time.AfterFunc(timeout, func() { w.fired.Store(true); cancel() })
		w.timer.Stop()
	}
	return w
}

// arm starts (or restarts) the countdown: the client is about to wait for bytes.
func (w *idleWatch) arm() {
	if w.timer != nil {
		w.timer.Reset(w.timeout)
	}
}

// disarm stops the countdown: bytes arrived or the client stopped waiting.
func (w *idleWatch) disarm() {
	if w.timer != nil {
		w.timer.Stop()
	}
}

// err is why the watch cancelled the connection.
func (w *idleWatch) err(url string) error {
	return fmt.Errorf("sseclient: no bytes from %s for %v (not even a keep-alive comment); replacing the connection", url, w.timeout)
}

// idleReader arms the idle watch around every read of the response body.
type idleReader struct {
	r io.Reader
	w *idleWatch
}

func (r *idleReader) Read(b []byte) (int, error) {
	r.w.arm()
	n, err := r.r.Read(b)
	r.w.disarm()
	return n, err
}
