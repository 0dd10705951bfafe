package sseclient

import (
	"bytes"
	"io"
	"iter"
	"math"
	"time"
	"unicode/utf8"
)

// Event is one dispatched server-sent event.
type Event struct {
	// Type is the event type: the last `event:` field before the event, or "message" when the
	// stream named none.
	Type string
	// Data is the event's data: its `data:` lines joined with "\n".
	Data string
	// ID is the last event ID in effect when the event was dispatched (the spec's
	// lastEventId): it persists across events until the stream sets another one.
	ID string
}

// Parser reads events from an event stream. It is not safe for concurrent use.
//
// It reads into one reusable buffer and scans it for line ends, so a line costs no allocation;
// an event costs its own strings (Data, and ID or Type only when they change).
type Parser struct {
	rd  io.Reader
	buf []byte
	// The unread bytes are buf[start:end].
	start, end int
	// lf and cr remember where the next '\n' and '\r' are, so each byte of the buffer is
	// scanned for each of them at most once, whichever line ends the stream uses.
	lf, cr finder
	// err is the reader's error (returned once the buffered lines are used up) or a
	// LimitError (returned at once and for good).
	err     error
	empties int // consecutive reads that returned nothing and no error
	short   int // consecutive fills of a grown buffer that held no long line (see shrink)

	bomDone bool // the leading BOM was checked for (and stripped)
	skipLF  bool // the last line ended with CR: a '\n' right after it belongs to it

	data     []byte // data buffer: each data line's value plus "\n"
	typ      []byte // event type buffer
	id       []byte // last event ID buffer
	lastID   string // last event ID string, as dispatched
	lastType string // the last non-default event type, reused while it repeats

	retry    time.Duration
	hasRetry bool

	maxLine, maxEvent int
	onComment         func(string) // see WithCommentFunc
}

const (
	// combineMax is the largest data that shares one allocation with a new event ID (the ID
	// keeps that string alive for as long as it stays in effect, so only for small data).
	combineMax = 64 << 10
	minBufSize = 16
	maxBufSize = 64 << 10 // initial buffer; grows only for lines longer than this
)

var bom = []byte("\xEF\xBB\xBF")

// NewParser returns a parser reading the event stream r.
func NewParser(r io.Reader, opts ...ParserOption) *Parser {
	p := &Parser{maxLine: DefaultMaxLineSize, maxEvent: DefaultMaxEventSize}
	for _, o := range opts {
		o(p)
	}
	p.buf = make([]byte, min(max(p.lineCap()+1, minBufSize), maxBufSize))
	p.Reset(r)
	return p
}

// Reset makes the parser read a new stream r (a reconnection), keeping its buffers, limits,
// last event ID and retry value, as an EventSource does across reconnects.
func (p *Parser) Reset(r io.Reader) {
	p.rd = r
	p.start, p.end = 0, 0
	p.lf.reset()
	p.cr.reset()
	p.err, p.empties = nil, 0
	p.bomDone, p.skipLF = false, false
	p.data, p.typ = p.data[:0], p.typ[:0]
	p.id = append(p.id[:0], p.lastID...) // an unfinished event's id does not count
}

// LastEventID returns the last event ID string: the value a reconnecting client sends as
// Last-Event-ID. It changes only when an event is dispatched (a blank line), even one without
// data.
func (p *Parser) LastEventID() string { return p.lastID }

// Retry returns the last valid `retry:` value the stream sent, and whether it sent one.
func (p *Parser) Retry() (time.Duration, bool) { return p.retry, p.hasRetry }

// Next returns the next event. At the end of the stream it returns io.EOF (an unfinished last
// event is discarded, as the spec says); a reader's error is returned as it is, and a
// *LimitError when the stream exceeds a cap. After an error, Next keeps returning it.
func (p *Parser) Next() (Event, error) {
	for {
		line, err := p.line()
		if err != nil {
			return Event{}, err
		}
		if len(line) == 0 {
			if ev, ok := p.dispatch(); ok {
				return ev, nil
			}
			continue
		}
		if err := p.field(line); err != nil {
			return Event{}, err
		}
	}
}

// All returns the stream's events as an iterator, for a range loop like Client.Events: it
// ends quietly at the end of the stream, and any other error (the reader's, or a
// *LimitError) is yielded once, as the last element.
func (p *Parser) All() iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		for {
			e, err := p.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				yield(Event{}, err)
				return
			}
			if !yield(e, nil) {
				return
			}
		}
	}
}

// line returns the next complete line, without its line end. The slice points into the read
// buffer and is valid until the next call.
func (p *Parser) line() ([]byte, error) {
	for {
		if p.skipLF && p.start < p.end {
			if p.buf[p.start] == '\n' {
				p.start++
			}
			p.skipLF = false
		}
		if !p.bomDone {
			pending := p.buf[p.start:p.end]
			switch {
			case len(pending) >= len(bom) || p.err != nil:
				if bytes.HasPrefix(pending, bom) {
					p.start += len(bom)
				}
				p.bomDone = true
			case !bytes.HasPrefix(bom, pending):
				p.bomDone = true
			default: // could still be a BOM: read on
				if err := p.fill(); err != nil {
					return nil, err
				}
				continue
			}
		}
		if i := p.eol(); i >= 0 {
			line := p.buf[p.start:i]
			if len(line) > p.lineCap() {
				return nil, p.fail(ErrLineTooLong)
			}
			p.skipLF = p.buf[i] == '\r'
			p.start = i + 1
			return line, nil
		}
		if p.end-p.start > p.lineCap() {
			return nil, p.fail(ErrLineTooLong)
		}
		if err := p.fill(); err != nil {
			return nil, err
		}
	}
}

// eol returns the index of the first '\r' or '\n' in buf[start:end], or -1. It uses two
// cached bytes.IndexByte scans (vectorised) instead of one byte-at-a-time IndexAny: in a
// stream that uses only LF, the search for CR runs once per read, not once per line.
func (p *Parser) eol() int {
	i := min(p.lf.next(p.buf, p.start, p.end, '\n'), p.cr.next(p.buf, p.start, p.end, '\r'))
	if i < p.end {
		return i
	}
	return -1
}

// finder caches the position of the next occurrence of one byte in the read buffer.
type finder struct {
	// at is the index of the next occurrence when at >= start; otherwise buf[start:from] is
	// known not to hold the byte and a search goes on from there.
	at, from int
}

// next returns the index of the first c in buf[start:end], or end when there is none.
func (f *finder) next(buf []byte, start, end int, c byte) int {
	if f.at >= start {
		return f.at // the common case, kept small enough to be inlined
	}
	return f.search(buf, start, end, c)
}

// search is next's slow path: scan the part of the buffer not searched yet.
func (f *finder) search(buf []byte, start, end int, c byte) int {
	from := max(f.from, start)
	if i := bytes.IndexByte(buf[from:end], c); i >= 0 {
		f.at = from + i
		return f.at
	}
	f.from = end
	return end
}

// shift follows the buffer's contents moving n bytes to the front.
func (f *finder) shift(n int) {
	f.at -= n
	f.from = max(f.from-n, 0)
}

// reset forgets everything: the buffer's contents are gone.
func (f *finder) reset() { *f = finder{at: -1} }

// shrinkAfter is how many fills in a row must find no long line pending before a grown read
// buffer shrinks back: a stream of many long lines keeps its buffer instead of growing it
// again for each one.
const shrinkAfter = 64

// shrink reports whether the grown buffer should shrink now (call it only when grown).
func (p *Parser) shrink() bool {
	if p.end-p.start > maxBufSize/2 {
		p.short = 0
		return false
	}
	p.short++
	if p.short < shrinkAfter {
		return false
	}
	p.short = 0
	return true
}

// lineCap is the longest line the parser accepts: the value's cap plus room for the name.
func (p *Parser) lineCap() int { return p.maxLine + lineSlack }

// fill reads more bytes, first making room by moving the unread bytes to the front and, when
// one unfinished line fills the whole buffer, growing it (never beyond lineCap+1, because
// line refuses longer pending lines before calling fill). It returns the error to stop with.
func (p *Parser) fill() error {
	if p.err != nil {
		return p.err
	}
	if len(p.buf) > maxBufSize && p.shrink() {
		// Long lines grew the buffer and have stopped coming: give the memory back rather
		// than pin it for the stream's life.
		nb := make([]byte, maxBufSize)
		n := copy(nb, p.buf[p.start:p.end])
		p.lf.shift(p.start)
		p.cr.shift(p.start)
		p.buf, p.start, p.end = nb, 0, n
	}
	if p.start > 0 {
		n := copy(p.buf, p.buf[p.start:p.end])
		p.lf.shift(p.start)
		p.cr.shift(p.start)
		p.start, p.end = 0, n
	}
	if p.end == len(p.buf) {
		size := min(2*len(p.buf), max(p.lineCap()+1, len(p.buf)+1))
		nb := make([]byte, size)
		copy(nb, p.buf[:p.end])
		p.buf = nb
	}
	n, err := p.rd.Read(p.buf[p.end:])
	p.end += n
	switch {
	case err != nil:
		p.err = err
		if n == 0 {
			return err
		}
	case n == 0:
		if p.empties++; p.empties >= 100 {
			p.err = io.ErrNoProgress
			return p.err
		}
	default:
		p.empties = 0
	}
	return nil
}

// fail stops the parser for good with a LimitError and drops what it buffered.
func (p *Parser) fail(which error) error {
	e := &LimitError{Limit: "MaxLineSize", Max: p.maxLine, err: which}
	if which == ErrEventTooLarge {
		e.Limit, e.Max = "MaxEventSize", p.maxEvent
	}
	p.err = e
	p.start, p.end = 0, 0
	p.lf.reset()
	p.cr.reset()
	p.data = nil
	return e
}

// field processes one non-empty line: a comment, or a field with an optional value.
func (p *Parser) field(line []byte) error {
	if line[0] == ':' {
		if len(line)-1 > p.maxLine {
			return p.fail(ErrLineTooLong)
		}
		if p.onComment != nil {
			p.onComment(decode(line[1:]))
		}
		return nil // comment
	}
	name, value := line, line[len(line):]
	if i := bytes.IndexByte(line, ':'); i >= 0 {
		name, value = line[:i], line[i+1:]
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
		if len(value) > p.maxLine {
			return p.fail(ErrLineTooLong)
		}
	}
	switch string(name) { // compiled without a conversion allocation
	case "data":
		if len(p.data)+len(value)+1 > p.maxEvent {
			return p.fail(ErrEventTooLarge)
		}
		p.data = append(p.data, value...)
		p.data = append(p.data, '\n')
	case "event":
		p.typ = append(p.typ[:0], value...)
	case "id":
		if bytes.IndexByte(value, 0) < 0 {
			p.id = append(p.id[:0], value...)
		}
	case "retry":
		if ms, ok := parseDigits(value); ok {
			p.retry, p.hasRetry = ms, true
		}
	}
	return nil // any other field is ignored
}

// parseDigits reads a retry value: milliseconds as ASCII digits only (no sign, no space, not
// empty), saturating instead of overflowing.
func parseDigits(b []byte) (time.Duration, bool) {
	if len(b) == 0 {
		return 0, false
	}
	const limit = math.MaxInt64 / int64(time.Millisecond)
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		if n <= limit {
			n = n*10 + int64(c-'0')
		}
	}
	if n > limit {
		return math.MaxInt64, true
	}
	return time.Duration(n) * time.Millisecond, true
}

// dispatch ends an event at a blank line. It reports false when there is nothing to dispatch
// (no data lines); the last event ID is updated either way.
func (p *Parser) dispatch() (Event, bool) {
	newID := string(p.id) != p.lastID
	if len(p.data) == 0 {
		if newID {
			p.lastID = decode(p.id)
		}
		p.typ = p.typ[:0]
		return Event{}, false
	}
	ev := Event{Type: "message"}
	n := len(p.data) - 1 // without the last "\n"
	if newID && n <= combineMax && utf8.Valid(p.data) && utf8.Valid(p.id) {
		// One allocation for both strings: the data with the new id right behind it.
		s := string(append(p.data[:n], p.id...))
		ev.Data, p.lastID = s[:n], s[n:]
	} else {
		if newID {
			p.lastID = decode(p.id)
		}
		ev.Data = decode(p.data[:n])
	}
	ev.ID = p.lastID
	if len(p.typ) > 0 {
		if string(p.typ) != p.lastType {
			p.lastType = decode(p.typ)
		}
		ev.Type = p.lastType
	}
	p.typ = p.typ[:0]
	if cap(p.data) > maxBufSize {
		p.data = nil // one huge event should not pin its memory for the stream's life
	} else {
		p.data = p.data[:0]
	}
	return ev, true
}
