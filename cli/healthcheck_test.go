package cli

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestLocalHubURL(t *testing.T) {
	for _, tt := range []struct{ addr, want string }{
		{"", "http://127.0.0.1:7878"},
		{"0.0.0.0:9000", "http://127.0.0.1:9000"},
		{":9001", "http://127.0.0.1:9001"},
		{"[::]:9002", "http://127.0.0.1:9002"},
		{"127.0.0.2:9003", "http://127.0.0.2:9003"},
		{"[::1]:9004", "http://[::1]:9004"},
		{"nonsense", "http://127.0.0.1:7878"},
	} {
		if got := localHubURL(tt.addr); got != tt.want {
			t.Errorf("localHubURL(%q) = %q; want %q", tt.addr, got, tt.want)
		}
	}
}

// TestHealthcheck: 0 for a healthy hub, 1 with the reason for a 503 or nothing listening,
// 2 for bad usage.
func TestHealthcheck(t *testing.T) {
	url, _ := startServe(t, "--history-store", "memory")
	sick := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":"the broker is unreachable"}`, http.StatusServiceUnavailable)
	}))
	defer sick.Close()
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"healthy", []string{"--url", url}, 0, "is healthy"},
		{"unhealthy", []string{"--url", sick.URL}, 1, "503 Service Unavailable: {\"error\":\"the broker is unreachable\"}"},
		{"nothing there", []string{"--url", gone.URL, "--timeout", "2s"}, 1, "connection refused"},
		{"bad usage", []string{"http://x"}, 2, "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errs syncBuffer
			code := Run(append([]string{"healthcheck"}, tt.args...), strings.NewReader(""), &out, &errs)
			if code != tt.code || !strings.Contains(out.String()+errs.String(), tt.msg) {
				t.Fatalf("exit %d, output %q %q; want %d and %q", code, out.String(), errs.String(), tt.code, tt.msg)
			}
		})
	}
}
