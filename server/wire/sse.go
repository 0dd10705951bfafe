package wire

import (
	"encoding/json"
	"strconv"
	"strings"
)

// AppendEvent appends an event in SSE wire form: "id:", "event:" (when set), "retry:" (when
// positive), one "data:" line per line of data (split on CRLF, CR or LF, so no data line can
// start a new field), and the blank line that dispatches it. Callers have checked that the
// event name holds no CR, LF or NUL (the hub rejects them), so no field can be injected.
func AppendEvent(b []byte, id ID, event, data string, retry int) []byte {
	b = append(b, "id: "...)
	b = id.AppendTo(b)
	b = append(b, '\n')
	return appendBody(b, event, data, retry)
}

// EncodedSize is an upper bound of len(AppendEvent(nil, id, event, data, retry)), so a
// buffer is sized once.
func EncodedSize(event, data string) int {
	n := len("id: ") + 41 + len("event: ") + len(event) + len("retry: ") + 20 + 3
	n += len(data) + 1
	n += strings.Count(data, "\n")*len("data: \n") + strings.Count(data, "\r")*len("data: \n") + len("data: \n")
	return n
}

// AppendControl appends a hub control event (herald.*). Control events carry no "id:" line,
// so they never move the client's last event id: a reconnect still resumes after the last
// real event it saw.
func AppendControl(b []byte, name, data string) []byte {
	return appendBody(b, name, data, 0)
}

// AppendGap appends a herald.gap: events were missed for reason ("slow", "trimmed",
// "unknown-id", ...), after the client's lastID when it sent one, missed of them when known.
func AppendGap(b []byte, reason, lastID string, missed uint64) []byte {
	if len(lastID) > 128 { // the client's own header, echoed: keep it short
		lastID = lastID[:128]
	}
	data, _ := json.Marshal(struct {
		Reason      string `json:"reason"`
		LastEventID string `json:"lastEventId,omitempty"`
		Missed      uint64 `json:"missed,omitempty"`
	}{reason, lastID, missed})
	return AppendControl(b, EventGap, string(data))
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
