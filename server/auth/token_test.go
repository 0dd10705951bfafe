package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const testKey = "test-hub-key-0123456789abcdef"

// sign makes a token with any method, key and claims, for forging tests.
func sign(t *testing.T, m jwt.SigningMethod, key any, c jwt.Claims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, c).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestMintVerifyRoundTrip(t *testing.T) {
	tok, err := Mint(testKey, []string{"alerts.*"}, []string{"*"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	g, err := Verify(testKey, tok)
	if err != nil {
		t.Fatal(err)
	}
	if g.Admin {
		t.Fatal("minted token must not be admin")
	}
	if !g.CanPublish("alerts.disk") || g.CanPublish("stocks.AAPL") || g.CanPublish("alerts") {
		t.Fatalf("publish scope wrong: %+v", g.Scope)
	}
	if !g.CanSubscribe("anything.at.all") {
		t.Fatalf("subscribe '*' must cover every channel")
	}
	if d := time.Until(g.Expires); d < 59*time.Minute || d > time.Hour+time.Minute {
		t.Fatalf("expires in %v, want about 1h", d)
	}
	if strings.Contains(tok, testKey) {
		t.Fatal("token contains the key")
	}
}

func TestMintNoExpiry(t *testing.T) {
	tok, err := Mint(testKey, nil, []string{"news"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	g, err := Verify(testKey, tok)
	if err != nil {
		t.Fatal(err)
	}
	if !g.Expires.IsZero() {
		t.Fatalf("ttl 0 gave exp %v, want none", g.Expires)
	}
}

func TestMintRejects(t *testing.T) {
	tests := []struct {
		name      string
		key       string
		pub, sub  []string
		ttl       time.Duration
		wantError string
	}{
		{"short key", "short", []string{"a"}, nil, time.Hour, "at least 16"},
		{"negative ttl", testKey, []string{"a"}, nil, -time.Second, "negative"},
		{"no patterns", testKey, nil, nil, time.Hour, "at least one"},
		{"bad publish pattern", testKey, []string{"a*"}, nil, time.Hour, "whole dot segment"},
		{"bad subscribe name", testKey, nil, []string{"-x"}, time.Hour, "must start with"},
		{"too many", testKey, make([]string, MaxPatterns+1), nil, time.Hour, "at most"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Mint(tc.key, tc.pub, tc.sub, tc.ttl)
			if err == nil || !strings.Contains(err.Error(), tc.wantError) {
				t.Fatalf("err = %v, want containing %q", err, tc.wantError)
			}
		})
	}
}

func TestVerifyRejects(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	good := claims{Herald: Scope{Publish: []string{"*"}, Subscribe: []string{"*"}}}
	expired := good
	expired.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Minute))
	badPattern := claims{Herald: Scope{Publish: []string{"a**"}}}
	valid, err := Mint(testKey, []string{"a"}, nil, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(valid, ".")
	widened := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"herald":{"publish":["*"]}}`)) + "." + parts[2]

	tests := []struct {
		name  string
		token string
		want  error
	}{
		{"empty", "", ErrNoToken},
		{"garbage", "not-a-token", ErrTokenInvalid},
		{"three dots of nothing", "..", ErrTokenInvalid},
		{"alg none", sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, good), ErrTokenInvalid},
		{"RS256", sign(t, jwt.SigningMethodRS256, rsaKey, good), ErrTokenInvalid},
		{"ES256", sign(t, jwt.SigningMethodES256, ecKey, good), ErrTokenInvalid},
		{"HS384 with the right key", sign(t, jwt.SigningMethodHS384, []byte(testKey), good), ErrTokenInvalid},
		{"HS512 with the right key", sign(t, jwt.SigningMethodHS512, []byte(testKey), good), ErrTokenInvalid},
		{"HS256 with another key", sign(t, jwt.SigningMethodHS256, []byte("another-key-0123456789"), good), ErrTokenInvalid},
		{"HS256 with empty key", sign(t, jwt.SigningMethodHS256, []byte{}, good), ErrTokenInvalid},
		{"expired", sign(t, jwt.SigningMethodHS256, []byte(testKey), expired), ErrTokenExpired},
		{"invalid pattern in claim", sign(t, jwt.SigningMethodHS256, []byte(testKey), badPattern), ErrTokenInvalid},
		{"payload swapped, old signature", widened, ErrTokenInvalid},
		{"signature stripped", parts[0] + "." + parts[1] + ".", ErrTokenInvalid},
		{"key with a suffix", testKey + "x", ErrTokenInvalid},
		{"key prefix", testKey[:len(testKey)-1], ErrTokenInvalid},
		{"oversized", strings.Repeat("a", MaxTokenLen+1), ErrTokenInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, err := Verify(testKey, tc.token)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %+v, %v; want %v", g, err, tc.want)
			}
			if tc.token != "" && strings.Contains(err.Error(), tc.token) {
				t.Fatalf("error echoes the token")
			}
		})
	}
}

func TestVerifyAdminKey(t *testing.T) {
	g, err := Verify(testKey, testKey)
	if err != nil {
		t.Fatal(err)
	}
	if !g.Admin || !g.CanPublish("x") || !g.CanSubscribe("herald-anything") {
		t.Fatalf("hub key must be admin, got %+v", g)
	}
}

func TestVerifyExpiryBoundary(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	tok, err := mintAt(t0, testKey, []string{"a"}, nil, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := verifyAt(func() time.Time { return t0.Add(59 * time.Second) }, testKey, tok); err != nil {
		t.Fatalf("before exp: %v", err)
	}
	if _, err := verifyAt(func() time.Time { return t0.Add(61 * time.Second) }, testKey, tok); !errors.Is(err, ErrTokenExpired) {
		t.Fatalf("after exp: %v, want ErrTokenExpired", err)
	}
}
