package server

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestStuckSubscriberDoesNotHurtOthers: one stream that never reads (a raw TCP connection)
// while 100 others receive 20,000 events. The others get every event in order, the hub's
// heap stays bounded, and the stuck stream is cut off after the write timeout (counted).
func TestStuckSubscriberDoesNotHurtOthers(t *testing.T) {
	if testing.Short() {
		t.Skip("moves about 50 MB through loopback")
	}
	// The history holds the whole run (20,000 small events and 16 MB of bulk), so the
	// healthy readers, which an in-process publisher outruns by far, never fall behind it;
	// the heap bound below is what the ring may hold plus a margin.
	th := newTestHub(t, Config{History: 30_000, HistoryBytes: 24 << 20, Limits: Limits{WriteTimeout: time.Second, MaxEventBytes: 64 << 10}})
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)

	stuck := rawConn(t, th.URL, "?channel=fan&channel=bulk")
	const subs, events = 100, 20_000
	streams := make([]*stream, subs)
	for i := range streams {
		streams[i] = th.open(t, "?channel=fan")
		streams[i].expect(t, "herald.connected")
	}
	waitFor(t, "the stuck stream to register", func() bool { return th.Stats().Connections == subs+1 })

	var wg sync.WaitGroup
	fails := make(chan string, subs)
	for _, s := range streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc := bufio.NewScanner(s.r)
			want := 0
			for want < events && sc.Scan() {
				line := sc.Text()
				if !strings.HasPrefix(line, "data: ") {
					continue
				}
				if n, _ := strconv.Atoi(line[6:]); n != want {
					fails <- fmt.Sprintf("got data %q, want %d", line, want)
					return
				}
				want++
			}
			if want != events {
				fails <- fmt.Sprintf("stream ended after %d of %d events: %v", want, events, sc.Err())
			}
		}()
	}

	// The stuck stream also takes 16 MB of "bulk" events, far more than loopback socket
	// buffers hold, so its writes block for sure.
	bulk := strings.Repeat("x", 16<<10)
	ctx := context.Background()
	batch := make([]Message, 0, 100)
	for i := 0; i < events; {
		batch = batch[:0]
		for len(batch) < cap(batch) && i < events {
			batch = append(batch, Message{Channel: "fan", Data: strconv.Itoa(i)})
			if i%20 == 0 {
				batch = append(batch, Message{Channel: "bulk", Data: bulk})
			}
			i++
		}
		if _, err := th.Publish(ctx, batch...); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	close(fails)
	for f := range fails {
		t.Error(f)
	}
	waitFor(t, "the stuck stream to be cut off", func() bool { return th.Stats().CutOff == 1 })
	waitFor(t, "the cut-off stream to be gone", func() bool { return th.Stats().Connections == subs })

	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("heap grew by %.1f MB (the ring holds at most 24 MB); stats %+v", float64(grown)/(1<<20), th.Stats())
	if grown > 64<<20 {
		t.Errorf("heap grew by %d MB with a 24 MB history; memory is not bounded", grown>>20)
	}
	if st := th.Stats(); st.Gaps != 0 {
		t.Errorf("%d gaps: a healthy reader fell behind", st.Gaps)
	}
	_ = stuck
}

// TestNoLeakAfterThousandSubscribers connects 1,000 streams, closes them, and checks that
// goroutines and file descriptors return to where they were.
func TestNoLeakAfterThousandSubscribers(t *testing.T) {
	th := newTestHub(t, Config{KeepAlive: 50 * time.Millisecond, Limits: Limits{MaxPerIP: 2000}})
	baseG, baseFD := runtime.NumGoroutine(), countFDs(t)
	for round := range 10 {
		var streams []*stream
		for range 100 {
			s := th.open(t, "?channel=leak"+strconv.Itoa(round%3))
			streams = append(streams, s)
		}
		for _, s := range streams {
			s.expect(t, "herald.connected")
		}
		th.mustPublish(t, "leak0", "", "x")
		for _, s := range streams {
			s.close()
		}
	}
	http0 := func() { closeIdle() }
	http0()
	waitFor(t, "every stream to be noticed gone", func() bool { return th.Stats().Connections == 0 })
	waitFor(t, "goroutines and fds to return to their baseline", func() bool {
		closeIdle()
		return runtime.NumGoroutine() <= baseG+5 && countFDs(t) <= baseFD+5
	})
}

func countFDs(t testing.TB) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd on this system")
	}
	return len(ents)
}

// waitFor polls cond every 10 ms for up to 30 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
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
