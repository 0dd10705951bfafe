package server

import (
	"context"
	"testing"

	"github.com/heraldhq/herald/server/wire"
)

func TestParseID(t *testing.T) {
	tests := []struct {
		in   string
		want ID
		ok   bool
	}{
		{"1700000000000-0", ID{Ms: 1700000000000, Seq: 0}, true},
		{"1-42", ID{Ms: 1, Seq: 42}, true},
		{"18446744073709551615-18446744073709551615", ID{Ms: ^uint64(0), Seq: ^uint64(0)}, true},
		{"18446744073709551616-1", ID{}, false},
		{"", ID{}, false},
		{"12", ID{}, false},
		{"-1", ID{}, false},
		{"1-", ID{}, false},
		{"+1-2", ID{}, false},
		{"1- 2", ID{}, false},
		{"1-2-3", ID{}, false},
		{"a-b", ID{}, false},
	}
	for _, tt := range tests {
		got, err := ParseID(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseID(%q) = %v, %v; want %v ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if tt.ok && got.String() != tt.in {
			t.Errorf("ID(%q).String() = %q", tt.in, got.String())
		}
	}
}

func TestIDCompare(t *testing.T) {
	ids := []ID{{Ms: 1, Seq: 5}, {Ms: 1, Seq: 6}, {Ms: 2, Seq: 0}, {Ms: 10, Seq: 1}}
	for i := range ids {
		for j := range ids {
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := ids[i].Compare(ids[j]); got != want {
				t.Errorf("%v.Compare(%v) = %d, want %d", ids[i], ids[j], got, want)
			}
		}
	}
}

func TestMemoryBrokerOrderAndPending(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	b := NewMemoryBroker()
	origin, _ := b.Last(ctx)
	if origin.Seq != 0 || origin.Ms > wire.NowMs() {
		t.Fatalf("origin %v: want <now>-0", origin)
	}
	// Published before Follow runs: must still reach the reader loop, in order.
	if _, err := b.Publish(ctx, []Message{{Channel: "a", Data: "1"}, {Channel: "a", Data: "2"}}); err != nil {
		t.Fatal(err)
	}
	got := make(chan Event, 10)
	done := make(chan error, 1)
	go func() {
		done <- b.Follow(ctx, origin, func(evs []Event) {
			for _, e := range evs {
				got <- e
			}
		})
	}()
	prev := origin
	for i := 0; i < 2; i++ {
		e := <-got
		if !prev.Less(e.ID) {
			t.Fatalf("event %d has id %v, not after %v", i+1, e.ID, prev)
		}
		prev = e.ID
	}
	before := wire.NowMs()
	evs, err := b.Publish(ctx, []Message{{Channel: "a", Data: "3"}})
	after := wire.NowMs()
	if err != nil {
		t.Fatal(err)
	}
	e := <-got
	// "<ms at publish>-<seq>": the publish's millisecond (or the previous id's, when it
	// was the same one), counting from 1 within it.
	if e.Data != "3" || e.ID != evs[0].ID || !prev.Less(e.ID) || e.ID.Ms < min(before, prev.Ms) || e.ID.Ms > max(after, prev.Ms) {
		t.Fatalf("third event = %+v, receipt %v (previous %v, published between %d and %d)", e, evs[0].ID, prev, before, after)
	}
	if e.ID.Ms != prev.Ms && e.ID.Seq != 1 {
		t.Errorf("the first event of millisecond %d has seq %d, want 1", e.ID.Ms, e.ID.Seq)
	}
	if _, gap, _ := b.Since(ctx, e.ID, 10); gap {
		t.Error("Since(newest) reported a gap")
	}
	if _, gap, _ := b.Since(ctx, ID{Ms: origin.Ms - 1, Seq: 9}, 10); !gap {
		t.Error("Since(id of an earlier run) reported no gap")
	}
	cancel()
	if err := <-done; err == nil {
		t.Error("Follow returned nil after cancel")
	}
}
