package peer

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestClientAddr(t *testing.T) {
	trusted, err := ParseTrusted([]string{"127.0.0.1", "10.0.0.0/8, ::1"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		remote string
		hdr    map[string]string
		want   string
	}{
		{"direct client, no headers", "192.0.2.7:5555", nil, "192.0.2.7"},
		{"untrusted peer's headers are ignored", "192.0.2.7:5555", map[string]string{"X-Forwarded-For": "198.51.100.1", "X-Real-IP": "198.51.100.2", "Forwarded": "for=198.51.100.3"}, "192.0.2.7"},
		{"trusted proxy, X-Forwarded-For", "127.0.0.1:4000", map[string]string{"X-Forwarded-For": "198.51.100.1"}, "198.51.100.1"},
		{"forged entry left of the real one", "127.0.0.1:4000", map[string]string{"X-Forwarded-For": "6.6.6.6, 198.51.100.1"}, "198.51.100.1"},
		{"chain of trusted proxies", "127.0.0.1:4000", map[string]string{"X-Forwarded-For": "198.51.100.1, 10.1.2.3"}, "198.51.100.1"},
		{"all trusted: the leftmost", "127.0.0.1:4000", map[string]string{"X-Forwarded-For": "10.9.9.9, 10.1.2.3"}, "10.9.9.9"},
		{"garbage ends the chain", "127.0.0.1:4000", map[string]string{"X-Forwarded-For": "198.51.100.1, unknown"}, "127.0.0.1"},
		{"Forwarded with port and quotes", "[::1]:4000", map[string]string{"Forwarded": `for="[2001:db8::5]:443";proto=https, for=10.0.0.2`}, "2001:db8::5"},
		{"Forwarded ipv4", "127.0.0.1:4000", map[string]string{"Forwarded": "for=198.51.100.9;proto=http"}, "198.51.100.9"},
		{"X-Real-IP", "10.0.0.1:80", map[string]string{"X-Real-IP": "198.51.100.4"}, "198.51.100.4"},
		{"X-Forwarded-For wins over X-Real-IP", "10.0.0.1:80", map[string]string{"X-Forwarded-For": "198.51.100.5", "X-Real-IP": "198.51.100.4"}, "198.51.100.5"},
		{"trusted proxy without headers", "127.0.0.1:4000", nil, "127.0.0.1"},
		{"mapped ipv4 peer", "[::ffff:127.0.0.1]:4000", map[string]string{"X-Forwarded-For": "198.51.100.1"}, "198.51.100.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/events", nil)
			r.RemoteAddr = tt.remote
			for k, v := range tt.hdr {
				r.Header.Set(k, v)
			}
			if got := trusted.ClientAddr(r).String(); got != tt.want {
				t.Errorf("ClientAddr = %s, want %s", got, tt.want)
			}
			if got := Client(WithClient(r, trusted.ClientAddr(r))); got != tt.want {
				t.Errorf("Client after WithClient = %s, want %s", got, tt.want)
			}
		})
	}
	// Nobody trusted: headers never count.
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "127.0.0.1:1"
	r.Header.Set("X-Forwarded-For", "198.51.100.1")
	if got := (Trusted{}).ClientAddr(r).String(); got != "127.0.0.1" {
		t.Errorf("no trusted proxies: %s, want the peer", got)
	}
	if got := Client(r); got != "127.0.0.1" {
		t.Errorf("Client without a middleware: %s, want the peer", got)
	}
}

func TestParseTrusted(t *testing.T) {
	// A bad entry is a *ProxyError matching ErrBadProxy that quotes the entry and names no
	// command-line flag (the CLI adds --trusted-proxy).
	for _, bad := range []string{"10.0.0.0/33", "nope", "1.2.3", "::1/200", "10.0.0.1, x"} {
		_, err := ParseTrusted([]string{bad})
		var pe *ProxyError
		switch {
		case err == nil:
			t.Errorf("ParseTrusted(%q) accepted it", bad)
		case !errors.Is(err, ErrBadProxy) || !errors.As(err, &pe):
			t.Errorf("ParseTrusted(%q) = %v (%T); want a *ProxyError matching ErrBadProxy", bad, err, err)
		case strings.Contains(err.Error(), "--") || !strings.Contains(err.Error(), "use the form"):
			t.Errorf("ParseTrusted(%q) = %q; want the fix and no flag name", bad, err)
		case !strings.Contains(bad, pe.Entry) || strings.Contains(pe.Entry, ","):
			t.Errorf("ParseTrusted(%q): Entry %q is not the bad entry", bad, pe.Entry)
		}
	}
	tr, err := ParseTrusted([]string{"10.1.2.3/8", "", "::ffff:192.168.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	if got := tr.Strings(); len(got) != 2 || got[0] != "10.0.0.0/8" || got[1] != "192.168.0.1/32" {
		t.Errorf("Strings = %v", got)
	}
}
