package sseclient

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Reconnection defaults.
const (
	// DefaultRetry is the reconnection time until the server sends `retry:`; browsers use a
	// few seconds too.
	DefaultRetry = 3 * time.Second
	// DefaultMaxBackoff caps the backoff added on top of the reconnection time.
	DefaultMaxBackoff = 30 * time.Second
	// DefaultIdleTimeout is how long a connection may stay completely silent (not even a
	// keep-alive comment) before it counts as dead and is replaced.
	DefaultIdleTimeout = 45 * time.Second
	// healthyAfter is how long a connection must stay open, when it delivered no event, to
	// count as healthy and reset the backoff.
	healthyAfter = 5 * time.Second
	// maxRetryAfter bounds a server's Retry-After, so a typo there cannot park a client for
	// days.
	maxRetryAfter = time.Hour
	// minBackoffUnit keeps the backoff growing when the server asks for `retry: 0`.
	minBackoffUnit = 10 * time.Millisecond
)

// backoff returns how long to wait before the next attempt, after failures attempts failed in
// a row (1 after a healthy connection ended). The wait is never shorter than the reconnection
// time (the server's `retry:`) nor a Retry-After: the first reconnect waits exactly that, like
// a browser; from the second failure on, an exponential backoff with jitter is added on top:
// unit·2^(failures-2), capped at maxBackoff, of which a random half is taken off
// ("equal jitter"), so that many clients of one restarted server spread out.
// jitter returns a number in [0, 1).
func backoff(retry, retryAfter, maxBackoff time.Duration, failures int, jitter func() float64) time.Duration {
	floor := max(retry, retryAfter)
	if failures < 2 || maxBackoff <= 0 {
		return floor
	}
	extra := max(retry, minBackoffUnit)
	for i := 2; i < failures && extra < maxBackoff; i++ {
		if extra > maxBackoff/2 {
			extra = maxBackoff // doubling would pass the cap (or overflow)
		} else {
			extra *= 2
		}
	}
	extra = min(extra, maxBackoff)
	extra -= time.Duration(jitter() * float64(extra/2))
	return floor + extra
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP-date. It returns 0 when
// the header is missing or unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseUint(v, 10, 32); err == nil {
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}

// attemptResult is how one connection attempt ended.
type attemptResult struct {
	err        error         // why it ended (nil when the consumer stopped or on 204)
	fatal      bool          // stop for good and report err
	done       bool          // stop for good, no error (HTTP 204, or the consumer stopped)
	healthy    bool          // it delivered an event or stayed open long enough: reset backoff
	retryAfter time.Duration // the server's Retry-After, if any
}

// HTTPError is a response that ends the subscription for good: a status other than 200, 204,
// 408, 429 and 5xx, or a 200 that is not an event stream.
type HTTPError struct {
	URL         string
	StatusCode  int
	ContentType string
	// Body is the start of the response body, or the "error" string of a JSON error body.
	Body string
}

// Error says what the server answered, with the start of its body, and how to fix it.
func (e *HTTPError) Error() string {
	var b strings.Builder
	if e.StatusCode == http.StatusOK {
		fmt.Fprintf(&b, "sseclient: %s answered with Content-Type %q, not text/event-stream", e.URL, e.ContentType)
	} else {
		fmt.Fprintf(&b, "sseclient: %s answered %d %s", e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	}
	if e.Body != "" {
		fmt.Fprintf(&b, ": %s", e.Body)
	}
	b.WriteString("; ")
	b.WriteString(e.hint())
	return b.String()
}

// hint says what the user can do about the error.
func (e *HTTPError) hint() string {
	switch e.StatusCode {
	case http.StatusOK:
		return "check that the URL is the server's SSE endpoint"
	case http.StatusUnauthorized:
		return "check the token (a missing, wrong or expired token)"
	case http.StatusForbidden:
		return "the token is valid but lacks the right to read this stream"
	case http.StatusNotFound, http.StatusGone:
		return "check the URL's path"
	case http.StatusBadRequest:
		return "check the URL's query (for a Herald hub: the channel names)"
	}
	return "the server refused the subscription; retrying would not help"
}

// checkResponse decides what a response means: nil for a usable event stream, otherwise how
// the attempt ended. It reads at most a small snippet of a refused response's body.
func checkResponse(url string, resp *http.Response, body io.Reader, now time.Time) *attemptResult {
	code := resp.StatusCode
	switch {
	case code == http.StatusNoContent:
		return &attemptResult{done: true}
	case code == http.StatusOK:
		ct := resp.Header.Get("Content-Type")
		// Only the essence counts, as in a browser: a bogus charset or a malformed parameter
		// ("text/event-stream; foo") does not make it another type.
		if mt, _, err := mime.ParseMediaType(ct); mt == "text/event-stream" && (err == nil || errors.Is(err, mime.ErrInvalidMediaParameter)) {
			return nil
		}
		return &attemptResult{fatal: true, err: &HTTPError{URL: url, StatusCode: code, ContentType: ct, Body: snippet(body)}}
	case code == http.StatusTooManyRequests || code == http.StatusRequestTimeout || code >= 500:
		err := fmt.Errorf("sseclient: %s answered %d %s", url, code, http.StatusText(code))
		if s := snippet(body); s != "" {
			err = fmt.Errorf("%w: %s", err, s)
		}
		return &attemptResult{err: err, retryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), now)}
	}
	return &attemptResult{fatal: true, err: &HTTPError{URL: url, StatusCode: code, ContentType: resp.Header.Get("Content-Type"), Body: snippet(body)}}
}

// snippet returns the start of a body on one line: the "error" member of a JSON error object
// (as a Herald hub sends) or its first 200 bytes.
func snippet(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, 4096))
	var je struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(b, &je) == nil && je.Error != "" {
		return je.Error
	}
	s := []rune(strings.Join(strings.Fields(decode(b)), " "))
	if len(s) > 200 {
		return string(s[:200]) + "..."
	}
	return string(s)
}

// errServerClosed is why a stream that ended normally (EOF) is reconnected.
var errServerClosed = errors.New("sseclient: the server closed the stream")
