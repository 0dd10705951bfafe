package wire

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestToken pins the one rule: Authorization Bearer, then ?token=, then the cookie.
func TestToken(t *testing.T) {
	tests := []struct {
		name    string
		target  string
		header  string
		cookie  string
		want    string
		wantErr bool
	}{
		{"none", "/events", "", "", "", false},
		{"bearer", "/events", "Bearer abc", "", "abc", false},
		{"bearer lower case", "/events", "bearer abc", "", "abc", false},
		{"bearer wins over query", "/events?token=q", "Bearer h", "", "h", false},
		{"query", "/events?token=q", "", "", "q", false},
		{"query wins over cookie", "/events?token=q", "", "c", "q", false},
		{"cookie", "/events", "", "c", "c", false},
		{"basic scheme", "/events", "Basic dTpw", "", "", true},
		{"basic scheme is not skipped for the query", "/events?token=q", "Basic dTpw", "", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, tc.target, nil)
			if tc.header != "" {
				r.Header.Set("Authorization", tc.header)
			}
			if tc.cookie != "" {
				r.AddCookie(&http.Cookie{Name: TokenCookie, Value: tc.cookie})
			}
			got, err := Token(r)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Fatalf("got %q, %v; want %q, error %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}
