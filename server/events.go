package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/heraldhq/herald/server/peer"
	"github.com/heraldhq/herald/server/refuse"
	"github.com/heraldhq/herald/server/topic"
	"github.com/heraldhq/herald/server/wire"
)

// serveEvents is GET /events: it checks the request, registers a subscriber, sends the
// preamble (retry, herald.connected, replay) and then runs the subscriber's writer loop in
// this goroutine until the client leaves, is cut off, or the hub shuts down.
func (h *Hub) serveEvents(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodGet) {
		return
	}
	if h.closing.Load() {
		// An EventSource gets a stream that says so and when to come back (a 503 would end
		// it for good); by then the listener is closed, so it reaches another node or this
		// one restarted.
		refuse.Write(w, r, refuse.Notice{Event: wire.EventShutdown, Status: http.StatusServiceUnavailable,
			Reason: "the hub is shutting down; reconnect in a moment", Retry: h.cfg.Retry})
		return
	}
	q := r.URL.Query()
	var patterns []string
	for _, v := range q[wire.QueryChannel] {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				patterns = append(patterns, p)
			}
		}
	}
	if len(patterns) == 0 {
		patterns = []string{topic.Default}
	}
	if len(patterns) > 64 {
		writeError(w, errorf(http.StatusBadRequest, fmt.Sprintf("%d channels in one stream; the limit is 64 (use a pattern such as \"stocks.*\")", len(patterns))), 0)
		return
	}
	for _, p := range patterns {
		if err := topic.ValidPattern(p); err != nil {
			writeError(w, errorf(http.StatusBadRequest, err.Error()), 0)
			return
		}
	}
	patterns = canonical(patterns)
	allow, err := h.auth.AuthorizeSubscribe(r, patterns)
	if err != nil {
		h.stats.rejected.Add(1)
		writeAuthError(w, r, err)
		return
	}

	s := &subscriber{h: h, id: "c" + strconv.FormatUint(h.connSeq.Add(1), 10), m: patternMatcher{patterns, allow}}
	// The preamble: retry, herald.connected, then the replay position (or a gap).
	pre := make([]byte, 0, 512)
	pre = append(pre, "retry: "...)
	pre = strconv.AppendInt(pre, h.cfg.Retry.Milliseconds(), 10)
	pre = append(pre, '\n')
	hello, _ := json.Marshal(struct {
		ID       string   `json:"id"`
		Channels []string `json:"channels"`
	}{s.id, patterns})
	pre = appendControl(pre, wire.EventConnected, string(hello))
	lastID := r.Header.Get(wire.HeaderLastEventID)
	if lastID == "" {
		lastID = q.Get(wire.QueryLastEventID)
	}
	pre = s.position(r.Context(), lastID, pre)

	// Registered only now, with its cursor set: a stream that /stats counts misses nothing
	// published from then on (events between positioning and here are read from the ring).
	ip := peer.Client(r)
	g, err := h.subs.add(s, patterns, ip, h.cfg.Limits)
	if err != nil {
		h.stats.rejected.Add(1)
		if he := (*Error)(nil); errors.As(err, &he) && (he.Status == http.StatusTooManyRequests || he.Status == http.StatusServiceUnavailable) {
			// Full, or too many streams from this address: a moment's refusal, which
			// must not end an EventSource for good.
			refuse.Write(w, r, refuse.Notice{Event: wire.EventBusy, Status: he.Status, Reason: he.Msg, Retry: he.RetryAfter})
			return
		}
		writeError(w, err, http.StatusServiceUnavailable)
		return
	}
	handedOff := false
	defer func() {
		if !handedOff {
			h.subs.remove(s, ip)
		}
	}()
	s.m = g // s.g is set by add
	if allow != nil {
		s.m = filtered{g: g, allow: allow}
	}

	hdr := w.Header()
	hdr.Set("Content-Type", "text/event-stream; charset=utf-8")
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("X-Accel-Buffering", "no")

	sw, err := h.openStream(w, r)
	if err != nil {
		h.log.Warn("cannot start event stream", "err", err, "client", ip)
		return
	}
	h.subs.setWriter(s, sw)
	h.log.Debug("subscriber connected", "conn", s.id, "channels", patterns, "client", ip, "peer", r.RemoteAddr)
	if s.fromBroker {
		if pre, err = s.replay(r.Context(), pre, lastID); err != nil {
			sw.close()
			h.log.Debug("subscriber left", "conn", s.id, "reason", s.failed(err))
			return
		}
	}
	if _, ok := sw.(*hijacked); ok {
		// Hand the stream to kick-driven writing (writer.go) and return, so net/http drops
		// this connection's request, response and bufio buffers (about 10 KB): an idle
		// stream then costs its socket and a few hundred bytes, no goroutine.
		handedOff = true
		s.ip = ip
		s.start(pre)
		return
	}
	h.log.Debug("subscriber left", "conn", s.id, "reason", s.run(pre))
}

// openStream starts the response. On HTTP/1.x it takes over the connection, so the stream
// costs no net/http buffers or background reader while idle; otherwise (HTTP/2, test
// recorders) it writes through the ResponseWriter and flushes.
func (h *Hub) openStream(w http.ResponseWriter, r *http.Request) (streamWriter, error) {
	rc := http.NewResponseController(w)
	if r.ProtoMajor == 1 {
		conn, brw, err := rc.Hijack()
		if err == nil {
			// net/http's bufio buffers are dropped: writes go straight to the socket.
			_ = brw
			hj := &hijacked{conn: conn, timeout: h.cfg.Limits.WriteTimeout}
			head := make([]byte, 0, 256)
			head = append(head, "HTTP/1.1 200 OK\r\n"...)
			hdr := w.Header().Clone()
			hdr.Del("Content-Length")
			hdr.Del("Transfer-Encoding")
			hdr.Set("Connection", "close")
			hb := &byteWriter{b: head}
			hdr.Write(hb)
			hj.header = append(hb.b, "\r\n"...)
			return hj, nil
		}
	}
	w.WriteHeader(http.StatusOK)
	if err := rc.Flush(); err != nil {
		return nil, fmt.Errorf("the response cannot be flushed, so events would not stream: %w", err)
	}
	return &flushed{w: w, rc: rc, ctx: r.Context(), timeout: h.cfg.Limits.WriteTimeout}, nil
}

// position sets the subscriber's cursor from the client's last event id and appends what
// the client must see first to pre (a herald.gap when the id is not one of ours), or marks
// the stream for a replay from the broker when the id is outside the ring.
func (s *subscriber) position(ctx context.Context, lastID string, pre []byte) []byte {
	h := s.h
	head, _, _ := h.ring.bounds()
	s.replayEnd = head
	if lastID == "" {
		s.pos = head
		return pre
	}
	after, err := ParseID(lastID)
	if err != nil {
		s.pos = h.ring.tailPos()
		h.stats.gaps.Add(1)
		return appendGap(pre, "unknown-id", lastID, 0)
	}
	if p, ok := h.ring.position(after); ok {
		s.pos = p
		return pre
	}
	// Outside the ring: older than its tail, or newer than its head. The broker decides,
	// once the stream is registered and open (see replay).
	s.from, s.fromBroker = after, true
	return pre
}

// appendGap appends a herald.gap control event.
func appendGap(b []byte, reason, lastID string, missed uint64) []byte {
	if len(lastID) > 128 { // the client's own header, echoed: keep it short
		lastID = lastID[:128]
	}
	data, _ := json.Marshal(struct {
		Reason      string `json:"reason"`
		LastEventID string `json:"lastEventId,omitempty"`
		Missed      uint64 `json:"missed,omitempty"`
	}{reason, lastID, missed})
	return appendControl(b, wire.EventGap, string(data))
}

// patternMatcher matches before the subscriber has its group (for broker replays).
type patternMatcher struct {
	patterns []string
	allow    func(string) bool
}

func (m patternMatcher) match(ch string) bool {
	return topic.MatchAny(m.patterns, ch) && (m.allow == nil || m.allow(ch))
}

type byteWriter struct{ b []byte }

func (w *byteWriter) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }
