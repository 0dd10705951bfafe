package sseclient

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"testing"
)

// splitReader returns its input in reads whose sizes (1 to 8 bytes, sometimes 0) come from a
// small PRNG seeded by the fuzzer, so every split of a stream gets explored.
type splitReader struct {
	data  []byte
	state uint64
}

func (r *splitReader) Read(b []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	r.state ^= r.state << 13
	r.state ^= r.state >> 7
	r.state ^= r.state << 17
	n := copy(b[:min(len(b), int(r.state%9))], r.data)
	r.data = r.data[n:]
	return n, nil
}

// sameError reports whether two parse outcomes ended the same way.
func sameError(a, b error) bool {
	for _, sentinel := range []error{ErrLineTooLong, ErrEventTooLarge} {
		if errors.Is(a, sentinel) != errors.Is(b, sentinel) {
			return false
		}
	}
	return (a == nil) == (b == nil)
}

// FuzzParser checks that the parser never panics, never holds more memory than its caps
// allow, gives the same events however the input is split into reads, and agrees with the
// naive reference interpretation of the spec, comments included.
func FuzzParser(f *testing.F) {
	for _, c := range parseCases {
		f.Add([]byte(c.in), uint64(len(c.in))+1)
	}
	f.Fuzz(func(t *testing.T, in []byte, seed uint64) {
		const maxLine, maxEvent = 64, 256
		limits := []ParserOption{WithMaxLineSize(maxLine), WithMaxEventSize(maxEvent)}

		whole := NewParser(bytes.NewReader(in), limits...)
		wantEvents, wantErr := parseAll(whole)

		split := NewParser(&splitReader{data: in, state: seed | 1}, limits...)
		gotEvents, gotErr := parseAll(split)
		if !reflect.DeepEqual(gotEvents, wantEvents) || !sameError(gotErr, wantErr) ||
			split.LastEventID() != whole.LastEventID() {
			t.Fatalf("split reads changed the result:\n whole %q, %v\n split %q, %v", wantEvents, wantErr, gotEvents, gotErr)
		}
		if len(split.buf) > maxLine+lineSlack+1 || cap(split.data) > 2*(maxEvent+maxLine) {
			t.Fatalf("memory beyond the caps: buffer %d, data %d", len(split.buf), cap(split.data))
		}
		for _, e := range gotEvents {
			if len(e.Data) > maxEvent {
				t.Fatalf("event data of %d bytes passed the %d-byte cap", len(e.Data), maxEvent)
			}
		}

		// Without tight caps the parser must agree with the reference exactly.
		var comments []string
		free := NewParser(&splitReader{data: in, state: seed ^ 0x9E3779B97F4A7C15 | 1},
			WithCommentFunc(func(c string) { comments = append(comments, c) }))
		events, err := parseAll(free)
		ref := reference(in)
		retry, hasRetry := free.Retry()
		if !reflect.DeepEqual(comments, ref.comments) {
			t.Fatalf("comments %q, reference %q", comments, ref.comments)
		}
		if err != nil || !reflect.DeepEqual(events, ref.events) || free.LastEventID() != ref.lastID ||
			retry != ref.retry || hasRetry != ref.hasRetry {
			t.Fatalf("parser and reference disagree:\n parser    %q, %q, %v, %v\n reference %q, %q, %v",
				events, free.LastEventID(), retry, err, ref.events, ref.lastID, ref.retry)
		}
	})
}
