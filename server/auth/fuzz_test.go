package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/server/topic"
)

// fuzzKey signs the seed tokens in testdata/fuzz/FuzzVerifyToken.
const fuzzKey = "fuzz-hub-key-0123456789abcdef"

// FuzzVerifyToken feeds arbitrary text to Verify. Whatever it gets, Verify must not panic,
// must fail with one of its three errors, and may accept only the hub key itself or an HS256
// JWT whose signature really is HMAC-SHA256 with the key and whose patterns are valid.
func FuzzVerifyToken(f *testing.F) {
	for _, seed := range []string{
		// More seeds (valid, expired, alg none, HS384, ES256, wrong-key tokens) are in
		// testdata/fuzz/FuzzVerifyToken.
		"", fuzzKey, "a.b.c", "..", "Bearer x",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		g, err := Verify(fuzzKey, tok)
		if err != nil {
			if !errors.Is(err, ErrNoToken) && !errors.Is(err, ErrTokenInvalid) && !errors.Is(err, ErrTokenExpired) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			if g.Admin || len(g.Publish) > 0 || len(g.Subscribe) > 0 {
				t.Fatalf("failed verification still granted %+v", g)
			}
			return
		}
		if g.Admin {
			if tok != fuzzKey {
				t.Fatalf("admin granted to %q", tok)
			}
			return
		}
		parts := strings.Split(tok, ".")
		if len(parts) != 3 {
			t.Fatalf("accepted a token with %d parts", len(parts))
		}
		head, err := base64.RawURLEncoding.DecodeString(parts[0])
		if err != nil {
			t.Fatalf("accepted a token whose header is not base64url: %v", err)
		}
		var h struct{ Alg string }
		if err := json.Unmarshal(head, &h); err != nil || h.Alg != "HS256" {
			t.Fatalf("accepted alg %q (header %q)", h.Alg, head)
		}
		sig, err := base64.RawURLEncoding.DecodeString(parts[2])
		if err != nil {
			t.Fatalf("accepted a signature that is not base64url")
		}
		mac := hmac.New(sha256.New, []byte(fuzzKey))
		mac.Write([]byte(parts[0] + "." + parts[1]))
		if !hmac.Equal(sig, mac.Sum(nil)) {
			t.Fatalf("accepted a token whose signature is not HMAC-SHA256 with the key")
		}
		for _, p := range slices.Concat(g.Publish, g.Subscribe) {
			if topic.ValidPattern(p) != nil {
				t.Fatalf("granted invalid pattern %q", p)
			}
		}
		if !g.Expires.IsZero() && !time.Now().Before(g.Expires) {
			t.Fatalf("accepted a token that expired at %v", g.Expires)
		}
	})
}

// FuzzMintRoundTrip checks that Mint accepts exactly the valid patterns and that Verify gives
// back the scope that was minted.
func FuzzMintRoundTrip(f *testing.F) {
	f.Add("alerts.*", "*", int64(3600))
	f.Add("a", "b.c", int64(0))
	f.Add("a*", "", int64(-1))
	f.Add("", "", int64(1))
	f.Fuzz(func(t *testing.T, pub, sub string, ttlSeconds int64) {
		var pubs, subs []string
		if pub != "" {
			pubs = []string{pub}
		}
		if sub != "" {
			subs = []string{sub}
		}
		ttl := time.Duration(ttlSeconds % (1 << 30) * int64(time.Second))
		tok, err := Mint(fuzzKey, pubs, subs, ttl)
		valid := (pub != "" || sub != "") && ttl >= 0 &&
			(pub == "" || topic.ValidPattern(pub) == nil) && (sub == "" || topic.ValidPattern(sub) == nil)
		if (err == nil) != valid {
			t.Fatalf("Mint(%q, %q, %v) error %v, want valid=%v", pub, sub, ttl, err, valid)
		}
		if err != nil {
			return
		}
		g, err := Verify(fuzzKey, tok)
		if err != nil {
			t.Fatalf("minted token does not verify: %v", err)
		}
		if !slices.Equal(g.Publish, pubs) || !slices.Equal(g.Subscribe, subs) {
			t.Fatalf("round trip changed the scope: %+v", g.Scope)
		}
		if _, err := Verify("another-key-0123456789abcdef", tok); !errors.Is(err, ErrTokenInvalid) {
			t.Fatalf("token verified with another key: %v", err)
		}
	})
}
