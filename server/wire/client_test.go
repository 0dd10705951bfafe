package wire_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/server"
	"github.com/heraldhq/herald/server/wire"
)

const key = "wire-test-key-0123456789abcdef"

// TestPublisher runs the one publish client against a real hub and against answers that are
// not a hub's, and checks the typed errors callers branch on.
func TestPublisher(t *testing.T) {
	hub, err := server.New(server.Config{Key: key, Limits: server.Limits{MaxBatch: 2}})
	if err != nil {
		t.Fatal(err)
	}
	defer hub.Shutdown(context.Background())
	srv := httptest.NewServer(hub)
	defer srv.Close()
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/busy/publish" {
			w.Header().Set("Retry-After", "7")
			http.Error(w, "overloaded", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("<html>not a hub</html>"))
	}))
	defer other.Close()
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	deadURL := "http://" + closed.Addr().String()
	closed.Close()

	one := wire.PublishRequest{Channel: "news", Event: "headline", Data: wire.Text("hi\nthere")}
	obj := wire.PublishRequest{Channel: "news", Data: json.RawMessage(`{"a":1}`), Key: "k1"}
	tests := []struct {
		name     string
		url, tok string
		msgs     []wire.PublishRequest
		receipts int
		check    func(t *testing.T, err error)
	}{
		{"one event", srv.URL, key, []wire.PublishRequest{one}, 1, nil},
		{"a batch, base URL with a slash", srv.URL + "/", key, []wire.PublishRequest{one, obj}, 2, nil},
		{"wrong token", srv.URL, "nope", []wire.PublishRequest{one}, 0, func(t *testing.T, err error) {
			var he *wire.HubError
			if !errors.As(err, &he) || he.Status != 401 || !strings.Contains(he.Msg, "not valid") {
				t.Errorf("err = %v, want a 401 HubError with the hub's message", err)
			}
		}},
		{"batch over the limit", srv.URL, key, []wire.PublishRequest{one, one, one}, 0, func(t *testing.T, err error) {
			var he *wire.HubError
			if !errors.As(err, &he) || he.Status != 413 {
				t.Errorf("err = %v, want a 413 HubError", err)
			}
		}},
		{"not a hub URL", "ftp://x", key, []wire.PublishRequest{one}, 0, func(t *testing.T, err error) {
			if !errors.Is(err, wire.ErrBadURL) {
				t.Errorf("err = %v, want ErrBadURL", err)
			}
		}},
		{"nobody listening", deadURL, key, []wire.PublishRequest{one}, 0, func(t *testing.T, err error) {
			var ue *wire.UnreachableError
			if !errors.As(err, &ue) || ue.URL != deadURL {
				t.Errorf("err = %v, want an UnreachableError for %s", err, deadURL)
			}
		}},
		{"not a hub", other.URL, key, []wire.PublishRequest{one}, 0, func(t *testing.T, err error) {
			if !errors.Is(err, wire.ErrNotHerald) {
				t.Errorf("err = %v, want ErrNotHerald", err)
			}
		}},
		{"refusal that is not JSON", other.URL + "/busy", key, []wire.PublishRequest{one}, 0, func(t *testing.T, err error) {
			var he *wire.HubError
			if !errors.As(err, &he) || he.Status != 503 || he.RetryAfter != 7*time.Second || !strings.Contains(he.Msg, "overloaded") {
				t.Errorf("err = %v (%+v), want a 503 HubError with Retry-After 7 s and the body", err, he)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := wire.Publisher{URL: tc.url, Token: tc.tok}
			r, err := p.Publish(context.Background(), tc.msgs...)
			if tc.check != nil {
				if err == nil {
					t.Fatalf("published: %+v", r)
				}
				tc.check(t, err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(r) != tc.receipts || r[0].ID == "" || r[0].Channel != "news" {
				t.Fatalf("receipts %+v", r)
			}
		})
	}
	// The idempotency key travels as "id": publishing obj again answers its first receipt.
	p := wire.Publisher{URL: srv.URL, Token: key}
	a, err1 := p.Publish(context.Background(), obj)
	b, err2 := p.Publish(context.Background(), obj)
	if err1 != nil || err2 != nil || a[0].ID != b[0].ID {
		t.Errorf("keyed publishes: %v %v, %v %v; want the same id twice", a, err1, b, err2)
	}
}
