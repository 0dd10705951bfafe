package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestErrorStatuses(t *testing.T) {
	th := newTestHub(t, Config{Limits: Limits{MaxEventBytes: 100, MaxBodyBytes: 1000, MaxBatch: 3, MaxPerIP: 2}})
	type tc struct {
		name, method, path, ctype, body string
		auth                            string // "" = the hub key, "-" = none
		want                            int
		wantErr, wantHdr                string
	}
	tests := []tc{
		{"wrong method on publish", "GET", "/publish", "", "", "", 405, "use POST", "Allow: POST"},
		{"wrong method on events", "POST", "/events", "", "", "", 405, "use GET", "Allow: GET"},
		{"unknown path", "GET", "/nope", "", "", "", 404, "not found", ""},
		{"no token", "POST", "/publish", "application/json", `{"channel":"a","data":"x"}`, "-", 401, "Bearer", ""},
		{"wrong token", "POST", "/publish", "application/json", `{"channel":"a","data":"x"}`, "nope", 401, "not valid", ""},
		{"malformed JSON", "POST", "/publish", "application/json", `{"channel":`, "", 400, "not valid JSON", ""},
		{"unknown field", "POST", "/publish", "application/json", `{"chanel":"a"}`, "", 400, `unknown field "chanel"`, ""},
		{"bad channel", "POST", "/publish", "application/json", `{"channel":"a b","data":"x"}`, "", 400, "channel name", ""},
		{"reserved event", "POST", "/publish", "application/json", `{"channel":"a","event":"herald.gap","data":"x"}`, "", 400, "reserved", ""},
		{"event with LF", "POST", "/publish", "application/json", `{"channel":"a","event":"x\nid: 9","data":"x"}`, "", 400, "CR, LF or NUL", ""},
		{"event with CR", "POST", "/publish", "text/plain", "x", "", 400, "CR, LF or NUL", ""}, // event from the query below
		{"id with NUL", "POST", "/publish", "application/json", `{"channel":"a","id":"a\u0000b","data":"x"}`, "", 400, "CR, LF or NUL", ""},
		{"negative retry", "POST", "/publish", "application/json", `{"channel":"a","retry":-1,"data":"x"}`, "", 400, "retry", ""},
		{"event too large", "POST", "/publish", "text/plain", strings.Repeat("x", 101), "", 413, "limit is 100", ""},
		{"body too large", "POST", "/publish", "text/plain", strings.Repeat("x", 1001), "", 413, "limit", ""},
		{"batch too large", "POST", "/publish", "application/json", `[{"data":"1"},{"data":"2"},{"data":"3"},{"data":"4"}]`, "", 413, "limit is 3", ""},
		{"unsupported type", "POST", "/publish", "application/xml", `<a/>`, "", 415, "application/json", ""},
		{"bad pattern", "GET", "/events?channel=st*", "", "", "-", 400, "pattern", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.path
			if tt.name == "event with CR" {
				path += "?channel=a&event=x%0Dy"
			}
			req, _ := http.NewRequest(tt.method, th.URL+path, strings.NewReader(tt.body))
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			switch tt.auth {
			case "":
				req.Header.Set("Authorization", "Bearer "+testKey)
			case "-":
			default:
				req.Header.Set("Authorization", "Bearer "+tt.auth)
			}
			checkError(t, req, tt.want, tt.wantErr, tt.wantHdr)
		})
	}

	// 429 with Retry-After: a third stream from one address.
	th.open(t, "?channel=a")
	th.open(t, "?channel=b")
	req, _ := http.NewRequest("GET", th.URL+"/events?channel=c", nil)
	checkError(t, req, 429, "too many open streams", "Retry-After: 10")
}

func TestSubscriberLimitAndShutdown503(t *testing.T) {
	th := newTestHub(t, Config{Limits: Limits{MaxSubscribers: 1}})
	th.open(t, "?channel=a")
	req, _ := http.NewRequest("GET", th.URL+"/events?channel=a", nil)
	checkError(t, req, 503, "subscriber limit", "Retry-After: 10")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := th.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	req, _ = http.NewRequest("POST", th.URL+"/publish", strings.NewReader(`{"data":"x"}`))
	req.Header.Set("Authorization", "Bearer "+testKey)
	checkError(t, req, 503, "shutting down", "Retry-After: 5")
	req, _ = http.NewRequest("GET", th.URL+"/healthz", nil)
	checkError(t, req, 503, "shutting down", "")
}

// checkError sends req and checks the status, the JSON error and one response header.
func checkError(t *testing.T, req *http.Request, want int, wantErr, wantHdr string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var body struct{ Error string }
	if resp.StatusCode != want || json.Unmarshal(b, &body) != nil || !strings.Contains(body.Error, wantErr) {
		t.Errorf("%s %s: %d %s, want %d with %q", req.Method, req.URL.Path, resp.StatusCode, b, want, wantErr)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("error Content-Type = %q", ct)
	}
	if k, v, ok := strings.Cut(wantHdr, ": "); ok && resp.Header.Get(k) != v {
		t.Errorf("header %s = %q, want %q", k, resp.Header.Get(k), v)
	}
}

func TestPublishForms(t *testing.T) {
	th := newTestHub(t, Config{})
	s := th.open(t, "?channel=f")
	s.expect(t, "herald.connected")
	tests := []struct {
		ctype, query, body  string
		wantEvent, wantData string
	}{
		{"application/json", "", `{"channel":"f","event":"e","data":"text"}`, "e", "text"},
		{"application/json", "", `{"channel":"f","data":{"b":[1, 2],"a":null}}`, "", `{"b":[1,2],"a":null}`},
		{"application/json", "", `{"channel":"f","data":42}`, "", "42"},
		{"application/json", "", `{"channel":"f","data":""}`, "", ""}, // explicit empty data
		{"application/json", "", `{"channel":"f","data":null}`, "", "null"},
		{"application/json", "?channel=f&event=q", `{"data":"from query"}`, "q", "from query"},
		{"text/plain; charset=utf-8", "?channel=f&event=t", "two\nlines", "t", "two\nlines"},
		{"", "?channel=f", "raw text", "", "raw text"},
		{"", "", `{"channel":"f","data":"sniffed"}`, "", "sniffed"},
		{"application/x-www-form-urlencoded", "?channel=f", "curl -d", "", "curl -d"},
	}
	for _, tt := range tests {
		code, body, _ := th.post(t, tt.ctype, tt.query, tt.body, "Content-Type", tt.ctype)
		var r Receipt
		if code != 200 || json.Unmarshal([]byte(body), &r) != nil || r.Channel != "f" {
			t.Fatalf("%s %q: %d %s", tt.ctype, tt.body, code, body)
		}
		ev := s.next(t, false)
		if ev.ID != r.ID || ev.Event != tt.wantEvent || ev.Data != tt.wantData {
			t.Errorf("%s %q: got %+v, want event %q data %q id %s", tt.ctype, tt.body, ev, tt.wantEvent, tt.wantData, r.ID)
		}
	}
	// A batch is published in order and answered with a list.
	code, body, _ := th.post(t, "application/json", "", `[{"channel":"f","data":"1"},{"channel":"f","data":"2"},{"channel":"other","data":"3"}]`)
	var rs []Receipt
	if code != 200 || json.Unmarshal([]byte(body), &rs) != nil || len(rs) != 3 || rs[2].Channel != "other" {
		t.Fatalf("batch: %d %s", code, body)
	}
	a, _ := ParseID(rs[0].ID)
	b, _ := ParseID(rs[1].ID)
	c, _ := ParseID(rs[2].ID)
	if !a.Less(b) || !b.Less(c) {
		t.Errorf("batch ids not increasing: %v", rs)
	}
	for i, want := range []string{"1", "2"} {
		if ev := s.next(t, false); ev.Data != want || ev.ID != rs[i].ID {
			t.Errorf("batch event %d = %+v", i, ev)
		}
	}
	// The same idempotency key twice: one event, the same receipt.
	_, b1, _ := th.post(t, "application/json", "", `{"channel":"f","id":"order-7","data":"once"}`)
	_, b2, _ := th.post(t, "application/json", "", `[{"channel":"f","id":"order-7","data":"twice"},{"channel":"f","id":"order-8","data":"new"},{"channel":"f","id":"order-8","data":"dup"}]`)
	var first Receipt
	var again []Receipt
	_ = json.Unmarshal([]byte(b1), &first)
	_ = json.Unmarshal([]byte(b2), &again)
	if len(again) != 3 || again[0].ID != first.ID || again[1].ID == first.ID || again[2].ID != again[1].ID {
		t.Errorf("idempotency: first %v, again %v", first, again)
	}
	if ev := s.next(t, false); ev.Data != "once" {
		t.Errorf("got %+v, want once", ev)
	}
	if ev := s.next(t, false); ev.Data != "new" {
		t.Errorf("got %+v, want new (the repeated keys must not be stored)", ev)
	}
}

func TestMiddlewareHeadersReachStreams(t *testing.T) {
	th := newTestHub(t, Config{Middleware: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Access-Control-Allow-Origin", "*")
			next.ServeHTTP(w, r)
		})
	}})
	s := th.open(t, "?channel=a")
	if got := s.resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("middleware header on the stream = %q", got)
	}
	resp, err := http.Get(th.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(strings.ToLower(string(b)), "<html") {
		t.Errorf("dashboard: %d %.80s", resp.StatusCode, b)
	}
	var st Stats
	if code := getJSON(t, th.URL+"/stats", &st); code != 200 || st.Connections != 1 || !st.Healthy || st.Limits.MaxSubscribers != DefaultMaxSubscribers {
		t.Errorf("/stats: %d %+v", code, st)
	}
	resp, err = http.Get(th.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, m := range []string{"herald_connections 1", "herald_publish_duration_seconds_bucket", "herald_delivered_total", `herald_subscribers{channel="a"} 1`} {
		if !strings.Contains(string(b), m) {
			t.Errorf("/metrics lacks %q", m)
		}
	}
}

// TestHTTP2Streams covers the path without hijacking (HTTP/2 over TLS): delivery, replay
// and the shutdown event.
func TestHTTP2Streams(t *testing.T) {
	h, err := New(Config{Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	client := srv.Client()
	first, _ := h.Publish(context.Background(), Message{Channel: "h2", Data: "before"})
	req, _ := http.NewRequest("GET", srv.URL+"/events?channel=h2", nil)
	req.Header.Set("Last-Event-ID", first[0].ID)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.ProtoMajor != 2 || resp.TLS == nil {
		t.Fatalf("proto %s, want HTTP/2 over TLS", resp.Proto)
	}
	s := &stream{resp: resp, r: newReader(resp.Body)}
	s.expect(t, "herald.connected")
	s.expect(t, "herald.live") // resumed at the newest event: nothing to replay
	id, _ := h.Publish(context.Background(), Message{Channel: "h2", Data: "live"})
	if ev := s.next(t, false); ev.ID != id[0].ID {
		t.Fatalf("got %+v, want %s", ev, id[0].ID)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	go h.Shutdown(ctx)
	s.expect(t, "herald.shutdown")
}
