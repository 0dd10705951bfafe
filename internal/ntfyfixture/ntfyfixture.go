// Package ntfyfixture is a small server that speaks ntfy's documented subscribe API
// (docs.ntfy.sh, "Subscribe via API"), for tests: GET /<topics>/sse streams the topics'
// messages as ntfy writes them (an `open` event, then each message as a data-only event
// with ntfy's JSON message format, `keepalive` events), since= replays its cache after a
// message id, a Unix time or `all`, /v1/health answers {"healthy":true}, and an access
// token can be required. The real ntfy server is not installable here; this follows its
// published format, nothing more.
package ntfyfixture

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Message is one message in ntfy's JSON format.
type Message struct {
	ID         string      `json:"id"`
	Time       int64       `json:"time"`
	Event      string      `json:"event"`
	Topic      string      `json:"topic"`
	Message    string      `json:"message,omitempty"`
	Title      string      `json:"title,omitempty"`
	Tags       []string    `json:"tags,omitempty"`
	Priority   int         `json:"priority,omitempty"`
	Click      string      `json:"click,omitempty"`
	Actions    []Action    `json:"actions,omitempty"`
	Attachment *Attachment `json:"attachment,omitempty"`
}

// Action is one of a message's action buttons.
type Action struct {
	ID      string            `json:"id,omitempty"`
	Action  string            `json:"action"`
	Label   string            `json:"label"`
	URL     string            `json:"url,omitempty"`
	Method  string            `json:"method,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body,omitempty"`
	Clear   bool              `json:"clear,omitempty"`
}

// Attachment is a message's attached file.
type Attachment struct {
	Name string `json:"name"`
	URL  string `json:"url"`
	Type string `json:"type,omitempty"`
	Size int64  `json:"size,omitempty"`
}

// Server is the fixture. Its fields may be set before the first request.
type Server struct {
	*httptest.Server
	// Token, when set, is the access token every subscription must send (Bearer).
	Token string

	mu       sync.Mutex
	cache    []Message
	subs     map[chan Message][]string
	requests []string // the request URIs of subscriptions, in order
	stop     chan struct{}
}

// Start runs a fixture on 127.0.0.1.
func Start() *Server {
	s := &Server{subs: map[chan Message][]string{}, stop: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/health", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"healthy":true}`)
	})
	mux.HandleFunc("GET /{topics}/sse", s.subscribe)
	s.Server = httptest.NewServer(mux)
	return s
}

// Close ends every subscription and the server.
func (s *Server) Close() {
	s.mu.Lock()
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	s.mu.Unlock()
	s.Server.CloseClientConnections()
	s.Server.Close()
}

// DropConnections ends the open subscriptions (the server stays up): subscribers reconnect.
func (s *Server) DropConnections() { s.Server.CloseClientConnections() }

// Requests returns the request URIs of the subscriptions so far.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Publish stores m in the cache (with an id and time when it has none) and sends it to the
// topic's subscribers; it returns the message as sent.
func (s *Server) Publish(m Message) Message {
	if m.ID == "" {
		m.ID = randomID()
	}
	if m.Time == 0 {
		m.Time = time.Now().Unix()
	}
	m.Event = "message"
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cache = append(s.cache, m)
	for ch, topics := range s.subs {
		if slices.Contains(topics, m.Topic) {
			select {
			case ch <- m:
			default: // a stuck subscriber misses it live; since= brings it back
			}
		}
	}
	return m
}

func randomID() string {
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 12)
	for i := range b {
		b[i] = letters[rand.IntN(len(letters))]
	}
	return string(b)
}

// since returns the cached messages of topics after the since= value: a message id
// (exclusive), a Unix time (inclusive), `all`; none for "" (live only).
func (s *Server) since(topics []string, since string) []Message {
	var out []Message
	switch {
	case since == "":
		return nil
	case since == "all":
		out = s.cache
	default:
		if t, err := strconv.ParseInt(since, 10, 64); err == nil {
			for _, m := range s.cache {
				if m.Time >= t {
					out = append(out, m)
				}
			}
		} else if i := slices.IndexFunc(s.cache, func(m Message) bool { return m.ID == since }); i >= 0 {
			out = s.cache[i+1:]
		} else {
			out = s.cache // an unknown id: ntfy sends what it has
		}
	}
	var mine []Message
	for _, m := range out {
		if slices.Contains(topics, m.Topic) {
			mine = append(mine, m)
		}
	}
	return mine
}

func (s *Server) subscribe(w http.ResponseWriter, r *http.Request) {
	if s.Token != "" && r.Header.Get("Authorization") != "Bearer "+s.Token {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"code":40101,"http":401,"error":"unauthorized"}`)
		return
	}
	topics := strings.Split(r.PathValue("topics"), ",")
	ch := make(chan Message, 64)
	s.mu.Lock()
	s.requests = append(s.requests, r.URL.RequestURI())
	backlog := slices.Clone(s.since(topics, r.URL.Query().Get("since")))
	s.subs[ch] = topics
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.subs, ch)
		s.mu.Unlock()
	}()
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	fl := w.(http.Flusher)
	write := func(m Message) bool {
		b, _ := json.Marshal(m)
		var err error
		if m.Event == "message" {
			_, err = fmt.Fprintf(w, "data: %s\n\n", b) // as the docs show: no event: line
		} else {
			_, err = fmt.Fprintf(w, "event: %s\ndata: %s\n\n", m.Event, b)
		}
		fl.Flush()
		return err == nil
	}
	now := time.Now().Unix()
	if !write(Message{ID: randomID(), Time: now, Event: "open", Topic: strings.Join(topics, ",")}) {
		return
	}
	for _, m := range backlog {
		if !write(m) {
			return
		}
	}
	keep := time.NewTicker(2 * time.Second)
	defer keep.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.stop:
			return
		case m := <-ch:
			if !write(m) {
				return
			}
		case <-keep.C:
			if !write(Message{ID: randomID(), Time: time.Now().Unix(), Event: "keepalive", Topic: strings.Join(topics, ",")}) {
				return
			}
		}
	}
}
