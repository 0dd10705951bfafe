package auth

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/server/wire"
)

// authorizer is the method set of the hub's server.Authorizer; the assignment below fails to
// compile if Policy drifts from it.
type authorizer interface {
	AuthorizePublish(r *http.Request, channels []string) error
	AuthorizeSubscribe(r *http.Request, patterns []string) (allow func(channel string) bool, err error)
}

var _ authorizer = (*Policy)(nil)

func mustMint(t *testing.T, pub, sub []string, ttl time.Duration) string {
	t.Helper()
	tok, err := Mint(testKey, pub, sub, ttl)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func reqWith(tok string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/events", nil)
	if tok != "" {
		r.Header.Set("Authorization", "Bearer "+tok)
	}
	return r
}

func status(err error) int {
	var s interface{ HTTPStatus() int }
	if errors.As(err, &s) {
		return s.HTTPStatus()
	}
	if err != nil {
		return -1
	}
	return 200
}

func TestAuthorizePublish(t *testing.T) {
	p := NewPolicy(testKey, Options{})
	alerts := mustMint(t, []string{"alerts.*"}, nil, time.Hour)
	subOnly := mustMint(t, nil, []string{"*"}, time.Hour)
	expired, err := mintAt(time.Now().Add(-2*time.Hour), testKey, []string{"*"}, nil, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		token    string
		channels []string
		want     int
		wantMsg  string
	}{
		{"no token", "", []string{"a"}, 401, "publishing needs a token"},
		{"garbage token", "xyz", []string{"a"}, 401, "not valid for this hub"},
		{"expired", expired, []string{"a"}, 401, "expired"},
		{"admin key", testKey, []string{"anything", "else"}, 200, ""},
		{"in scope", alerts, []string{"alerts.disk", "alerts.cpu"}, 200, ""},
		{"one out of scope", alerts, []string{"alerts.disk", "stocks"}, 403, `publish to channel "stocks"; it may publish to alerts.*`},
		{"subscribe-only token", subOnly, []string{"a"}, 403, "may not publish at all"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := p.AuthorizePublish(reqWith(tc.token), tc.channels)
			if got := status(err); got != tc.want {
				t.Fatalf("status %d (%v), want %d", got, err, tc.want)
			}
			if err != nil {
				if !strings.Contains(err.Error(), tc.wantMsg) {
					t.Fatalf("message %q lacks %q", err, tc.wantMsg)
				}
				if strings.Contains(err.Error(), testKey) || (tc.token != "" && strings.Contains(err.Error(), tc.token)) {
					t.Fatalf("message leaks a secret: %q", err)
				}
			}
		})
	}
}

func TestAuthorizeSubscribe(t *testing.T) {
	alerts := mustMint(t, nil, []string{"alerts.*"}, time.Hour)
	pubOnly := mustMint(t, []string{"*"}, nil, time.Hour)
	tests := []struct {
		name     string
		opts     Options
		token    string
		patterns []string
		want     int
		wantMsg  string
		allowed  []string // channels the allow func must accept
		denied   []string // and refuse
	}{
		{"open hub, no token", Options{}, "", []string{"*"}, 200, "", []string{"a", "alerts.x"}, nil},
		{"open hub, bad token", Options{}, "bad", []string{"a"}, 401, "not valid", nil, nil},
		{"private, no token", Options{Private: true}, "", []string{"news"}, 401, `"news" is private`, nil, nil},
		{"private, no token, wildcard", Options{Private: true}, "", []string{"*"}, 401, "needs a token", nil, nil},
		{"private, public news", Options{Private: true, Public: []string{"news.*"}}, "", []string{"news.today"}, 200, "", []string{"news.today"}, []string{"alerts.x"}},
		{"public list implies private", Options{Public: []string{"news.*"}}, "", []string{"alerts.x"}, 401, "private", nil, nil},
		{"private, wildcard filtered to public", Options{Private: true, Public: []string{"news.*"}}, "", []string{"*"}, 200, "", []string{"news.a"}, []string{"alerts.a", "news"}},
		{"private, token covers", Options{Private: true}, alerts, []string{"alerts.disk"}, 200, "", []string{"alerts.disk"}, []string{"stocks.x"}},
		{"private, token wildcard filter", Options{Private: true}, alerts, []string{"*"}, 200, "", []string{"alerts.cpu"}, []string{"stocks.x", "alerts"}},
		{"private, token other channel", Options{Private: true}, alerts, []string{"stocks.AAPL"}, 403, `may not read channel "stocks.AAPL"; it may read alerts.*`, nil, nil},
		{"private, token disjoint pattern", Options{Private: true}, alerts, []string{"stocks.*"}, 403, "may not read", nil, nil},
		{"private, publish-only token", Options{Private: true}, pubOnly, []string{"a"}, 403, "may not subscribe at all", nil, nil},
		{"private, admin", Options{Private: true}, testKey, []string{"*"}, 200, "", []string{"x", "y.z"}, nil},
		{"private, no patterns means default", Options{Private: true}, "", nil, 401, `"default" is private`, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := NewPolicy(testKey, tc.opts)
			allow, err := p.AuthorizeSubscribe(reqWith(tc.token), tc.patterns)
			if got := status(err); got != tc.want {
				t.Fatalf("status %d (%v), want %d", got, err, tc.want)
			}
			if err != nil {
				if !strings.Contains(err.Error(), tc.wantMsg) {
					t.Fatalf("message %q lacks %q", err, tc.wantMsg)
				}
				return
			}
			if allow == nil {
				allow = func(string) bool { return true } // nil allows every channel
			}
			for _, ch := range tc.allowed {
				if !allow(ch) {
					t.Errorf("allow(%q) = false, want true", ch)
				}
			}
			for _, ch := range tc.denied {
				if allow(ch) {
					t.Errorf("allow(%q) = true, want false", ch)
				}
			}
		})
	}
}

func TestAllowStopsAtExpiry(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	p := NewPolicy(testKey, Options{Private: true, Public: []string{"pub"}, Now: clock})
	tok := mustMint(t, nil, []string{"secret"}, time.Minute)
	allow, err := p.AuthorizeSubscribe(reqWith(tok), []string{"secret", "pub"})
	if err != nil {
		t.Fatal(err)
	}
	if !allow("secret") {
		t.Fatal("secret refused before expiry")
	}
	now = now.Add(2 * time.Minute)
	if allow("secret") {
		t.Fatal("secret still delivered after the token expired")
	}
	if !allow("pub") {
		t.Fatal("public channel refused after expiry")
	}
}

func TestTokenSources(t *testing.T) {
	p := NewPolicy(testKey, Options{Private: true})
	tok := mustMint(t, nil, []string{"a"}, time.Hour)
	q := httptest.NewRequest(http.MethodGet, "/events?channel=a&token="+tok, nil)
	c := httptest.NewRequest(http.MethodGet, "/events?channel=a", nil)
	c.AddCookie(&http.Cookie{Name: wire.TokenCookie, Value: tok})
	basic := httptest.NewRequest(http.MethodGet, "/events", nil)
	basic.SetBasicAuth("u", "p")
	for name, r := range map[string]*http.Request{"query": q, "cookie": c} {
		if _, err := p.AuthorizeSubscribe(r, []string{"a"}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := p.AuthorizeSubscribe(basic, []string{"a"}); status(err) != 401 || !strings.Contains(err.Error(), "Bearer") {
		t.Errorf("basic auth: %v, want 401 mentioning Bearer", err)
	}
}

func TestOverlaps(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"*", "x.y.z", true},
		{"a.*", "a.b", true},
		{"a.*", "*.b", true},
		{"a.*", "b.*", false},
		{"a.*", "a", false},
		{"a.*", "a.b.c", false},
		{"a", "a", true},
		{"a", "b", false},
	}
	for _, tc := range tests {
		if got := overlaps(tc.a, tc.b); got != tc.want {
			t.Errorf("overlaps(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
		if got := overlaps(tc.b, tc.a); got != tc.want {
			t.Errorf("overlaps(%q, %q) = %v, want %v", tc.b, tc.a, got, tc.want)
		}
	}
}

func TestOptionsValidate(t *testing.T) {
	if err := (Options{Public: []string{"news.*", "ok"}}).Validate(); err != nil {
		t.Fatal(err)
	}
	if err := (Options{Public: []string{"news*"}}).Validate(); err == nil || !strings.Contains(err.Error(), "public channel pattern") || strings.Contains(err.Error(), "--") {
		t.Fatalf("err = %v, want a public pattern error that names no flag", err)
	}
}
