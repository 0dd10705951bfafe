package sseclient

import (
	"errors"
	"fmt"
)

// Default limits of a Parser; see WithMaxLineSize and WithMaxEventSize.
const (
	DefaultMaxLineSize  = 1 << 20 // 1 MiB per line
	DefaultMaxEventSize = 4 << 20 // 4 MiB of data per event
)

// ErrLineTooLong and ErrEventTooLarge are the sentinels a *LimitError wraps, for errors.Is.
var (
	ErrLineTooLong   = errors.New("sseclient: line too long")
	ErrEventTooLarge = errors.New("sseclient: event too large")
)

// LimitError reports a stream that exceeded one of the Parser's caps. The parser stops there:
// reading on would need unbounded memory.
type LimitError struct {
	Limit string // the option's name: "MaxLineSize" or "MaxEventSize"
	Max   int    // the cap in bytes
	err   error
}

// Error says which cap the stream passed and what to do about it.
func (e *LimitError) Error() string {
	what := "a line is longer than"
	if e.err == ErrEventTooLarge {
		what = "an event's data is larger than"
	}
	return fmt.Sprintf("sseclient: %s %d bytes (%s); raise the limit if the server really sends that much",
		what, e.Max, e.Limit)
}

// Unwrap returns ErrLineTooLong or ErrEventTooLarge.
func (e *LimitError) Unwrap() error { return e.err }

// ParserOption configures a Parser.
type ParserOption func(*Parser)

// WithMaxLineSize caps one line (field name, colon and value, without its line end) at n
// bytes. The read buffer never grows beyond about that size.
func WithMaxLineSize(n int) ParserOption {
	return func(p *Parser) { p.maxLine = max(n, 1) }
}

// WithMaxEventSize caps the data of one event (its data lines plus one "\n" each) at n bytes.
func WithMaxEventSize(n int) ParserOption {
	return func(p *Parser) { p.maxEvent = max(n, 1) }
}

// WithLastEventID starts the parser with a last event ID already in effect, as when a client
// reconnects: events that carry no `id:` field report it in Event.ID.
func WithLastEventID(id string) ParserOption {
	return func(p *Parser) { p.lastID = id; p.id = append(p.id[:0], id...) }
}
