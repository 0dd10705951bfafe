// Package guard is the hub's outer HTTP layer: security headers on every response, CORS
// (including preflight for publishing), a same-origin check against cross-site publishing,
// and per-IP / per-token rate limits. It also makes TLS configurations, including a
// self-signed certificate kept in the config folder.
package guard

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/heraldhq/herald/server/peer"
	"github.com/heraldhq/herald/server/refuse"
	"github.com/heraldhq/herald/server/wire"
)

// ContentSecurityPolicy is sent with every response. The dashboard loads only its own
// scripts, styles and images (plus data: images), opens connections only to its own hub, has
// no inline script or style, and may not be framed.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Headers a browser may send with a cross-origin request to the hub.
const allowHeaders = "Authorization, Content-Type, Last-Event-ID"

// Config configures a Guard. The zero value is usable: no limits, default CORS.
type Config struct {
	// CORSOrigins are the origins (scheme://host[:port]) allowed to use the whole API from a
	// browser, publishing included; "*" allows any. Empty: any origin may subscribe to public
	// channels (Access-Control-Allow-Origin: *), none may publish.
	CORSOrigins []string
	// IsPublic reports whether a channel needs no token to read; nil means every channel is
	// public. It decides whether GET /events gets the default "*" CORS header.
	IsPublic func(channel string) bool
	// ValidToken, when set, tells whether a token is genuine; only genuine tokens get a
	// per-token bucket, so a flood of made-up tokens cannot crowd real ones out of the
	// limiter's table (they still count against their IP). nil counts every token.
	ValidToken func(token string) bool

	// Limits for new /events connections per client IP, and /publish requests per token and
	// per client IP. A zero Rate disables that limit.
	Connect, PublishPerToken, PublishPerIP Limit

	// TrustedProxies are the peers (reverse proxies) whose Forwarded, X-Forwarded-For and
	// X-Real-IP headers name the client, for limits, logs and /stats. Empty: the TCP peer
	// is the client, whatever the headers say.
	TrustedProxies peer.Trusted

	// MaxClients bounds how many IPs and tokens the limiters remember (default 10000); the
	// least recently seen are forgotten first.
	MaxClients int
	// Now is the clock (tests set it); nil means time.Now.
	Now func() time.Time
}

// Limit is a token-bucket rate: Rate requests per second on average, bursts up to Burst.
type Limit struct {
	Rate  float64 `json:"ratePerSecond"`
	Burst int     `json:"burst"`
}

// Default limits: generous for people and scripts, tight enough to stop one client from
// flooding the hub. Flags override them.
var (
	DefaultConnect         = Limit{Rate: 20, Burst: 200}
	DefaultPublishPerToken = Limit{Rate: 1000, Burst: 2000}
	DefaultPublishPerIP    = Limit{Rate: 1000, Burst: 2000}
)

// DefaultConfig returns the default limits with the default CORS rules; isPublic tells which
// channels need no token (nil: all). An embedding app (the desktop hub) uses it as is.
func DefaultConfig(isPublic func(channel string) bool) Config {
	return Config{IsPublic: isPublic, Connect: DefaultConnect, PublishPerToken: DefaultPublishPerToken, PublishPerIP: DefaultPublishPerIP}
}

// Guard is the middleware; create it with New and wrap the hub with Middleware.
type Guard struct {
	cfg     Config
	now     func() time.Time
	connect *limiter
	pubTok  *limiter
	pubIP   *limiter

	rejConnect, rejPubToken, rejPubIP, rejOrigin atomic.Uint64
}

// New returns a Guard for cfg.
func New(cfg Config) *Guard {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	max := cfg.MaxClients
	if max <= 0 {
		max = 10000
	}
	return &Guard{
		cfg:     cfg,
		now:     now,
		connect: newLimiter(cfg.Connect, max),
		pubTok:  newLimiter(cfg.PublishPerToken, max),
		pubIP:   newLimiter(cfg.PublishPerIP, max),
	}
}

// Middleware wraps next with the guard: func(http.Handler) http.Handler.
func (g *Guard) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Frame-Options", "DENY")

		// Resolved once; the limits here and the hub behind read it (peer.Client). With no
		// trusted proxy the client is the TCP peer, which peer.Client reads by itself.
		if !g.cfg.TrustedProxies.Empty() {
			r = peer.WithClient(r, g.cfg.TrustedProxies.ClientAddr(r))
		}
		origin := r.Header.Get("Origin")
		if r.Method == http.MethodOptions && origin != "" && r.Header.Get("Access-Control-Request-Method") != "" {
			g.preflight(w, r, origin)
			return
		}
		if origin != "" {
			if !g.corsHeaders(w, r, origin) && isWrite(r.Method) && !sameOrigin(r, origin) {
				g.rejOrigin.Add(1)
				refuse.Linger(w, r, r.Body, false, func(w http.ResponseWriter) {
					writeError(w, http.StatusForbidden, "cross-origin requests from "+clip(origin)+
						" may not publish to this hub: "+notAllowed)
				})
				return
			}
		}
		if !g.limit(w, r) {
			return
		}
		if r.URL.Path == statsPath && isRead(r.Method) {
			g.mergeStats(w, r, next)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// corsHeaders adds the CORS response headers for a request from origin and reports whether
// that origin is allowed for this request.
func (g *Guard) corsHeaders(w http.ResponseWriter, r *http.Request, origin string) bool {
	h := w.Header()
	h.Add("Vary", "Origin")
	if g.listed(origin) {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
		h.Set("Access-Control-Expose-Headers", "Retry-After")
		return true
	}
	if isRead(r.Method) && g.publicRead(r) {
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Expose-Headers", "Retry-After")
		return true
	}
	return false
}

// preflight answers an OPTIONS preflight: 204 with the allowed methods and headers when the
// origin may make the request it announces, 403 with the reason when not.
func (g *Guard) preflight(w http.ResponseWriter, r *http.Request, origin string) {
	h := w.Header()
	h.Add("Vary", "Origin")
	h.Add("Vary", "Access-Control-Request-Method")
	h.Add("Vary", "Access-Control-Request-Headers")
	method := r.Header.Get("Access-Control-Request-Method")
	switch {
	case g.listed(origin):
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
	case isRead(method) && g.publicRead(r):
		h.Set("Access-Control-Allow-Origin", "*")
	case sameOrigin(r, origin):
		// Same origin: the browser does not need CORS headers, nothing to refuse.
	default:
		g.rejOrigin.Add(1)
		writeError(w, http.StatusForbidden, "cross-origin "+clip(method)+" requests from "+clip(origin)+
			" are not allowed: "+notAllowed)
		return
	}
	h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	h.Set("Access-Control-Allow-Headers", allowHeaders)
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}

// notAllowed ends a CORS refusal. It is written for the browser's user, who cannot start
// the hub, so it names no command-line flag (docs/security.md tells operators which one).
const notAllowed = "this hub does not allow that site; ask the hub's operator to add it to the hub's allowed origins"

// listed reports whether origin is in the allowed origins (or that list holds "*").
func (g *Guard) listed(origin string) bool {
	return slices.ContainsFunc(g.cfg.CORSOrigins, func(o string) bool {
		return o == "*" || strings.EqualFold(strings.TrimSuffix(o, "/"), origin)
	})
}

// publicRead reports whether a read request may get the default "Access-Control-Allow-Origin:
// *": anything but /events, or /events whose named channels are all public. Wildcard patterns
// count as public: the hub delivers only the channels the request's token may read.
func (g *Guard) publicRead(r *http.Request) bool {
	if r.URL.Path != wire.PathEvents || g.cfg.IsPublic == nil {
		return true
	}
	named := false
	for _, v := range r.URL.Query()["channel"] {
		for _, ch := range strings.Split(v, ",") { // the hub takes "a,b" as two channels
			if ch = strings.TrimSpace(ch); ch == "" {
				continue
			}
			named = true
			if !strings.Contains(ch, "*") && !g.cfg.IsPublic(ch) {
				return false
			}
		}
	}
	return named || g.cfg.IsPublic("default")
}

// sameOrigin reports whether origin names the host the request was sent to, as a page the hub
// served itself would.
func sameOrigin(r *http.Request, origin string) bool {
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}

func isRead(method string) bool {
	return method == http.MethodGet || method == http.MethodHead
}

func isWrite(method string) bool {
	return !isRead(method) && method != http.MethodOptions
}

// writeError writes the hub's JSON error shape.
func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Del("Content-Length")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// retryAfter formats a wait as whole seconds, at least 1.
func retryAfter(d time.Duration) string {
	s := int64((d + time.Second - 1) / time.Second)
	return strconv.FormatInt(max(s, 1), 10)
}

func clip(s string) string {
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return strconv.Quote(s)
}
