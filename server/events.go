package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/heraldhq/herald/server/internal/fanout"
	"github.com/heraldhq/herald/server/peer"
	"github.com/heraldhq/herald/server/refuse"
	"github.com/heraldhq/herald/server/topic"
	"github.com/heraldhq/herald/server/wire"
)

// serveEvents is GET /events: it checks the request, works out the preamble (retry,
// herald.connected, replay) and hands the stream to the fan-out.
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
	patterns = fanout.Canonical(patterns)
	allow, err := h.auth.AuthorizeSubscribe(r, patterns)
	if err != nil {
		h.stats.rejected.Add(1)
		writeAuthError(w, r, err)
		return
	}

	id := "c" + strconv.FormatUint(h.connSeq.Add(1), 10)
	// The preamble: retry, herald.connected, then the replay position (or a gap).
	pre := make([]byte, 0, 512)
	pre = append(pre, "retry: "...)
	pre = strconv.AppendInt(pre, h.cfg.Retry.Milliseconds(), 10)
	pre = append(pre, '\n')
	lastID := r.Header.Get(wire.HeaderLastEventID)
	if lastID == "" {
		lastID = q.Get(wire.QueryLastEventID)
	}
	// time lets a client read event ids (stored times, this hub's clock) against its own
	// clock; replay says a herald.live will mark where the history ends.
	hello, _ := json.Marshal(struct {
		ID       string   `json:"id"`
		Channels []string `json:"channels"`
		Time     int64    `json:"time"`
		Replay   bool     `json:"replay,omitempty"`
	}{id, patterns, time.Now().UnixMilli(), lastID != ""})
	pre = wire.AppendControl(pre, wire.EventConnected, string(hello))
	sub := fanout.Subscription{ID: id, Patterns: patterns, Allow: allow, IP: peer.Client(r), MarkLive: lastID != ""}
	pre, from, fromBroker := h.position(&sub, lastID, pre)

	// Registered only now, with its cursor set: a stream that /stats counts misses nothing
	// published from then on (events between positioning and here are read from the ring).
	s, err := h.fan.Subscribe(sub)
	if err != nil {
		h.stats.rejected.Add(1)
		// Full, too many streams from this address, or closing: a moment's refusal,
		// which must not end an EventSource for good.
		n := refuse.Notice{Event: wire.EventBusy, Status: http.StatusServiceUnavailable, Reason: err.Error(), Retry: 10 * time.Second}
		switch {
		case errors.Is(err, fanout.ErrTooManyFromIP):
			n.Status = http.StatusTooManyRequests
		case errors.Is(err, fanout.ErrClosing):
			n.Event, n.Retry = wire.EventShutdown, h.cfg.Retry
		}
		refuse.Write(w, r, n)
		return
	}
	h.log.Debug("subscribing", "conn", id, "channels", patterns)
	var replay func(*fanout.Stream, []byte) ([]byte, error)
	if fromBroker {
		replay = func(s *fanout.Stream, pre []byte) ([]byte, error) {
			return h.replay(r.Context(), s, from, pre, lastID)
		}
	}
	s.Serve(w, r, pre, replay)
}

// position sets sub's cursor from the client's last event id and appends what the client
// must see first to pre (a herald.gap when the id is not one of ours), or says the stream
// needs a replay from the broker after `from` when the id is outside the ring.
func (h *Hub) position(sub *fanout.Subscription, lastID string, pre []byte) (out []byte, from ID, fromBroker bool) {
	head, _, _ := h.fan.Bounds()
	sub.Pos, sub.ReplayEnd = head, head
	if lastID == "" {
		return pre, ID{}, false
	}
	after, err := ParseID(lastID)
	if err != nil {
		sub.Pos = h.fan.TailPos()
		h.fan.Stats.Gaps.Add(1)
		return wire.AppendGap(pre, "unknown-id", lastID, 0), ID{}, false
	}
	if p, ok := h.fan.Position(after); ok {
		sub.Pos = p
		return pre, ID{}, false
	}
	// Outside the ring: older than its tail, or newer than its head. The broker decides,
	// once the stream is registered and open (see replay).
	return pre, after, true
}
