package sources

import (
	"context"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/app/model"
	"github.com/heraldhq/herald/sseclient"
)

func TestRecognize(t *testing.T) {
	tok := "x." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"1","channels":["news"]}`)) + ".y"
	cases := []struct {
		name, url, token string
		kind             Kind
		label            string
		request          string // the first request's URL
		auth             string
	}{
		{"herald hub", "http://192.168.1.20:7878", "", Generic, "", "", ""},
		{"herald events", "http://hub:7878/events?channel=a", "", Generic, "", "", ""},
		{"other sse", "https://example.com/stream/live", "", Generic, "", "", ""},
		{"single segment, unknown host", "https://example.com/alerts", "", Generic, "", "", ""},
		{"ntfy bare topic", "https://ntfy.example/alerts", "", Ntfy, "ntfy topic alerts on ntfy.example", "https://ntfy.example/alerts/sse", ""},
		{"ntfy.sh", "https://ntfy.sh/phil_alerts", "tk_abc", Ntfy, "ntfy topic phil_alerts on ntfy.sh", "https://ntfy.sh/phil_alerts/sse", "Bearer tk_abc"},
		{"ntfy sse", "https://push.example.org/alerts/sse", "", Ntfy, "ntfy topic alerts on push.example.org", "https://push.example.org/alerts/sse", ""},
		{"ntfy json becomes sse", "https://push.example.org/alerts/json?poll=1&since=all", "", Ntfy, "ntfy topic alerts on push.example.org", "https://push.example.org/alerts/sse", ""},
		{"ntfy topics", "https://push.example.org/t1,t2/sse", "", Ntfy, "ntfy topics t1, t2 on push.example.org", "https://push.example.org/t1,t2/sse", ""},
		{"ntfy basic in url", "https://phil:secret@ntfy.example/alerts", "", Ntfy, "ntfy topic alerts on ntfy.example", "https://ntfy.example/alerts/sse", "Basic cGhpbDpzZWNyZXQ="},
		{"ntfy user:pass token", "https://ntfy.example/alerts", "phil:secret", Ntfy, "ntfy topic alerts on ntfy.example", "https://ntfy.example/alerts/sse", "Basic cGhpbDpzZWNyZXQ="},
		{"ntfy bad topic", "https://ntfy.example/al%20erts", "", Generic, "", "", ""},
		{"mercure", "https://hub.example/.well-known/mercure?topic=https://example.com/books/1", "jwt", Mercure, "Mercure topic https://example.com/books/1 on hub.example", "https://hub.example/.well-known/mercure?topic=https%3A%2F%2Fexample.com%2Fbooks%2F1", "Bearer jwt"},
		{"mercure topics", "https://hub.example/.well-known/mercure?topic=a&topic=b", "", Mercure, "Mercure topics a, b on hub.example", "https://hub.example/.well-known/mercure?topic=a&topic=b", ""},
		{"centrifugo", "http://127.0.0.1:8000/connection/uni_sse", tok, Centrifugo, "Centrifugo channel news on 127.0.0.1:8000", "http://127.0.0.1:8000/connection/uni_sse?cf_connect=" + url.QueryEscape(`{"token":"`+tok+`"}`), ""},
		{"centrifugo pasted cf_connect", "http://c.example/connection/uni_sse?cf_connect=" + url.QueryEscape(`{"token":"`+tok+`"}`), "", Centrifugo, "Centrifugo channel news on c.example", "http://c.example/connection/uni_sse?cf_connect=" + url.QueryEscape(`{"token":"`+tok+`"}`), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, ok := Recognize(model.FeedConfig{URL: c.url, Token: c.token})
			if s.Kind != c.kind || ok != (c.kind != Generic) || s.Label != c.label {
				t.Fatalf("Recognize = %q %q %v, want %q %q", s.Kind, s.Label, ok, c.kind, c.label)
			}
			if !ok {
				return
			}
			req, err := s.NewRequest(context.Background(), "", time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if req.URL.String() != c.request || req.Header.Get("Authorization") != c.auth {
				t.Fatalf("request %s (Authorization %q), want %s (%q)", req.URL, req.Header.Get("Authorization"), c.request, c.auth)
			}
			if strings.Contains(s.Label, "secret") || req.URL.User != nil {
				t.Fatal("the password shows in the label or the URL")
			}
		})
	}
}

// ntfy resumes with since=: the last message id, or the time the feed first connected
// when it has seen no message yet. Mercure resumes with Last-Event-ID, Centrifugo asks to
// recover each channel from its epoch and offset.
func TestResumeRules(t *testing.T) {
	ctx := context.Background()
	started := time.Unix(1700000000, 0)
	n, _ := Recognize(model.FeedConfig{URL: "https://ntfy.example/alerts"})
	for pos, want := range map[string]string{"wze9zgqK41": "since=wze9zgqK41", "": "since=1700000000"} {
		req, _ := n.NewRequest(ctx, pos, started)
		if req.URL.RawQuery != want || req.Header.Get("Last-Event-ID") != "" {
			t.Errorf("ntfy at %q: query %q, want %q", pos, req.URL.RawQuery, want)
		}
	}
	m, _ := Recognize(model.FeedConfig{URL: "https://hub.example/.well-known/mercure?topic=a"})
	req, _ := m.NewRequest(ctx, "urn:uuid:1", started)
	if req.Header.Get("Last-Event-ID") != "urn:uuid:1" || strings.Contains(req.URL.RawQuery, "since") {
		t.Errorf("mercure: %s %v", req.URL, req.Header)
	}
	c, _ := Recognize(model.FeedConfig{URL: "http://c.example/connection/uni_sse", Token: "T"})
	req, _ = c.NewRequest(ctx, `{"news":{"e":"ab","o":7}}`, started)
	if got := req.URL.Query().Get("cf_connect"); got != `{"token":"T","subs":{"news":{"recover":true,"epoch":"ab","offset":7}}}` {
		t.Errorf("centrifugo cf_connect = %s", got)
	}
}

func TestNtfyDecode(t *testing.T) {
	d := Source{Kind: Ntfy}.NewDecoder("")
	cases := []struct {
		name, typ, data string
		rows            int
		notice          *model.Notice
	}{
		{"open", "open", `{"id":"weSj9RtNkj","time":1635528898,"event":"open","topic":"mytopic"}`, 0, nil},
		{"keepalive", "keepalive", `{"id":"VNxNIg5fpt","time":1635528928,"event":"keepalive","topic":"test"}`, 0, nil},
		{"poll_request", "poll_request", `{"id":"x","time":1,"event":"poll_request","topic":"t"}`, 0, nil},
		{"minimal", "message", `{"id":"p0M5y6gcCY","time":1635528909,"event":"message","topic":"mytopic","message":"Hi!"}`, 1,
			&model.Notice{Title: "mytopic", Body: "Hi!", Priority: 3}},
		{"full", "message", `{"id":"wze9zgqK41","time":1638542110,"event":"message","topic":"phil_alerts","priority":5,"tags":["warning","skull","backup-host"],"title":"Unauthorized access detected","message":"Remote access to phils-laptop detected. Act right away.","click":"https://home.example/cam",` +
			`"actions":[{"id":"a","action":"view","label":"Open portal","url":"https://home.example/","clear":true},{"id":"b","action":"http","label":"Turn off","url":"https://api.example/off","method":"PUT","headers":{"Authorization":"Bearer zAzsx1sk"},"body":"{\"on\":false}"},{"id":"c","action":"broadcast","label":"Android only"}],` +
			`"attachment":{"name":"cam.jpg","url":"https://home.example/cam.jpg","type":"image/jpeg","size":1000}}`, 1,
			&model.Notice{Title: "⚠️💀 Unauthorized access detected", Body: "Remote access to phils-laptop detected. Act right away.\nTags: backup-host\n📎 cam.jpg", Priority: 5, Click: "https://home.example/cam",
				Actions: []model.Action{
					{Kind: "view", Label: "Open portal", URL: "https://home.example/", Clear: true},
					{Kind: "http", Label: "Turn off", URL: "https://api.example/off", Method: "PUT", Headers: map[string]string{"Authorization": "Bearer zAzsx1sk"}, Body: `{"on":false}`},
					{Kind: "view", Label: "Open cam.jpg", URL: "https://home.example/cam.jpg"},
				}}},
		{"emoji without title", "message", `{"id":"q","time":1,"event":"message","topic":"t","message":"done","tags":["tada"],"priority":1}`, 1,
			&model.Notice{Title: "t", Body: "🎉 done", Priority: 1}},
		{"not json", "message", `plain text`, 1, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			evs, _ := d.Decode(sseclient.Event{Type: c.typ, Data: c.data})
			if len(evs) != c.rows {
				t.Fatalf("%d rows, want %d", len(evs), c.rows)
			}
			if c.rows == 0 {
				return
			}
			got := evs[0].Notice
			if (got == nil) != (c.notice == nil) {
				t.Fatalf("notice %+v, want %+v", got, c.notice)
			}
			if got != nil && !sameNotice(*got, *c.notice) {
				t.Fatalf("notice\n %+v\nwant\n %+v", *got, *c.notice)
			}
			if evs[0].Data != c.data {
				t.Fatalf("data changed: %q", evs[0].Data)
			}
		})
	}
	if d.Position() != "q" {
		t.Fatalf("position %q, want the last message id", d.Position())
	}
}

func sameNotice(a, b model.Notice) bool {
	if a.Title != b.Title || a.Body != b.Body || a.Priority != b.Priority || a.Click != b.Click || len(a.Actions) != len(b.Actions) {
		return false
	}
	for i := range a.Actions {
		x, y := a.Actions[i], b.Actions[i]
		if x.Kind != y.Kind || x.Label != y.Label || x.URL != y.URL || x.Method != y.Method || x.Body != y.Body || x.Clear != y.Clear || len(x.Headers) != len(y.Headers) {
			return false
		}
		for k, v := range y.Headers {
			if x.Headers[k] != v {
				return false
			}
		}
	}
	return true
}

func TestEmojiFor(t *testing.T) {
	for tag, want := range map[string]string{"warning": "⚠️", "+1": "👍", ":tada:": "🎉", "Rotating_Light": "🚨", "backup-host": ""} {
		got, ok := EmojiFor(tag)
		if got != want || ok != (want != "") {
			t.Errorf("EmojiFor(%q) = %q %v, want %q", tag, got, ok, want)
		}
	}
}

func TestCentrifugoDecode(t *testing.T) {
	d := Source{Kind: Centrifugo}.NewDecoder("")
	steps := []struct {
		data  string
		rows  []model.Event
		state string
	}{
		{`{"connect":{"client":"bb5","version":"6.9.1","subs":{"news":{"recoverable":true,"epoch":"ep1","offset":4}},"ping":25,"session":"s"}}`, nil, "live · channels news"},
		{`{"channel":"news","join":{"info":{"user":"1","client":"bb5"}}}`, nil, ""},
		{`{}`, nil, ""},
		{`{"channel":"news","pub":{"data":{"title":"Hi","n":9007199254740993},"offset":5}}`, []model.Event{{Type: "news", ID: "5", Data: `{"title":"Hi","n":9007199254740993}`}}, ""},
		{`{"channel":"news","pub":{"data":"plain","offset":6}}`, []model.Event{{Type: "news", ID: "6", Data: "plain"}}, ""},
		{`{"connect":{"client":"c2","subs":{"news":{"recoverable":true,"epoch":"ep1","offset":8,"recovered":true,"publications":[{"data":{"a":1},"offset":7},{"data":{"a":2},"offset":8}]}}}}`,
			[]model.Event{{Type: "news", ID: "7", Data: `{"a":1}`}, {Type: "news", ID: "8", Data: `{"a":2}`}}, ""},
		{`{"disconnect":{"code":3001,"reason":"shutdown"}}`, nil, "disconnected by the server: shutdown"},
	}
	for i, s := range steps {
		evs, state := d.Decode(sseclient.Event{Type: "message", Data: s.data})
		if len(evs) != len(s.rows) || state != s.state {
			t.Fatalf("step %d: %+v %q, want %+v %q", i, evs, state, s.rows, s.state)
		}
		for j := range evs {
			if evs[j].Type != s.rows[j].Type || evs[j].ID != s.rows[j].ID || evs[j].Data != s.rows[j].Data {
				t.Fatalf("step %d row %d: %+v, want %+v", i, j, evs[j], s.rows[j])
			}
		}
	}
	if got := d.Position(); got != `{"news":{"e":"ep1","o":8}}` {
		t.Fatalf("position %s", got)
	}
}
