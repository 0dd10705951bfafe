package fanout

import (
	"fmt"
	"strings"
	"testing"
)

type matchAll struct{}

func (matchAll) match(string) bool { return true }

type matchOne string

func (m matchOne) match(ch string) bool { return string(m) == ch }

func mkSlot(seq uint64, ch string, size int) Slot {
	return Slot{ID: ID{Ms: 1, Seq: seq}, Channel: ch, Bytes: []byte(strings.Repeat("x", size))}
}

func TestRingBoundsAndPositions(t *testing.T) {
	r := newRing(4, 100, ID{Ms: 1})
	for i := uint64(1); i <= 6; i++ {
		r.append([]Slot{mkSlot(i, "a", 10)})
	}
	if n, b := r.stats(); n != 4 || b != 40 {
		t.Fatalf("count bound: %d events %d bytes, want 4 and 40", n, b)
	}
	if _, base, last := r.bounds(); base != (ID{Ms: 1, Seq: 2}) || last != (ID{Ms: 1, Seq: 6}) {
		t.Fatalf("bounds base %v last %v", base, last)
	}
	for _, tt := range []struct {
		after ID
		pos   uint64
		ok    bool
	}{
		{ID{Ms: 1, Seq: 1}, 0, false}, {ID{Ms: 1, Seq: 2}, 2, true}, {ID{Ms: 1, Seq: 4}, 4, true}, {ID{Ms: 1, Seq: 6}, 6, true}, {ID{Ms: 1, Seq: 7}, 0, false}, {ID{Ms: 0, Seq: 99}, 0, false},
	} {
		if pos, ok := r.position(tt.after); pos != tt.pos || ok != tt.ok {
			t.Errorf("position(%v) = %d,%v want %d,%v", tt.after, pos, ok, tt.pos, tt.ok)
		}
	}
	// Bytes bound: a 70-byte event evicts until it fits (40 + 70 > 100: one goes).
	r.append([]Slot{mkSlot(7, "a", 70)})
	if n, b := r.stats(); n != 4 || b != 100 {
		t.Errorf("byte bound: %d events %d bytes, want 4 and 100", n, b)
	}
	r.append([]Slot{mkSlot(8, "a", 20)})
	if n, b := r.stats(); n != 3 || b != 100 {
		t.Errorf("byte bound: %d events %d bytes, want 3 and 100", n, b)
	}
	// Repeated or older ids are ignored.
	if added := r.append([]Slot{mkSlot(7, "a", 1), mkSlot(3, "a", 1)}); added != 0 {
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
		r.append([]Slot{{ID: ID{Ms: 1, Seq: i}, Channel: ch, Bytes: []byte(fmt.Sprintf("%02d|", i))}})
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

// TestRingLossMarker: a loss marker shares the id of the event after the loss, every reader
// passing it gets its bytes whatever its channels, and a replay after an id inside the loss
// starts at the marker while one after the marker's own id skips it.
func TestRingLossMarker(t *testing.T) {
	r := newRing(10, 1000, ID{Ms: 1})
	r.append([]Slot{mkSlot(1, "a", 1), mkSlot(2, "a", 1)})
	marker := Slot{ID: ID{Ms: 1, Seq: 10}, Gap: true, Bytes: []byte("GAP")}
	if added := r.append([]Slot{marker, mkSlot(10, "a", 1), mkSlot(11, "b", 1)}); added != 3 {
		t.Fatalf("appended %d of marker + 2 events, want 3", added)
	}
	if _, _, last := r.bounds(); last != (ID{Ms: 1, Seq: 11}) {
		t.Fatalf("last = %v, want 1-11", last)
	}
	tests := []struct {
		after ID
		m     matcher
		want  string
		gaps  int
	}{
		{ID{Ms: 1, Seq: 2}, matchAll{}, "GAPxx", 1},
		{ID{Ms: 1, Seq: 5}, matchAll{}, "GAPxx", 1}, // an id inside the loss
		{ID{Ms: 1, Seq: 2}, matchOne("b"), "GAPx", 1},
		{ID{Ms: 1, Seq: 10}, matchAll{}, "x", 0},
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
	r.append([]Slot{{ID: ID{Ms: 1, Seq: 3}, Gap: true, Bytes: []byte("G2")}})
	pos, _ := r.position(ID{Ms: 1, Seq: 10})
	if _, buf, _, _, gaps := r.read(pos, nil, 1000, matchAll{}); string(buf) != "xG2" || gaps != 1 {
		t.Errorf("late marker: read %q (%d gaps), want \"xG2\"", buf, gaps)
	}
}
