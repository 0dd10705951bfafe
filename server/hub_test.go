package server

import (
	"strings"
	"testing"
)

func TestStreamBasics(t *testing.T) {
	th := newTestHub(t, Config{})
	s := th.open(t, "?channel=news")
	h := s.resp.Header
	for k, want := range map[string]string{
		"Content-Type":      "text/event-stream; charset=utf-8",
		"Cache-Control":     "no-cache",
		"X-Accel-Buffering": "no",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	hello := s.expect(t, "herald.connected")
	if !strings.Contains(hello.Data, `"channels":["news"]`) || hello.ID != "" {
		t.Errorf("herald.connected = %+v", hello)
	}
	id := th.mustPublish(t, "news", "headline", "line one\r\nline two\rline three\nline four")
	th.mustPublish(t, "other", "", "not for us")
	id2 := th.mustPublish(t, "news", "", "")
	ev := s.expect(t, "headline")
	if ev.ID != id || ev.Data != "line one\nline two\nline three\nline four" {
		t.Errorf("event = %+v, want id %s and four lines", ev, id)
	}
	ev = s.next(t, false)
	if ev.ID != id2 || ev.Data != "" || ev.Event != "" {
		t.Errorf("second event = %+v, want id %s with empty data", ev, id2)
	}
}
