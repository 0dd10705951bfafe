// Package refuse answers requests the hub cannot take now without losing the client.
//
// A browser's EventSource gives up for good on any answer but 200 text/event-stream, so a
// momentary refusal of GET /events (the hub drains on shutdown, is full, or one address
// opens too many streams or too fast) is answered to EventSource clients as a short event
// stream: a jittered "retry:", one herald.busy or herald.shutdown event saying why, then the
// end of the stream, after which the client reconnects by itself. Clients that do not ask
// for an event stream (curl, scripts) get the plain status (429, 503) with Retry-After, which
// tells them more.
//
// A request body the hub will not read is drained, bounded in bytes and time, after the
// answer is sent (Linger): closing a socket with unread data resets it, and a client still
// sending its body would see the reset instead of the answer.
package refuse

import (
	"encoding/json"
	"math/rand/v2"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Notice is a refusal of a request for a moment.
type Notice struct {
	// Event is wire.EventBusy or wire.EventShutdown.
	Event string
	// Status is what a client that did not ask for an event stream gets (429 or 503).
	Status int
	// Reason says why and what to do, for people reading logs or the stream.
	Reason string
	// Retry is when to come back. Event streams get a retry: jittered below it (Jitter);
	// Retry-After carries it rounded up to whole seconds.
	Retry time.Duration
}

// WantsStream reports whether r asks for an event stream (Accept: text/event-stream), as
// every EventSource does.
func WantsStream(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept") {
		for _, part := range strings.Split(v, ",") {
			if mt, _, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && mt == "text/event-stream" {
				return true
			}
		}
	}
	return false
}

// Jitter returns a random duration in [d/2, d], so clients told to come back together do
// not all come back at the same instant, and none later than d.
func Jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// Write answers r with n: for a GET that asks for an event stream, 200 with a jittered
// retry: and n's event, then the end of the stream; otherwise n.Status with Retry-After and
// the hub's JSON error.
func Write(w http.ResponseWriter, r *http.Request, n Notice) {
	h := w.Header()
	h.Set("Retry-After", strconv.FormatInt(max(int64((n.Retry+time.Second-1)/time.Second), 1), 10))
	if r.Method == http.MethodGet && WantsStream(r) {
		retry := Jitter(n.Retry)
		h.Set("Content-Type", "text/event-stream; charset=utf-8")
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Accel-Buffering", "no")
		w.WriteHeader(http.StatusOK)
		w.Write(AppendNotice(nil, n.Event, n.Status, n.Reason, retry))
		return
	}
	b, _ := json.Marshal(struct {
		Error string `json:"error"`
	}{n.Reason})
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(n.Status)
	w.Write(append(b, '\n'))
}

// AppendNotice appends "retry: <retry>" and the control event to b: the data is JSON with
// the reason, the status a plain client would get (0 to leave it out) and the retry in
// milliseconds.
func AppendNotice(b []byte, event string, status int, reason string, retry time.Duration) []byte {
	data, _ := json.Marshal(struct {
		Reason  string `json:"reason"`
		Status  int    `json:"status,omitempty"`
		RetryMs int64  `json:"retryMs"`
	}{reason, status, retry.Milliseconds()})
	b = append(b, "retry: "...)
	b = strconv.AppendInt(b, retry.Milliseconds(), 10)
	b = append(b, "\nevent: "...)
	b = append(b, event...)
	b = append(b, "\ndata: "...)
	b = append(b, data...)
	return append(b, "\n\n"...)
}
