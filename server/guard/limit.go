package guard

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/heraldhq/herald/server/peer"
	"github.com/heraldhq/herald/server/refuse"
	"github.com/heraldhq/herald/server/wire"
	"golang.org/x/time/rate"
)

// limiter keeps one token bucket per client key (an IP or a token hash), remembering at most
// max keys: when full, the least recently seen key is forgotten. No background goroutine.
type limiter struct {
	lim     Limit
	max     int
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	rl   *rate.Limiter
	seen time.Time
}

func newLimiter(l Limit, max int) *limiter {
	if l.Rate > 0 && l.Burst < 1 {
		l.Burst = 1
	}
	return &limiter{lim: l, max: max, buckets: map[string]*bucket{}}
}

func (l *limiter) enabled() bool { return l.lim.Rate > 0 }

// reserve takes one request for key at now. It returns the reservation (nil when the limit is
// disabled) and how long the client must wait: 0 means go ahead.
func (l *limiter) reserve(key string, now time.Time) (*rate.Reservation, time.Duration) {
	if !l.enabled() {
		return nil, 0
	}
	l.mu.Lock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= l.max {
			l.evictLocked()
		}
		b = &bucket{rl: rate.NewLimiter(rate.Limit(l.lim.Rate), l.lim.Burst)}
		l.buckets[key] = b
	}
	b.seen = now
	l.mu.Unlock()
	res := b.rl.ReserveN(now, 1)
	if !res.OK() {
		return res, time.Second
	}
	return res, res.DelayFrom(now)
}

// evictLocked forgets the least recently seen key. O(n), but only when the table is full.
func (l *limiter) evictLocked() {
	var oldest string
	var at time.Time
	for k, b := range l.buckets {
		if oldest == "" || b.seen.Before(at) {
			oldest, at = k, b.seen
		}
	}
	delete(l.buckets, oldest)
}

func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// limit applies the rate limits that concern r; it answers 429 itself and returns false when
// the request must not go on.
func (g *Guard) limit(w http.ResponseWriter, r *http.Request) bool {
	now := g.now()
	switch {
	case r.URL.Path == wire.PathEvents && r.Method == http.MethodGet:
		res, wait := g.connect.reserve(g.clientKey(r), now)
		if wait > 0 {
			cancel(res, now)
			g.rejConnect.Add(1)
			// Not a plain 429 for an EventSource, which would give up for good: it is told
			// to come back within a couple of seconds, at a jittered moment so a crowd
			// behind one address trickles back at the rate the limit allows.
			refuse.Write(w, r, refuse.Notice{Event: wire.EventBusy, Status: http.StatusTooManyRequests,
				Reason: fmt.Sprintf("too many new connections from your address (limit %g per second, bursts of %d); reconnect in a moment",
					g.cfg.Connect.Rate, g.cfg.Connect.Burst),
				Retry: max(2*wait, 2*time.Second)})
			return false
		}
	case r.URL.Path == wire.PathPublish && r.Method == http.MethodPost:
		resIP, waitIP := g.pubIP.reserve(g.clientKey(r), now)
		var resTok *rate.Reservation
		var waitTok time.Duration
		if tok, _ := wire.Token(r); tok != "" && g.pubTok.enabled() && (g.cfg.ValidToken == nil || g.cfg.ValidToken(tok)) {
			resTok, waitTok = g.pubTok.reserve(tokenKey(tok), now)
		}
		if waitIP > 0 || waitTok > 0 {
			// Give back what was taken, so a refused request costs the other bucket nothing.
			cancel(resIP, now)
			cancel(resTok, now)
			refuse.Linger(w, r, r.Body, false, func(w http.ResponseWriter) {
				if waitTok >= waitIP {
					g.rejPubToken.Add(1)
					g.tooMany(w, waitTok, "too many publishes with this token", g.cfg.PublishPerToken)
				} else {
					g.rejPubIP.Add(1)
					g.tooMany(w, waitIP, "too many publishes from your address", g.cfg.PublishPerIP)
				}
			})
			return false
		}
	}
	return true
}

func cancel(res *rate.Reservation, now time.Time) {
	if res != nil {
		res.CancelAt(now)
	}
}

func (g *Guard) tooMany(w http.ResponseWriter, wait time.Duration, what string, l Limit) {
	ra := retryAfter(wait)
	w.Header().Set("Retry-After", ra)
	writeError(w, http.StatusTooManyRequests, fmt.Sprintf("%s (limit %g per second, bursts of %d); retry in %s s", what, l.Rate, l.Burst, ra))
}

// clientKey is the key for per-IP limits: the client's address (see peer: behind a
// trusted proxy, the address the proxy vouches for), with IPv6 grouped by /64 because one
// host usually owns a whole /64 and could otherwise rotate addresses freely.
func (g *Guard) clientKey(r *http.Request) string {
	host := peer.Client(r)
	ip := net.ParseIP(host)
	if ip == nil {
		return host
	}
	if ip4 := ip.To4(); ip4 != nil {
		return ip4.String()
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// tokenKey identifies a token in the limiter table without keeping the token itself.
func tokenKey(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:12])
}

// Stats is the guard's part of the hub's /stats: the limits in force and how many requests
// each refused.
type Stats struct {
	Limits struct {
		ConnectPerIP    Limit `json:"connectPerIp"`
		PublishPerToken Limit `json:"publishPerToken"`
		PublishPerIP    Limit `json:"publishPerIp"`
	} `json:"limits"`
	Rejected struct {
		Connect         uint64 `json:"connect"`
		PublishPerToken uint64 `json:"publishPerToken"`
		PublishPerIP    uint64 `json:"publishPerIp"`
		CrossOrigin     uint64 `json:"crossOrigin"`
	} `json:"rejected"`
	// TrackedClients is how many IPs and tokens the limiters currently remember.
	TrackedClients int      `json:"trackedClients"`
	CORSOrigins    []string `json:"corsOrigins"`
	// TrustedProxies are the networks whose proxy headers name the client.
	TrustedProxies []string `json:"trustedProxies"`
}

// Stats returns the limits and rejection counts.
func (g *Guard) Stats() Stats {
	var s Stats
	s.Limits.ConnectPerIP = g.connect.lim
	s.Limits.PublishPerToken = g.pubTok.lim
	s.Limits.PublishPerIP = g.pubIP.lim
	s.Rejected.Connect = g.rejConnect.Load()
	s.Rejected.PublishPerToken = g.rejPubToken.Load()
	s.Rejected.PublishPerIP = g.rejPubIP.Load()
	s.Rejected.CrossOrigin = g.rejOrigin.Load()
	s.TrackedClients = g.connect.size() + g.pubTok.size() + g.pubIP.size()
	s.CORSOrigins = append([]string{}, g.cfg.CORSOrigins...)
	s.TrustedProxies = g.cfg.TrustedProxies.Strings()
	return s
}
