package backend

import (
	"net/http"
	"strings"
	"testing"

	"github.com/heraldhq/herald/app/model"
	"github.com/heraldhq/herald/server/guard"
)

// The app's hub, shared on the LAN, answers with the same guard as `herald serve`: security
// headers on every route and no cross-site publishing.
func TestHubSendsGuardHeaders(t *testing.T) {
	h := &Hub{Key: testKey, Logger: quiet()}
	if err := h.ApplyHub(model.HubSettings{Enabled: true, LAN: true, Port: 0}); err != nil {
		t.Fatal(err)
	}
	defer h.Stop()
	base := h.LocalURL()

	for _, path := range []string{"/", "/healthz", "/stats"} {
		t.Run(path, func(t *testing.T) {
			resp, err := http.Get(base + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			want := map[string]string{
				"Content-Security-Policy": guard.ContentSecurityPolicy,
				"X-Content-Type-Options":  "nosniff",
				"X-Frame-Options":         "DENY",
			}
			for k, v := range want {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("GET %s: %s = %q, want %q", path, k, got, v)
				}
			}
		})
	}

	// A page on another site may not publish through a visitor's browser.
	req, _ := http.NewRequest(http.MethodPost, base+"/publish?channel=alerts", strings.NewReader(`{"data":"x"}`))
	req.Header.Set("Origin", "http://evil.example")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin publish: status %d, want 403", resp.StatusCode)
	}
}
