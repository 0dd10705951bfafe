// Package sources recognises the SSE services people already run (ntfy, Mercure,
// Centrifugo) from the address a person pastes, and speaks each one's dialect: the
// request to make (path, query, auth, how to resume) and the meaning of its events
// (ntfy's title, priority, tags and buttons; Centrifugo's push frames). It is plain Go with
// no Fyne; the backend runs the requests and the UI only shows what it says.
package sources

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/heraldhq/herald/app/model"
	"github.com/heraldhq/herald/sseclient"
)

// Kind names a recognised service.
type Kind string

// The services Herald speaks besides its own hubs.
const (
	Generic    Kind = ""           // a Herald hub or any other SSE stream: the URL as it is
	Ntfy       Kind = "ntfy"       // https://host/TOPIC[/sse], topics t1,t2
	Mercure    Kind = "mercure"    // https://host/.well-known/mercure?topic=…
	Centrifugo Kind = "centrifugo" // https://host/connection/uni_sse
)

// Source is one recognised subscription: what to request and how to read what comes.
type Source struct {
	Kind Kind
	// Label says what the feed follows, for the feed row ("ntfy topic alerts on
	// ntfy.example").
	Label string
	// Topics are the ntfy topics, Mercure topics or Centrifugo channels named in the
	// address or token (may be empty for Centrifugo when the server picks the channels).
	Topics []string

	base   *url.URL    // the request URL without the resume parameters
	header http.Header // headers from the feed, and the auth each service wants
	token  string      // Centrifugo's connection token (sent inside cf_connect)
}

// ntfyTopic is ntfy's rule for a topic name.
var ntfyTopic = regexp.MustCompile(`^[-_A-Za-z0-9]{1,64}$`)

// Recognize reads cfg's address. ok is false for a Herald hub or an SSE stream it does not
// know, which the app follows as it is. A single-segment address (https://host/alerts)
// counts as ntfy when the host's name says so (ntfy.sh, ntfy.example.org); elsewhere call
// Probe, or paste …/alerts/sse.
func Recognize(cfg model.FeedConfig) (Source, bool) {
	u, err := url.Parse(strings.TrimSpace(cfg.URL))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return Source{}, false
	}
	path := strings.TrimSuffix(u.EscapedPath(), "/")
	switch {
	case path == "/.well-known/mercure":
		return mercureSource(cfg, u), true
	case strings.HasSuffix(path, "/connection/uni_sse"):
		return centrifugoSource(cfg, u), true
	}
	if topics, ok := ntfyPath(path); ok {
		return ntfySource(cfg, u, topics), true
	}
	if topics, ok := ntfyBarePath(path); ok && strings.Contains(strings.ToLower(u.Hostname()), "ntfy") {
		return ntfySource(cfg, u, topics), true
	}
	return Source{}, false
}

// ntfyPath reads /t1,t2/sse (or /json, /raw, /ws: ntfy's other stream formats, followed
// as SSE).
func ntfyPath(path string) ([]string, bool) {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if len(segs) != 2 {
		return nil, false
	}
	switch segs[1] {
	case "sse", "json", "raw", "ws":
	default:
		return nil, false
	}
	return ntfyTopics(segs[0])
}

// ntfyBarePath reads /t1 or /t1,t2.
func ntfyBarePath(path string) ([]string, bool) {
	p := strings.TrimPrefix(path, "/")
	if p == "" || strings.Contains(p, "/") || p == "events" {
		return nil, false
	}
	return ntfyTopics(p)
}

func ntfyTopics(s string) ([]string, bool) {
	topics := strings.Split(s, ",")
	for _, t := range topics {
		if !ntfyTopic.MatchString(t) {
			return nil, false
		}
	}
	return topics, true
}

// Probe asks the server at a single-segment address whether it is ntfy (its /v1/health
// answers {"healthy": …}), for an ntfy server on a host whose name does not say so. It
// returns the ntfy Source, or ok false (not ntfy, or no answer within 3 s).
func Probe(ctx context.Context, client *http.Client, cfg model.FeedConfig) (Source, bool) {
	u, err := url.Parse(strings.TrimSpace(cfg.URL))
	if err != nil || u.Host == "" {
		return Source{}, false
	}
	topics, ok := ntfyBarePath(strings.TrimSuffix(u.EscapedPath(), "/"))
	if !ok {
		return Source{}, false
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	h := *u
	h.Path, h.RawPath, h.RawQuery, h.User = "/v1/health", "", "", nil
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.String(), nil)
	if err != nil {
		return Source{}, false
	}
	res, err := client.Do(req)
	if err != nil {
		return Source{}, false
	}
	defer res.Body.Close()
	var health struct {
		Healthy *bool `json:"healthy"`
	}
	if res.StatusCode != http.StatusOK || json.NewDecoder(http.MaxBytesReader(nil, res.Body, 4096)).Decode(&health) != nil || health.Healthy == nil {
		return Source{}, false
	}
	return ntfySource(cfg, u, topics), true
}

// headersOf copies the feed's headers.
func headersOf(cfg model.FeedConfig) http.Header {
	h := http.Header{}
	for k, v := range cfg.Headers {
		h.Set(k, v)
	}
	return h
}

// basicFromURL moves user:password in the address into an Authorization header (so the
// password is never shown with the address).
func basicFromURL(u *url.URL, h http.Header) {
	if u.User == nil {
		return
	}
	if h.Get("Authorization") == "" {
		pw, _ := u.User.Password()
		h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(u.User.Username()+":"+pw)))
	}
	u.User = nil
}

func ntfySource(cfg model.FeedConfig, u *url.URL, topics []string) Source {
	base := *u
	h := headersOf(cfg)
	basicFromURL(&base, h)
	base.Path, base.RawPath = "/"+strings.Join(topics, ",")+"/sse", ""
	q := base.Query()
	q.Del("since") // the resume rule sets it
	q.Del("poll")  // a feed follows; poll=1 would end the stream after the cache
	base.RawQuery = q.Encode()
	if tok := strings.TrimSpace(cfg.Token); tok != "" && h.Get("Authorization") == "" {
		if user, pw, ok := strings.Cut(tok, ":"); ok && !strings.HasPrefix(tok, "tk_") {
			// "user:password" in the token field: ntfy's Basic auth.
			h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+pw)))
		} else {
			h.Set("Authorization", "Bearer "+tok) // an access token (tk_…)
		}
	}
	what := "topic " + topics[0]
	if len(topics) > 1 {
		what = "topics " + strings.Join(topics, ", ")
	}
	return Source{Kind: Ntfy, Label: "ntfy " + what + " on " + u.Host, Topics: topics, base: &base, header: h}
}

func mercureSource(cfg model.FeedConfig, u *url.URL) Source {
	base := *u
	h := headersOf(cfg)
	basicFromURL(&base, h)
	q := base.Query()
	q.Del("lastEventID") // Last-Event-ID carries the position
	base.RawQuery = q.Encode()
	if tok := strings.TrimSpace(cfg.Token); tok != "" && h.Get("Authorization") == "" {
		h.Set("Authorization", "Bearer "+tok) // the subscriber JWT
	}
	topics := q["topic"]
	label := "Mercure on " + u.Host
	switch len(topics) {
	case 0:
	case 1:
		label = "Mercure topic " + topics[0] + " on " + u.Host
	default:
		label = "Mercure topics " + strings.Join(topics, ", ") + " on " + u.Host
	}
	return Source{Kind: Mercure, Label: label, Topics: topics, base: &base, header: h}
}

// NewRequest makes one attempt's request, resuming at position (what Decoder.Position
// returned last; "" for none). since is when the feed first connected: an ntfy feed that
// has seen no message yet resumes from then, so a message sent while it reconnected is not
// lost.
func (s Source) NewRequest(ctx context.Context, position string, since time.Time) (*http.Request, error) {
	u := *s.base
	q := u.Query()
	switch s.Kind {
	case Ntfy:
		// ntfy ignores Last-Event-ID; its own rule is since=<message id> (or a time).
		if position != "" {
			q.Set("since", position)
		} else if !since.IsZero() {
			q.Set("since", fmt.Sprint(since.Unix()))
		}
	case Centrifugo:
		q.Set("cf_connect", s.connectCommand(position))
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("cannot request %s: %w", s.Label, err)
	}
	req.Header = s.header.Clone()
	if s.Kind == Mercure && position != "" {
		req.Header.Set("Last-Event-ID", position)
	}
	return req, nil
}

// Decoder reads one source's events. It is not safe for concurrent use (one per running
// subscription).
type Decoder interface {
	// Decode turns one SSE event into the app's events: usually one; none for what is
	// connection state rather than a log row (ntfy's open and keepalive, Centrifugo's
	// connect reply and pings), and state then says what it means for the feed ("" when
	// nothing); several when a reconnect recovered publications.
	Decode(ev sseclient.Event) (events []model.Event, state string)
	// Position is where a new connection resumes after the events decoded so far ("" when
	// nothing was seen), kept as the feed's last id.
	Position() string
}

// NewDecoder returns the decoder for the source, starting at position.
func (s Source) NewDecoder(position string) Decoder {
	switch s.Kind {
	case Ntfy:
		return &ntfyDecoder{pos: position}
	case Centrifugo:
		return newCentrifugoDecoder(position)
	}
	return &passDecoder{pos: position}
}

// passDecoder keeps events as they are (Mercure: its updates are plain SSE with ids).
type passDecoder struct{ pos string }

func (d *passDecoder) Decode(ev sseclient.Event) ([]model.Event, string) {
	if ev.ID != "" {
		d.pos = ev.ID
	}
	return []model.Event{{Type: ev.Type, ID: ev.ID, Data: ev.Data}}, ""
}

func (d *passDecoder) Position() string { return d.pos }
