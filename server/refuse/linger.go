package refuse

import (
	"io"
	"net/http"
	"strings"
	"time"
)

// How much of an unread request body Linger reads and throws away, at most, after the
// answer: like nginx's lingering close, enough for a client that sends its whole body
// before it reads (Python's http.client, many scripts) to get to the answer, and bounded
// so a client cannot keep the hub reading forever.
const (
	LingerBytes = 64 << 20
	LingerTime  = 10 * time.Second
)

// Linger answers r with answer and then drains what is left of body (r.Body, or the
// reader under a MaxBytesReader) within LingerBytes and LingerTime, then lets the
// connection close. started tells whether the handler has already read from the body.
// Closing a socket with unread data makes the kernel reset it, and a client still writing
// its body sees that reset, not the answer. Requests with no body, HTTP/2 (whose streams
// end cleanly), and requests that wait for "100 Continue" before sending a body nobody read
// (the client sends nothing until told to) are just answered.
func Linger(w http.ResponseWriter, r *http.Request, body io.Reader, started bool, answer func(http.ResponseWriter)) {
	if r.ProtoMajor != 1 || r.ContentLength == 0 || body == nil || body == http.NoBody ||
		(strings.EqualFold(r.Header.Get("Expect"), "100-continue") && !started) {
		answer(w)
		return
	}
	rc := http.NewResponseController(w)
	if err := rc.EnableFullDuplex(); err != nil {
		answer(w) // not a net/http HTTP/1 writer: nothing to drain under
		return
	}
	w.Header().Set("Connection", "close")
	answer(w)
	_ = rc.Flush()
	_ = rc.SetReadDeadline(time.Now().Add(LingerTime))
	_, _ = io.CopyN(io.Discard, body, LingerBytes)
}
