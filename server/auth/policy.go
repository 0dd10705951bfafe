package auth

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/heraldhq/herald/server/topic"
	"github.com/heraldhq/herald/server/wire"
)

// Options say which channels anyone may read without a token.
type Options struct {
	// Private makes every channel need a token to subscribe, except those in Public.
	Private bool
	// Public lists the channel patterns anyone may read. When it is non-empty, channels it
	// does not cover need a token even without Private. When Private is false and Public is
	// empty, every channel is public.
	Public []string
	// Now is the clock (tests set it); nil means time.Now.
	Now func() time.Time
}

// Validate checks the Public patterns, so a typo fails at start-up rather than silently
// making a channel private.
func (o Options) Validate() error {
	for _, p := range o.Public {
		if err := topic.ValidPattern(p); err != nil {
			return fmt.Errorf("public channel pattern: %w", err)
		}
	}
	return nil
}

// Policy decides who may publish and subscribe. Publishing always needs a token whose publish
// patterns cover every channel; subscribing needs one only for channels that are not public.
// It implements the hub's Authorizer interface.
type Policy struct {
	key        string
	restricted bool
	public     []string
	now        func() time.Time
}

// NewPolicy returns the policy for a hub whose key is key.
func NewPolicy(key string, opts Options) *Policy {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return &Policy{
		key:        key,
		restricted: opts.Private || len(opts.Public) > 0,
		public:     append([]string(nil), opts.Public...),
		now:        now,
	}
}

// Error is a refusal with the HTTP status the hub should answer with (401 or 403). Its message
// tells the user what to do and never contains the token or the key.
type Error struct {
	Status  int
	Message string
}

func (e *Error) Error() string { return e.Message }

// HTTPStatus returns the status code for the response.
func (e *Error) HTTPStatus() int { return e.Status }

func unauthorized(format string, a ...any) *Error {
	return &Error{Status: http.StatusUnauthorized, Message: fmt.Sprintf(format, a...)}
}

func forbidden(format string, a ...any) *Error {
	return &Error{Status: http.StatusForbidden, Message: fmt.Sprintf(format, a...)}
}

// IsPublic reports whether anyone may read channel without a token.
func (p *Policy) IsPublic(channel string) bool {
	return !p.restricted || topic.MatchAny(p.public, channel)
}

// grant returns what the request's token allows: ok=false with no error when it carries none.
func (p *Policy) grant(r *http.Request) (g Grant, ok bool, err error) {
	tok, err := wire.Token(r)
	if err != nil {
		return Grant{}, false, unauthorized("%v", err)
	}
	if tok == "" {
		return Grant{}, false, nil
	}
	g, err = verifyAt(p.now, p.key, tok)
	switch {
	case err == nil:
		return g, true, nil
	case errors.Is(err, ErrTokenExpired):
		return Grant{}, false, unauthorized("the token has expired; ask the hub owner for a new one ('herald token')")
	default:
		return Grant{}, false, unauthorized("the token is not valid for this hub (malformed, or minted with another key, or the key was rotated); ask the hub owner for a new one ('herald token')")
	}
}

// AuthorizePublish allows the request to publish to channels when its token covers all of
// them: 401 without a valid token, 403 when one channel is outside the token's patterns.
func (p *Policy) AuthorizePublish(r *http.Request, channels []string) error {
	g, ok, err := p.grant(r)
	if err != nil {
		return err
	}
	if !ok {
		return unauthorized("publishing needs a token: send 'Authorization: Bearer TOKEN' (the hub owner mints one with 'herald token')")
	}
	for _, ch := range channels {
		if g.CanPublish(ch) {
			continue
		}
		if len(g.Publish) == 0 {
			return forbidden("this token may not publish at all (it is for subscribing); ask the hub owner for one that may publish to %.40q", ch)
		}
		return forbidden("this token may not publish to channel %.40q; it may publish to %s", ch, strings.Join(g.Publish, ", "))
	}
	return nil
}

// AuthorizeSubscribe allows a subscription to patterns (channel names or wildcards) when each
// of them can cover at least one channel the request may read: public channels, plus the
// token's subscribe patterns. 401 when a private channel is asked for without a valid token,
// 403 when the token cannot read it. The returned allow func says, per channel, whether an
// event may be delivered: a wildcard subscription only receives the channels the token may
// read, and once the token expires only public channels flow. A nil allow means every
// channel the patterns match (the hub then skips the per-event check).
func (p *Policy) AuthorizeSubscribe(r *http.Request, patterns []string) (func(channel string) bool, error) {
	g, ok, err := p.grant(r)
	if err != nil {
		return nil, err
	}
	if len(patterns) == 0 {
		patterns = []string{topic.Default}
	}
	if g.Admin || !p.restricted {
		return nil, nil // nil: every channel the patterns match, with no per-event check
	}
	for _, pat := range patterns {
		if overlapsAny(p.public, pat) || (ok && overlapsAny(g.Subscribe, pat)) {
			continue
		}
		if !ok {
			return nil, unauthorized("channel %.40q is private: subscribing needs a token (add ?token=TOKEN to the URL, or send 'Authorization: Bearer TOKEN')", pat)
		}
		if len(g.Subscribe) == 0 {
			return nil, forbidden("this token may not subscribe at all (it is for publishing); ask the hub owner for one that may read %.40q", pat)
		}
		return nil, forbidden("this token may not read channel %.40q; it may read %s", pat, strings.Join(g.Subscribe, ", "))
	}
	return func(ch string) bool {
		if topic.MatchAny(p.public, ch) {
			return true
		}
		if !ok || (!g.Expires.IsZero() && !p.now().Before(g.Expires)) {
			return false
		}
		return topic.MatchAny(g.Subscribe, ch)
	}, nil
}

// overlapsAny reports whether some channel is covered both by one of grants and by pat.
func overlapsAny(grants []string, pat string) bool {
	for _, g := range grants {
		if overlaps(g, pat) {
			return true
		}
	}
	return false
}

// overlaps reports whether some channel matches both patterns a and b. "*" alone covers every
// channel; otherwise both must have the same number of dot segments, and each pair of
// segments must be equal or contain a "*".
func overlaps(a, b string) bool {
	if a == "*" || b == "*" || a == b {
		return true
	}
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	if len(as) != len(bs) {
		return false
	}
	for i := range as {
		if as[i] != bs[i] && as[i] != "*" && bs[i] != "*" {
			return false
		}
	}
	return true
}
