package refuse

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
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
	// The whole answer goes out before the drain, with its length: a flushed answer
	// without one is chunked, and its last chunk would wait for the handler to return,
	// after the drain, so a client with a timeout shorter than LingerTime would read the
	// status and time out on the body.
	var ans answerBuffer
	ans.h = w.Header()
	answer(&ans)
	w.Header().Set("Connection", "close")
	w.Header().Set("Content-Length", strconv.Itoa(ans.body.Len()))
	w.WriteHeader(ans.status())
	_, _ = w.Write(ans.body.Bytes())
	_ = rc.Flush()
	_ = rc.SetReadDeadline(time.Now().Add(LingerTime))
	_, _ = io.CopyN(io.Discard, body, LingerBytes)
}

// answerBuffer is the ResponseWriter an answer is written to before it is sent whole: the
// headers are the real writer's, the status and body are kept.
type answerBuffer struct {
	h    http.Header
	code int
	body bytes.Buffer
}

func (a *answerBuffer) Header() http.Header { return a.h }

func (a *answerBuffer) WriteHeader(code int) {
	if a.code == 0 {
		a.code = code
	}
}

func (a *answerBuffer) Write(p []byte) (int, error) {
	a.WriteHeader(http.StatusOK)
	return a.body.Write(p)
}

func (a *answerBuffer) status() int {
	if a.code == 0 {
		return http.StatusOK
	}
	return a.code
}
