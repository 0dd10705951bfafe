package journal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/heraldhq/herald/server"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// open opens a journal at path with the bounds given, closed when the test ends.
func open(t testing.TB, path string, maxEvents, maxBytes int) *Journal {
	t.Helper()
	j, err := Open(Options{Path: path, MaxEvents: maxEvents, MaxBytes: maxBytes, Logger: quiet, LockTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

func msgs(prefix string, n int) []server.Message {
	out := make([]server.Message, n)
	for i := range out {
		out[i] = server.Message{Channel: "ch", Event: "e", Data: fmt.Sprintf("%s%d", prefix, i)}
	}
	return out
}

func publish(t testing.TB, j *Journal, ms []server.Message) []server.Event {
	t.Helper()
	evs, err := j.Publish(context.Background(), ms)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != len(ms) {
		t.Fatalf("Publish returned %d events for %d messages", len(evs), len(ms))
	}
	return evs
}

// since reads everything after `after` (in chunks of 3, to cross chunk bounds).
func since(t testing.TB, j *Journal, after server.ID) ([]server.Event, bool) {
	t.Helper()
	var all []server.Event
	for {
		evs, gap, err := j.Since(context.Background(), after, 3)
		if err != nil {
			t.Fatal(err)
		}
		if gap {
			return all, true
		}
		if len(evs) == 0 {
			return all, false
		}
		all = append(all, evs...)
		after = evs[len(evs)-1].ID
	}
}

func datas(evs []server.Event) string {
	var b strings.Builder
	for _, e := range evs {
		b.WriteString(e.Data)
		b.WriteByte(' ')
	}
	return strings.TrimSpace(b.String())
}

func TestStore(t *testing.T) {
	// Every record is 16 bytes of key + 1 version + 4 lengths + "ch" "e" "dN" + retry = 27.
	const rec = 27
	tests := []struct {
		name               string
		maxEvents, maxByte int
		batches            []int // events per publish
		wantKept           string
		wantCount          int
	}{
		{"append within bounds", 100, 1 << 20, []int{1, 3, 1}, "d0 d0 d1 d2 d0", 5},
		{"trim by count", 4, 1 << 20, []int{3, 3, 3}, "d2 d0 d1 d2", 4},
		{"trim by bytes", 100, 3 * rec, []int{2, 2, 2}, "d1 d0 d1", 3},
		{"one batch larger than the bound keeps its newest", 2, 1 << 20, []int{5}, "d3 d4", 2},
		{"bytes bound below one event keeps the newest", 100, 10, []int{2, 1}, "d0", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			j := open(t, filepath.Join(t.TempDir(), "h.db"), tc.maxEvents, tc.maxByte)
			origin, _ := j.Last(context.Background())
			var all []server.Event
			prev := origin
			for _, n := range tc.batches {
				evs := publish(t, j, msgs("d", n))
				for _, e := range evs {
					if !prev.Less(e.ID) {
						t.Fatalf("id %s not after %s", e.ID, prev)
					}
					prev = e.ID
				}
				all = append(all, evs...)
			}
			if last, _ := j.Last(context.Background()); last != prev {
				t.Fatalf("Last = %s, want the newest id %s", last, prev)
			}
			kept := all[len(all)-tc.wantCount:]
			got, gap := since(t, j, origin)
			if gap != (len(kept) < len(all)) {
				t.Fatalf("Since(origin) gap = %v with %d of %d kept", gap, len(kept), len(all))
			}
			if !gap && datas(got) != tc.wantKept {
				t.Fatalf("Since(origin) = %q, want %q", datas(got), tc.wantKept)
			}
			// Resuming right before the oldest kept event gives exactly the kept ones.
			before := origin
			if len(kept) < len(all) {
				before = all[len(all)-tc.wantCount-1].ID
			}
			got, gap = since(t, j, before)
			if gap || datas(got) != tc.wantKept {
				t.Fatalf("Since(%s) = %q gap %v, want %q without gap", before, datas(got), gap, tc.wantKept)
			}
			for i, e := range got {
				if e.ID != kept[i].ID || e.Channel != "ch" || e.Event != "e" {
					t.Fatalf("replayed %+v, want %+v", e, kept[i])
				}
			}
			if len(j.idx)-j.head != tc.wantCount {
				t.Fatalf("count = %d, want %d", len(j.idx)-j.head, tc.wantCount)
			}
		})
	}
}

func TestSinceEdges(t *testing.T) {
	j := open(t, filepath.Join(t.TempDir(), "h.db"), 5, 1<<20)
	origin, _ := j.Last(context.Background())
	evs := publish(t, j, msgs("d", 8)) // d0..d2 trimmed
	last := evs[7].ID
	tests := []struct {
		name    string
		after   server.ID
		wantGap bool
		want    string
	}{
		{"the newest id: nothing missing", last, false, ""},
		{"newer than anything stored", server.ID{Ms: last.Ms, Seq: last.Seq + 1}, true, ""},
		{"another hub's newer epoch", server.ID{Ms: last.Ms + 1, Seq: 1}, true, ""},
		{"the origin, after trimming", origin, true, ""},
		{"a trimmed id", evs[1].ID, true, ""},
		{"the last trimmed id", evs[2].ID, false, "d3 d4 d5 d6 d7"},
		{"a kept id", evs[5].ID, false, "d6 d7"},
		{"an older epoch (a memory-mode run before)", server.ID{Ms: origin.Ms - 1, Seq: 99}, true, ""},
		{"inside the range but never given out", server.ID{Ms: evs[4].ID.Ms, Seq: evs[4].ID.Seq*10 + 7}, true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, gap := since(t, j, tc.after)
			if gap != tc.wantGap || datas(got) != tc.want {
				t.Fatalf("Since(%s) = %q gap %v, want %q gap %v", tc.after, datas(got), gap, tc.want, tc.wantGap)
			}
		})
	}
}

// TestReopen closes and reopens the file: ids continue after the newest, trimming state
// and every field of every event come back, and a resume from before the restart reads
// across it without a gap.
func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "h.db") // the folder is made
	j, err := Open(Options{Path: path, MaxEvents: 6, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(path); err != nil {
		t.Fatal(err)
	} else if !info.IsDir() || info.Mode().Perm() != 0o700 {
		t.Fatalf("the history's mode is %v, want a folder of mode 0700 (it holds every event's data)", info.Mode())
	}
	if segs, _ := filepath.Glob(filepath.Join(path, "*.log")); len(segs) != 1 {
		t.Fatalf("the new history holds segments %v, want one", segs)
	} else if info, err := os.Stat(segs[0]); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("the segment's mode is %v (%v), want 0600", info.Mode(), err)
	}
	origin, _ := j.Last(context.Background())
	first := publish(t, j, []server.Message{
		{Channel: "a", Event: "x", Key: "key-1", Data: "line1\nline2", Retry: 1500},
		{Channel: "b", Data: ""},
	})
	more := publish(t, j, msgs("r1-", 2))
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Publish(context.Background(), msgs("x", 1)); err == nil {
		t.Fatal("Publish after Close succeeded")
	}

	for run := 2; run <= 3; run++ {
		// A memory-mode run of the hub in between numbered its events "<its start>-N":
		// this run's ids must be newer than those too.
		memoryRun := server.ID{Ms: uint64(time.Now().UnixMilli()), Seq: 99}
		time.Sleep(2 * time.Millisecond)
		j, err = Open(Options{Path: path, MaxEvents: 6, Logger: quiet})
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		last, _ := j.Last(context.Background())
		if last != more[len(more)-1].ID {
			t.Fatalf("run %d: Last = %s, want %s (the newest before the restart)", run, last, more[len(more)-1].ID)
		}
		evs := publish(t, j, msgs(fmt.Sprintf("r%d-", run), 2))
		if !last.Less(evs[0].ID) || !memoryRun.Less(evs[0].ID) {
			t.Fatalf("run %d: new id %s not after %s and %s", run, evs[0].ID, last, memoryRun)
		}
		more = append(more, evs...)
		if run < 3 {
			j.Close()
		}
	}
	t.Cleanup(func() { j.Close() })
	// 8 published, 6 kept: first[0] and first[1] were trimmed on the last run.
	got, gap := since(t, j, origin)
	if !gap {
		t.Fatalf("Since(origin) after trimming has no gap: %q", datas(got))
	}
	got, gap = since(t, j, first[1].ID)
	if gap || datas(got) != "r1-0 r1-1 r2-0 r2-1 r3-0 r3-1" {
		t.Fatalf("resume across two restarts = %q gap %v", datas(got), gap)
	}

	// Fields survive: reopen with room for everything before anything is trimmed.
	path2 := filepath.Join(t.TempDir(), "h2.db")
	j2, err := Open(Options{Path: path2, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	in := []server.Message{{Channel: "a", Event: "x", Key: "key-1", Data: "line1\nline2\x00\u00e9", Retry: 1500}, {Channel: "b"}}
	origin2, _ := j2.Last(context.Background())
	stored := publish(t, j2, in)
	j2.Close()
	j2 = open(t, path2, 0, 0)
	got, gap = since(t, j2, origin2)
	if gap || len(got) != 2 {
		t.Fatalf("after reopen: %d events, gap %v", len(got), gap)
	}
	for i := range in {
		if got[i].Message != in[i] || got[i].ID != stored[i].ID {
			t.Fatalf("event %d came back as %+v, want %+v", i, got[i], stored[i])
		}
	}
}

// TestLowerBoundsOnReopen trims a file kept with larger bounds when it is opened with
// smaller ones (the user lowered --history).
func TestLowerBoundsOnReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	j := open(t, path, 100, 0)
	evs := publish(t, j, msgs("d", 10))
	j.Close()
	j = open(t, path, 3, 0)
	if got, gap := since(t, j, evs[6].ID); gap || datas(got) != "d7 d8 d9" {
		t.Fatalf("after reopening with --history 3: %q gap %v", datas(got), gap)
	}
	if _, gap := since(t, j, evs[5].ID); !gap {
		t.Fatal("an id trimmed on reopen replays without a gap")
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, []byte(strings.Repeat("not a database ", 1000)), 0o600); err != nil {
		t.Fatal(err)
	}
	foreign := filepath.Join(dir, "foreign.db")
	db, err := bolt.Open(foreign, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("other")); return err }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	aFile := filepath.Join(dir, "plain")
	if err := os.WriteFile(aFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	locked := filepath.Join(dir, "locked.db")
	open(t, locked, 0, 0) // held until the test ends

	tests := []struct {
		name, path string
		kind       error
		want       []string
	}{
		{"held by another running hub", locked, ErrLocked, []string{"in use by another running hub", locked}},
		{"not a database", garbage, ErrDamaged, []string{"damaged or not a Herald history", "move it away", garbage}},
		{"another program's bbolt file", foreign, ErrDamaged, []string{"another program", foreign}},
		{"folder cannot be made", filepath.Join(aFile, "h.db"), ErrNotWritable, []string{"cannot create the folder", aFile}},
		{"empty path", "", ErrNoPath, []string{"empty"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			j, err := Open(Options{Path: tc.path, Logger: quiet, LockTimeout: 200 * time.Millisecond})
			if err == nil {
				j.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, tc.kind) {
				t.Errorf("error %q is not %v", err, tc.kind)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "--") {
				t.Errorf("error %q names a command-line flag (callers add those)", err)
			}
			if time.Since(start) > 10*time.Second {
				t.Errorf("Open took %s to fail", time.Since(start))
			}
		})
	}
	// Nothing was written over the damaged file.
	if b, err := os.ReadFile(garbage); err != nil || len(b) == 0 {
		t.Fatalf("the damaged file was changed: %v", err)
	}
}

// TestFollow hands over stored events a late reader loop missed, then live ones, in order,
// once each, while 16 publishers store concurrently.
func TestFollow(t *testing.T) {
	j := open(t, filepath.Join(t.TempDir(), "h.db"), 100_000, 0)
	origin, _ := j.Last(context.Background())
	early := publish(t, j, msgs("early", 5))

	var mu sync.Mutex
	var got []server.Event
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- j.Follow(ctx, early[1].ID, func(evs []server.Event) {
			mu.Lock()
			got = append(got, evs...)
			mu.Unlock()
		})
	}()
	const writers, each = 16, 100
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if _, err := j.Publish(context.Background(), msgs("live", 1+i%3)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	want := 3 // events after early[1]
	for i := 0; i < each; i++ {
		want += writers * (1 + i%3)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= want || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("Follow returned %v, want context.Canceled", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != want {
		t.Fatalf("Follow delivered %d events, want %d", len(got), want)
	}
	if got[0].ID != early[2].ID {
		t.Fatalf("Follow started at %s, want %s (right after `after`)", got[0].ID, early[2].ID)
	}
	for i := 1; i < len(got); i++ {
		// The next id: the same millisecond's next seq, or a later millisecond's first.
		if got[i].ID != got[i-1].ID.Next(got[i].ID.Ms) {
			t.Fatalf("delivery %d: %s after %s (want the next id)", i, got[i].ID, got[i-1].ID)
		}
	}
	all, gap := since(t, j, origin)
	if gap || len(all) != 5+want-3 {
		t.Fatalf("the file holds %d events (gap %v), want %d", len(all), gap, 5+want-3)
	}
}

func TestRecord(t *testing.T) {
	good := encode(nil, &server.Message{Channel: "c", Event: "e", Key: "k", Data: "d", Retry: 7})
	tests := []struct {
		name string
		in   []byte
		ok   bool
	}{
		{"round trip", good, true},
		{"empty", nil, false},
		{"unknown version", append([]byte{9}, good[1:]...), false},
		{"truncated", good[:len(good)-2], false},
		{"trailing bytes", append(append([]byte(nil), good...), 0), false},
		{"length past the end", []byte{recordV1, 200}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := decode(tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("decode err = %v, want ok %v", err, tc.ok)
			}
			if tc.ok && (m != server.Message{Channel: "c", Event: "e", Key: "k", Data: "d", Retry: 7}) {
				t.Fatalf("decoded %+v", m)
			}
		})
	}
}

// TestKeys: a message whose idempotency key a stored event carries gets that event's id and
// stores nothing, in the same run and after a reopen (a publisher retrying after a crash
// that lost its answer); once the event is trimmed the key is free again.
func TestKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	j := open(t, path, 4, 0)
	keyed := func(key, data string) server.Message { return server.Message{Channel: "ch", Key: key, Data: data} }
	first := publish(t, j, []server.Message{keyed("a", "a1"), keyed("b", "b1"), keyed("a", "a-again-in-batch")})
	if first[2].ID != first[0].ID {
		t.Fatalf("a key repeated in one batch got %s, want %s", first[2].ID, first[0].ID)
	}
	steps := []struct {
		name   string
		reopen bool
		msgs   []server.Message
		same   []int // index into first whose id each message must get; -1: a new id
	}{
		{"retry in the same run", false, []server.Message{keyed("a", "x")}, []int{0}},
		{"retry after a restart", true, []server.Message{keyed("b", "y"), keyed("c", "c1")}, []int{1, -1}},
		{"unkeyed messages are always stored", false, []server.Message{{Channel: "ch", Data: "u"}}, []int{-1}},
	}
	for _, st := range steps {
		if st.reopen {
			j.Close()
			j = open(t, path, 4, 0)
		}
		before, _ := j.Last(context.Background())
		evs := publish(t, j, st.msgs)
		newOnes := 0
		for i, e := range evs {
			if st.same[i] >= 0 {
				if e.ID != first[st.same[i]].ID {
					t.Fatalf("%s: message %d got id %s, want the stored %s", st.name, i, e.ID, first[st.same[i]].ID)
				}
				continue
			}
			newOnes++
			if !before.Less(e.ID) {
				t.Fatalf("%s: message %d got id %s, not a new one", st.name, i, e.ID)
			}
		}
		if stored, gap := since(t, j, before); gap || len(stored) != newOnes {
			t.Fatalf("%s: %d events stored (gap %v), want %d", st.name, len(stored), gap, newOnes)
		}
	}
	// a1 and b1 are trimmed by now (4 kept: c1, u, and the next two): "a" is free again.
	publish(t, j, msgs("fill", 2))
	evs := publish(t, j, []server.Message{keyed("a", "a2")})
	if evs[0].ID == first[0].ID {
		t.Fatal("a key of a trimmed event still answers the trimmed id")
	}
}
