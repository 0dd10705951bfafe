package server

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

type matchAll struct{}

func (matchAll) match(string) bool { return true }

type matchOne string

func (m matchOne) match(ch string) bool { return string(m) == ch }

func mkSlot(seq uint64, ch string, size int) slot {
	return slot{id: ID{Ms: 1, Seq: seq}, ch: ch, b: []byte(strings.Repeat("x", size))}
}

func TestRingBoundsAndPositions(t *testing.T) {
	r := newRing(4, 100, ID{Ms: 1})
	for i := uint64(1); i <= 6; i++ {
		r.append([]slot{mkSlot(i, "a", 10)})
	}
	if n, b := r.stats(); n != 4 || b != 40 {
		t.Fatalf("count bound: %d events %d bytes, want 4 and 40", n, b)
	}
	if _, base, last := r.bounds(); base != (ID{1, 2}) || last != (ID{1, 6}) {
		t.Fatalf("bounds base %v last %v", base, last)
	}
	for _, tt := range []struct {
		after ID
		pos   uint64
		ok    bool
	}{
		{ID{1, 1}, 0, false}, {ID{1, 2}, 2, true}, {ID{1, 4}, 4, true}, {ID{1, 6}, 6, true}, {ID{1, 7}, 0, false}, {ID{0, 99}, 0, false},
	} {
		if pos, ok := r.position(tt.after); pos != tt.pos || ok != tt.ok {
			t.Errorf("position(%v) = %d,%v want %d,%v", tt.after, pos, ok, tt.pos, tt.ok)
		}
	}
	// Bytes bound: a 70-byte event evicts until it fits (40 + 70 > 100: one goes).
	r.append([]slot{mkSlot(7, "a", 70)})
	if n, b := r.stats(); n != 4 || b != 100 {
		t.Errorf("byte bound: %d events %d bytes, want 4 and 100", n, b)
	}
	r.append([]slot{mkSlot(8, "a", 20)})
	if n, b := r.stats(); n != 3 || b != 100 {
		t.Errorf("byte bound: %d events %d bytes, want 3 and 100", n, b)
	}
	// Repeated or older ids are ignored.
	if added := r.append([]slot{mkSlot(7, "a", 1), mkSlot(3, "a", 1)}); added != 0 {
		t.Errorf("append of old ids added %d", added)
	}
	// A cursor below the tail reports what it lost.
	next, _, n, lost, _ := r.read(1, nil, 1000, matchAll{})
	if lost != 4 || next != 5 || n != 0 {
		t.Errorf("read below tail: next %d n %d lost %d", next, n, lost)
	}
}

func TestRingReadFiltersAndChunks(t *testing.T) {
	r := newRing(100, 1<<20, ID{Ms: 1})
	for i := uint64(1); i <= 10; i++ {
		ch := "a"
		if i%2 == 0 {
			ch = "b"
		}
		r.append([]slot{{id: ID{1, i}, ch: ch, b: []byte(fmt.Sprintf("%02d|", i))}})
	}
	next, buf, n, _, _ := r.read(0, nil, 1000, matchOne("b"))
	if string(buf) != "02|04|06|08|10|" || n != 5 || next != 10 {
		t.Errorf("filtered read = %q n %d next %d", buf, n, next)
	}
	next, buf, n, _, _ = r.read(0, nil, 7, matchAll{})
	if string(buf) != "01|02|" || n != 2 || next != 2 {
		t.Errorf("chunked read = %q n %d next %d", buf, n, next)
	}
	// An event larger than max still goes out alone.
	_, buf, n, _, _ = r.read(0, nil, 1, matchAll{})
	if string(buf) != "01|" || n != 1 {
		t.Errorf("oversized read = %q n %d", buf, n)
	}
}

func TestEncodeNeverInjectsFields(t *testing.T) {
	tests := []struct{ data, want string }{
		{"", "data: \n"},
		{"one", "data: one\n"},
		{"a\nb", "data: a\ndata: b\n"},
		{"a\r\nb", "data: a\ndata: b\n"},
		{"a\rb", "data: a\ndata: b\n"},
		{"a\n\nb", "data: a\ndata: \ndata: b\n"},
		{"x\nid: 666\nevent: evil", "data: x\ndata: id: 666\ndata: event: evil\n"},
		{"trailing\n", "data: trailing\ndata: \n"},
		{"\r\n", "data: \ndata: \n"},
		{" lead", "data:  lead\n"},
	}
	for _, tt := range tests {
		e := Event{ID: ID{5, 6}, Message: Message{Event: "ev", Data: tt.data, Retry: 250}}
		got := string(appendEvent(nil, &e))
		want := "id: 5-6\nevent: ev\nretry: 250\n" + tt.want + "\n"
		if got != want {
			t.Errorf("data %q:\n got %q\nwant %q", tt.data, got, want)
		}
		if encodedSize(&e) < len(got) {
			t.Errorf("encodedSize %d < %d for %q", encodedSize(&e), len(got), tt.data)
		}
	}
}

// TestSlowSubscriberGetsGap: a stream that stops reading while the ring moves on by far
// more than it holds gets herald.gap (reason "slow") when it reads again, then carries on
// in order up to the newest event.
func TestSlowSubscriberGetsGap(t *testing.T) {
	th := newTestHub(t, Config{History: 50, Limits: Limits{WriteTimeout: 30 * time.Second}})
	c := rawConnBuf(t, th.URL, "?channel=slow", 0)
	waitFor(t, "the stream to register", func() bool { return th.Stats().Connections == 1 })
	data := strings.Repeat("y", 10<<10)
	var last string
	for i := range 3000 {
		rs, err := th.Publish(context.Background(), Message{Channel: "slow", Data: fmt.Sprintf("%d %s", i, data)})
		if err != nil {
			t.Fatal(err)
		}
		last = rs[0].ID
	}
	br := bufio.NewReaderSize(c, 64<<10)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("response: %v %v", resp, err)
	}
	s := &stream{resp: resp, r: br}
	s.expect(t, "herald.connected")
	var sawGap bool
	prev := ID{}
	for range 3100 {
		ev := s.next(t, false)
		if ev.Event == "herald.gap" {
			if !strings.Contains(ev.Data, `"reason":"slow"`) {
				t.Fatalf("gap %+v", ev)
			}
			sawGap = true
			continue
		}
		id, _ := ParseID(ev.ID)
		if !prev.Less(id) {
			t.Fatalf("id %s after %v", ev.ID, prev)
		}
		prev = id
		if ev.ID == last {
			break
		}
	}
	if !sawGap || prev.String() != last {
		t.Fatalf("gap seen %v, last id %v (want %s)", sawGap, prev, last)
	}
	if st := th.Stats(); st.Gaps == 0 || st.Dropped == 0 || st.CutOff != 0 {
		t.Errorf("stats gaps %d dropped %d cutOff %d", st.Gaps, st.Dropped, st.CutOff)
	}
}

// TestRingLossMarker: a loss marker shares the id of the event after the loss, every reader
// passing it gets its bytes whatever its channels, and a replay after an id inside the loss
// starts at the marker while one after the marker's own id skips it.
func TestRingLossMarker(t *testing.T) {
	r := newRing(10, 1000, ID{Ms: 1})
	r.append([]slot{mkSlot(1, "a", 1), mkSlot(2, "a", 1)})
	marker := slot{id: ID{1, 10}, gap: true, b: []byte("GAP")}
	if added := r.append([]slot{marker, mkSlot(10, "a", 1), mkSlot(11, "b", 1)}); added != 3 {
		t.Fatalf("appended %d of marker + 2 events, want 3", added)
	}
	if _, _, last := r.bounds(); last != (ID{1, 11}) {
		t.Fatalf("last = %v, want 1-11", last)
	}
	tests := []struct {
		after ID
		m     matcher
		want  string
		gaps  int
	}{
		{ID{1, 2}, matchAll{}, "GAPxx", 1},
		{ID{1, 5}, matchAll{}, "GAPxx", 1}, // an id inside the loss
		{ID{1, 2}, matchOne("b"), "GAPx", 1},
		{ID{1, 10}, matchAll{}, "x", 0},
	}
	for _, tt := range tests {
		pos, ok := r.position(tt.after)
		if !ok {
			t.Fatalf("position(%v) not ok", tt.after)
		}
		_, buf, _, _, gaps := r.read(pos, nil, 1000, tt.m)
		if string(buf) != tt.want || gaps != tt.gaps {
			t.Errorf("after %v: read %q with %d gaps, want %q and %d", tt.after, buf, gaps, tt.want, tt.gaps)
		}
	}
	// A marker older than the newest event goes right after it.
	r.append([]slot{{id: ID{1, 3}, gap: true, b: []byte("G2")}})
	pos, _ := r.position(ID{1, 10})
	if _, buf, _, _, gaps := r.read(pos, nil, 1000, matchAll{}); string(buf) != "xG2" || gaps != 1 {
		t.Errorf("late marker: read %q (%d gaps), want \"xG2\"", buf, gaps)
	}
}
