package backend

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/heraldhq/herald/app/model"
	"github.com/heraldhq/herald/server"
	"github.com/heraldhq/herald/server/auth"
	"github.com/heraldhq/herald/server/guard"
	"github.com/heraldhq/herald/server/redisbroker"
)

// Hub runs the embedded hub: the server on 127.0.0.1 (or every interface when shared on the
// LAN), optionally the demo simulators and a Redis broker. Safe for concurrent use; status
// calls answer at once even while ApplyHub waits for the old hub to stop.
type Hub struct {
	// Key is the hub's secret (tokens are signed with it).
	Key string
	// RunDemo runs the demo simulators against h until ctx ends (nil: no demo available).
	RunDemo func(ctx context.Context, h *server.Hub)
	// OnChange is told after every start or stop (to re-point the own feed, say).
	OnChange func()
	Logger   *slog.Logger

	// applyMu serialises ApplyHub and Stop; it is held while the old hub shuts down (up to
	// a few seconds), mu only for moments, so the window's status reads never wait on it.
	applyMu    sync.Mutex
	mu         sync.Mutex
	settings   model.HubSettings
	run        *running // nil when off or restarting
	restarting bool
	err        error
}

// running is one started hub with everything that must stop with it.
type running struct {
	hub      *server.Hub
	srv      *http.Server
	port     int // the port actually bound (differs from the setting when that was 0)
	stopDemo context.CancelFunc
	demoDone chan struct{}
	served   chan struct{}
}

// HubSettings implements ui.HubControl.
func (h *Hub) HubSettings() model.HubSettings {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.settings
}

// ApplyHub implements ui.HubControl: it stops the running hub and starts one with s. The
// settings are kept even when the start fails, so the panel shows what the user chose.
// It blocks until the old hub has stopped; call it off the UI goroutine.
func (h *Hub) ApplyHub(s model.HubSettings) error {
	h.applyMu.Lock()
	h.mu.Lock()
	old := h.run
	h.run, h.settings, h.err, h.restarting = nil, s, nil, true
	h.mu.Unlock()
	old.stop()
	var run *running
	var err error
	if s.Enabled {
		run, err = h.start(s)
	}
	h.mu.Lock()
	h.run, h.err, h.restarting = run, err, false
	h.mu.Unlock()
	h.applyMu.Unlock()
	if h.OnChange != nil {
		h.OnChange()
	}
	return err
}

// Stop shuts the hub down (subscribers get herald.shutdown).
func (h *Hub) Stop() {
	h.applyMu.Lock()
	defer h.applyMu.Unlock()
	h.mu.Lock()
	old := h.run
	h.run = nil
	h.mu.Unlock()
	old.stop()
}

// Server returns the running hub, or nil.
func (h *Hub) Server() *server.Hub {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.run == nil {
		return nil
	}
	return h.run.hub
}

// LocalURL returns http://127.0.0.1:PORT of the running hub, or "" when it is off.
func (h *Hub) LocalURL() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.run == nil {
		return ""
	}
	return "http://127.0.0.1:" + strconv.Itoa(h.run.port)
}

// start listens and serves a hub with settings s (and its demo).
func (h *Hub) start(s model.HubSettings) (*running, error) {
	log := h.Logger
	if log == nil {
		log = slog.Default()
	}
	pol := auth.NewPolicy(h.Key, auth.Options{})
	// The guard is what `herald serve` puts in front of the hub: security headers and CSP
	// for the dashboard, CORS rules and rate limits. Shared on the LAN the app's hub faces
	// the same browsers and scripts as a server, so it gets the same defaults; only genuine
	// tokens get their own bucket so made-up ones cannot crowd them out.
	gcfg := guard.DefaultConfig(pol.IsPublic)
	key := h.Key
	gcfg.ValidToken = func(tok string) bool { _, err := auth.Verify(key, tok); return err == nil }
	cfg := server.Config{Key: h.Key, Auth: pol, Logger: log, Middleware: guard.New(gcfg).Middleware}
	if s.RedisURL != "" {
		b, err := redisbroker.New(redisbroker.Options{URL: s.RedisURL, Logger: log})
		if err != nil {
			return nil, err
		}
		cfg.Broker = b
	}
	host := "127.0.0.1"
	if s.LAN {
		host = "" // every interface
	}
	addr := net.JoinHostPort(host, strconv.Itoa(s.Port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if cfg.Broker != nil {
			cfg.Broker.Close()
		}
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("port %d is in use by another program: pick another port", s.Port)
		}
		return nil, fmt.Errorf("cannot listen on port %d (%v): pick another port", s.Port, err)
	}
	hub, err := server.New(cfg)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("starting the hub: %w", err)
	}
	r := &running{hub: hub, port: ln.Addr().(*net.TCPAddr).Port, srv: server.NewHTTPServer(addr, hub), served: make(chan struct{})}
	go func(srv *http.Server, done chan struct{}) {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("hub server stopped", "err", err)
		}
	}(r.srv, r.served)
	if s.Demo && h.RunDemo != nil {
		ctx, cancel := context.WithCancel(context.Background())
		r.stopDemo, r.demoDone = cancel, make(chan struct{})
		go func(done chan struct{}) {
			defer close(done)
			h.RunDemo(ctx, hub)
		}(r.demoDone)
	}
	return r, nil
}

// stop ends the demo, tells subscribers to leave and closes the server; nil is a no-op.
func (r *running) stop() {
	if r == nil {
		return
	}
	if r.stopDemo != nil {
		r.stopDemo()
		<-r.demoDone
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_ = r.hub.Shutdown(ctx) // tells subscribers to leave, then closes their streams
	_ = r.srv.Shutdown(ctx)
	_ = r.srv.Close()
	<-r.served
}

// HubStatus implements ui.HubControl.
func (h *Hub) HubStatus() model.HubStatus {
	h.mu.Lock()
	defer h.mu.Unlock()
	st := model.HubStatus{Running: h.run != nil, Restarting: h.restarting}
	if h.err != nil {
		st.Err = h.err.Error()
	}
	if h.run == nil {
		return st
	}
	port := strconv.Itoa(h.run.port)
	st.URLs = []string{"http://127.0.0.1:" + port}
	if h.settings.LAN {
		for _, ip := range LANAddrs() {
			st.URLs = append(st.URLs, "http://"+net.JoinHostPort(ip, port))
		}
	}
	s := h.run.hub.Stats()
	st.Connections, st.Channels, st.Published = s.Connections, len(s.Channels), s.Published
	return st
}

// Invite implements ui.HubControl: a token signed with the hub key and a link to the hub's
// dashboard that carries it (the LAN address when shared).
func (h *Hub) Invite(publish, subscribe []string, ttl time.Duration) (string, error) {
	st := h.HubStatus()
	if !st.Running {
		return "", errors.New("the hub is off: turn it on (and share it on the LAN) before inviting")
	}
	tok, err := auth.Mint(h.Key, publish, subscribe, ttl)
	if err != nil {
		return "", err
	}
	u, _ := url.Parse(st.URLs[len(st.URLs)-1] + "/")
	u.RawQuery = url.Values{"token": {tok}}.Encode()
	return u.String(), nil
}

// LANAddrs returns this machine's non-loopback IPv4 addresses, the ones teammates can reach.
func LANAddrs() []string {
	var out []string
	ifs, err := net.Interfaces()
	if err != nil {
		return nil
	}
	for _, i := range ifs {
		if i.Flags&net.FlagUp == 0 || i.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, _ := i.Addrs()
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLinkLocalUnicast() {
				out = append(out, n.IP.String())
			}
		}
	}
	return out
}
