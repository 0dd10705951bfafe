package wire

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Publisher posts events to a hub's /publish: the one HTTP publish client of the project.
type Publisher struct {
	// URL is the hub's base URL, http(s)://HOST:PORT, optionally with a path prefix.
	URL string
	// Token is sent as "Authorization: Bearer"; empty sends none.
	Token string
	// HTTPClient, when nil, is a client with a 30 s timeout.
	HTTPClient *http.Client
}

// HubError is a hub's refusal: its status and the message of its error body.
type HubError struct {
	Status     int    // the HTTP status code
	StatusText string // e.g. "401 Unauthorized"
	Msg        string // the hub's {"error"} text, or the start of a body that was not one
	Code       string // the hub's {"code"}, e.g. CodeOutcomeUnknown ("" when none)
	// RetryAfter is the Retry-After the hub sent (0 when none).
	RetryAfter time.Duration
}

func (e *HubError) Error() string { return "the hub answered " + e.StatusText + ": " + e.Msg }

// UnreachableError is a publish whose request got no answer (connection refused, DNS,
// timeout).
type UnreachableError struct {
	URL string
	Err error
}

func (e *UnreachableError) Error() string { return fmt.Sprintf("cannot reach %s: %v", e.URL, e.Err) }
func (e *UnreachableError) Unwrap() error { return e.Err }

// ErrBadURL is Publish's error for a URL that is not http(s)://HOST[:PORT].
var ErrBadURL = errors.New("not a hub URL; use the form http://HOST:PORT")

// ErrNotHerald is Publish's error for a 200 answer that is not a Herald receipt.
var ErrNotHerald = errors.New("the answer is not a Herald receipt; is the URL a Herald hub?")

// Publish sends msgs (one event, or a batch in order) and returns their receipts. Errors are
// ErrBadURL, *UnreachableError, *HubError or ErrNotHerald (wrapped, with details).
func (p *Publisher) Publish(ctx context.Context, msgs ...PublishRequest) ([]Receipt, error) {
	if len(msgs) == 0 {
		return nil, errors.New("nothing to publish")
	}
	u, err := url.Parse(p.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q: %w", p.URL, ErrBadURL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + PathPublish
	var body []byte
	if len(msgs) == 1 {
		body, err = json.Marshal(msgs[0])
	} else {
		body, err = json.Marshal(msgs)
	}
	if err != nil {
		return nil, fmt.Errorf("encoding the event: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%q: %w", p.URL, ErrBadURL)
	}
	req.Header.Set("Content-Type", "application/json")
	if p.Token != "" {
		req.Header.Set("Authorization", "Bearer "+p.Token)
	}
	c := p.HTTPClient
	if c == nil {
		c = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is in UnreachableError already
		}
		return nil, &UnreachableError{URL: p.URL, Err: err}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		he := &HubError{Status: resp.StatusCode, StatusText: resp.Status}
		var eb ErrorBody
		if json.Unmarshal(b, &eb) == nil && eb.Error != "" {
			he.Msg, he.Code = eb.Error, eb.Code
		} else {
			he.Msg = clip(strings.TrimSpace(string(b)), 200)
		}
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			he.RetryAfter = time.Duration(s) * time.Second
		}
		return nil, he
	}
	var receipts []Receipt
	if len(msgs) == 1 {
		receipts = make([]Receipt, 1)
		err = json.Unmarshal(b, &receipts[0])
	} else {
		err = json.Unmarshal(b, &receipts)
	}
	if err != nil || len(receipts) != len(msgs) || receipts[0].ID == "" {
		return nil, fmt.Errorf("%s answered %q: %w", u.Host, clip(string(b), 100), ErrNotHerald)
	}
	return receipts, nil
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
