package wire

import (
	"testing"
	"time"
)

// TestIDNext is the id rule of the memory broker and the journal (Redis Streams' rule):
// the publish time's millisecond, counting within it, never going back.
func TestIDNext(t *testing.T) {
	tests := []struct {
		name string
		last ID
		now  uint64
		want ID
	}{
		{"a later millisecond starts at 1", ID{Ms: 100, Seq: 7}, 101, ID{Ms: 101, Seq: 1}},
		{"the same millisecond counts on", ID{Ms: 100, Seq: 7}, 100, ID{Ms: 100, Seq: 8}},
		{"from an origin (seq 0) in the same millisecond", ID{Ms: 100}, 100, ID{Ms: 100, Seq: 1}},
		{"a clock set back keeps the newest ms", ID{Ms: 100, Seq: 7}, 40, ID{Ms: 100, Seq: 8}},
		{"a clock at zero", ID{Ms: 5, Seq: 1}, 0, ID{Ms: 5, Seq: 2}},
		{"after a power cut the clock moved on", ID{Ms: 100, Seq: 9000}, 5000, ID{Ms: 5000, Seq: 1}},
	}
	for _, tt := range tests {
		got := tt.last.Next(tt.now)
		if got != tt.want {
			t.Errorf("%s: %v.Next(%d) = %v, want %v", tt.name, tt.last, tt.now, got, tt.want)
		}
		if !tt.last.Less(got) {
			t.Errorf("%s: %v is not newer than %v", tt.name, got, tt.last)
		}
	}
}

func TestIDTime(t *testing.T) {
	at := time.Date(2026, 12, 1, 14, 3, 4, 567_000_000, time.UTC)
	id := ID{Ms: uint64(at.UnixMilli()), Seq: 3}
	if got := id.Time(); !got.Equal(at) {
		t.Errorf("%v.Time() = %v, want %v", id, got, at)
	}
	before := NowMs()
	id = ID{}.Next(NowMs())
	if id.Ms < before || time.Since(id.Time()) < 0 || time.Since(id.Time()) > time.Minute {
		t.Errorf("an id made now has time %v (now %v)", id.Time(), time.Now())
	}
}
