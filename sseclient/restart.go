package sseclient

import (
	"context"
	"errors"
)

// ErrRestarted is why a connection ended when Restart dropped it (State.Err while Retrying).
var ErrRestarted = errors.New("sseclient: restarted by the caller")

// subscription is one running Events iteration, as Restart sees it.
type subscription struct {
	cancel context.CancelCauseFunc // the current attempt's; nil between attempts
	wake   chan struct{}           // 1-buffered: a Restart while waiting to reconnect
}

// Restart drops the current connection of every running Events iteration of c and reconnects
// at once, sending the Last-Event-ID it has, as if the server had closed the stream but
// without the reconnection wait; one waiting to reconnect stops waiting. The iterations go
// on: events already received are still delivered, and OnState sees Retrying with
// ErrRestarted. Restart may be called from any goroutine; with nothing running it does
// nothing.
func (c *Client) Restart() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for s := range c.subs {
		if s.cancel != nil {
			s.cancel(ErrRestarted)
		}
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// track registers (or, with done, forgets) a running iteration.
func (c *Client) track(s *subscription, done bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if done {
		delete(c.subs, s)
		return
	}
	if c.subs == nil {
		c.subs = map[*subscription]struct{}{}
	}
	c.subs[s] = struct{}{}
}

// setCancel publishes the current attempt's cancel function (nil: no attempt running). A
// Restart requested before the attempt began is fulfilled by it, so its wake-up is dropped.
func (c *Client) setCancel(s *subscription, cancel context.CancelCauseFunc) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s.cancel = cancel
	if cancel != nil {
		select {
		case <-s.wake:
		default:
		}
	}
}
