package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/heraldhq/herald/bench/internal/loadgen"
)

// The outside suite (`hubbench -suite outside`, `bench/run.sh outside`): issue 15's
// comparison from outside. Every hub is a process of its own pinned to CPU 1, this process
// (the subscribers) and the publisher process are pinned to CPU 0; Herald runs as the real
// `herald serve` with its defaults (durable history) and with --history-store memory, the
// peers through POST /bench/event; every publish is awaited. Each scenario runs -runs times,
// the hubs alternating within each round so a change in the machine's load hits them all;
// the tables give medians and ratios to go-sse from the same run.

// suiteScenario is one scenario of the outside suite and how many rounds it gets.
type suiteScenario struct {
	sc    loadgen.Scenario
	title string
	runs  int
}

// suiteScenarios returns the suite's scenarios by name: a, c200, c25 (each runs times),
// b and d (once: memory and isolation are not noisy).
func suiteScenarios(runs, idle int) map[string]suiteScenario {
	return map[string]suiteScenario{
		"a": {loadgen.Scenario{Name: "a", Subs: 1000, Events: 2000, Size: 64, Stall: 10 * time.Second, Timeout: 150 * time.Second},
			"(a) 1000 subscribers × 2000 events of 64 B, published back to back (each publish awaited)", runs},
		"c200": {loadgen.Scenario{Name: "c200", Subs: 1000, Events: 800, Size: 64, Rate: 200, Stall: 10 * time.Second, Timeout: 60 * time.Second},
			"(c2) 1000 subscribers, 800 events at 200/s", runs},
		"c25": {loadgen.Scenario{Name: "c25", Subs: 1000, Events: 150, Size: 64, Rate: 25, Stall: 10 * time.Second, Timeout: 60 * time.Second},
			"(c2) 1000 subscribers, 150 events at 25/s", runs},
		"b": {loadgen.Scenario{Name: "b", Idle: idle, Settle: 2 * time.Second, Timeout: 90 * time.Second},
			fmt.Sprintf("(b) %d idle streams: hub RSS growth per stream", idle), 1},
		"d": {loadgen.Scenario{Name: "d", Subs: 100, Stuck: 1, Events: 4000, Size: 1024, Stall: 5 * time.Second, Timeout: 90 * time.Second},
			"(d) 100 subscribers × 4000 events of 1 KB, plus 1 that never reads (4 KB receive buffer)", 1},
	}
}

// suiteRun is one measured run, with the machine's load average before it.
type suiteRun struct {
	Round int
	Load  string
	loadgen.OutsideResult
}

// pinSelf re-executes this program under `taskset -c 0` unless it already runs there (or
// pinning is off), so the subscribers and the publisher process stay off the hub's CPU.
// It returns the CPU to pin hub processes to, or -1.
func pinSelf(pin bool) int {
	if !pin {
		return -1
	}
	if runtime.NumCPU() < 2 && os.Getenv("HUBBENCH_PINNED") == "" {
		fmt.Fprintln(os.Stderr, "hubbench: fewer than 2 CPUs: running unpinned (-pin=false)")
		return -1
	}
	if _, err := exec.LookPath("taskset"); err != nil {
		fmt.Fprintln(os.Stderr, "hubbench: taskset (util-linux) not found: running unpinned")
		return -1
	}
	if os.Getenv("HUBBENCH_PINNED") == "" {
		exe, err := os.Executable()
		if err == nil {
			ts, _ := exec.LookPath("taskset")
			env := append(os.Environ(), "HUBBENCH_PINNED=1")
			err = syscall.Exec(ts, append([]string{"taskset", "-c", "0", exe}, os.Args[1:]...), env)
		}
		fmt.Fprintln(os.Stderr, "hubbench: cannot re-execute under taskset, running unpinned:", err)
		return -1
	}
	return 1
}

// runSuite runs the outside suite and prints its report.
func runSuite(ctx context.Context, vs []variant, names []string, runs, idle, hubCPU int, need uint64, outDir string) {
	all := suiteScenarios(runs, idle)
	var results = map[string][]suiteRun{}
	begin := time.Now()
	for _, name := range names {
		ss, ok := all[name]
		if !ok {
			fmt.Fprintf(os.Stderr, "hubbench: unknown outside scenario %q: choose from a, c200, c25, b, d\n", name)
			os.Exit(2)
		}
		for round := 1; round <= ss.runs; round++ {
			for _, v := range vs {
				load := loadAverage()
				fmt.Fprintf(os.Stderr, "[%s] %s round %d/%d, %s, load average %s\n", time.Since(begin).Round(time.Second), name, round, ss.runs, v.Name, load)
				r := runOutsideOne(ctx, v, ss.sc, 1, hubCPU, need, outDir)
				results[name] = append(results[name], suiteRun{Round: round, Load: load, OutsideResult: r})
				if ctx.Err() != nil {
					break
				}
			}
		}
	}
	fmt.Print(suiteReport(vs, names, all, results, hubCPU, time.Since(begin)))
	if outDir != "" {
		b, _ := json.MarshalIndent(results, "", "  ")
		_ = os.WriteFile(filepath.Join(outDir, "outside.json"), b, 0o644)
	}
}

// med returns the median of xs (the lower middle for an even count), 0 for none.
func med(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	return xs[(len(xs)-1)/2]
}

// summary is one variant's medians in one scenario.
type summary struct {
	runs                                      int
	rate, pubRate, cpu, cpuMin, cpuMax, write float64
	p50, p99, rss                             float64
	lost, dups                                int64
	stalled                                   bool
	registered, wanted                        int
	errs                                      []string
}

func summarize(rs []suiteRun) summary {
	var s summary
	var rate, pub, cpu, wr, p50, p99, rss []float64
	for _, r := range rs {
		if r.Err != "" {
			s.errs = append(s.errs, r.Err)
		}
		if r.Delivered == 0 && r.RSSAfter == 0 {
			continue
		}
		s.runs++
		rate, pub, wr = append(rate, r.PerSecond), append(pub, r.PublishedPS), append(wr, r.PerWrite)
		c := us(r.CPUPerDeliver)
		cpu = append(cpu, c)
		if s.runs == 1 || c < s.cpuMin {
			s.cpuMin = c
		}
		s.cpuMax = max(s.cpuMax, c)
		p50, p99 = append(p50, float64(r.P50)/1e6), append(p99, float64(r.P99)/1e6)
		rss = append(rss, r.RSSPerConn/1024)
		s.lost += r.Lost
		s.dups += r.Dups
		s.stalled = s.stalled || r.Stalled
		s.registered, s.wanted = r.Registered, r.Subs
	}
	s.rate, s.pubRate, s.cpu, s.write = med(rate), med(pub), med(cpu), med(wr)
	s.p50, s.p99, s.rss = med(p50), med(p99), med(rss)
	return s
}

func rel(x, ref float64) string {
	if ref == 0 || x == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", x/ref)
}

// suiteReport renders the suite as Markdown: one table per scenario, medians over the
// rounds, ratios to go-sse's medians of the same run.
func suiteReport(vs []variant, names []string, all map[string]suiteScenario, results map[string][]suiteRun, hubCPU int, took time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n## Outside-in comparison (hubbench -suite outside), %s, %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"), took.Round(time.Second))
	pin := "unpinned"
	if hubCPU >= 0 {
		pin = fmt.Sprintf("hub processes pinned to CPU %d, subscribers and publisher to CPU 0 (taskset)", hubCPU)
	}
	fmt.Fprintf(&b, "%s; every publish awaited (one connection); hub CPU = utime+stime of its process. Herald: `herald %s` (durable history by default; `herald-memory` adds `--history-store memory`).\n",
		pin, strings.Join(heraldFlags("127.0.0.1:PORT"), " "))
	for _, v := range vs {
		if v.Hub == "herald" {
			fmt.Fprintf(&b, "- %s: %s %s\n", v.Name, v.Bin, strings.Join(v.Extra, " "))
		}
	}
	for _, name := range names {
		rs := results[name]
		if len(rs) == 0 {
			continue
		}
		ss := all[name]
		var loads []string
		for _, r := range rs {
			loads = append(loads, strings.Fields(r.Load)[0])
		}
		fmt.Fprintf(&b, "\n### %s\n\n", ss.title)
		fmt.Fprintf(&b, "%d round(s), hubs alternating; load average (1 min) before each run: %s.\n\n", ss.runs, strings.Join(loads, ", "))
		by := map[string]summary{}
		for _, v := range vs {
			var mine []suiteRun
			for _, r := range rs {
				if r.Hub == v.Name {
					mine = append(mine, r)
				}
			}
			by[v.Name] = summarize(mine)
		}
		ref := by["go-sse"]
		if ss.sc.Idle > 0 {
			fmt.Fprintf(&b, "| hub | per idle stream | vs go-sse | registered |\n|---|---|---|---|\n")
			for _, v := range vs {
				s := by[v.Name]
				fmt.Fprintf(&b, "| %s | %.1f KB | %s | %d/%d |%s\n", v.Name, s.rss, rel(s.rss, ref.rss), s.registered, s.wanted, errs(s))
			}
			continue
		}
		fmt.Fprintf(&b, "| hub | deliveries/s | published/s | CPU per delivery (range) | deliveries per write | p50 | p99 | lost | publisher stalled | rate vs go-sse | CPU vs go-sse | p99 vs go-sse |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n")
		for _, v := range vs {
			s := by[v.Name]
			fmt.Fprintf(&b, "| %s | %.0f | %.0f | %.2f µs (%.2f–%.2f) | %.2f | %.1f ms | %.1f ms | %d | %s | %s | %s | %s |%s\n",
				v.Name, s.rate, s.pubRate, s.cpu, s.cpuMin, s.cpuMax, s.write, s.p50, s.p99, s.lost, yesNo(s.stalled),
				rel(s.rate, ref.rate), rel(s.cpu, ref.cpu), rel(s.p99, ref.p99), errs(s))
		}
	}
	return b.String()
}

func errs(s summary) string {
	if len(s.errs) == 0 {
		return ""
	}
	return " error: " + strings.Join(s.errs, "; ")
}
