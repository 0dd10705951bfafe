// Package hubproc is the hub side of the benchmark: a small control API, on a listener of
// its own, that makes the hub publish N events at a rate through its own Go API (so
// publishing costs every hub the same) and reports progress, plus a listener wrapper that
// counts the hub's open connections (whether or not a handler still runs for them).
package hubproc

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/heraldhq/herald/bench/internal/hubs"
	"github.com/heraldhq/herald/bench/internal/payload"
)

// Status is the JSON answer of GET /bench/status.
type Status struct {
	Active    int64  `json:"active"`    // connections open on the hub's listener
	Running   bool   `json:"running"`   // a publish job is in progress
	Published int64  `json:"published"` // events the current or last job published
	Started   int64  `json:"started"`   // Unix ns the current or last job started
	Finished  int64  `json:"finished"`  // Unix ns it finished, 0 while running
	Err       string `json:"err,omitempty"`
}

// Control serves the control API of a hub.
type Control struct {
	hub    hubs.Hub
	active atomic.Int64 // see Listener

	mu        sync.Mutex
	running   bool
	published atomic.Int64
	started   int64
	finished  int64
	err       string
	stop      chan struct{}
	wg        sync.WaitGroup
}

// New wraps hub.
func New(hub hubs.Hub) *Control { return &Control{hub: hub, stop: make(chan struct{})} }

// Close stops a running publish job and waits for it, at most for wait: a job blocked inside
// a stalled hub's Publish may never return.
func (c *Control) Close(wait time.Duration) {
	c.mu.Lock()
	select {
	case <-c.stop:
	default:
		close(c.stop)
	}
	c.mu.Unlock()
	done := make(chan struct{})
	go func() { c.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(wait):
	}
}

// ServeHTTP serves /bench/publish, /bench/event and /bench/status.
func (c *Control) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/bench/publish":
		c.publish(w, r)
	case "/bench/event":
		c.event(w, r)
	case "/bench/status":
		c.status(w)
	default:
		http.NotFound(w, r)
	}
}

// Listener wraps the hub's listener so Status.Active counts its open connections: a
// handler may hand a connection to a goroutine of its own and return, so requests in flight
// would not count every subscriber.
func (c *Control) Listener(ln net.Listener) net.Listener { return &countingListener{ln, c} }

type countingListener struct {
	net.Listener
	c *Control
}

func (l *countingListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.c.active.Add(1)
	return &countedConn{Conn: conn, c: l.c}, nil
}

type countedConn struct {
	net.Conn
	c    *Control
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.c.active.Add(-1) })
	return c.Conn.Close()
}

func (c *Control) status(w http.ResponseWriter) {
	c.mu.Lock()
	s := Status{Active: c.active.Load(), Running: c.running, Published: c.published.Load(),
		Started: c.started, Finished: c.finished, Err: c.err}
	c.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(s)
}

// publish starts a job: POST /bench/publish?n=N&size=BYTES&rate=PER_SECOND (0: as fast as
// possible) or ?warm=1 for a single warm-up event, published synchronously.
func (c *Control) publish(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	q := r.URL.Query()
	if q.Get("warm") != "" {
		if err := c.hub.Publish(payload.Warm); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
		return
	}
	n, err1 := strconv.Atoi(q.Get("n"))
	size, err2 := strconv.Atoi(q.Get("size"))
	rate, err3 := strconv.ParseFloat(q.Get("rate"), 64)
	if err := errors.Join(err1, err2, err3); err != nil || n <= 0 || size <= 0 || rate < 0 {
		http.Error(w, "want n>0, size>0 and rate>=0 as numbers", http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running {
		http.Error(w, "a publish job is already running: poll /bench/status", http.StatusConflict)
		return
	}
	c.running, c.started, c.finished, c.err = true, time.Now().UnixNano(), 0, ""
	c.published.Store(0)
	c.wg.Add(1)
	go c.run(n, size, rate)
	w.WriteHeader(http.StatusAccepted)
}

// run publishes n events; with a rate it follows a fixed schedule (no drift), without one it
// publishes back to back. A hub whose Publish blocks (a stalled publisher) keeps it running.
func (c *Control) run(n, size int, rate float64) {
	defer c.wg.Done()
	var err error
	buf := make([]byte, 0, size+32)
	start := time.Now()
	for i := 0; i < n; i++ {
		if rate > 0 {
			due := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
			if d := time.Until(due); d > 0 {
				select {
				case <-time.After(d):
				case <-c.stop:
					err = errors.New("stopped")
				}
			}
		}
		if err != nil {
			break
		}
		buf = payload.Append(buf[:0], int64(i), time.Now(), size)
		if err = c.hub.Publish(string(buf)); err != nil {
			break
		}
		c.published.Add(1)
	}
	c.mu.Lock()
	c.running, c.finished = false, time.Now().UnixNano()
	if err != nil {
		c.err = err.Error()
	}
	c.mu.Unlock()
}

// event publishes the request body as one event and answers once the hub's Publish returned:
// POST /bench/event is what a user of a peer hub would write to publish over HTTP (the
// outside measurement's publisher awaits each answer, as it does Herald's POST /publish).
func (c *Control) event(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || len(b) == 0 {
		http.Error(w, "send the event's data as the body", http.StatusBadRequest)
		return
	}
	if err := c.hub.Publish(string(b)); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
