package guard

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// echo is the wrapped handler: it answers 200 "ok" so tests see whether the guard let a
// request through.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })

func serve(g *Guard, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	g.Middleware(echo).ServeHTTP(w, r)
	return w
}

func errorOf(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	var body struct{ Error string }
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %q is not a JSON error: %v", w.Body.String(), err)
	}
	return body.Error
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	g := New(Config{Connect: Limit{Rate: 1, Burst: 1}})
	reqs := []*http.Request{
		httptest.NewRequest("GET", "/", nil),
		httptest.NewRequest("GET", "/events", nil),
		httptest.NewRequest("GET", "/events", nil), // refused by the limit: headers still there
		httptest.NewRequest("POST", "/publish", nil),
		httptest.NewRequest("OPTIONS", "/publish", nil),
	}
	for i, r := range reqs {
		w := serve(g, r)
		h := w.Result().Header
		for k, want := range map[string]string{
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "no-referrer",
			"Content-Security-Policy": ContentSecurityPolicy,
			"X-Frame-Options":         "DENY",
		} {
			if got := h.Get(k); got != want {
				t.Errorf("request %d %s %s (status %d): %s = %q, want %q", i, r.Method, r.URL, w.Code, k, got, want)
			}
		}
	}
	for _, must := range []string{"default-src 'self'", "frame-ancestors 'none'", "connect-src 'self'", "img-src 'self' data:", "style-src 'self'"} {
		if !strings.Contains(ContentSecurityPolicy, must) {
			t.Errorf("CSP lacks %q", must)
		}
	}
	if strings.Contains(ContentSecurityPolicy, "unsafe-inline") || strings.Contains(ContentSecurityPolicy, "unsafe-eval") {
		t.Errorf("CSP allows inline or eval: %s", ContentSecurityPolicy)
	}
}

func TestCORS(t *testing.T) {
	isPublic := func(ch string) bool { return !strings.HasPrefix(ch, "secret") }
	open := New(Config{IsPublic: isPublic})
	listed := New(Config{IsPublic: isPublic, CORSOrigins: []string{"https://ok.example"}})
	star := New(Config{CORSOrigins: []string{"*"}})
	tests := []struct {
		name       string
		g          *Guard
		method     string
		target     string
		origin     string
		host       string
		wantStatus int
		wantACAO   string
		wantErr    string
	}{
		{"no origin passes", open, "POST", "/publish", "", "", 200, "", ""},
		{"public events any origin", open, "GET", "/events?channel=news", "https://x.example", "", 200, "*", ""},
		{"default channel public", open, "GET", "/events", "https://x.example", "", 200, "*", ""},
		{"wildcard counts public", open, "GET", "/events?channel=*", "https://x.example", "", 200, "*", ""},
		{"comma list all public", open, "GET", "/events?channel=news,sports", "https://x.example", "", 200, "*", ""},
		{"comma list with a private one", open, "GET", "/events?channel=news,secret.b", "https://x.example", "", 200, "", ""},
		{"private events no CORS", open, "GET", "/events?channel=news&channel=secret.a", "https://x.example", "", 200, "", ""},
		{"stats any origin", open, "GET", "/stats", "https://x.example", "", 200, "*", ""},
		{"cross-site publish refused", open, "POST", "/publish", "https://evil.example", "", 403, "", "hub's allowed origins"},
		{"null origin publish refused", open, "POST", "/publish", "null", "", 403, "", "may not publish"},
		{"same-origin publish", open, "POST", "/publish", "http://hub.lan:7878", "hub.lan:7878", 200, "", ""},
		{"listed origin publish", listed, "POST", "/publish", "https://ok.example", "", 200, "https://ok.example", ""},
		{"listed origin private events", listed, "GET", "/events?channel=secret.a", "https://ok.example", "", 200, "https://ok.example", ""},
		{"unlisted origin publish", listed, "POST", "/publish", "https://no.example", "", 403, "", "https://no.example"},
		{"star list echoes origin", star, "POST", "/publish", "https://z.example", "", 200, "https://z.example", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, tc.target, nil)
			if tc.origin != "" {
				r.Header.Set("Origin", tc.origin)
			}
			if tc.host != "" {
				r.Host = tc.host
			}
			w := serve(tc.g, r)
			if w.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d (%s)", w.Code, tc.wantStatus, w.Body)
			}
			if got := w.Header().Get("Access-Control-Allow-Origin"); got != tc.wantACAO {
				t.Errorf("Access-Control-Allow-Origin %q, want %q", got, tc.wantACAO)
			}
			if tc.wantErr != "" {
				// The browser's user cannot restart the hub: no operator flag in the answer.
				if e := errorOf(t, w); !strings.Contains(e, tc.wantErr) || strings.Contains(e, "--") {
					t.Errorf("error %q lacks %q or names a flag", e, tc.wantErr)
				}
			}
			if tc.origin != "" && !strings.Contains(strings.Join(w.Header().Values("Vary"), ","), "Origin") {
				t.Errorf("no Vary: Origin")
			}
		})
	}
}

func TestPreflight(t *testing.T) {
	open := New(Config{})
	listed := New(Config{CORSOrigins: []string{"https://ok.example/"}})
	tests := []struct {
		name       string
		g          *Guard
		target     string
		origin     string
		method     string
		wantStatus int
		wantACAO   string
	}{
		{"publish from listed origin", listed, "/publish", "https://ok.example", "POST", 204, "https://ok.example"},
		{"publish from unlisted origin", listed, "/publish", "https://evil.example", "POST", 403, ""},
		{"publish with default config", open, "/publish", "https://evil.example", "POST", 403, ""},
		{"events with default config", open, "/events?channel=a", "https://x.example", "GET", 204, "*"},
		{"same origin", open, "/publish", "http://example.com", "POST", 204, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("OPTIONS", tc.target, nil)
			r.Header.Set("Origin", tc.origin)
			r.Header.Set("Access-Control-Request-Method", tc.method)
			r.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
			w := serve(tc.g, r)
			if w.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d (%s)", w.Code, tc.wantStatus, w.Body)
			}
			if got := w.Header().Get("Access-Control-Allow-Origin"); got != tc.wantACAO {
				t.Errorf("Allow-Origin %q, want %q", got, tc.wantACAO)
			}
			if w.Code != 204 {
				if w.Body.String() == "ok" {
					t.Error("refused preflight reached the hub")
				}
				if e := errorOf(t, w); !strings.Contains(e, "hub's allowed origins") || strings.Contains(e, "--") {
					t.Errorf("refusal %q does not say to ask for the site to be allowed, or names a flag", e)
				}
				return
			}
			if w.Body.Len() != 0 {
				t.Errorf("preflight reached the hub: body %q", w.Body)
			}
			if m := w.Header().Get("Access-Control-Allow-Methods"); !strings.Contains(m, "POST") || !strings.Contains(m, "GET") {
				t.Errorf("Allow-Methods %q", m)
			}
			h := w.Header().Get("Access-Control-Allow-Headers")
			for _, want := range []string{"Authorization", "Content-Type", "Last-Event-ID"} {
				if !strings.Contains(h, want) {
					t.Errorf("Allow-Headers %q lacks %s", h, want)
				}
			}
		})
	}
}

func TestPlainOptionsPassesThrough(t *testing.T) {
	// An OPTIONS request that is not a CORS preflight is the hub's to answer (e.g. 405 + Allow).
	w := serve(New(Config{}), httptest.NewRequest("OPTIONS", "/publish", nil))
	if w.Body.String() != "ok" {
		t.Fatalf("plain OPTIONS did not reach the hub: %d %q", w.Code, w.Body)
	}
}

func TestStatsMerged(t *testing.T) {
	g := New(Config{Connect: Limit{Rate: 5, Burst: 7}})
	hub := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		io.WriteString(w, `{"connections":3}`)
	})
	w := httptest.NewRecorder()
	g.Middleware(hub).ServeHTTP(w, httptest.NewRequest("GET", "/stats", nil))
	var got struct {
		Connections int
		Guard       Stats
	}
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatalf("%v in %q", err, w.Body)
	}
	if got.Connections != 3 || got.Guard.Limits.ConnectPerIP != (Limit{5, 7}) {
		t.Fatalf("merged stats %+v from %s", got, w.Body)
	}
	if w.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Error("security headers lost on /stats")
	}
	// A non-JSON or failed answer passes unchanged.
	fail := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 503) })
	w = httptest.NewRecorder()
	g.Middleware(fail).ServeHTTP(w, httptest.NewRequest("GET", "/stats", nil))
	if w.Code != 503 || w.Body.String() != "down\n" {
		t.Fatalf("failed answer changed: %d %q", w.Code, w.Body)
	}
}
