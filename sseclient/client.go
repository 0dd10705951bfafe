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
	"sync"
	"time"
)

// Client subscribes to one event stream and keeps it alive: it reconnects by itself, sends
// Last-Event-ID so the server can replay what was missed, honours the server's `retry:` and
// Retry-After, backs off exponentially (with jitter) while the server stays away, and replaces
// a connection that has gone silent. The zero values of its optional fields are sensible
// defaults; set URL and range over Events.
//
// The request is a GET of URL by default. Method, Body and Header make it any request (an
// LLM API streams its answer to a POST with a JSON body), sent again the same way on every
// reconnect; NewRequest builds each attempt's request itself, for a token that expires.
//
// A Client holds configuration (and Restart's bookkeeping): it may run several Events
// iterations, one after another or at once, each its own subscription. Do not copy a Client
// after first use.
type Client struct {
	// URL is the stream's http or https URL.
	URL string
	// Method is the request method; "" means GET, or POST when Body is set.
	Method string
	// Body, when not nil, is the request body, sent again on every attempt (and on a 307/308
	// redirect). Set its Content-Type in Header (an API that wants JSON says so).
	Body []byte
	// Header holds extra request headers, sent on every attempt (and kept across redirects
	// to the same host).
	Header http.Header
	// Token, when set, is sent as "Authorization: Bearer <Token>". Like any Authorization
	// header, net/http drops it on a redirect to another host, so a token never leaks to a
	// server it was not meant for.
	Token string
	// NewRequest, when set, makes each attempt's request in place of URL, Method, Body,
	// Header and Token. It is called before every attempt (so it can put a freshly minted
	// token in), with the attempt's context: build the request with
	// http.NewRequestWithContext(ctx, ...) and a body of its own. The client adds
	// Accept: text/event-stream and Cache-Control: no-cache when the request has none, and
	// manages Last-Event-ID itself. An error from NewRequest fails that attempt, which is
	// retried like a network error (cancel the context to give up).
	NewRequest func(ctx context.Context) (*http.Request, error)
	// LastEventID is the ID to resume after on the first connection (sent as
	// Last-Event-ID); later connections send the stream's own last event ID.
	LastEventID string
	// HTTPClient makes the requests; nil means http.DefaultClient. A non-zero Timeout would
	// cut every stream after that long, so the client uses a copy without it and applies the
	// Timeout to the wait for the response headers only (connecting, TLS, redirects).
	HTTPClient *http.Client
	// Retry is the reconnection time until the server sends `retry:`; 0 means DefaultRetry,
	// and a negative value (NoRetryDelay) means none: reconnect at once, as after `retry: 0`.
	Retry time.Duration
	// IdleTimeout replaces a connection that sent no bytes at all (not even a keep-alive
	// comment) for that long; 0 means DefaultIdleTimeout, a negative value disables it.
	IdleTimeout time.Duration
	// MaxBackoff caps the exponential backoff added on top of the reconnection time after
	// repeated failures; 0 means DefaultMaxBackoff, a negative value disables backoff.
	MaxBackoff time.Duration
	// MaxLineSize and MaxEventSize cap a field's value and an event's data (see
	// WithMaxLineSize and WithMaxEventSize); 0 means the parser's defaults (16 MiB and
	// 64 MiB). A stream beyond them fails for good.
	MaxLineSize, MaxEventSize int
	// OnState, when set, is called on every change of state, from the goroutine ranging over
	// Events (so it must return quickly; hand the State to another goroutine if needed).
	OnState func(State)
	// OnComment, when set, is called with the text of every comment line (after the colon,
	// as sent, leading space kept) as soon as the line arrives, from the goroutine ranging
	// over Events. Servers send comments as keep-alives.
	OnComment func(text string)

	// jitter returns a number in [0, 1); tests fix it to check computed delays exactly.
	jitter func() float64

	mu   sync.Mutex
	subs map[*subscription]struct{} // the running Events iterations, for Restart
}

// NoRetryDelay is the Client.Retry value for an explicit zero: reconnect at once after a
// connection ends (the backoff after repeated failures still applies).
const NoRetryDelay time.Duration = -1

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
	if c.NewRequest == nil {
		if u, err := url.Parse(c.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			err := fmt.Errorf("sseclient: %q is not an http(s) URL; use http://host:port/path", c.URL)
			c.setState(State{Phase: Closed, Err: err})
			return err
		}
	}
	opts := []ParserOption{WithLastEventID(c.LastEventID)}
	if c.MaxLineSize > 0 {
		opts = append(opts, WithMaxLineSize(c.MaxLineSize))
	}
	if c.MaxEventSize > 0 {
		opts = append(opts, WithMaxEventSize(c.MaxEventSize))
	}
	if c.OnComment != nil {
		opts = append(opts, WithCommentFunc(c.OnComment))
	}
	p := NewParser(nil, opts...)
	jitter := c.jitter
	if jitter == nil {
		jitter = rand.Float64
	}
	hc, headerTimeout := c.httpClient()
	sub := &subscription{wake: make(chan struct{}, 1)}
	c.track(sub, false)
	defer c.track(sub, true)

	failures := 0
	for {
		c.setState(State{Phase: Connecting, Attempt: failures + 1})
		res := c.attempt(ctx, sub, hc, headerTimeout, p, yield)
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
		case res.err == ErrRestarted:
			failures = 0
			c.setState(State{Phase: Retrying, Err: res.err, RetryAt: time.Now(), Attempt: 0})
			continue
		}
		if res.healthy {
			failures = 0
		}
		failures++
		retry, ok := p.Retry()
		if !ok {
			retry = c.retryTime()
		}
		delay := backoff(retry, res.retryAfter, orDefault(c.MaxBackoff, DefaultMaxBackoff), failures, jitter)
		c.setState(State{Phase: Retrying, Err: res.err, RetryAt: time.Now().Add(delay), Delay: delay, Attempt: failures})
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			c.setState(State{Phase: Closed, Err: ctx.Err()})
			return nil
		case <-sub.wake:
			t.Stop()
			failures = 0
		case <-t.C:
		}
	}
}

// retryTime is the reconnection time to use until the server sends one.
func (c *Client) retryTime() time.Duration {
	switch {
	case c.Retry < 0:
		return 0
	case c.Retry == 0:
		return DefaultRetry
	}
	return c.Retry
}

// attempt makes one connection and streams its events to yield until it ends.
func (c *Client) attempt(ctx context.Context, sub *subscription, hc *http.Client, headerTimeout time.Duration,
	p *Parser, yield func(Event, error) bool) attemptResult {
	connCtx, cancelCause := context.WithCancelCause(ctx)
	cancel := func() { cancelCause(nil) }
	defer cancel()
	c.setCancel(sub, cancelCause)
	defer c.setCancel(sub, nil)
	restarted := func() bool { return context.Cause(connCtx) == ErrRestarted && ctx.Err() == nil }

	req, target, res := c.request(connCtx, p.LastEventID())
	if res != nil {
		if restarted() {
			return attemptResult{err: ErrRestarted}
		}
		return *res
	}

	// The idle watchdog covers the wait for the response headers too: a server that
	// accepts the connection and then says nothing is as dead as one that stops mid-stream.
	idle := newIdleWatch(orDefault(c.IdleTimeout, DefaultIdleTimeout), cancel)
	defer idle.disarm()
	idle.arm()
	// HTTPClient.Timeout bounds only the wait for the response headers (see HTTPClient).
	headers := newIdleWatch(headerTimeout, cancel)
	headers.arm()
	resp, err := hc.Do(req)
	idle.disarm()
	headers.disarm()
	if err != nil {
		switch {
		case restarted():
			return attemptResult{err: ErrRestarted}
		case idle.fired.Load():
			return attemptResult{err: idle.err(target)}
		case headers.fired.Load():
			return attemptResult{err: fmt.Errorf("sseclient: no response headers from %s within HTTPClient.Timeout (%v)", target, headerTimeout)}
		}
		return attemptResult{err: fmt.Errorf("sseclient: connecting to %s: %w", target, err)}
	}
	defer resp.Body.Close()
	body := &idleReader{r: resp.Body, w: idle} // also bounds reading a refusal's body
	if res := checkResponse(target, resp, body, time.Now()); res != nil {
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
			case restarted():
				res.err = ErrRestarted
			case idle.fired.Load():
				res.err = idle.err(target)
			case err == io.EOF:
				res.err = errServerClosed
			default:
				res.err = fmt.Errorf("sseclient: reading %s: %w", target, err)
			}
			return res
		}
		delivered = true
		if !yield(ev, nil) {
			return attemptResult{done: true}
		}
	}
}

// httpClient returns the client to make requests with, never with a Timeout (that would cut
// every stream after that long), and the Timeout it had: the bound on waiting for headers.
func (c *Client) httpClient() (*http.Client, time.Duration) {
	if c.HTTPClient == nil {
		return http.DefaultClient, 0
	}
	if c.HTTPClient.Timeout <= 0 {
		return c.HTTPClient, 0
	}
	hc := *c.HTTPClient
	hc.Timeout = 0
	return &hc, c.HTTPClient.Timeout
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
