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
// LAN), optionally the demo simulators and a Redis broker. Safe for concurrent use.
type Hub struct {
	// Key is the hub's secret (tokens are signed with it).
	Key string
	// RunDemo runs the demo simulators against h until ctx ends (nil: no demo available).
	RunDemo func(ctx context.Context, h *server.Hub)
	// OnChange is told after every start or stop (to re-point the own feed, say).
	OnChange func()
	Logger   *slog.Logger

	mu       sync.Mutex
	settings model.HubSettings
	hub      *server.Hub
	srv      *http.Server
	port     int // the port actually bound (differs from settings.Port when that was 0)
	stopDemo context.CancelFunc
	demoDone chan struct{}
	served   chan struct{}
	err      error
}

// HubSettings implements ui.HubControl.
func (h *Hub) HubSettings() model.HubSettings {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.settings
}

// ApplyHub implements ui.HubControl: it stops the running hub and starts one with s. The
// settings are kept even when the start fails, so the panel shows what the user chose.
func (h *Hub) ApplyHub(s model.HubSettings) error {
	h.mu.Lock()
	h.stopLocked()
	h.settings = s
	h.err = nil
	if s.Enabled {
		h.err = h.startLocked()
	}
	err := h.err
	h.mu.Unlock()
	if h.OnChange != nil {
		h.OnChange()
	}
	return err
}

// Stop shuts the hub down (subscribers get herald.shutdown).
func (h *Hub) Stop() {
	h.mu.Lock()
	h.stopLocked()
	h.mu.Unlock()
}

// Server returns the running hub, or nil.
func (h *Hub) Server() *server.Hub {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.hub
}

// LocalURL returns http://127.0.0.1:PORT of the running hub, or "" when it is off.
func (h *Hub) LocalURL() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.hub == nil {
		return ""
	}
	return "http://127.0.0.1:" + strconv.Itoa(h.port)
}

func (h *Hub) startLocked() error {
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
	if h.settings.RedisURL != "" {
		b, err := redisbroker.New(redisbroker.Options{URL: h.settings.RedisURL, Logger: log})
		if err != nil {
			return err
		}
		cfg.Broker = b
	}
	host := "127.0.0.1"
	if h.settings.LAN {
		host = "" // every interface
	}
	addr := net.JoinHostPort(host, strconv.Itoa(h.settings.Port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if cfg.Broker != nil {
			cfg.Broker.Close()
		}
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("port %d is in use by another program: pick another port", h.settings.Port)
		}
		return fmt.Errorf("cannot listen on port %d (%v): pick another port", h.settings.Port, err)
	}
	hub, err := server.New(cfg)
	if err != nil {
		ln.Close()
		return fmt.Errorf("starting the hub: %w", err)
	}
	h.hub, h.port = hub, ln.Addr().(*net.TCPAddr).Port
	h.srv = server.NewHTTPServer(addr, hub)
	h.served = make(chan struct{})
	go func(srv *http.Server, done chan struct{}) {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("hub server stopped", "err", err)
		}
	}(h.srv, h.served)
	if h.settings.Demo && h.RunDemo != nil {
		ctx, cancel := context.WithCancel(context.Background())
		h.stopDemo, h.demoDone = cancel, make(chan struct{})
		go func(done chan struct{}) {
			defer close(done)
			h.RunDemo(ctx, hub)
		}(h.demoDone)
	}
	return nil
}

func (h *Hub) stopLocked() {
	if h.stopDemo != nil {
		h.stopDemo()
		<-h.demoDone
		h.stopDemo = nil
	}
	if h.hub == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_ = h.hub.Shutdown(ctx) // tells subscribers to leave, then closes their streams
	_ = h.srv.Shutdown(ctx)
	_ = h.srv.Close()
	<-h.served
	h.hub, h.srv = nil, nil
}

// HubStatus implements ui.HubControl.
func (h *Hub) HubStatus() model.HubStatus {
	h.mu.Lock()
	defer h.mu.Unlock()
	st := model.HubStatus{Running: h.hub != nil}
	if h.err != nil {
		st.Err = h.err.Error()
	}
	if h.hub == nil {
		return st
	}
	st.URLs = []string{"http://127.0.0.1:" + strconv.Itoa(h.port)}
	if h.settings.LAN {
		for _, ip := range LANAddrs() {
			st.URLs = append(st.URLs, "http://"+net.JoinHostPort(ip, strconv.Itoa(h.port)))
		}
	}
	s := h.hub.Stats()
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
