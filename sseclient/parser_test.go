package sseclient

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
)

// parseCase is one spec rule: an input stream and what a browser's EventSource makes of it.
type parseCase struct {
	name   string
	in     string
	want   []Event
	lastID string
	retry  time.Duration // the last valid retry value (0 when none)
}

func ev(typ, data, id string) Event { return Event{Type: typ, Data: data, ID: id} }

var parseCases = []parseCase{
	{name: "one event", in: "data: hello\n\n", want: []Event{ev("message", "hello", "")}},
	{name: "data lines joined with LF", in: "data: a\ndata: b\n\n", want: []Event{ev("message", "a\nb", "")}},
	{name: "CRLF line ends", in: "data: a\r\ndata: b\r\n\r\n", want: []Event{ev("message", "a\nb", "")}},
	{name: "CR line ends", in: "data: a\rdata: b\r\r", want: []Event{ev("message", "a\nb", "")}},
	{name: "mixed line ends", in: "data: a\r\ndata: b\rdata: c\n\r\n", want: []Event{ev("message", "a\nb\nc", "")}},
	{name: "CR CR is two line ends", in: "data: a\r\rdata: b\n\n", want: []Event{ev("message", "a", ""), ev("message", "b", "")}},
	{name: "LF CR is two line ends", in: "data: a\n\rdata: b\n\n", want: []Event{ev("message", "a", ""), ev("message", "b", "")}},
	{name: "BOM stripped", in: "\xEF\xBB\xBFdata: x\n\n", want: []Event{ev("message", "x", "")}},
	{name: "BOM stripped once only", in: "\xEF\xBB\xBF\xEF\xBB\xBFdata: x\n\ndata: y\n\n", want: []Event{ev("message", "y", "")}},
	{name: "BOM only at the start", in: "data: x\n\n\xEF\xBB\xBFdata: y\n\n", want: []Event{ev("message", "x", "")}},
	{name: "comment ignored", in: ": keep-alive\ndata: x\n: another\n\n", want: []Event{ev("message", "x", "")}},
	{name: "comment alone dispatches nothing", in: ":\n\n: hi\n\n"},
	{name: "data without colon is empty data", in: "data\n\n", want: []Event{ev("message", "", "")}},
	{name: "two empty data lines", in: "data\ndata\n\n", want: []Event{ev("message", "\n", "")}},
	{name: "empty data after colon", in: "data:\n\n", want: []Event{ev("message", "", "")}},
	{name: "trailing empty data line", in: "data: a\ndata:\n\n", want: []Event{ev("message", "a\n", "")}},
	{name: "one leading space stripped", in: "data:  two\n\n", want: []Event{ev("message", " two", "")}},
	{name: "no space needed", in: "data:x\n\n", want: []Event{ev("message", "x", "")}},
	{name: "tab not stripped", in: "data:\tx\n\n", want: []Event{ev("message", "\tx", "")}},
	{name: "colon in value kept", in: "data: a:b: c\n\n", want: []Event{ev("message", "a:b: c", "")}},
	{name: "space before colon makes another field", in: "data : x\n\n"},
	{name: "leading space makes another field", in: " data: x\n\n"},
	{name: "field names are case sensitive", in: "Data: x\n\n"},
	{name: "unknown field ignored", in: "foo: bar\ndata: x\n\n", want: []Event{ev("message", "x", "")}},
	{name: "event type", in: "event: add\ndata: 1\n\n", want: []Event{ev("add", "1", "")}},
	{name: "last event field wins", in: "event: a\nevent: b\ndata: 1\n\n", want: []Event{ev("b", "1", "")}},
	{name: "event type reset after dispatch", in: "event: a\ndata: 1\n\ndata: 2\n\n",
		want: []Event{ev("a", "1", ""), ev("message", "2", "")}},
	{name: "event type reset without data", in: "event: a\n\ndata: 2\n\n", want: []Event{ev("message", "2", "")}},
	{name: "empty event type is message", in: "event\ndata: 1\n\n", want: []Event{ev("message", "1", "")}},
	{name: "event with colon in name", in: "event:a:b\ndata: 1\n\n", want: []Event{ev("a:b", "1", "")}},
	{name: "no dispatch without data", in: "event: x\nid: 3\n\n", lastID: "3"},
	{name: "id without data still updates lastEventId", in: "id: 1\n\ndata: x\n\n",
		want: []Event{ev("message", "x", "1")}, lastID: "1"},
	{name: "id persists", in: "id: 1\ndata: a\n\ndata: b\n\n",
		want: []Event{ev("message", "a", "1"), ev("message", "b", "1")}, lastID: "1"},
	{name: "empty id resets", in: "id: 1\ndata: a\n\nid\ndata: b\n\n",
		want: []Event{ev("message", "a", "1"), ev("message", "b", "")}},
	{name: "id with NUL ignored", in: "id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n",
		want: []Event{ev("message", "a", "1"), ev("message", "b", "1")}, lastID: "1"},
	{name: "id after data in same event", in: "data: a\nid: 9\n\n", want: []Event{ev("message", "a", "9")}, lastID: "9"},
	{name: "retry digits", in: "retry: 1500\n", retry: 1500 * time.Millisecond},
	{name: "retry zero", in: "retry: 0\n", retry: 0},
	{name: "retry last valid wins", in: "retry: 10\nretry: 2x\nretry: 20\nretry: -1\n", retry: 20 * time.Millisecond},
	{name: "retry with sign ignored", in: "retry: +5\n"},
	{name: "retry with two spaces ignored", in: "retry:  5\n"},
	{name: "retry decimal ignored", in: "retry: 1.5\n"},
	{name: "retry empty ignored", in: "retry\nretry:\n"},
	{name: "retry does not dispatch", in: "retry: 7\n\n", retry: 7 * time.Millisecond},
	{name: "incomplete last event dropped", in: "data: a\n\ndata: b\n", want: []Event{ev("message", "a", "")}},
	{name: "incomplete last line dropped", in: "data: a\n\ndata: b", want: []Event{ev("message", "a", "")}},
	{name: "incomplete event's id not in effect", in: "data: a\n\nid: 5\ndata: b\n", want: []Event{ev("message", "a", "")}},
	{name: "invalid UTF-8 as U+FFFD", in: "data: \xff\xfe\n\n", want: []Event{ev("message", "\uFFFD\uFFFD", "")}},
	{name: "truncated sequence is one U+FFFD", in: "data: a\xF0\x9F\x98b\n\n", want: []Event{ev("message", "a\uFFFDb", "")}},
	{name: "overlong is one U+FFFD per byte", in: "data: \xE0\x80\n\n", want: []Event{ev("message", "\uFFFD\uFFFD", "")}},
	{name: "surrogate is three U+FFFD", in: "data: \xED\xA0\x80\n\n", want: []Event{ev("message", "\uFFFD\uFFFD\uFFFD", "")}},
	{name: "invalid in type and id", in: "event: \xC3\nid: \xC3(\ndata: ok\n\n",
		want: []Event{ev("\uFFFD", "ok", "\uFFFD(")}, lastID: "\uFFFD("},
	{name: "valid UTF-8 untouched", in: "data: héllo 😀\n\n", want: []Event{ev("message", "héllo 😀", "")}},
	{name: "only line ends", in: "\r\r\n\n\r"},
	// The inputs of the WPT eventsource format-* tests, with what they expect.
	{name: "wpt format-field-parsing", in: "data:\x00\ndata:  2\rData:1\ndata\x00:2\ndata:1\r\x00data:4\nda-ta:3\rdata_5\ndata:3\rdata:\r\n data:32\ndata:4\n\n",
		want: []Event{ev("message", "\x00\n 2\n1\n3\n\n4", "")}},
	{name: "wpt format-field-unknown", in: "data:test\n data\ndata\nfoobar:xxx\njustsometext\n:thisisacommentyay\ndata:test\n\n",
		want: []Event{ev("message", "test\n\ntest", "")}},
	{name: "wpt format-newlines", in: "data:test\r\ndata\ndata:test\r\n\r\n", want: []Event{ev("message", "test\n\ntest", "")}},
	{name: "wpt format-leading-space", in: "data:\x20\x20\x20test\n\n", want: []Event{ev("message", "  test", "")}},
	{name: "wpt format-null-character", in: "data:\x00\n\n\n\n", want: []Event{ev("message", "\x00", "")}},
	{name: "wpt format-data-before-final-empty-line", in: "retry:1000\ndata:test1\n\nid:test\ndata:test2",
		want: []Event{ev("message", "test1", "")}, retry: 1000 * time.Millisecond},
	{name: "wpt format-field-retry leading zero", in: "retry:03000\ndata:x\n\n", want: []Event{ev("message", "x", "")}, retry: 3 * time.Second},
	{name: "wpt format-field-retry-bogus", in: "retry:3000\nretry:1000x\ndata:x\n\n", want: []Event{ev("message", "x", "")}, retry: 3 * time.Second},
	{name: "wpt format-field-event-empty", in: "event: \ndata:data\n\n", want: []Event{ev("message", "data", "")}},
	{name: "wpt format-bom-2", in: "\xEF\xBB\xBF\xEF\xBB\xBFdata:1\n\ndata:2\n\ndata:3\n\n",
		want: []Event{ev("message", "2", ""), ev("message", "3", "")}},
	{name: "wpt format-comments", in: "data:1\r:\x00\n:\r\ndata:2\n:" + strings.Repeat("x", 5000) + "\rdata:3\n:data:fail\r:" + strings.Repeat("x", 5000) + "\ndata:4\n\n",
		want: []Event{ev("message", "1\n2\n3\n4", "")}},
	{name: "empty stream", in: ""},
}

// validRetryIn reports whether the reference finds a valid retry field in the stream.
func validRetryIn(in string) bool { r := reference([]byte(in)); return r.hasRetry }

// chunkReader returns its input in reads of at most size bytes.
type chunkReader struct {
	data []byte
	size int
}

func (r *chunkReader) Read(b []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := copy(b[:min(len(b), r.size)], r.data)
	r.data = r.data[n:]
	return n, nil
}

// parseAll reads every event from r; it returns the first error other than io.EOF.
func parseAll(p *Parser) ([]Event, error) {
	var out []Event
	for range 1_000_000 {
		e, err := p.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, e)
	}
	panic("parser never reached the end")
}

func TestParserSpecRules(t *testing.T) {
	for _, c := range parseCases {
		t.Run(c.name, func(t *testing.T) {
			var comments []string
			p := NewParser(strings.NewReader(c.in), WithCommentFunc(func(s string) { comments = append(comments, s) }))
			got, err := parseAll(p)
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			if ref := reference([]byte(c.in)); !reflect.DeepEqual(comments, ref.comments) {
				t.Errorf("comments %q, reference %q", comments, ref.comments)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("events\n got %q\nwant %q", got, c.want)
			}
			if p.LastEventID() != c.lastID {
				t.Errorf("LastEventID = %q, want %q", p.LastEventID(), c.lastID)
			}
			retry, ok := p.Retry()
			if ok != validRetryIn(c.in) || retry != c.retry {
				t.Errorf("Retry = %v, %v; want %v", retry, ok, c.retry)
			}
			// The naive reference agrees with every table row too.
			ref := reference([]byte(c.in))
			if !reflect.DeepEqual(ref.events, c.want) || ref.lastID != c.lastID {
				t.Errorf("reference disagrees: %q, lastID %q", ref.events, ref.lastID)
			}
		})
	}
}

// TestParserSplitInvariance feeds every table input in reads of every size from 1 byte to
// the whole input: the events must not depend on where the reads split the stream (a CR at
// the end of one read and its LF at the start of the next, a BOM in pieces, ...).
func TestParserSplitInvariance(t *testing.T) {
	for _, c := range parseCases {
		for size := 1; size <= len(c.in); size++ {
			p := NewParser(&chunkReader{data: []byte(c.in), size: size})
			got, err := parseAll(p)
			if err != nil || !reflect.DeepEqual(got, c.want) || p.LastEventID() != c.lastID {
				t.Errorf("%s, reads of %d bytes: got %q, %q, %v; want %q, %q",
					c.name, size, got, p.LastEventID(), err, c.want, c.lastID)
			}
		}
	}
}

// TestParserDispatchesWithoutReadAhead checks that an event is returned as soon as its blank
// line arrives, even when it ends in CR and the next byte (maybe LF) has not been sent yet:
// a live stream must not stall one event behind.
func TestParserDispatchesWithoutReadAhead(t *testing.T) {
	for _, end := range []string{"\n\n", "\r\r", "\r\n\r"} {
		pr, pw := io.Pipe()
		p := NewParser(pr)
		go func() { _, _ = pw.Write([]byte("data: live" + end)) }()
		got, err := p.Next()
		if err != nil || got.Data != "live" {
			t.Fatalf("line end %q: got %q, %v", end, got, err)
		}
		go func() { _, _ = pw.Write([]byte("\ndata: next\n\n")); pw.Close() }()
		got, err = p.Next()
		if err != nil || got.Data != "next" {
			t.Fatalf("line end %q, second event: got %q, %v", end, got, err)
		}
	}
}

func TestParserLimits(t *testing.T) {
	long := strings.Repeat("x", 100)
	cases := []struct {
		name    string
		in      string
		opts    []ParserOption
		want    int // events before the error
		wantErr error
	}{
		{"line at the cap", "data:" + long[:59] + "\n\n", []ParserOption{WithMaxLineSize(64)}, 1, nil},
		{"line over the cap", "data: a\n\ndata:" + long + "\n\n", []ParserOption{WithMaxLineSize(64)}, 1, ErrLineTooLong},
		{"unfinished line over the cap", "data: a\n\ndata:" + long, []ParserOption{WithMaxLineSize(64)}, 1, ErrLineTooLong},
		{"comment over the cap", ":" + long + "\n", []ParserOption{WithMaxLineSize(64)}, 0, ErrLineTooLong},
		{"value at the cap after data: ", "data: " + long[:64] + "\n\n", []ParserOption{WithMaxLineSize(64)}, 1, nil},
		{"value at the cap after retry: ", "retry: " + strings.Repeat("1", 64) + "\ndata\n\n", []ParserOption{WithMaxLineSize(64)}, 1, nil},
		{"comment at the cap", ":" + long[:64] + "\ndata\n\n", []ParserOption{WithMaxLineSize(64)}, 1, nil},
		{"value one over the cap", "data: " + long[:65] + "\n\n", []ParserOption{WithMaxLineSize(64)}, 0, ErrLineTooLong},
		{"value over the cap without space", "data:" + long[:65] + "\n\n", []ParserOption{WithMaxLineSize(64)}, 0, ErrLineTooLong},
		{"line beyond value cap and slack", "x" + long[:64+lineSlack] + "\n\n", []ParserOption{WithMaxLineSize(64)}, 0, ErrLineTooLong},
		{"event at the cap", "data: 1234\ndata: 1234\n\n", []ParserOption{WithMaxEventSize(10)}, 1, nil},
		{"event over the cap", "data: 1234\ndata: 12345\n\n", []ParserOption{WithMaxEventSize(10)}, 0, ErrEventTooLarge},
		{"many small lines over the cap", strings.Repeat("data\n", 11) + "\n", []ParserOption{WithMaxEventSize(10)}, 0, ErrEventTooLarge},
	}
	for _, c := range cases {
		for size := 1; size <= len(c.in); size++ {
			p := NewParser(&chunkReader{data: []byte(c.in), size: size}, c.opts...)
			got, err := parseAll(p)
			if len(got) != c.want || !errors.Is(err, c.wantErr) {
				t.Fatalf("%s, reads of %d: %d events, error %v; want %d, %v", c.name, size, len(got), err, c.want, c.wantErr)
			}
			if err != nil {
				var le *LimitError
				if !errors.As(err, &le) || !strings.Contains(err.Error(), le.Limit) {
					t.Fatalf("%s: error %q does not name the limit", c.name, err)
				}
				if _, again := p.Next(); again != err {
					t.Fatalf("%s: error not sticky: %v", c.name, again)
				}
			}
			if p.maxLine == 64 && len(p.buf) > 64+lineSlack+1 {
				t.Fatalf("%s: buffer grew to %d bytes with a 64-byte line cap", c.name, len(p.buf))
			}
		}
	}
}

// TestParserLongLines checks lines much longer than the initial buffer (the buffer grows).
func TestParserLongLines(t *testing.T) {
	big := strings.Repeat("0123456789", 50_000)
	in := "id: 1\ndata: " + big + "\ndata: " + big + "\r\n\r\n"
	for _, size := range []int{7, 4096, 100_000, len(in)} {
		p := NewParser(&chunkReader{data: []byte(in), size: size})
		got, err := parseAll(p)
		if err != nil || len(got) != 1 || got[0].Data != big+"\n"+big || got[0].ID != "1" {
			t.Fatalf("reads of %d: %d events, %v", size, len(got), err)
		}
	}
}

// TestParserDefaultCapsFitRealPayloads sends the single-line messages real APIs send (a
// 1 MiB data line, whose "data: " must not count against a 1 MiB cap, and a 13 MB document)
// through a parser with the default caps, and checks that the buffer shrinks back after them.
func TestParserDefaultCapsFitRealPayloads(t *testing.T) {
	cases := []struct {
		name string
		size int
		opts []ParserOption
	}{
		{"1 MiB line under a 1 MiB cap", 1 << 20, []ParserOption{WithMaxLineSize(1 << 20)}},
		{"1 MiB line, default caps", 1 << 20, nil},
		{"13 MB line, default caps", 13_000_000, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			payload := strings.Repeat("y", c.size)
			// The long event in 64 KiB reads, then keep-alives in small reads (many fills).
			p := NewParser(io.MultiReader(
				&chunkReader{data: []byte("data: " + payload + "\n\ndata: small\n\n"), size: 64 << 10},
				&chunkReader{data: []byte(strings.Repeat(": keep-alive\n", 2*shrinkAfter)), size: 13},
			), c.opts...)
			first, err := p.Next()
			if err != nil || first.Data != payload {
				t.Fatalf("got %d bytes, %v; want the %d-byte payload", len(first.Data), err, c.size)
			}
			grown := len(p.buf)
			second, err := p.Next()
			if err != nil || second.Data != "small" {
				t.Fatalf("second event %q, %v", second.Data, err)
			}
			if _, err := p.Next(); err != io.EOF {
				t.Fatalf("after the events: %v, want io.EOF", err)
			}
			if grown <= maxBufSize || len(p.buf) > maxBufSize {
				t.Fatalf("read buffer %d bytes after the long line, %d after many short ones; want it grown, then back to %d", grown, len(p.buf), maxBufSize)
			}
		})
	}
	if DefaultMaxLineSize < 16<<20 || DefaultMaxEventSize < 64<<20 {
		t.Fatalf("defaults %d/%d are below 16 MiB/64 MiB", DefaultMaxLineSize, DefaultMaxEventSize)
	}
}

func TestParserResetKeepsLastEventIDAndRetry(t *testing.T) {
	p := NewParser(strings.NewReader("retry: 50\nid: 4\ndata: a\n\nid: 5\ndata: cut"))
	if _, err := parseAll(p); err != nil {
		t.Fatal(err)
	}
	p.Reset(strings.NewReader("data: b\n\n"))
	got, err := p.Next()
	if err != nil || got != ev("message", "b", "4") {
		t.Fatalf("after Reset: %q, %v; want id 4 kept, the unfinished id 5 dropped", got, err)
	}
	if r, ok := p.Retry(); !ok || r != 50*time.Millisecond {
		t.Fatalf("Retry after Reset = %v, %v", r, ok)
	}
	p = NewParser(strings.NewReader("data: c\n\n"), WithLastEventID("41"))
	if got, _ := p.Next(); got.ID != "41" || p.LastEventID() != "41" {
		t.Fatalf("WithLastEventID: %q", got)
	}
}

// errReader returns data then a non-EOF error, like a dropped connection.
type errReader struct {
	data string
	err  error
}

func (r *errReader) Read(b []byte) (int, error) {
	n := copy(b, r.data)
	r.data = r.data[n:]
	if r.data == "" {
		return n, r.err
	}
	return n, nil
}

func TestParserReaderErrorAfterBufferedEvents(t *testing.T) {
	boom := errors.New("connection reset")
	p := NewParser(&errReader{data: "data: a\n\ndata: b\n\ndata: c", err: boom})
	got, err := parseAll(p)
	if err != boom || len(got) != 2 {
		t.Fatalf("got %d events and %v; want 2 and the reader's error", len(got), err)
	}
}

func TestParserEmptyReadsEndWithNoProgress(t *testing.T) {
	p := NewParser(&chunkReader{data: []byte("data: x"), size: 0})
	if _, err := p.Next(); err != io.ErrNoProgress {
		t.Fatalf("got %v, want io.ErrNoProgress", err)
	}
}
