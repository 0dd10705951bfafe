package backend

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/heraldhq/herald/app/model"
	"github.com/heraldhq/herald/discovery"
	"github.com/heraldhq/herald/server"
	"github.com/heraldhq/herald/server/auth"
	"github.com/heraldhq/herald/server/guard"
	"github.com/heraldhq/herald/server/journal"
	"github.com/heraldhq/herald/server/node"
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
	// Advertise, when set, announces the hub on the local network (its Name and Version)
	// while it is shared on the LAN; nil never does (tests). See node.Config.Advertise.
	Advertise *discovery.Service
	// HistoryFile, when set, keeps the hub's history in that file (server/journal), so a
	// restart of the hub (Apply, quitting the app, a crash) keeps every teammate's resume
	// point. Empty keeps it in memory. Unused with a Redis URL (Redis is the history then).
	HistoryFile string

	// applyMu serialises ApplyHub and Stop; it is held while the old hub shuts down (up to
	// a few seconds), mu only for moments, so the window's status reads never wait on it.
	applyMu    sync.Mutex
	mu         sync.Mutex
	settings   model.HubSettings
	run        *node.Node // nil when off or restarting
	restarting bool
	err        error
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
	stopNode(old)
	var run *node.Node
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
	stopNode(old)
}

// Server returns the running hub, or nil.
func (h *Hub) Server() *server.Hub {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.run == nil {
		return nil
	}
	return h.run.Hub()
}

// LocalURL returns http://127.0.0.1:PORT of the running hub, or "" when it is off.
func (h *Hub) LocalURL() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.run == nil {
		return ""
	}
	return "http://127.0.0.1:" + strconv.Itoa(h.run.Port())
}

// AdvertisedName returns the name the hub is announced under on the LAN, "" when it is not.
func (h *Hub) AdvertisedName() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.run == nil {
		return ""
	}
	return h.run.AdvertisedName()
}

// start listens and serves a hub with settings s (and its demo). Shared on the LAN the
// app's hub faces the same browsers and scripts as a server, so it gets the guard's
// default CORS rules and rate limits.
func (h *Hub) start(s model.HubSettings) (*node.Node, error) {
	host := "127.0.0.1"
	if s.LAN {
		host = "" // every interface
	}
	cfg := node.Config{
		Addr: net.JoinHostPort(host, strconv.Itoa(s.Port)), Key: h.Key, Logger: h.Logger,
		Guard: guard.DefaultConfig(nil), Redis: redisbroker.Options{URL: s.RedisURL},
		ShutdownTimeout: 3 * time.Second, Advertise: h.Advertise, History: journal.Options{Path: h.HistoryFile},
	}
	if s.Demo {
		cfg.Demo = h.RunDemo
	}
	n, err := node.Start(context.Background(), cfg)
	switch {
	case errors.Is(err, node.ErrAddrInUse):
		return nil, fmt.Errorf("port %d is in use by another program: pick another port", s.Port)
	case errors.As(err, new(*node.ListenError)):
		return nil, fmt.Errorf("cannot listen on port %d (%v): pick another port", s.Port, errors.Unwrap(err))
	case errors.Is(err, redisbroker.ErrBadURL):
		return nil, fmt.Errorf("%w: correct the Redis field of the hub settings, or empty it to keep channels on this computer", err)
	case err != nil:
		return nil, fmt.Errorf("starting the hub: %w", err)
	}
	return n, nil
}

// stopNode shuts n down (subscribers get herald.shutdown); nil is a no-op.
func stopNode(n *node.Node) {
	if n == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_ = n.Shutdown(ctx)
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
	port := strconv.Itoa(h.run.Port())
	st.URLs = []string{"http://127.0.0.1:" + port}
	if h.settings.LAN {
		for _, ip := range LANAddrs() {
			st.URLs = append(st.URLs, "http://"+net.JoinHostPort(ip, port))
		}
	}
	st.Announced = h.run.AdvertisedName()
	s := h.run.Hub().Stats()
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
