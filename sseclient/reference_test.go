package sseclient

import (
	"strings"
	"time"
)

// This file holds a deliberately naive reference implementation of the spec's event-stream
// interpretation, written straight from the WHATWG text (decode the whole stream first, then
// split lines, then process them), so that the fast Parser can be checked against it.

// whatwgDecode is the WHATWG Encoding standard's "UTF-8 decoder" algorithm, transcribed step
// by step (bytes seen/needed, lower/upper boundary), with a leading BOM stripped once.
func whatwgDecode(in []byte) []rune {
	if len(in) >= 3 && in[0] == 0xEF && in[1] == 0xBB && in[2] == 0xBF {
		in = in[3:]
	}
	var out []rune
	var cp rune
	seen, needed := 0, 0
	lower, upper := byte(0x80), byte(0xBF)
	for i := 0; i < len(in); i++ {
		b := in[i]
		if needed == 0 {
			switch {
			case b <= 0x7F:
				out = append(out, rune(b))
			case b >= 0xC2 && b <= 0xDF:
				needed, cp = 1, rune(b&0x1F)
			case b >= 0xE0 && b <= 0xEF:
				if b == 0xE0 {
					lower = 0xA0
				}
				if b == 0xED {
					upper = 0x9F
				}
				needed, cp = 2, rune(b&0xF)
			case b >= 0xF0 && b <= 0xF4:
				if b == 0xF0 {
					lower = 0x90
				}
				if b == 0xF4 {
					upper = 0x8F
				}
				needed, cp = 3, rune(b&0x7)
			default:
				out = append(out, 0xFFFD)
			}
			continue
		}
		if b < lower || b > upper {
			cp, needed, seen, lower, upper = 0, 0, 0, 0x80, 0xBF
			out = append(out, 0xFFFD)
			i-- // prepend the byte to the stream: process it again
			continue
		}
		lower, upper = 0x80, 0xBF
		cp = cp<<6 | rune(b&0x3F)
		if seen++; seen == needed {
			out = append(out, cp)
			cp, needed, seen = 0, 0, 0
		}
	}
	if needed != 0 {
		out = append(out, 0xFFFD)
	}
	return out
}

// refResult is what the reference interpretation of a whole stream yields.
type refResult struct {
	events   []Event
	lastID   string
	retry    time.Duration
	hasRetry bool
	comments []string // the text after the colon of every comment line
}

// reference interprets a complete stream. Lines without a line end at EOF are dropped.
func reference(in []byte) refResult {
	text := string(whatwgDecode(in))
	var res refResult
	var data strings.Builder
	hasData := false
	typ, idBuf := "", ""
	for {
		i := strings.IndexAny(text, "\r\n")
		if i < 0 {
			break // the incomplete last line is never processed
		}
		line := text[:i]
		if text[i] == '\r' && i+1 < len(text) && text[i+1] == '\n' {
			i++
		}
		text = text[i+1:]

		if line == "" {
			res.lastID = idBuf
			if !hasData {
				typ = ""
				continue
			}
			d := data.String()
			ev := Event{Type: "message", Data: d[:len(d)-1], ID: res.lastID}
			if typ != "" {
				ev.Type = typ
			}
			res.events = append(res.events, ev)
			data.Reset()
			hasData, typ = false, ""
			continue
		}
		if line[0] == ':' {
			res.comments = append(res.comments, line[1:])
			continue
		}
		name, value := line, ""
		if c := strings.IndexByte(line, ':'); c >= 0 {
			name, value = line[:c], strings.TrimPrefix(line[c+1:], " ")
		}
		switch name {
		case "event":
			typ = value
		case "data":
			data.WriteString(value + "\n")
			hasData = true
		case "id":
			if !strings.ContainsRune(value, 0) {
				idBuf = value
			}
		case "retry":
			if d, ok := parseDigits([]byte(value)); ok {
				res.retry, res.hasRetry = d, true
			}
		}
	}
	return res
}
