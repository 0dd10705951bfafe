package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/heraldhq/herald/server/topic"
)

// MaxTokenLen bounds the token text the hub will parse, so a huge header or query value costs
// nothing. Real tokens are a few hundred bytes.
const MaxTokenLen = 8 << 10

// MaxPatterns bounds the patterns in one token's publish or subscribe list.
const MaxPatterns = 64

// Scope is the "herald" claim of a token: the channel patterns it may publish to and
// subscribe to (see package topic for the pattern syntax).
type Scope struct {
	Publish   []string `json:"publish,omitempty"`
	Subscribe []string `json:"subscribe,omitempty"`
}

// claims is the whole JWT payload.
type claims struct {
	Herald Scope `json:"herald"`
	jwt.RegisteredClaims
}

// Grant is what a verified token allows.
type Grant struct {
	// Admin is true for the hub key itself, which may do everything.
	Admin bool
	Scope
	// Expires is the token's exp, or the zero time when it never expires.
	Expires time.Time
}

// CanPublish reports whether the grant allows publishing to channel.
func (g Grant) CanPublish(channel string) bool {
	return g.Admin || topic.MatchAny(g.Publish, channel)
}

// CanSubscribe reports whether the grant allows reading channel.
func (g Grant) CanSubscribe(channel string) bool {
	return g.Admin || topic.MatchAny(g.Subscribe, channel)
}

// Token verification failures. Their messages are safe to show a client: none contains the
// token or the key.
var (
	ErrNoToken      = errors.New("no token given")
	ErrTokenInvalid = errors.New("token is not valid for this hub (malformed, forged, signed with another key, or not HS256)")
	ErrTokenExpired = errors.New("token has expired")
)

// ErrNoScope is Mint's error for a token with neither publish nor subscribe patterns.
var ErrNoScope = errors.New("a token needs at least one publish or subscribe pattern")

// Mint returns an HS256 JWT signed with key that allows publishing to the publish patterns and
// subscribing to the subscribe patterns. ttl > 0 sets exp to now+ttl; ttl == 0 makes a token
// that never expires (it stays valid until the hub key is rotated).
func Mint(key string, publish, subscribe []string, ttl time.Duration) (string, error) {
	return mintAt(time.Now(), key, publish, subscribe, ttl)
}

func mintAt(now time.Time, key string, publish, subscribe []string, ttl time.Duration) (string, error) {
	if len(key) < MinKeyLen {
		return "", fmt.Errorf("%w (it is %d)", ErrShortKey, len(key))
	}
	if ttl < 0 {
		return "", fmt.Errorf("token lifetime %v is negative; use a positive duration such as 24h, or 0 for no expiry", ttl)
	}
	if len(publish) == 0 && len(subscribe) == 0 {
		return "", ErrNoScope
	}
	for _, list := range [][]string{publish, subscribe} {
		if len(list) > MaxPatterns {
			return "", fmt.Errorf("a token may hold at most %d patterns per list; use wildcards such as \"alerts.*\"", MaxPatterns)
		}
		for _, p := range list {
			if err := topic.ValidPattern(p); err != nil {
				return "", err
			}
		}
	}
	c := claims{Herald: Scope{Publish: publish, Subscribe: subscribe}}
	c.IssuedAt = jwt.NewNumericDate(now)
	if ttl > 0 {
		c.ExpiresAt = jwt.NewNumericDate(now.Add(ttl))
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(key))
}

// Verify checks token against key and returns what it allows. The key itself is an admin
// token (compared in constant time). Anything but an HS256 JWT signed with key, whose claims
// hold only valid patterns, is ErrTokenInvalid; a token past its exp is ErrTokenExpired.
func Verify(key, token string) (Grant, error) {
	return verifyAt(time.Now, key, token)
}

func verifyAt(now func() time.Time, key, token string) (Grant, error) {
	if token == "" {
		return Grant{}, ErrNoToken
	}
	if len(token) > MaxTokenLen || len(key) < MinKeyLen {
		return Grant{}, ErrTokenInvalid
	}
	if constantTimeEqual(token, key) {
		return Grant{Admin: true}, nil
	}
	var c claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return []byte(key), nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithTimeFunc(now),
	)
	switch {
	case err == nil:
	case errors.Is(err, jwt.ErrTokenExpired):
		return Grant{}, ErrTokenExpired
	default:
		return Grant{}, ErrTokenInvalid
	}
	for _, list := range [][]string{c.Herald.Publish, c.Herald.Subscribe} {
		if len(list) > MaxPatterns {
			return Grant{}, ErrTokenInvalid
		}
		for _, p := range list {
			if topic.ValidPattern(p) != nil {
				return Grant{}, ErrTokenInvalid
			}
		}
	}
	g := Grant{Scope: c.Herald}
	if c.ExpiresAt != nil {
		g.Expires = c.ExpiresAt.Time
	}
	return g, nil
}

// constantTimeEqual compares two secrets without leaking, through timing, how long a prefix
// matches (hashing first also hides the length).
func constantTimeEqual(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return hmac.Equal(ha[:], hb[:])
}
