// Command hubbench compares SSE hubs (Herald's and its peers') under the same load: each hub
// runs in a process of its own (this program re-executed with -serve), this process opens
// the subscribers, and both sides meet only over loopback HTTP.
//
//	go run ./cmd/hubbench                      # every hub, every scenario (a few minutes)
//	go run ./cmd/hubbench -hubs herald -scenarios a -cpuprofile /tmp/prof
//
// Scenarios: a) fan-out as fast as published, b) idle subscribers (memory), c) a steady rate
// (latency), d) fan-out with subscribers that never read, e) the same with enough data to
// fill the stuck subscribers' socket buffers. See bench/README.md.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/heraldhq/herald/bench/internal/hubs"
	"github.com/heraldhq/herald/bench/internal/loadgen"
)

func main() {
	serve := flag.String("serve", "", "run as the hub process for this hub (internal)")
	addr := flag.String("addr", "127.0.0.1:0", "with -serve: loopback address to listen on")
	hubList := flag.String("hubs", strings.Join(hubs.Names(), ","), "hubs to compare, comma-separated")
	scList := flag.String("scenarios", "a,b,c,d,e", "scenarios to run, comma-separated")
	subs := flag.Int("subs", 1000, "reading subscribers in a, c and d")
	events := flag.Int("events", 2000, "events published in a and d")
	size := flag.Int("size", 64, "event data size in bytes")
	idle := flag.Int("idle", 10000, "idle subscribers in b")
	rate := flag.Float64("rate", 200, "events per second in c")
	steady := flag.Duration("steady", 10*time.Second, "how long c publishes")
	stuck := flag.Int("stuck", 10, "subscribers that never read in d")
	minTime := flag.Duration("mintime", 5*time.Second, "repeat a fan-out run (a, d, e) until its runs add up to this much measured time (at most -maxruns runs)")
	maxRuns := flag.Int("maxruns", 5, "most runs of one hub in one fan-out scenario")
	jsonOut := flag.String("json", "", "also write the results as JSON to this file")
	profDir := flag.String("cpuprofile", "", "write each hub process's CPU profile to DIR/HUB-SCENARIO.pprof (or, with -serve, to this file)")
	memDir := flag.String("memprofile", "", "write each hub process's heap profile, taken when the run ends, to DIR/HUB-SCENARIO.heap.pprof (or, with -serve, to this file)")
	heraldBin := flag.String("herald", "", "with scenario o: the herald binary to run (default: build it into bench/out)")
	oSubs := flag.Int("osubs", 500, "subscribers in o")
	oEvents := flag.Int("oevents", 1000, "events published in o")
	conns := flag.Int("conns", 1, "publisher connections in o (each awaits every answer); with -publisher: connections to use")
	publisher := flag.String("publisher", "", "run as the publisher process, posting to this URL (internal)")
	token := flag.String("token", "", "with -publisher: bearer token")
	suite := flag.String("suite", "", "outside: run issue 15's outside-in suite (see -variants, -oscenarios, -runs, -before) instead of -scenarios")
	runs := flag.Int("runs", 3, "with -suite: rounds of a, c200 and c25 (medians); b and d run once")
	variants := flag.String("variants", "herald,herald-memory,go-sse,r3labs,mercure", "with -suite: hub processes to compare; herald@before and herald-memory@before run the -before binary")
	oScen := flag.String("oscenarios", "a,c200,c25,b,d", "with -suite: scenarios, comma-separated")
	before := flag.String("before", "", "with -suite: another herald binary (e.g. built at an older commit); adds herald@before and herald-memory@before to -variants unless it names them")
	pin := flag.Bool("pin", true, "with -suite: pin hub processes to CPU 1 and this process to CPU 0 (taskset)")
	oIdle := flag.Int("oidle", 5000, "with -suite: idle streams in b")
	outDir := flag.String("out", "out", "with -suite: directory for herald's logs and outside.json")
	flag.Parse()

	if *publisher != "" {
		loadgen.RunPublisher(context.Background(), os.Stdout, *publisher, *token, *events, *size, *conns, *rate)
		return
	}
	if *serve != "" {
		if err := serveHub(*serve, *addr, *profDir, *memDir); err != nil {
			fmt.Fprintln(os.Stderr, "hubbench -serve:", err)
			os.Exit(1)
		}
		return
	}

	all := map[string]loadgen.Scenario{
		"a": {Name: "a", Subs: *subs, Events: *events, Size: *size, Stall: 5 * time.Second, Timeout: 90 * time.Second},
		// o: measured from outside (outside.go): real herald serve, a publisher process.
		"o": {Name: "o", Subs: *oSubs, Events: *oEvents, Size: *size, Stall: 12 * time.Second, Timeout: 120 * time.Second},
		"b": {Name: "b", Idle: *idle, Settle: 2 * time.Second, Timeout: 120 * time.Second},
		"c": {Name: "c", Subs: *subs, Events: int(*rate * steady.Seconds()), Size: *size, Rate: *rate, Stall: 5 * time.Second, Timeout: *steady + 60*time.Second},
		"d": {Name: "d", Subs: *subs, Stuck: *stuck, Events: *events, Size: *size, Stall: 12 * time.Second, Timeout: 90 * time.Second},
		// e: stuck subscribers that really fill up. In d each stuck connection is sent about
		// 180 KB, while loopback's socket buffers absorb about 2.8 MB per connection here, so
		// no hub ever blocks on one; 4,000 events of 1 KB (4 MB) do.
		"e": {Name: "e", Subs: *subs / 10, Stuck: *stuck, Events: 4000, Size: 1024, Stall: 12 * time.Second, Timeout: 90 * time.Second},
	}
	if *suite != "" {
		if *suite != "outside" {
			fmt.Fprintf(os.Stderr, "hubbench: unknown suite %q: the one suite is outside\n", *suite)
			os.Exit(2)
		}
		hubCPU := pinSelf(*pin)
		need := uint64(max(*oIdle, 1100) + 256)
		if err := loadgen.RaiseFileLimit(need); err != nil {
			fmt.Fprintln(os.Stderr, "hubbench:", err)
			os.Exit(1)
		}
		_ = os.MkdirAll(*outDir, 0o755)
		vs, err := suiteVariants(*variants, *heraldBin, *before, *outDir)
		if err != nil {
			fmt.Fprintln(os.Stderr, "hubbench:", err)
			os.Exit(1)
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		runSuite(ctx, vs, splitList(*oScen), *runs, *oIdle, hubCPU, need, *outDir)
		return
	}
	need := uint64(max(*idle, *subs+*stuck) + 256)
	if err := loadgen.RaiseFileLimit(need); err != nil {
		fmt.Fprintln(os.Stderr, "hubbench:", err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var results []loadgen.Result
	var outside string
	for _, sn := range strings.Split(*scList, ",") {
		sn = strings.TrimSpace(sn)
		if sn == "outside" {
			sn = "o"
		}
		sc, ok := all[sn]
		if !ok {
			fmt.Fprintf(os.Stderr, "hubbench: unknown scenario %q: choose from a, b, c, d, e, o (outside)\n", sn)
			os.Exit(2)
		}
		if sn == "o" {
			bin := *heraldBin
			if bin == "" && strings.Contains(","+*hubList+",", ",herald,") {
				var err error
				if bin, err = buildHerald("out"); err != nil {
					fmt.Fprintln(os.Stderr, "hubbench:", err)
					os.Exit(1)
				}
			}
			load := loadAverage()
			var vs []variant
			for _, hn := range splitList(*hubList) {
				vs = append(vs, variant{Name: hn, Hub: hn, Bin: bin, Extra: []string{"--history-store", "memory"}})
			}
			rs := runOutsideAll(ctx, vs, sc, *conns, -1, need)
			outside += outsideReport(rs, sc, *conns, load)
			for _, r := range rs {
				results = append(results, r.Result)
			}
			continue
		}
		for _, hn := range strings.Split(*hubList, ",") {
			hn = strings.TrimSpace(hn)
			var prof []string
			if *profDir != "" {
				prof = append(prof, "-cpuprofile", filepath.Join(*profDir, hn+"-"+sc.Name+".pprof"))
			}
			if *memDir != "" {
				prof = append(prof, "-memprofile", filepath.Join(*memDir, hn+"-"+sc.Name+".heap.pprof"))
			}
			// Like b.N: a hub that finishes a fan-out quickly runs it again, so every figure
			// rests on a few seconds of measurement rather than on one lucky or unlucky
			// schedule; a slow hub's single long run already does.
			var runs []loadgen.Result
			var secs float64
			for {
				r := runOne(ctx, hn, sc, need, prof)
				runs = append(runs, r)
				secs += r.Seconds
				if sc.Idle > 0 || sc.Rate > 0 || r.Err != "" || ctx.Err() != nil ||
					secs >= minTime.Seconds() || len(runs) >= *maxRuns {
					break
				}
				fmt.Fprintf(os.Stderr, "%-8s %s run %d: %s\n", hn, sc.Name, len(runs), oneLine(r))
			}
			r := loadgen.Combine(runs)
			results = append(results, r)
			fmt.Fprintf(os.Stderr, "%-8s %s: %s\n", hn, sc.Name, oneLine(r))
			if ctx.Err() != nil {
				break
			}
		}
	}
	var inside []loadgen.Result
	for _, r := range results {
		if r.Scenario != "o" {
			inside = append(inside, r)
		}
	}
	fmt.Print(report(inside) + outside)
	if *jsonOut != "" {
		b, _ := json.MarshalIndent(results, "", "  ")
		if err := os.WriteFile(*jsonOut, b, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "hubbench: write results:", err)
			os.Exit(1)
		}
	}
}

// runOne starts a fresh hub process for one scenario, runs it and stops the process.
func runOne(ctx context.Context, hub string, sc loadgen.Scenario, need uint64, prof []string) loadgen.Result {
	fail := func(err error) loadgen.Result {
		return loadgen.Result{Hub: hub, Scenario: sc.Name, Err: err.Error()}
	}
	h, err := hubs.New(hub) // only to learn its subscribe path, and to fail early on a bad name
	if err != nil {
		return fail(err)
	}
	path := h.SubscribePath()
	_ = h.Close()

	exe, err := os.Executable()
	if err != nil {
		return fail(err)
	}
	args := append([]string{"-serve", hub, "-addr", "127.0.0.1:0"}, prof...)
	cmd := exec.Command(exe, args...)
	cmd.Stderr = os.Stderr
	cmd.Env = append(os.Environ(), fmt.Sprintf("HUBBENCH_NOFILE=%d", need))
	stdin, err := cmd.StdinPipe() // the hub process exits when this closes (we died)
	if err != nil {
		return fail(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fail(err)
	}
	if err := cmd.Start(); err != nil {
		return fail(fmt.Errorf("start the hub process: %w", err))
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		stdin.Close()
	}()
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	var f []string
	select {
	case l := <-lines:
		f = strings.Fields(l)
	case <-time.After(30 * time.Second):
	}
	if len(f) != 3 || f[0] != "LISTEN" {
		return fail(fmt.Errorf("hub process %s did not report its addresses within 30 s (got %q)", hub, f))
	}
	return loadgen.Run(ctx, loadgen.Target{Hub: hub, Addr: f[1], Control: f[2], Path: path, PID: cmd.Process.Pid}, sc)
}

// splitList splits a comma-separated flag value, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// suiteVariants turns -variants into hub processes: herald and herald-memory run the
// -herald binary (built into outDir when not given), herald@before and
// herald-memory@before the -before one; any other name is a peer.
func suiteVariants(list, heraldBin, before, outDir string) ([]variant, error) {
	names := splitList(list)
	if before != "" && !strings.Contains(list, "@before") {
		var with []string
		for _, n := range names {
			with = append(with, n)
			if n == "herald" || n == "herald-memory" {
				with = append(with, n+"@before")
			}
		}
		names = with
	}
	var vs []variant
	for _, n := range names {
		base, tag, _ := strings.Cut(n, "@")
		var v variant
		switch base {
		case "herald", "herald-memory":
			bin := heraldBin
			if tag == "before" {
				if before == "" {
					return nil, fmt.Errorf("variant %s needs -before PATH (a herald binary)", n)
				}
				bin = before
			} else if tag != "" {
				return nil, fmt.Errorf("variant %s: the one tag is @before", n)
			}
			if bin == "" {
				var err error
				if bin, err = buildHerald(outDir); err != nil {
					return nil, err
				}
				heraldBin = bin
			}
			v = variant{Name: n, Hub: "herald", Bin: bin}
			if base == "herald-memory" {
				v.Extra = []string{"--history-store", "memory"}
			}
		default:
			h, err := hubs.New(n) // fails early on a bad name
			if err != nil {
				return nil, err
			}
			_ = h.Close()
			v = variant{Name: n, Hub: n}
		}
		vs = append(vs, v)
	}
	return vs, nil
}
