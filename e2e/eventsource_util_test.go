package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// clientLog is what one EventSource went through, with wall-clock times in milliseconds.
// The npm eventsource clients (esClients) and the Chromium ones (browserSources) both fill it.
type clientLog struct {
	Opens    []int64  `json:"opens"`    // each time the stream opened
	Downs    []int64  `json:"downs"`    // each herald.shutdown or error: the stream ended
	Data     []string `json:"data"`     // the data of each real event, in order
	IDs      []string `json:"ids"`      // their ids
	Busy     int      `json:"busy"`     // herald.busy events
	Shutdown int      `json:"shutdown"` // herald.shutdown events
	Gaps     []string `json:"gaps"`     // herald.gap data (never expected)
	Closed   string   `json:"closed"`   // why the EventSource closed for good ("" while it lives)
}

// esClients runs e2e/eventsource/clients.mjs: n EventSources of the npm eventsource package,
// each from its own loopback address (or addrs shared round robin), and follows what each
// one sees.
type esClients struct {
	mu      sync.Mutex
	clients []clientLog
	lines   int
}

// eventsourceDir is the npm package of the e2e tests; node_modules is installed by
// scripts/setup.sh, or here with npm ci when it is missing.
func eventsourceDir(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "eventsource")
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is not installed (run scripts/setup.sh, which installs nodejs and npm): ", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "eventsource")); err != nil {
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("e2e/eventsource has no node_modules and npm ci failed (run scripts/setup.sh): %v\n%s", err, out)
		}
	}
	return dir
}

// startESClients starts n clients on url from addrs addresses 127.octet.x.y.
func startESClients(t *testing.T, url string, n, octet, addrs int) *esClients {
	t.Helper()
	dir := eventsourceDir(t)
	cmd := exec.Command("node", "clients.mjs", url, fmt.Sprint(n), fmt.Sprint(octet), fmt.Sprint(addrs))
	cmd.Dir = dir
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	es := &esClients{clients: make([]clientLog, n)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			es.note(t, sc.Bytes())
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
		_ = cmd.Wait()
		if s := stderr.String(); s != "" && t.Failed() {
			t.Logf("clients.mjs stderr:\n%s", s)
		}
	})
	return es
}

func (es *esClients) note(t *testing.T, line []byte) {
	var m struct {
		C      int
		T      string
		ID     string
		Data   string
		Msg    string
		Code   int
		Closed bool
		Ms     int64
	}
	if err := json.Unmarshal(line, &m); err != nil {
		t.Errorf("clients.mjs wrote %q: %v", line, err)
		return
	}
	es.mu.Lock()
	defer es.mu.Unlock()
	es.lines++
	if m.C < 0 || m.C >= len(es.clients) {
		t.Errorf("clients.mjs names client %d of %d", m.C, len(es.clients))
		return
	}
	c := &es.clients[m.C]
	switch m.T {
	case "open":
		c.Opens = append(c.Opens, m.Ms)
	case "event":
		c.Data = append(c.Data, m.Data)
		c.IDs = append(c.IDs, m.ID)
	case "herald.busy":
		c.Busy++
	case "herald.shutdown":
		c.Shutdown++
		c.Downs = append(c.Downs, m.Ms)
	case "herald.gap":
		c.Gaps = append(c.Gaps, m.Data)
	case "error":
		c.Downs = append(c.Downs, m.Ms)
		if m.Closed {
			c.Closed = fmt.Sprintf("%d %s", m.Code, m.Msg)
		}
	}
}

// snapshot copies every client's log.
func (es *esClients) snapshot() []clientLog {
	es.mu.Lock()
	defer es.mu.Unlock()
	out := make([]clientLog, len(es.clients))
	for i, c := range es.clients {
		out[i] = clientLog{Opens: append([]int64(nil), c.Opens...), Downs: append([]int64(nil), c.Downs...),
			Data: append([]string(nil), c.Data...), IDs: append([]string(nil), c.IDs...),
			Busy: c.Busy, Shutdown: c.Shutdown, Gaps: append([]string(nil), c.Gaps...), Closed: c.Closed}
	}
	return out
}

// waitClients polls get until ok holds for every client (within), and fails naming the
// first client that does not.
func waitClients(t *testing.T, what string, within time.Duration, get func() []clientLog, ok func(c clientLog) bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		cs := get()
		bad := -1
		for i, c := range cs {
			if !ok(c) {
				bad = i
				break
			}
		}
		if bad < 0 {
			return
		}
		if time.Now().After(deadline) {
			c := cs[bad]
			t.Fatalf("%s: client %d of %d not there after %v: opens %v downs %v busy %d shutdown %d closed %q, %d events (last %q)",
				what, bad, len(cs), within, c.Opens, c.Downs, c.Busy, c.Shutdown, c.Closed, len(c.Data), last(c.Data))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// backWithin checks that every client that lost its stream at or after t0 (ms) had a live
// one again within limit of losing it, and that no client gave up for good. The times are
// the client's own (when its process saw the loss and the new stream), so a client process
// that falls behind on a busy machine does not count against the hub. It returns how many
// clients lost their stream and the longest time from t0 to a client's return.
func backWithin(t *testing.T, what string, cs []clientLog, t0 int64, limit time.Duration) (moved int) {
	t.Helper()
	var late []string
	worst := int64(0)
	for i, c := range cs {
		if c.Closed != "" {
			t.Errorf("%s: client %d closed for good: %s", what, i, c.Closed)
			continue
		}
		down := int64(0)
		for _, d := range c.Downs {
			if d >= t0 {
				down = d
				break
			}
		}
		if down == 0 {
			continue // its stream was on a node that stayed up
		}
		moved++
		// Back means a stream that stayed open: a refusal (herald.busy) opens a stream too,
		// but it ends at once.
		back := int64(0)
		if c.live() && last64(c.Opens) >= down {
			back = last64(c.Opens)
		}
		worst = max(worst, back-t0)
		switch {
		case back == 0:
			late = append(late, fmt.Sprintf("client %d: down at +%d ms, not live again (opens %v, downs %v)", i, down-t0, c.Opens, c.Downs))
		case back-down > limit.Milliseconds():
			late = append(late, fmt.Sprintf("client %d: down at +%d ms, back at +%d ms", i, down-t0, back-t0))
		}
	}
	if len(late) > 0 {
		t.Errorf("%s: %d of %d clients were not back within %v: %s", what, len(late), len(cs), limit, strings.Join(late[:min(len(late), 5)], "; "))
	}
	t.Logf("%s: %d clients lost their stream; the last was back %d ms after the event", what, moved, worst)
	return moved
}

// live reports whether the client's stream is open now: it opened, and nothing ended it
// since (a herald.busy refusal opens a stream that ends at once).
func (c clientLog) live() bool {
	return len(c.Opens) > 0 && c.Closed == "" && last64(c.Opens) > last64(c.Downs)
}

func last64(s []int64) int64 {
	if len(s) == 0 {
		return 0
	}
	return s[len(s)-1]
}

func last(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[len(s)-1]
}
