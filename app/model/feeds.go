package model

import (
	"fmt"
	"net/textproto"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/heraldhq/herald/server/topic"
)

// FeedConfig is one subscription the user set up.
type FeedConfig struct {
	Name     string            `json:"name"`
	URL      string            `json:"url"` // the hub's base URL or its /events URL
	Token    string            `json:"token,omitempty"`
	Headers  map[string]string `json:"headers,omitempty"`
	Channels []string          `json:"channels,omitempty"`
	Enabled  bool              `json:"enabled"`
	// LastID is the id of the last event the feed delivered, kept across restarts so the
	// feed resumes there (Last-Event-ID) and the hub replays what came in between.
	LastID string `json:"lastId,omitempty"`
}

// Validate says what is wrong with a feed, and how to fix it.
func (f FeedConfig) Validate() error {
	if strings.TrimSpace(f.Name) == "" {
		return fmt.Errorf("the feed needs a name: type a short label such as \"CI\"")
	}
	u, err := url.Parse(strings.TrimSpace(f.URL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("the URL %q is not an http(s) address: use e.g. http://192.168.1.20:7878", f.URL)
	}
	for _, c := range f.Channels {
		if err := topic.ValidPattern(c); err != nil {
			return fmt.Errorf("channel %q: %v", c, err)
		}
	}
	for k := range f.Headers {
		if k == "" || strings.ContainsAny(k, " :\r\n") {
			return fmt.Errorf("header name %q is not valid: use a name like X-Api-Key without spaces or colons", k)
		}
	}
	return nil
}

// AllChannels is the pattern for every channel the subscriber may read; a Herald feed with
// no channels set follows it (the hub alone would pick only "default").
const AllChannels = "*"

// EventsURL returns the /events URL with the channels as query parameters (every channel
// when none is set). A URL that already names a path other than "/" is kept as it is (a
// non-Herald SSE endpoint).
func (f FeedConfig) EventsURL() string {
	u, err := url.Parse(strings.TrimSpace(f.URL))
	if err != nil {
		return f.URL
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/events"
	}
	if u.Path == "/events" {
		chans := f.Channels
		if len(chans) == 0 {
			chans = []string{AllChannels}
		}
		q := u.Query()
		q.Del("channel")
		for _, c := range chans {
			q.Add("channel", c)
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// Normalize reads what a pasted address carries into its own fields: a missing scheme
// becomes http://, a `token` query parameter (an invite link) moves into Token, and
// `channel` parameters into Channels, when those are empty. The URL keeps neither, so the
// token is never stored in, shown with or logged as part of the address. A Herald hub's
// dashboard or /events address becomes the hub's base address.
func (f FeedConfig) Normalize() FeedConfig {
	raw := strings.TrimSpace(f.URL)
	if raw == "" {
		return f
	}
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return f
	}
	q := u.Query()
	if tok := q.Get("token"); tok != "" && strings.TrimSpace(f.Token) == "" {
		f.Token = tok
	}
	if q.Has("token") {
		q.Del("token")
	}
	herald := u.Path == "" || u.Path == "/" || u.Path == "/events"
	if herald {
		if len(f.Channels) == 0 {
			for _, c := range q["channel"] {
				f.Channels = append(f.Channels, ParseChannels(c)...)
			}
		}
		q.Del("channel")
		q.Del("lastEventId")
		u.Path = ""
	}
	u.RawQuery = q.Encode()
	u.Fragment = ""
	f.URL = u.String()
	return f
}

// tokenInText finds a token passed in a query string or a bearer header inside a message.
var tokenInText = regexp.MustCompile(`(?i)(token=|access_token=|bearer\s+)[^\s&"']+`)

// Redact hides tokens in a message meant for a person (an error that quotes a URL, say).
func Redact(s string) string { return tokenInText.ReplaceAllString(s, "${1}…") }

// ParseHeaders reads "Name: value" lines (blank lines ignored).
func ParseHeaders(text string) (map[string]string, error) {
	out := map[string]string{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.Contains(k, " ") {
			return nil, fmt.Errorf("header line %d %q: write it as Name: value", i+1, line)
		}
		out[textproto.CanonicalMIMEHeaderKey(k)] = strings.TrimSpace(v)
	}
	return out, nil
}

// FormatHeaders is the inverse of ParseHeaders, sorted by name.
func FormatHeaders(h map[string]string) string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sortStrings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + ": " + h[k] + "\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// ParseChannels splits "a, b c" into channel patterns.
func ParseChannels(text string) []string {
	return strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' })
}

// Phase is a feed's connection state (mirrors sseclient's phases without importing it).
type Phase int

// The phases of a feed's connection.
const (
	PhaseOff Phase = iota
	PhaseConnecting
	PhaseLive
	PhaseRetrying
	PhaseFailed
)

// FeedStatus is what the feeds panel shows about one feed.
type FeedStatus struct {
	Phase     Phase
	Err       string
	RetryAt   time.Time
	Events    int64
	LastEvent time.Time
	// Gap says why events of this feed may be missing (its last herald.gap, for a while
	// after it came; see Connection.Warning), and GapAt when that was.
	Gap   string
	GapAt time.Time
}

// Text describes the state for a person: "live", "retrying in 3 s", "failed: why".
func (s FeedStatus) Text(now time.Time) string {
	switch s.Phase {
	case PhaseConnecting:
		return "connecting…"
	case PhaseLive:
		return "live"
	case PhaseRetrying:
		secs := int(s.RetryAt.Sub(now).Round(time.Second) / time.Second)
		msg := "retrying now"
		if secs > 0 {
			msg = fmt.Sprintf("retrying in %d s", secs)
		}
		if s.Err != "" {
			msg += " (" + s.Err + ")"
		}
		return msg
	case PhaseFailed:
		if s.Err == "" {
			return "failed"
		}
		return "failed: " + s.Err
	}
	return "off"
}

// Ago formats how long ago t was, coarsely ("never", "just now", "12 s ago", "3 min ago").
func Ago(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	switch {
	case d < 2*time.Second:
		return "just now"
	case d < time.Minute:
		return fmt.Sprintf("%d s ago", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d/time.Minute))
	}
	return t.Format("15:04")
}
