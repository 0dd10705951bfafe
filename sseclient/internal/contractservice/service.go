package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/heraldhq/herald/sseclient"
)

// capabilities are the optional features of LaunchDarkly's SSE contract tests that
// sseclient implements (docs/optional_features.md of sse-contract-tests). Not listed:
// "event-type-listeners" (sseclient delivers every type without being asked).
var capabilities = []string{
	"bom", "comments", "headers", "last-event-id", "payload-size-stress-testable",
	"post", "read-timeout", "report", "restart",
}

// createParams is the body of "POST /": the stream to open and how.
type createParams struct {
	StreamURL      string            `json:"streamUrl"`
	CallbackURL    string            `json:"callbackUrl"`
	Tag            string            `json:"tag"`
	InitialDelayMS *int64            `json:"initialDelayMs"`
	ReadTimeoutMS  *int64            `json:"readTimeoutMs"`
	LastEventID    string            `json:"lastEventId"`
	Headers        map[string]string `json:"headers"`
	Method         string            `json:"method"`
	Body           string            `json:"body"`
}

// command is the body of "POST /streams/N".
type command struct {
	Command string `json:"command"`
}

// callback is one message to the harness's callback endpoint.
type callback struct {
	Kind    string         `json:"kind"`
	Event   *callbackEvent `json:"event,omitempty"`
	Comment string         `json:"comment,omitempty"`
	Error   string         `json:"error,omitempty"`
}

type callbackEvent struct {
	Type string `json:"type"`
	Data string `json:"data"`
	ID   string `json:"id"`
}

// service is the test service: it runs one sseclient.Client per stream the harness asks
// for and reports what each one sees to that stream's callback URL.
type service struct {
	http *http.Client // for the streams and the callbacks
	quit func()       // "DELETE /": stop the program

	mu      sync.Mutex
	next    int
	streams map[string]*stream
}

// stream is one running client.
type stream struct {
	client *sseclient.Client
	cancel context.CancelFunc
	done   chan struct{} // closed when the client and its callback sender have stopped
}

func newService(hc *http.Client, quit func()) *service {
	return &service{http: hc, quit: quit, streams: map[string]*stream{}}
}

func (s *service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/" && r.Method == http.MethodGet:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"name": "herald-sseclient", "capabilities": capabilities})
	case r.URL.Path == "/" && r.Method == http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
		if s.quit != nil {
			go s.quit()
		}
	case r.URL.Path == "/" && r.Method == http.MethodPost:
		s.create(w, r)
	case strings.HasPrefix(r.URL.Path, "/streams/") && r.Method == http.MethodPost:
		s.command(w, r)
	case strings.HasPrefix(r.URL.Path, "/streams/") && r.Method == http.MethodDelete:
		s.close(w, r)
	default:
		http.Error(w, "no such resource: GET/POST/DELETE / or POST/DELETE /streams/N", http.StatusNotFound)
	}
}

// create starts a client for the stream the harness describes.
func (s *service) create(w http.ResponseWriter, r *http.Request) {
	var p createParams
	if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
		http.Error(w, "the body is not a stream's JSON parameters: "+err.Error(), http.StatusBadRequest)
		return
	}
	if p.StreamURL == "" || p.CallbackURL == "" {
		http.Error(w, "streamUrl and callbackUrl are required", http.StatusBadRequest)
		return
	}
	out := newSender(s.http, p.CallbackURL)
	c := clientFor(p, s.http, out)
	ctx, cancel := context.WithCancel(context.Background())
	st := &stream{client: c, cancel: cancel, done: make(chan struct{})}
	s.mu.Lock()
	s.next++
	id := strconv.Itoa(s.next)
	s.streams[id] = st
	s.mu.Unlock()

	go func() {
		defer close(st.done)
		defer out.close()
		for e, err := range c.Events(ctx) {
			if err != nil {
				return // OnState has reported it
			}
			out.send(callback{Kind: "event", Event: &callbackEvent{Type: e.Type, Data: e.Data, ID: e.ID}})
		}
	}()
	// Absolute: the harness appends a relative Location to its base URL as it is, so a base
	// given with a trailing slash would make "//streams/N".
	w.Header().Set("Location", "http://"+r.Host+"/streams/"+id)
	w.WriteHeader(http.StatusCreated)
}

// clientFor configures a client as the harness's parameters say, reporting comments and
// errors to out.
func clientFor(p createParams, hc *http.Client, out *sender) *sseclient.Client {
	c := &sseclient.Client{
		URL:         p.StreamURL,
		Method:      p.Method,
		LastEventID: p.LastEventID,
		HTTPClient:  hc,
		OnComment:   func(text string) { out.send(callback{Kind: "comment", Comment: text}) },
		OnState: func(st sseclient.State) {
			// A restart the harness asked for is not an error; a cancelled context is the
			// harness closing the stream.
			if st.Err == nil || errors.Is(st.Err, sseclient.ErrRestarted) || errors.Is(st.Err, context.Canceled) {
				return
			}
			if st.Phase == sseclient.Retrying || st.Phase == sseclient.Closed {
				out.send(callback{Kind: "error", Error: st.Err.Error()})
			}
		},
	}
	if p.Body != "" {
		c.Body = []byte(p.Body)
	}
	if len(p.Headers) > 0 {
		c.Header = http.Header{}
		for k, v := range p.Headers {
			c.Header.Set(k, v)
		}
	}
	if p.InitialDelayMS != nil {
		c.Retry = time.Duration(*p.InitialDelayMS) * time.Millisecond
		if c.Retry <= 0 {
			c.Retry = sseclient.NoRetryDelay
		}
	}
	if p.ReadTimeoutMS != nil && *p.ReadTimeoutMS > 0 {
		c.IdleTimeout = time.Duration(*p.ReadTimeoutMS) * time.Millisecond
	}
	return c
}

// lookup finds the stream of a /streams/N path.
func (s *service) lookup(w http.ResponseWriter, r *http.Request) (string, *stream) {
	id := strings.TrimPrefix(r.URL.Path, "/streams/")
	s.mu.Lock()
	st := s.streams[id]
	s.mu.Unlock()
	if st == nil {
		http.Error(w, fmt.Sprintf("no stream %q", id), http.StatusNotFound)
	}
	return id, st
}

// command runs a command on a stream: only "restart" is supported.
func (s *service) command(w http.ResponseWriter, r *http.Request) {
	_, st := s.lookup(w, r)
	if st == nil {
		return
	}
	var c command
	if err := json.NewDecoder(r.Body).Decode(&c); err != nil {
		http.Error(w, "the body is not a command: "+err.Error(), http.StatusBadRequest)
		return
	}
	if c.Command != "restart" {
		http.Error(w, fmt.Sprintf("unknown command %q; this service knows restart", c.Command), http.StatusBadRequest)
		return
	}
	st.client.Restart()
	w.WriteHeader(http.StatusNoContent)
}

// close stops a stream's client and waits until it has stopped.
func (s *service) close(w http.ResponseWriter, r *http.Request) {
	id, st := s.lookup(w, r)
	if st == nil {
		return
	}
	s.mu.Lock()
	delete(s.streams, id)
	s.mu.Unlock()
	st.cancel()
	<-st.done
	w.WriteHeader(http.StatusNoContent)
}

// shutdown stops every stream.
func (s *service) shutdown() {
	s.mu.Lock()
	streams := s.streams
	s.streams = map[string]*stream{}
	s.mu.Unlock()
	for _, st := range streams {
		st.cancel()
		<-st.done
	}
}

// sender posts callbacks in order, numbered from 1 as the protocol wants, from a goroutine of
// its own so that a slow harness never holds up the client.
type sender struct {
	http  *http.Client
	base  string
	queue chan callback
	done  chan struct{}
}

func newSender(hc *http.Client, base string) *sender {
	s := &sender{http: hc, base: strings.TrimSuffix(base, "/"), queue: make(chan callback, 4096), done: make(chan struct{})}
	go s.run()
	return s
}

func (s *sender) send(c callback) { s.queue <- c }

// close waits until every queued callback was posted.
func (s *sender) close() {
	close(s.queue)
	<-s.done
}

func (s *sender) run() {
	defer close(s.done)
	n := 0
	for c := range s.queue {
		n++
		b, _ := json.Marshal(c)
		resp, err := s.http.Post(fmt.Sprintf("%s/%d", s.base, n), "application/json", bytes.NewReader(b))
		if err != nil {
			continue // the harness has gone (the test ended); the rest would fail alike
		}
		resp.Body.Close()
	}
}
