package server

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/server/guard"
)

// batLimits are small so the limit cases are cheap to reach.
var batLimits = Limits{
	MaxSubscribers: 12, MaxPerIP: 12, MaxEventBytes: 8 << 10, MaxBodyBytes: 64 << 10, MaxBatch: 10,
	ReadHeaderTimeout: 500 * time.Millisecond, ReadTimeout: time.Second,
}

// batCase is one bad (or borderline) request and exactly what the hub must answer.
type batCase struct {
	name           string
	method, target string // target is the path and query
	ctype, body    string
	token          string            // sent as "Authorization: Bearer token" unless empty
	hdr            map[string]string // more request headers (Authorization overrides token)
	raw            string            // when set, sent as-is over TCP ({ADDR} and {KEY} replaced)
	want           int
	wantErr        string            // substring of the JSON error
	wantHdr        map[string]string // response headers ("*" means any non-empty value)
}

const okEvent = `{"channel":"pub.ok","data":"x"}`

func batteryCases(tk batTokens) []batCase {
	long := func(n int) string { return strings.Repeat("a", n) }
	post := func(name, ctype, body string, want int, wantErr string) batCase {
		return batCase{name: name, method: "POST", target: "/publish", ctype: ctype, body: body, token: batKey, want: want, wantErr: wantErr}
	}
	js := "application/json"
	cases := []batCase{
		// Malformed, truncated and empty bodies.
		post("malformed JSON", js, `{"channel":`, 400, "not valid JSON"),
		post("truncated object", js, `{"channel":"pub.a","data":"x`, 400, "not valid JSON"),
		post("truncated batch", js, `[{"channel":"pub.a","data":"x"}`, 400, "not valid JSON"),
		post("not JSON at all", js, `channel=pub.a`, 400, "not valid JSON"),
		post("trailing garbage", js, okEvent+` {}`, 400, "data after its JSON value"),
		post("empty JSON body", js, ``, 400, "the body is empty"),
		post("whitespace JSON body", js, " \r\n\t", 400, "the body is empty"),
		post("empty body, no Content-Type", "", ``, 400, "empty"),
		post("empty text/plain body", "text/plain", ``, 400, "empty"),
		post("JSON null", js, `null`, 400, "null"),
		post("empty batch", js, `[]`, 400, "the batch is empty"),
		// Wrong JSON types.
		post("channel is a number", js, `{"channel":7,"data":"x"}`, 400, `"channel" has the wrong type`),
		post("event is an array", js, `{"channel":"pub.a","event":["x"],"data":"x"}`, 400, `"event" has the wrong type`),
		post("retry is a string", js, `{"channel":"pub.a","retry":"5","data":"x"}`, 400, `"retry" has the wrong type`),
		post("id is an object", js, `{"channel":"pub.a","id":{},"data":"x"}`, 400, `"id" has the wrong type`),
		post("body is a string", js, `"hello"`, 400, "wrong type"),
		post("batch of numbers", js, `[1,2]`, 400, "wrong type"),
		post("unknown field", js, `{"channel":"pub.a","dat":"x"}`, 400, `unknown field "dat"`),
		post("empty object", js, `{}`, 400, "data is required"),
		post("no data key", js, `{"channel":"pub.a","event":"e"}`, 400, "data is required"),
		post("no data key in a batch", js, `[`+okEvent+`,{"channel":"pub.a"}]`, 400, "data is required"),
		// Sizes.
		{name: "2 GB Content-Length", raw: "POST /publish HTTP/1.1\r\nHost: {ADDR}\r\nAuthorization: Bearer {KEY}\r\nContent-Type: application/json\r\nContent-Length: 2147483648\r\n\r\n{}",
			want: 413, wantErr: "2147483648 bytes"},
		post("body over the limit", js, `{"channel":"pub.a","data":"`+long(70<<10)+`"}`, 413, "the limit is 65536"),
		{name: "chunked body over the limit", raw: "POST /publish HTTP/1.1\r\nHost: {ADDR}\r\nAuthorization: Bearer {KEY}\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n" +
			fmt.Sprintf("%x\r\n%s\r\n", 70<<10, long(70<<10)) + "0\r\n\r\n", want: 413, wantErr: "larger than the limit"},
		{name: "body slower than the read timeout", raw: "POST /publish HTTP/1.1\r\nHost: {ADDR}\r\nAuthorization: Bearer {KEY}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"channel\"",
			want: 400, wantErr: "reading the body failed"},
		post("event data over the limit", js, `{"channel":"pub.a","data":"`+long(9<<10)+`"}`, 413, "per event"),
		post("batch over the limit", js, "["+strings.Repeat(okEvent+",", 10)+okEvent+"]", 413, "the batch has 11 events"),
		// Channel names.
		post("channel starts with a dash", js, `{"channel":"-pub","data":"x"}`, 400, "must start with a letter or digit"),
		post("channel with a space", js, `{"channel":"pub a","data":"x"}`, 400, "at byte 3"),
		post("channel with a slash", js, `{"channel":"pub/a","data":"x"}`, 400, "at byte 3"),
		post("channel too long", js, `{"channel":"`+long(129)+`","data":"x"}`, 400, "the limit is 128"),
		post("channel is a pattern", js, `{"channel":"pub.*","data":"x"}`, 400, "at byte 4"),
		post("channel with NUL", js, `{"channel":"pub\u0000","data":"x"}`, 400, "at byte 3"),
		post("reserved channel", js, `{"channel":"herald.control","data":"x"}`, 400, "reserved"),
		// Event names and ids that would inject SSE fields.
		post("reserved event name", js, `{"channel":"pub.a","event":"herald.gap","data":"x"}`, 400, "reserved"),
		post("reserved event, other case", js, `{"channel":"pub.a","event":"HERALD.Connected","data":"x"}`, 400, "reserved"),
		post("LF in event", js, `{"channel":"pub.a","event":"a\ndata: evil","data":"x"}`, 400, "CR, LF or NUL"),
		post("CR in event", js, `{"channel":"pub.a","event":"a\rb","data":"x"}`, 400, "CR, LF or NUL"),
		post("NUL in event", js, `{"channel":"pub.a","event":"a\u0000b","data":"x"}`, 400, "CR, LF or NUL"),
		post("CRLF in id", js, `{"channel":"pub.a","id":"1\r\nevent: evil","data":"x"}`, 400, "id contains CR, LF or NUL"),
		post("NUL in id", js, `{"channel":"pub.a","id":"1\u0000","data":"x"}`, 400, "id contains CR, LF or NUL"),
		post("event name too long", js, `{"channel":"pub.a","event":"`+long(129)+`","data":"x"}`, 400, "event name is 129 bytes"),
		{name: "LF in event via query", method: "POST", target: "/publish?channel=pub.a&event=" + url.QueryEscape("a\nid: 5"), ctype: "text/plain", body: "x", token: batKey, want: 400, wantErr: "CR, LF or NUL"},
		post("negative retry", js, `{"channel":"pub.a","retry":-1,"data":"x"}`, 400, "retry is -1"),
		{name: "retry not a number", method: "POST", target: "/publish?channel=pub.a&retry=soon", ctype: "text/plain", body: "x", token: batKey, want: 400, wantErr: "not a whole number"},
		post("invalid UTF-8 data", "text/plain", "bad \xff byte", 400, "not valid UTF-8"),
		// Content types.
		post("text/html", "text/html", `<b>x</b>`, 415, "not supported"),
		post("application/xml", "application/xml", `<x/>`, 415, "not supported"),
		post("multipart", "multipart/form-data; boundary=x", "--x--", 415, "not supported"),
		post("unparsable Content-Type", ";;;", okEvent, 415, "cannot be parsed"),
		// Methods.
		{name: "PUT /publish", method: "PUT", target: "/publish", token: batKey, want: 405, wantErr: "use POST", wantHdr: map[string]string{"Allow": "POST"}},
		{name: "GET /publish", method: "GET", target: "/publish", want: 405, wantErr: "use POST", wantHdr: map[string]string{"Allow": "POST"}},
		{name: "DELETE /events", method: "DELETE", target: "/events", want: 405, wantErr: "use GET", wantHdr: map[string]string{"Allow": "GET"}},
		{name: "POST /events", method: "POST", target: "/events", ctype: js, body: okEvent, want: 405, wantErr: "use GET", wantHdr: map[string]string{"Allow": "GET"}},
		{name: "POST /healthz", method: "POST", target: "/healthz", want: 405, wantErr: "use GET, HEAD", wantHdr: map[string]string{"Allow": "GET, HEAD"}},
		{name: "PATCH /", method: "PATCH", target: "/", want: 405, wantErr: "use GET, HEAD", wantHdr: map[string]string{"Allow": "GET, HEAD"}},
		{name: "unknown path", method: "GET", target: "/admin", want: 404, wantErr: "not found",
			wantHdr: map[string]string{"X-Content-Type-Options": "nosniff", "Content-Security-Policy": guard.ContentSecurityPolicy}},
		// Tokens on publish.
		{name: "publish without a token", method: "POST", target: "/publish", ctype: js, body: okEvent, want: 401, wantErr: "publishing needs a token", wantHdr: map[string]string{"WWW-Authenticate": `Bearer realm="herald"`}},
		{name: "publish, forged token", method: "POST", target: "/publish", ctype: js, body: okEvent, token: tk.wrongKey, want: 401, wantErr: "not valid for this hub", wantHdr: map[string]string{"WWW-Authenticate": `Bearer realm="herald", error="invalid_token"`}},
		{name: "publish, expired token", method: "POST", target: "/publish", ctype: js, body: okEvent, token: tk.expired, want: 401, wantErr: "expired", wantHdr: map[string]string{"WWW-Authenticate": `Bearer realm="herald", error="invalid_token"`}},
		{name: "publish, alg none", method: "POST", target: "/publish", ctype: js, body: okEvent, token: tk.algNone, want: 401, wantErr: "not valid for this hub", wantHdr: map[string]string{"WWW-Authenticate": `Bearer realm="herald", error="invalid_token"`}},
		{name: "publish, ES256", method: "POST", target: "/publish", ctype: js, body: okEvent, token: tk.es256, want: 401, wantErr: "not valid for this hub", wantHdr: map[string]string{"WWW-Authenticate": `Bearer realm="herald", error="invalid_token"`}},
		{name: "publish, key with a typo", method: "POST", target: "/publish", ctype: js, body: okEvent, token: batKey + "x", want: 401, wantErr: "not valid for this hub", wantHdr: map[string]string{"WWW-Authenticate": `Bearer realm="herald", error="invalid_token"`}},
		{name: "publish, Basic auth", method: "POST", target: "/publish", ctype: js, body: okEvent, hdr: map[string]string{"Authorization": "Basic dTpw"}, want: 401, wantErr: "Bearer", wantHdr: map[string]string{"WWW-Authenticate": `Bearer realm="herald", error="invalid_token"`}},
		{name: "publish, token for another channel", method: "POST", target: "/publish", ctype: js, body: okEvent, token: tk.otherChan, want: 403, wantErr: `may not publish to channel "pub.ok"`},
		{name: "publish, batch with one channel outside the token", method: "POST", target: "/publish", ctype: js,
			body: `[{"channel":"pub.x","data":"1"},{"channel":"secret.x","data":"2"}]`, token: tk.pubOnly, want: 403, wantErr: `"secret.x"`},
		{name: "publish, subscribe-only token", method: "POST", target: "/publish", ctype: js, body: okEvent, token: tk.subSecret, want: 403, wantErr: "may not publish at all"},
		{name: "publish from another site", method: "POST", target: "/publish", ctype: js, body: okEvent, token: batKey,
			hdr: map[string]string{"Origin": "https://evil.example"}, want: 403, wantErr: "hub's allowed origins"},
		{name: "preflight from another site", method: "OPTIONS", target: "/publish",
			hdr: map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}, want: 403, wantErr: "not allowed"},
		{name: "preflight from a listed site", method: "OPTIONS", target: "/publish",
			hdr:  map[string]string{"Origin": "https://ok.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"},
			want: 204, wantHdr: map[string]string{"Access-Control-Allow-Origin": "https://ok.example", "Access-Control-Allow-Headers": "Authorization, Content-Type, Last-Event-ID"}},
		// Subscriptions.
		{name: "private channel without a token", method: "GET", target: "/events?channel=secret.a", want: 401, wantErr: `"secret.a" is private`, wantHdr: map[string]string{"WWW-Authenticate": `Bearer realm="herald"`}},
		{name: "private wildcard without a token", method: "GET", target: "/events?channel=secret.*", want: 401, wantErr: "needs a token", wantHdr: map[string]string{"WWW-Authenticate": `Bearer realm="herald"`}},
		{name: "subscribe, forged token", method: "GET", target: "/events?channel=pub.a&token=" + tk.wrongKey, want: 401, wantErr: "not valid for this hub", wantHdr: map[string]string{"WWW-Authenticate": `Bearer realm="herald", error="invalid_token"`}},
		{name: "subscribe, alg none in query", method: "GET", target: "/events?channel=secret.a&token=" + tk.algNone, want: 401, wantErr: "not valid for this hub", wantHdr: map[string]string{"WWW-Authenticate": `Bearer realm="herald", error="invalid_token"`}},
		{name: "subscribe, expired token in query", method: "GET", target: "/events?channel=secret.a&token=" + tk.expired, want: 401, wantErr: "expired", wantHdr: map[string]string{"WWW-Authenticate": `Bearer realm="herald", error="invalid_token"`}},
		{name: "subscribe, expired token in cookie", method: "GET", target: "/events?channel=secret.a",
			hdr: map[string]string{"Cookie": "herald_token=" + tk.expired}, want: 401, wantErr: "expired", wantHdr: map[string]string{"WWW-Authenticate": `Bearer realm="herald", error="invalid_token"`}},
		{name: "subscribe, token for another channel", method: "GET", target: "/events?channel=secret.a", token: tk.otherChan, want: 403, wantErr: `may not read channel "secret.a"`},
		{name: "subscribe, publish-only token", method: "GET", target: "/events?channel=secret.a", token: tk.pubOnly, want: 403, wantErr: "may not subscribe at all"},
		{name: "subscribe, bad channel name", method: "GET", target: "/events?channel=-x", want: 400, wantErr: "must start with a letter or digit"},
		{name: "subscribe, bad pattern", method: "GET", target: "/events?channel=pub.a*", want: 400, wantErr: "whole dot segment"},
		{name: "subscribe, too many channels", method: "GET", target: "/events?channel=" + manyChannels(65), want: 400, wantErr: "the limit is 64"},
	}
	return cases
}

func manyChannels(n int) string {
	names := make([]string, n)
	for i := range names {
		names[i] = "pub.c" + strconv.Itoa(i)
	}
	return strings.Join(names, ",")
}

func runBatCase(t *testing.T, bh *batHub, tc batCase) batResponse {
	t.Helper()
	if tc.raw != "" {
		raw := strings.ReplaceAll(strings.ReplaceAll(tc.raw, "{ADDR}", bh.addr), "{KEY}", batKey)
		return rawRequest(t, bh.addr, raw)
	}
	var body io.Reader
	if tc.body != "" {
		body = strings.NewReader(tc.body)
	}
	req, err := http.NewRequest(tc.method, bh.URL+tc.target, body)
	if err != nil {
		t.Fatal(err)
	}
	if tc.ctype != "" {
		req.Header.Set("Content-Type", tc.ctype)
	}
	if tc.token != "" {
		req.Header.Set("Authorization", "Bearer "+tc.token)
	}
	for k, v := range tc.hdr {
		req.Header.Set(k, v)
	}
	client := &http.Client{Timeout: 20 * time.Second}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", tc.method, tc.target, err)
	}
	return readBatResponse(t, resp)
}

// TestBadInputBattery throws every case at one running hub, then checks that the hub still
// serves a normal subscriber and that nothing published before or during the battery is lost.
func TestBadInputBattery(t *testing.T) {
	bh := newBatHub(t, batLimits, guard.Config{
		CORSOrigins: []string{"https://ok.example"},
		Connect:     guard.Limit{Rate: 1000, Burst: 1000}, PublishPerToken: guard.Limit{Rate: 1000, Burst: 1000},
		PublishPerIP: guard.Limit{Rate: 1000, Burst: 1000},
	})
	tk := mintBatTokens(t)

	// A witness subscribed to everything (with the key) before the battery records every
	// event it receives; events are published before the battery starts.
	witness := openBatStream(t, bh.URL+"/events?channel=*", "Authorization", "Bearer "+batKey)
	if ev := witness.next(t); ev.Type != "herald.connected" {
		t.Fatalf("first event %+v, want herald.connected", ev)
	}
	var seen []batEvent
	watch := func(t *testing.T) batEvent {
		ev := witness.nextReal(t)
		seen = append(seen, ev)
		return ev
	}
	marker := bh.mustPublishBat(t, "pub.before", "marker")
	var published []string // data of every event that must be accepted after the marker, in order
	for i := range 5 {
		d := fmt.Sprintf("before %d", i)
		bh.mustPublishBat(t, "pub.before", d)
		published = append(published, d)
	}

	cases := batteryCases(tk)
	if len(cases) < 50 {
		t.Fatalf("only %d cases; the battery needs at least 50", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := runBatCase(t, bh, tc)
			if got.status != tc.want {
				t.Errorf("status %d, want %d (body %.300q)", got.status, tc.want, got.body)
			}
			if tc.wantErr != "" && !strings.Contains(got.err, tc.wantErr) {
				t.Errorf("error %q does not contain %q (body %.300q)", got.err, tc.wantErr, got.body)
			}
			if got.status >= 400 && got.err == "" {
				t.Errorf("status %d without a JSON error: %.300q", got.status, got.body)
			}
			for k, want := range tc.wantHdr {
				if v := got.header.Get(k); (want == "*" && v == "") || (want != "*" && v != want) {
					t.Errorf("header %s = %q, want %q", k, v, want)
				}
			}
			for _, secret := range []string{batKey, tk.wrongKey, tk.expired, tk.otherChan} {
				if strings.Contains(got.body, secret) {
					t.Errorf("the answer echoes a secret or token: %.300q", got.body)
				}
			}
		})
	}

	t.Run("multi-line data becomes data lines, never a new field", func(t *testing.T) {
		for _, tc := range []struct{ data, want string }{
			{"a\nb", "a\nb"}, {"a\rb", "a\nb"}, {"a\r\nb", "a\nb"},
			{"x\n\nevent: evil\nid: 1\nretry: 1", "x\n\nevent: evil\nid: 1\nretry: 1"},
			{"\r\n", "\n"}, {"trail\n", "trail\n"},
		} {
			st, body := bh.postJSON(t, tk.pubOnly, map[string]any{"channel": "lines", "event": "multi", "data": tc.data})
			if st != 200 {
				t.Fatalf("publish %q: %d %s", tc.data, st, body)
			}
			published = append(published, tc.want)
			var ev batEvent
			for range 100 { // skip anything a failing case above let through
				if ev = watch(t); ev.Type == "multi" {
					break
				}
			}
			for _, l := range ev.Lines {
				if !strings.HasPrefix(l, "data: ") && !strings.HasPrefix(l, "id: ") && l != "event: multi" {
					t.Errorf("data %q produced the field line %q", tc.data, l)
				}
			}
			if ev.Type != "multi" || ev.Data != tc.want {
				t.Errorf("data %q arrived as type %q data %q, want %q", tc.data, ev.Type, ev.Data, tc.want)
			}
		}
	})

	t.Run("lastEventId that is not ours gives herald.gap", func(t *testing.T) {
		for _, id := range []string{"abc", "99999999999999999999999-1", "1-2-3", "x\nevent: evil"} {
			s := openBatStream(t, bh.URL+"/events?channel=pub.a&lastEventId="+url.QueryEscape(id))
			if ev := s.next(t); ev.Type != "herald.connected" {
				t.Fatalf("%q: first %+v", id, ev)
			}
			ev := s.next(t)
			if ev.Type != "herald.gap" || !strings.Contains(ev.Data, "unknown-id") || len(ev.Lines) != 2 {
				t.Errorf("lastEventId %q: got %+v, want one herald.gap with reason unknown-id", id, ev)
			}
			s.resp.Body.Close()
		}
	})

	t.Run("slowloris headers are cut off by the header timeout", func(t *testing.T) {
		c, err := net.Dial("tcp", bh.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := fmt.Fprintf(c, "GET /events?channel=pub.a HTTP/1.1\r\nHost: %s\r\nX-Slow: ", bh.addr); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
		n, err := io.Copy(io.Discard, c)
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("the hub kept a connection with unfinished headers open for 20 s (read %d bytes)", n)
		}
	})

	t.Run("over-limit connections get 503 and Retry-After", func(t *testing.T) {
		// Only the witness is left once the streams of the cases above are reaped (the hub
		// notices a closed client at its next keep-alive write).
		open := 1
		waitConnections(t, bh.Hub, open)
		var conns []net.Conn
		for range batLimits.MaxSubscribers - open {
			conns = append(conns, rawConn(t, bh.URL, "?channel=pub.flood"))
		}
		waitConnections(t, bh.Hub, batLimits.MaxSubscribers)
		got := runBatCase(t, bh, batCase{method: "GET", target: "/events?channel=pub.a"})
		if got.status != 503 || got.header.Get("Retry-After") == "" || !strings.Contains(got.err, "subscriber limit") {
			t.Errorf("got %d Retry-After %q error %q; want 503 with Retry-After", got.status, got.header.Get("Retry-After"), got.err)
		}
		for _, c := range conns {
			c.Close()
		}
		waitConnections(t, bh.Hub, open)
	})

	// After the battery the hub still serves: a new subscriber resuming after the marker
	// gets exactly what the witness saw live (nothing lost), in order, then live events.
	final := openBatStream(t, bh.URL+"/events?channel=*&lastEventId="+marker, "Authorization", "Bearer "+batKey)
	bh.mustPublishBat(t, "pub.after", "after")
	published = append(published, "after")
	for range 1000 {
		if ev := watch(t); ev.Data == "after" {
			break
		}
	}
	if len(seen) == 0 || seen[0].ID != marker {
		t.Fatalf("the witness did not see the marker first: %+v", seen)
	}
	var resumed []batEvent
	for range 1000 {
		ev := final.nextReal(t)
		resumed = append(resumed, ev)
		if ev.Data == "after" {
			break
		}
	}
	if fmt.Sprint(resumed) != fmt.Sprint(seen[1:]) {
		t.Fatalf("resumed subscriber got\n%v\nthe live witness saw\n%v", resumed, seen[1:])
	}
	// Every accepted event is there, in publish order.
	i := 0
	for _, ev := range resumed {
		if i < len(published) && ev.Data == published[i] {
			i++
		}
	}
	if i != len(published) {
		t.Fatalf("event %q (number %d of %d accepted) is missing after the battery", published[i], i, len(published))
	}
}

// mustPublishBat publishes one event through the Go API and returns its id.
func (bh *batHub) mustPublishBat(t *testing.T, channel, data string) string {
	t.Helper()
	st, body := bh.postJSON(t, batKey, map[string]any{"channel": channel, "data": data})
	if st != 200 {
		t.Fatalf("publish %q: %d %s", data, st, body)
	}
	var r Receipt
	if err := json.Unmarshal([]byte(body), &r); err != nil || r.ID == "" {
		t.Fatalf("receipt %q: %v", body, err)
	}
	return r.ID
}

// postJSON publishes v over HTTP with token.
func (bh *batHub) postJSON(t *testing.T, token string, v any) (int, string) {
	t.Helper()
	b, _ := json.Marshal(v)
	got := runBatCase(t, bh, batCase{method: "POST", target: "/publish", ctype: "application/json", body: string(b), token: token})
	return got.status, got.body
}
