package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldhq/herald/sseclient"
)

// TestDurableKill9Unthrottled kills a real `herald serve` with -9 while several publishers
// publish as fast as their awaited publishes allow (each on its own connection), for the
// fsync policies always and interval (the default), then restarts it on the same history:
//   - every acknowledged publish, from before the kill and after the restart, is replayed
//     exactly once, in order, with its data;
//   - every event a live subscriber saw before the kill is in the replay with the same
//     data (fan-out happens right after the write, before any fsync: the kernel has it);
//   - no id is ever given out twice: ids after the restart are newer than every id seen.
func TestDurableKill9Unthrottled(t *testing.T) {
	for _, policy := range []string{"always", "interval"} {
		t.Run(policy, func(t *testing.T) { testKill9Policy(t, policy) })
	}
}

// pubAck is an acknowledged publish: the id the hub answered and the data sent.
type pubAck struct{ id, data string }

// publishUntil publishes awaited events "p<w>-<n>" to channel on its own connection until
// stop is closed or a publish fails (the hub was killed), and returns the acknowledged ones.
func publishUntil(url, key, channel string, w int, first int, stop <-chan struct{}, max int) []pubAck {
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	defer c.CloseIdleConnections()
	var acks []pubAck
	for n := first; n < first+max; n++ {
		select {
		case <-stop:
			return acks
		default:
		}
		data := fmt.Sprintf("p%d-%d", w, n)
		body, _ := json.Marshal(map[string]string{"channel": channel, "data": data})
		req, _ := http.NewRequest(http.MethodPost, url+"/publish", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := c.Do(req)
		if err != nil {
			return acks
		}
		var r struct{ ID string }
		err = json.NewDecoder(resp.Body).Decode(&r)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || err != nil || r.ID == "" {
			return acks
		}
		acks = append(acks, pubAck{r.ID, data})
	}
	return acks
}

func testKill9Policy(t *testing.T, policy string) {
	const channel, publishers = "e2e.kill", 4
	args := []string{"--history-fsync", policy, "--publish-rate", "0", "--history", "100000"}
	hub := startHub(t, args...)

	// A live subscriber, connected before the first publish, records what it sees.
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var seenMu sync.Mutex
	var seen []pubAck
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, hub.URL+"/events?channel="+channel, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	subDone := make(chan struct{})
	go func() {
		defer close(subDone)
		defer resp.Body.Close()
		p := sseclient.NewParser(resp.Body)
		for {
			e, err := p.Next()
			if err != nil {
				return // the hub was killed
			}
			if e.Type == "message" {
				seenMu.Lock()
				seen = append(seen, pubAck{e.ID, e.Data})
				seenMu.Unlock()
			}
		}
	}()
	time.Sleep(200 * time.Millisecond) // the subscriber is registered

	// Run 1: unthrottled publishers, killed mid-stream.
	stop := make(chan struct{})
	results := make([][]pubAck, publishers)
	var wg sync.WaitGroup
	for w := 0; w < publishers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[w] = publishUntil(hub.URL, hub.Key, channel, w, 0, stop, 1<<30)
		}()
	}
	// Let them run until the subscriber has seen a good number (bounded in time).
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		seenMu.Lock()
		n := len(seen)
		seenMu.Unlock()
		if n >= 1500 || time.Now().After(deadline) {
			break
		}
	}
	if err := hub.Cmd.Process.Kill(); err != nil { // SIGKILL mid-stream: no shutdown, no flush
		t.Fatal(err)
	}
	_ = hub.Cmd.Wait()
	close(stop)
	wg.Wait()
	<-subDone
	var before []pubAck
	for _, r := range results {
		before = append(before, r...)
	}
	if len(before) < 100 || len(seen) < 100 {
		t.Fatalf("only %d publishes acknowledged and %d events seen before the kill", len(before), len(seen))
	}
	newestSeen := ""
	for _, a := range append(append([]pubAck(nil), before...), seen...) {
		if newestSeen == "" || olderID(t, newestSeen, a.id) {
			newestSeen = a.id
		}
	}

	// Run 2: the same history, more publishes.
	addr := strings.TrimPrefix(hub.URL, "http://")
	hub.Proc = start(t, []string{"XDG_CONFIG_HOME=" + hub.ConfigDir, "HOME=" + hub.ConfigDir}, herald(),
		append([]string{"serve", "--addr", addr, "--key", hub.Key}, args...)...)
	waitHealthy(t, hub.URL, 20*time.Second)
	var after []pubAck
	var amu sync.Mutex
	for w := 0; w < publishers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			acks := publishUntil(hub.URL, hub.Key, channel, w, 1<<20, nil, 50)
			amu.Lock()
			after = append(after, acks...)
			amu.Unlock()
		}()
	}
	wg.Wait()
	if len(after) != publishers*50 {
		t.Fatalf("%d of %d publishes after the restart acknowledged", len(after), publishers*50)
	}
	for _, a := range after {
		if !olderID(t, newestSeen, a.id) {
			t.Fatalf("id %s after the restart is not newer than %s, seen before the kill: an id was reused", a.id, newestSeen)
		}
	}

	// Replay everything after the first event the subscriber saw.
	first := seen[0]
	rreq, _ := http.NewRequestWithContext(ctx, http.MethodGet, hub.URL+"/events?channel="+channel, nil)
	rreq.Header.Set("Last-Event-ID", first.id)
	rresp, err := http.DefaultClient.Do(rreq)
	if err != nil {
		t.Fatal(err)
	}
	defer rresp.Body.Close()
	byID := map[string]string{}
	byData := map[string]string{}
	var order []string
	p := sseclient.NewParser(rresp.Body)
	newestAck := ""
	for _, a := range after {
		if newestAck == "" || olderID(t, newestAck, a.id) {
			newestAck = a.id
		}
	}
	for {
		e, err := p.Next()
		if err != nil {
			t.Fatalf("the replay ended after %d events: %v", len(order), err)
		}
		if e.Type == "herald.gap" {
			t.Fatalf("herald.gap in the replay after the restart: %s", e.Data)
		}
		if e.Type != "message" {
			continue
		}
		if len(order) > 0 && !olderID(t, order[len(order)-1], e.ID) {
			t.Fatalf("replayed id %s after %s: not in order (or twice)", e.ID, order[len(order)-1])
		}
		if prev, dup := byData[e.Data]; dup {
			t.Fatalf("event %q replayed twice (ids %s and %s)", e.Data, prev, e.ID)
		}
		order = append(order, e.ID)
		byID[e.ID], byData[e.Data] = e.Data, e.ID
		if e.ID == newestAck {
			break
		}
	}
	check := func(what string, acks []pubAck) {
		t.Helper()
		for _, a := range acks {
			if a.id == first.id {
				continue
			}
			if got, ok := byID[a.id]; !ok || got != a.data {
				t.Fatalf("%s event %s (%q) replayed as %q (present %v)", what, a.id, a.data, got, ok)
			}
		}
	}
	check("acknowledged before the kill", before)
	check("seen live before the kill", seen)
	check("acknowledged after the restart", after)
	t.Logf("fsync %s: %d acknowledged and %d seen live before the kill, %d after the restart; %d replayed once each, in order",
		policy, len(before), len(seen), len(after), len(order))
}
