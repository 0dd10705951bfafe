package server

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/heraldhq/herald/server/topic"
	"github.com/heraldhq/herald/server/wire"
	"github.com/heraldhq/herald/sseclient"
)

// fuzzLimits are small so the fuzzer reaches the limit checks quickly.
var fuzzLimits = Limits{MaxBodyBytes: 4096, MaxEventBytes: 512, MaxBatch: 8}

// FuzzDecodePublish feeds arbitrary publish requests to DecodePublish. It must never panic;
// a refusal must be an *Error with 400, 413 or 415; and every accepted message must be safe
// to put on the wire: encoded and parsed back by the SSE client it is exactly one event with
// the same type, retry and data (line ends normalised), never an injected field or a second
// event. The seed corpus is in testdata/fuzz/FuzzDecodePublish.
func FuzzDecodePublish(f *testing.F) {
	seeds := []struct {
		ct, query, body string
	}{
		{"application/json", "", `{"channel":"a","event":"e","data":"x"}`},
		{"application/json", "", `[{"channel":"a","data":{"k":[1,2]}},{"channel":"b.c","data":"l1\r\nl2\rl3\nl4","retry":5}]`},
		{"text/plain", "channel=a&event=note&id=k1&retry=100", "line1\nline2"},
		{"", "", `{"data":"no type"}`},
		{"", "channel=x", "plain text"},
		{"application/x-www-form-urlencoded", "", `{"channel":"a","data":1}`},
		{"application/json; charset=utf-8", "", `{"channel":"a","event":"x\ny","data":"d"}`},
		{"application/json", "", `{"channel":"a","event":"herald.gap","data":"d"}`},
		{"application/json", "", `{"channel":"a","id":"a\u0000b","data":"d"}`},
		{"application/json", "", `{"channel":"herald.x","data":"d"}`},
		{"application/merge-patch+json", "", `[]`},
		{"text/html", "", `<p>`},
		{"application/json", "", `{"channel":"a","data":"d"} trailing`},
		{"application/json", "", `{"channel":7}`},
	}
	for _, s := range seeds {
		f.Add(s.ct, s.query, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, contentType, rawQuery string, body []byte) {
		query, err := url.ParseQuery(rawQuery)
		if err != nil {
			return
		}
		msgs, batch, err := DecodePublish(contentType, query, body, fuzzLimits)
		if err != nil {
			var he *Error
			if !errors.As(err, &he) {
				t.Fatalf("error %v is not an *Error", err)
			}
			switch he.Status {
			case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
			default:
				t.Fatalf("status %d for %v", he.Status, err)
			}
			if he.Msg == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if len(msgs) == 0 || len(msgs) > fuzzLimits.MaxBatch || (!batch && len(msgs) != 1) {
			t.Fatalf("%d messages (batch %v)", len(msgs), batch)
		}
		for _, m := range msgs {
			checkWireSafe(t, m)
		}
	})
}

// checkWireSafe asserts that m is valid and survives the SSE encoding intact.
func checkWireSafe(t *testing.T, m Message) {
	t.Helper()
	if err := topic.ValidName(m.Channel); err != nil {
		t.Fatalf("accepted channel %q: %v", m.Channel, err)
	}
	if strings.ContainsAny(m.Event+m.Key, "\r\n\x00") {
		t.Fatalf("accepted CR, LF or NUL in event %q or id %q", m.Event, m.Key)
	}
	if strings.HasPrefix(strings.ToLower(m.Event), topic.ReservedPrefix) || strings.HasPrefix(strings.ToLower(m.Channel), topic.ReservedPrefix) {
		t.Fatalf("accepted reserved event %q or channel %q", m.Event, m.Channel)
	}
	if !utf8.ValidString(m.Data) || !utf8.ValidString(m.Event) {
		t.Fatalf("accepted invalid UTF-8")
	}
	if len(m.Data) > fuzzLimits.MaxEventBytes || m.Retry < 0 {
		t.Fatalf("accepted data of %d bytes, retry %d", len(m.Data), m.Retry)
	}
	enc := wire.AppendEvent(nil, ID{Ms: 1, Seq: 2}, m.Event, m.Data, m.Retry)
	p := sseclient.NewParser(bytes.NewReader(enc))
	ev, err := p.Next()
	if err != nil {
		t.Fatalf("encoded event %q does not parse: %v", enc, err)
	}
	wantType := m.Event
	if wantType == "" {
		wantType = "message"
	}
	wantData := strings.ReplaceAll(strings.ReplaceAll(m.Data, "\r\n", "\n"), "\r", "\n")
	if ev.Type != wantType || ev.Data != wantData || ev.ID != "1-2" {
		t.Fatalf("wire %q parsed as %+v; want type %q data %q id 1-2", enc, ev, wantType, wantData)
	}
	if r, ok := p.Retry(); m.Retry > 0 && (!ok || r.Milliseconds() != int64(m.Retry)) {
		t.Fatalf("retry %d parsed as %v (set %v)", m.Retry, r, ok)
	}
	if extra, err := p.Next(); err != io.EOF {
		t.Fatalf("one message became more than one event: %+v, %v (wire %q)", extra, err, enc)
	}
}
