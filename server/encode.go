package server

import (
	"strconv"
	"strings"
)

// appendEvent appends e in SSE wire form: "id:", "event:" (when set), "retry:" (when set),
// one "data:" line per line of Data (split on CRLF, CR or LF, so no data line can start a new
// field), and the blank line that dispatches it. Callers have checked that the event name
// and id hold no CR, LF or NUL (decode.go rejects them), so no field can be injected.
func appendEvent(b []byte, e *Event) []byte {
	b = append(b, "id: "...)
	b = e.ID.AppendTo(b)
	b = append(b, '\n')
	return appendBody(b, e.Event, e.Data, e.Retry)
}

// appendControl appends a hub control event (herald.*). Control events carry no "id:" line,
// so they never move the client's last event id: a reconnect still resumes after the last
// real event it saw.
func appendControl(b []byte, name, data string) []byte {
	return appendBody(b, name, data, 0)
}

func appendBody(b []byte, name, data string, retry int) []byte {
	if name != "" {
		b = append(b, "event: "...)
		b = append(b, name...)
		b = append(b, '\n')
	}
	if retry > 0 {
		b = append(b, "retry: "...)
		b = strconv.AppendInt(b, int64(retry), 10)
		b = append(b, '\n')
	}
	for {
		i := strings.IndexAny(data, "\r\n")
		b = append(b, "data: "...)
		if i < 0 {
			b = append(b, data...)
			b = append(b, '\n')
			break
		}
		b = append(b, data[:i]...)
		b = append(b, '\n')
		if data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n' {
			i++
		}
		data = data[i+1:]
	}
	return append(b, '\n')
}

// encodedSize is an upper bound of len(appendEvent(nil, e)), so the buffer is sized once.
func encodedSize(e *Event) int {
	n := len("id: ") + 41 + len("event: ") + len(e.Event) + len("retry: ") + 20 + 3
	n += len(e.Data) + 1
	n += strings.Count(e.Data, "\n")*len("data: \n") + strings.Count(e.Data, "\r")*len("data: \n") + len("data: \n")
	return n
}
