package node

import (
	"fmt"
	"net/http"
	"sync/atomic"

	"github.com/heraldhq/herald/server"
	"github.com/heraldhq/herald/server/auth"
	"github.com/heraldhq/herald/server/guard"
)

// Settings are the parts of a node's Config that Reload changes while the node runs: the key
// (rotating it: tokens signed with the old key stop working at once), who may read without a
// token, the guard (CORS, rate limits, trusted proxies) and the hub's request limits.
// Everything else (the address, the broker and history store, TLS, keep-alives, the demo,
// advertising) is fixed at Start.
type Settings struct {
	// Key is the hub's secret, as Config.Key.
	Key string
	// Access is Config.Access.
	Access auth.Options
	// Guard is Config.Guard (its IsPublic and ValidToken are set by the node).
	Guard guard.Config
	// Limits are the hub's limits, as server.Hub.SetLimits takes them (ReadHeaderTimeout
	// and WriteTimeout keep their values from Start).
	Limits server.Limits
}

// access is one key with one set of access rules: the policy the hub asks and the check the
// guard uses to tell genuine tokens. Reload swaps it whole.
type access struct {
	key string
	pol *auth.Policy
}

// switchAuth is the hub's Authorizer and the guard's IsPublic and ValidToken: each call uses
// the access rules in force at that moment, so Reload needs no new hub.
type switchAuth struct{ cur atomic.Pointer[access] }

func (s *switchAuth) set(key string, opts auth.Options) {
	s.cur.Store(&access{key: key, pol: auth.NewPolicy(key, opts)})
}

func (s *switchAuth) AuthorizePublish(r *http.Request, channels []string) error {
	return s.cur.Load().pol.AuthorizePublish(r, channels)
}

func (s *switchAuth) AuthorizeSubscribe(r *http.Request, patterns []string) (func(string) bool, error) {
	return s.cur.Load().pol.AuthorizeSubscribe(r, patterns)
}

func (s *switchAuth) IsPublic(channel string) bool { return s.cur.Load().pol.IsPublic(channel) }

// validToken tells genuine tokens (signed with the key in force) for the guard's
// per-token buckets, so made-up tokens cannot crowd them out.
func (s *switchAuth) validToken(tok string) bool {
	_, err := auth.Verify(s.cur.Load().key, tok)
	return err == nil
}

// guarded serves requests through the guard in force: Reload replaces the guard (and so its
// rate-limit buckets and rejection counters start afresh) without touching the hub behind.
type guarded struct {
	inner http.Handler // the hub's routes
	cur   atomic.Pointer[guardedHandler]
}

type guardedHandler struct {
	g *guard.Guard
	h http.Handler
}

func (gd *guarded) set(g *guard.Guard) {
	gd.cur.Store(&guardedHandler{g: g, h: g.Middleware(gd.inner)})
}

func (gd *guarded) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	gd.cur.Load().h.ServeHTTP(w, r)
}

// guardConfig completes a guard.Config with the node's live access checks.
func (n *Node) guardConfig(c guard.Config) guard.Config {
	c.IsPublic, c.ValidToken = n.auth.IsPublic, n.auth.validToken
	return c
}

// Reload changes the node's Settings while it runs. Open streams stay open and keep what they
// were allowed when they opened (a stream opened with a token signed by the old key goes on
// until it reconnects); every request from now on meets the new key, access rules, guard and
// limits. Nothing changes when one of the settings is impossible: the error says which.
func (n *Node) Reload(s Settings) error {
	if len(s.Key) < auth.MinKeyLen {
		return fmt.Errorf("%w (it is %d)", ErrShortKey, len(s.Key))
	}
	if err := s.Access.Validate(); err != nil {
		return err
	}
	n.reloadMu.Lock()
	defer n.reloadMu.Unlock()
	if err := n.hub.SetLimits(s.Limits); err != nil {
		return err
	}
	n.auth.set(s.Key, s.Access)
	g := guard.New(n.guardConfig(s.Guard))
	n.guarded.set(g)
	n.guardNow.Store(g)
	return nil
}
