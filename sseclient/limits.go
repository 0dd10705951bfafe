package sseclient

import (
	"errors"
	"fmt"
)

// Default limits of a Parser; see WithMaxLineSize and WithMaxEventSize. They are generous
// because real APIs send big single-line JSON documents (snapshots of several MB are common);
// they exist so that a hostile or broken stream cannot take unbounded memory.
const (
	DefaultMaxLineSize  = 16 << 20 // 16 MiB per field value
	DefaultMaxEventSize = 64 << 20 // 64 MiB of data per event
)

// lineSlack is how much longer than MaxLineSize a whole line may be: room for the longest
// standard field name with its colon and space ("retry: "), so that the name never counts
// against the value's cap.
const lineSlack = len("retry: ") + 1

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
	what := "a line's value is longer than"
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

// WithMaxLineSize caps the value of one field at n bytes: what follows "data:", "id:", ...
// and its optional space, or a comment's text after the colon. The field name does not count,
// so with n = 1 MiB a "data: " line carrying exactly 1 MiB passes; the whole line may be up to
// 8 bytes longer than n (any longer is refused before the parser sees its end). The read
// buffer never grows beyond about that size, and shrinks back after a long line.
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

// WithCommentFunc makes the parser call fn with the text of every comment line (what follows
// the colon, as sent) as soon as the line is read, before any event that follows it. Servers
// send comments as keep-alives; without this option they are skipped.
func WithCommentFunc(fn func(text string)) ParserOption {
	return func(p *Parser) { p.onComment = fn }
}
