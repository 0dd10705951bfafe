package sseclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"
)

// Client subscribes to one event stream and keeps it alive: it reconnects by itself, sends
// Last-Event-ID so the server can replay what was missed, honours the server's `retry:` and
// Retry-After, backs off exponentially (with jitter) while the server stays away, and replaces
// a connection that has gone silent. The zero values of its optional fields are sensible
// defaults; set URL and range over Events.
//
// A Client holds configuration only: it may run several Events iterations, one after another
// or at once, each its own subscription.
type Client struct {
	// URL is the stream's http or https URL.
	URL string
	// Header holds extra request headers, sent on every attempt (and kept across redirects
	// to the same host).
	Header http.Header
	// Token, when set, is sent as "Authorization: Bearer <Token>". Like any Authorization
	// header, net/http drops it on a redirect to another host, so a token never leaks to a
	// server it was not meant for.
	Token string
	// LastEventID is the ID to resume after on the first connection (sent as
	// Last-Event-ID); later connections send the stream's own last event ID.
	LastEventID string
	// HTTPClient makes the requests; nil means http.DefaultClient. Its Timeout must be zero,
	// or it would cut every stream after that long.
	HTTPClient *http.Client
	// Retry is the reconnection time until the server sends `retry:`; 0 means DefaultRetry.
	Retry time.Duration
	// IdleTimeout replaces a connection that sent no bytes at all (not even a keep-alive
	// comment) for that long; 0 means DefaultIdleTimeout, a negative value disables it.
	IdleTimeout time.Duration
	// MaxBackoff caps the exponential backoff added on top of the reconnection time after
	// repeated failures; 0 means DefaultMaxBackoff, a negative value disables backoff.
	MaxBackoff time.Duration
	// MaxLineSize and MaxEventSize cap lines and events (see WithMaxLineSize and
	// WithMaxEventSize); 0 means the parser's defaults. A stream beyond them fails for good.
	MaxLineSize, MaxEventSize int
	// OnState, when set, is called on every change of state, from the goroutine ranging over
	// Events (so it must return quickly; hand the State to another goroutine if needed).
	OnState func(State)

	// jitter returns a number in [0, 1); tests fix it to check computed delays exactly.
	jitter func() float64
}

// Events returns the stream's events. It connects on the first iteration and reconnects by
// itself until ctx is cancelled, the loop stops, the server answers 204 No Content, or a
// failure that retrying cannot fix (such as 404, 401 or a response that is not an event
// stream): only then it yields a non-nil error, once, as the last element. Cancellation and
// 204 end the iteration without an error.
//
// Everything runs in the ranging goroutine; nothing is left running when the loop ends.
func (c *Client) Events(ctx context.Context) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		if err := c.run(ctx, yield); err != nil {
			yield(Event{}, err)
		}
	}
}

// run is the reconnect loop. It returns the error that stops it for good.
func (c *Client) run(ctx context.Context, yield func(Event, error) bool) error {
	if u, err := url.Parse(c.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		err := fmt.Errorf("sseclient: %q is not an http(s) URL; use http://host:port/path", c.URL)
		c.setState(State{Phase: Closed, Err: err})
		return err
	}
	var opts []ParserOption
	if c.MaxLineSize > 0 {
		opts = append(opts, WithMaxLineSize(c.MaxLineSize))
	}
	if c.MaxEventSize > 0 {
		opts = append(opts, WithMaxEventSize(c.MaxEventSize))
	}
	p := NewParser(nil, append(opts, WithLastEventID(c.LastEventID))...)
	jitter := c.jitter
	if jitter == nil {
		jitter = rand.Float64
	}

	failures := 0
	for {
		c.setState(State{Phase: Connecting, Attempt: failures + 1})
		res := c.attempt(ctx, p, yield)
		switch {
		case ctx.Err() != nil:
			c.setState(State{Phase: Closed, Err: ctx.Err()})
			return nil
		case res.done:
			c.setState(State{Phase: Closed})
			return nil
		case res.fatal:
			c.setState(State{Phase: Closed, Err: res.err})
			return res.err
		}
		if res.healthy {
			failures = 0
		}
		failures++
		retry, ok := p.Retry()
		if !ok {
			retry = orDefault(c.Retry, DefaultRetry)
		}
		delay := backoff(retry, res.retryAfter, orDefault(c.MaxBackoff, DefaultMaxBackoff), failures, jitter)
		c.setState(State{Phase: Retrying, Err: res.err, RetryAt: time.Now().Add(delay), Delay: delay, Attempt: failures})
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			c.setState(State{Phase: Closed, Err: ctx.Err()})
			return nil
		case <-t.C:
		}
	}
}

// attempt makes one connection and streams its events to yield until it ends.
func (c *Client) attempt(ctx context.Context, p *Parser, yield func(Event, error) bool) attemptResult {
	connCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(connCtx, http.MethodGet, c.URL, nil)
	if err != nil {
		return attemptResult{fatal: true, err: fmt.Errorf("sseclient: cannot request %q: %w", c.URL, err)}
	}
	for name, values := range c.Header {
		for _, v := range values {
			req.Header.Add(name, v)
		}
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Cache-Control", "no-cache")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if id := p.LastEventID(); id != "" {
		req.Header.Set("Last-Event-ID", id)
	}

	// The idle watchdog covers the wait for the response headers too: a server that
	// accepts the connection and then says nothing is as dead as one that stops mid-stream.
	idle := newIdleWatch(orDefault(c.IdleTimeout, DefaultIdleTimeout), cancel)
	defer idle.disarm()
	idle.arm()
	resp, err := c.httpClient().Do(req)
	idle.disarm()
	if err != nil {
		if idle.fired.Load() {
			return attemptResult{err: idle.err(c.URL)}
		}
		return attemptResult{err: fmt.Errorf("sseclient: connecting to %s: %w", c.URL, err)}
	}
	defer resp.Body.Close()
	body := &idleReader{r: resp.Body, w: idle} // also bounds reading a refusal's body
	if res := checkResponse(c.URL, resp, body, time.Now()); res != nil {
		return *res
	}

	c.setState(State{Phase: Open})
	opened := time.Now()
	p.Reset(body)
	delivered := false
	for {
		ev, err := p.Next()
		if err != nil {
			res := attemptResult{err: err, healthy: delivered || time.Since(opened) >= healthyAfter}
			var le *LimitError
			switch {
			case errors.As(err, &le):
				res.fatal = true // a reconnect would replay the same oversized event
			case idle.fired.Load():
				res.err = idle.err(c.URL)
			case err == io.EOF:
				res.err = errServerClosed
			default:
				res.err = fmt.Errorf("sseclient: reading %s: %w", c.URL, err)
			}
			return res
		}
		delivered = true
		if !yield(ev, nil) {
			return attemptResult{done: true}
		}
	}
}

func (c *Client) httpClient() *http.Client {
	if c.HTTPClient != nil {
		return c.HTTPClient
	}
	return http.DefaultClient
}

func (c *Client) setState(s State) {
	if c.OnState != nil {
		c.OnState(s)
	}
}

// orDefault returns d, or def when d is zero.
func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

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
