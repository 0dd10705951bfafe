package sseclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// request makes one attempt's request: from NewRequest when set, otherwise from URL, Method,
// Body, Header and Token. It returns the request, its URL for messages (without a password),
// or how the attempt ended when there is no request to make.
func (c *Client) request(ctx context.Context, lastID string) (*http.Request, string, *attemptResult) {
	var req *http.Request
	if c.NewRequest != nil {
		r, err := c.NewRequest(ctx)
		switch {
		case err != nil:
			return nil, "", &attemptResult{err: fmt.Errorf("sseclient: NewRequest: %w", err)}
		case r == nil || r.URL == nil:
			return nil, "", &attemptResult{fatal: true, err: errors.New("sseclient: NewRequest returned no request and no error; return a request or an error")}
		case (r.URL.Scheme != "http" && r.URL.Scheme != "https") || r.URL.Host == "":
			// Retrying would fail the same way for ever.
			return nil, "", &attemptResult{fatal: true, err: fmt.Errorf("sseclient: NewRequest made a request for %q, not an http(s) URL; use http://host:port/path", r.URL.Redacted())}
		}
		// A clone with the attempt's context: the client adds headers without touching the
		// caller's request, and the connection ends with the attempt whatever context the
		// request was built with.
		req = r.Clone(ctx)
	} else {
		method := c.Method
		if method == "" {
			method = http.MethodGet
			if c.Body != nil {
				method = http.MethodPost
			}
		}
		var body io.Reader
		if c.Body != nil {
			body = bytes.NewReader(c.Body) // NewRequest sets GetBody for it: redirects resend it
		}
		var err error
		req, err = http.NewRequestWithContext(ctx, method, c.URL, body)
		if err != nil {
			return nil, "", &attemptResult{fatal: true, err: fmt.Errorf("sseclient: cannot request %q: %w", c.URL, err)}
		}
		for name, values := range c.Header {
			for _, v := range values {
				req.Header.Add(name, v)
			}
		}
		if c.Token != "" {
			req.Header.Set("Authorization", "Bearer "+c.Token)
		}
	}
	if req.Header == nil {
		req.Header = http.Header{}
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "text/event-stream")
	}
	if req.Header.Get("Cache-Control") == "" {
		req.Header.Set("Cache-Control", "no-cache")
	}
	if lastID != "" && headerSafe(lastID) {
		req.Header.Set("Last-Event-ID", lastID)
	} else {
		// The stream reset its id (resume from nowhere), or set one with control characters
		// that HTTP cannot carry: net/http would refuse the request, and every reconnect
		// would fail the same way.
		req.Header.Del("Last-Event-ID")
	}
	return req, req.URL.Redacted(), nil
}

// headerSafe reports whether net/http will send v as a header value: no control characters
// other than tab (an event id never holds CR, LF or NUL, but may hold the others).
func headerSafe(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}
