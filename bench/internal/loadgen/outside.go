package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/heraldhq/herald/bench/internal/payload"
)

// Outside is a hub measured from outside, as a user would: the hub is a process of its own
// (for Herald the real `herald serve`), every publish is an HTTP request from another process
// that awaits its answer before sending the next, and the subscribers are this process's.
type Outside struct {
	Hub        string
	Addr       string // the hub's subscribe address (host:port)
	Path       string // subscribe request target
	PID        int    // the hub process, whose CPU time and write calls are measured
	PublishURL string // POST here with the event's data as a text/plain body
	Token      string // sent as "Authorization: Bearer" when not empty
	// Publisher returns the command of the publisher process for n events of size bytes
	// over conns connections at rate events/s (0: back to back; see RunPublisher); it is
	// started once the subscribers are in.
	Publisher func(n, size, conns int, rate float64) *exec.Cmd
}

// OutsideResult adds to Result what only the outside run measures.
type OutsideResult struct {
	Result
	Conns       int     // publisher connections, each awaiting every answer
	HubWrites   int64   // write system calls of the hub process over the run (/proc/PID/io syscw)
	PerWrite    float64 // deliveries per write call to a subscriber (publish answers taken out)
	PublishedPS float64 // events published per second
}

// RunOutside runs an outside scenario: Subs subscribers, Events events of Size bytes from a
// publisher process with conns connections.
func RunOutside(ctx context.Context, t Outside, sc Scenario, conns int) OutsideResult {
	ctx, cancel := context.WithTimeout(ctx, sc.Timeout)
	defer cancel()
	r := OutsideResult{Result: Result{Hub: t.Hub, Scenario: sc.Name, Subs: sc.Subs, Events: sc.Events, Size: sc.Size}, Conns: conns}
	if err := runOutside(ctx, t, sc, &r); err != nil {
		r.Err = err.Error()
	}
	return r
}

func runOutside(ctx context.Context, t Outside, sc Scenario, r *OutsideResult) error {
	g := &group{}
	subs, err := dial(ctx, g, t.Addr, t.Path, sc.Subs, true, 0, sc.Events)
	if err != nil {
		return err
	}
	defer closeAll(subs)
	if sc.Stuck > 0 {
		stuck, err := dial(ctx, g, t.Addr, t.Path, sc.Stuck, false, 4096, 0)
		if err != nil {
			return err
		}
		defer closeAll(stuck)
	}
	pc := &http.Client{Timeout: 10 * time.Second}
	deadline := time.Now().Add(sc.Timeout / 3)
	for g.warmSubs.Load() < int64(sc.Subs) {
		if err := PublishOne(ctx, pc, t.PublishURL, t.Token, []byte(payload.Warm)); err != nil {
			return fmt.Errorf("warm-up publish: %w", err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d subscribers got a warm-up event: the hub did not register them", g.warmSubs.Load(), sc.Subs)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}

	cmd := t.Publisher(sc.Events, sc.Size, r.Conns, sc.Rate)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cpu0, err := CPUTime(t.PID)
	if err != nil {
		return err
	}
	w0, err := WriteCalls(t.PID)
	if err != nil {
		return err
	}
	m0, si0, _ := MachineCPU()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start the publisher process: %w", err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	// The publisher prints one line when it is done: "DONE PUBLISHED STARTNS ENDNS [ERROR]".
	done := make(chan []string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		var f []string
		for sc.Scan() {
			if l := sc.Text(); strings.HasPrefix(l, "DONE ") {
				f = strings.Fields(l)
			}
		}
		done <- f
	}()
	r.Expected = int64(sc.Subs) * int64(sc.Events)
	lastTotal, lastProgress := int64(-1), time.Now()
	var fin []string
	running := true
	for {
		total := g.total.Load()
		now := time.Now()
		if total != lastTotal {
			lastTotal, lastProgress = total, now
		}
		if running {
			select {
			case fin = <-done:
				running = false
			default:
			}
		}
		quiet := now.Sub(lastProgress)
		if (total >= r.Expected && !running) || (!running && quiet > 2*time.Second) {
			break
		}
		if running && quiet > sc.Stall {
			r.Stalled = true
			break
		}
		select {
		case <-ctx.Done():
			r.Stalled = running
			goto measured
		case <-time.After(20 * time.Millisecond):
		}
	}
measured:
	cpu1, err := CPUTime(t.PID)
	if err != nil {
		return err
	}
	w1, _ := WriteCalls(t.PID)
	m1, si1, _ := MachineCPU()
	r.HubCPU, r.MachineCPU, r.SoftIRQ = cpu1-cpu0, m1-m0, si1-si0
	r.HubWrites = w1 - w0
	closeAll(subs)

	started := start.UnixNano()
	if len(fin) >= 4 {
		r.Published, _ = strconv.ParseInt(fin[1], 10, 64)
		started, _ = strconv.ParseInt(fin[2], 10, 64)
		ended, _ := strconv.ParseInt(fin[3], 10, 64)
		if ended > started {
			r.PublishedPS = float64(r.Published) / (float64(ended-started) / 1e9)
		}
		if len(fin) > 4 {
			r.Err = "publisher: " + strings.Join(fin[4:], " ")
		}
	}
	var lat []int32
	var last int64
	for _, s := range subs {
		r.Delivered += int64(len(s.lat))
		r.Lost += int64(sc.Events) - s.unique
		r.Dups += s.dups
		lat = append(lat, s.lat...)
		last = max(last, s.last.Load())
	}
	r.Runs = 1
	if r.Delivered > 0 {
		r.CPUPerDeliver = r.HubCPU / time.Duration(r.Delivered)
		r.CPUPerDeliverMin, r.CPUPerDeliverMax = r.CPUPerDeliver, r.CPUPerDeliver
		r.Seconds = float64(last-started) / 1e9
		if r.Seconds > 0 {
			r.PerSecond = float64(r.Delivered) / r.Seconds
		}
		// Each publish answer is one write; the rest went to subscribers.
		if sw := r.HubWrites - r.Published; sw > 0 {
			r.PerWrite = float64(r.Delivered) / float64(sw)
		}
		slices.Sort(lat)
		pct := func(p float64) time.Duration {
			return time.Duration(lat[int(p*float64(len(lat)-1))]) * time.Microsecond
		}
		r.P50, r.P99, r.Max = pct(0.50), pct(0.99), pct(1)
	}
	return nil
}

// PublishOne posts data as one text/plain event to url and reads the whole answer; anything
// but a 2xx is an error.
func PublishOne(ctx context.Context, c *http.Client, url, token string, data []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(data))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/plain")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(b))
	}
	return nil
}

// RunPublisher is the publisher process: it publishes n events of size bytes to url over
// conns keep-alive connections, each awaiting every answer before sending its next event,
// then prints "DONE PUBLISHED STARTNS ENDNS [ERROR]" to w. With rate > 0, event i is not
// sent before start + i/rate (a fixed schedule: a late answer does not shift the later
// events). Sequence numbers are shared, so with several connections events may be stored
// slightly out of order (a subscriber then counts a later one first and the earlier as a
// duplicate; use one connection for order).
func RunPublisher(ctx context.Context, w io.Writer, url, token string, n, size, conns int, rate float64) {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}
	c := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	var next, published int64
	var mu = make(chan struct{}, 1)
	errc := make(chan error, conns)
	start := time.Now()
	for range conns {
		go func() {
			buf := make([]byte, 0, size+32)
			for {
				mu <- struct{}{}
				seq := next
				next++
				<-mu
				if seq >= int64(n) {
					errc <- nil
					return
				}
				if rate > 0 {
					if d := time.Until(start.Add(time.Duration(float64(seq) / rate * float64(time.Second)))); d > 0 {
						time.Sleep(d)
					}
				}
				buf = payload.Append(buf[:0], seq, time.Now(), size)
				if err := PublishOne(ctx, c, url, token, buf); err != nil {
					errc <- fmt.Errorf("event %d: %w", seq, err)
					return
				}
				mu <- struct{}{}
				published++
				<-mu
			}
		}()
	}
	var first error
	for range conns {
		if err := <-errc; err != nil && first == nil {
			first = err
		}
	}
	end := time.Now()
	line := fmt.Sprintf("DONE %d %d %d", published, start.UnixNano(), end.UnixNano())
	if first != nil {
		line += " " + strings.ReplaceAll(first.Error(), "\n", " ")
	}
	fmt.Fprintln(w, line)
}

// WriteCalls returns how many write system calls process pid has made (syscw in
// /proc/PID/io: write, writev and their kin, sockets included).
func WriteCalls(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		return 0, fmt.Errorf("read write calls of process %d (Linux only): %w", pid, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "syscw:"); ok {
			return strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		}
	}
	return 0, fmt.Errorf("/proc/%d/io has no syscw line", pid)
}

// RunOutsideIdle opens sc.Idle subscribers that never get an event and measures the hub
// process's resident memory per stream: VmRSS once the process holds every connection and
// sc.Settle has passed, minus VmRSS before the first connect. Then warm-up events (one
// broadcast, or a few when the hub registers streams lazily) prove every stream was
// registered (Registered).
func RunOutsideIdle(ctx context.Context, t Outside, sc Scenario) Result {
	ctx, cancel := context.WithTimeout(ctx, sc.Timeout)
	defer cancel()
	r := Result{Hub: t.Hub, Scenario: sc.Name, Subs: sc.Idle}
	if err := runOutsideIdle(ctx, t, sc, &r); err != nil {
		r.Err = err.Error()
	}
	return r
}

func runOutsideIdle(ctx context.Context, t Outside, sc Scenario, r *Result) error {
	before, err := RSS(t.PID)
	if err != nil {
		return err
	}
	g := &group{}
	subs, err := dial(ctx, g, t.Addr, t.Path, sc.Idle, true, 0, 0)
	if err != nil {
		return err
	}
	defer closeAll(subs)
	// Every hub accepts a connection into a socket of its process: count them.
	deadline := time.Now().Add(sc.Timeout / 2)
	for {
		n, err := Sockets(t.PID)
		if err != nil {
			return err
		}
		if n >= sc.Idle {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the hub holds %d of %d connections after %v", n, sc.Idle, sc.Timeout/2)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	select {
	case <-time.After(sc.Settle):
	case <-ctx.Done():
		return ctx.Err()
	}
	after, err := RSS(t.PID)
	if err != nil {
		return err
	}
	r.RSSBefore, r.RSSAfter = before, after
	r.RSSPerConn = float64(after-before) / float64(sc.Idle)
	pc := &http.Client{Timeout: 10 * time.Second}
	cpu0, _ := CPUTime(t.PID)
	for i := 0; g.warmSubs.Load() < int64(sc.Idle) && i < 50; i++ {
		if err := PublishOne(ctx, pc, t.PublishURL, t.Token, []byte(payload.Warm)); err != nil {
			return fmt.Errorf("warm-up publish: %w", err)
		}
		for range 10 {
			if g.warmSubs.Load() >= int64(sc.Idle) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	cpu1, _ := CPUTime(t.PID)
	r.Registered = int(g.warmSubs.Load())
	r.Delivered = g.warmEvents.Load()
	r.HubCPU = cpu1 - cpu0
	if r.Delivered > 0 {
		r.CPUPerDeliver = r.HubCPU / time.Duration(r.Delivered)
	}
	if r.Registered < sc.Idle {
		return fmt.Errorf("only %d of %d idle streams got a warm-up event", r.Registered, sc.Idle)
	}
	return nil
}

// Sockets returns how many sockets process pid has open (its /proc/PID/fd entries that
// are sockets).
func Sockets(pid int) (int, error) {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("list the open files of process %d (Linux only): %w", pid, err)
	}
	n := 0
	for _, e := range ents {
		if l, err := os.Readlink(dir + "/" + e.Name()); err == nil && strings.HasPrefix(l, "socket:") {
			n++
		}
	}
	return n, nil
}
