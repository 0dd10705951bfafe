// Command parsertable turns the output of the parser benchmarks (go test -bench -count N
// ./parser) into a Markdown table: per input and parser the median MB/s, ns/event and
// allocs/event, and each parser's throughput as a ratio to Herald's and to the fastest
// full peer parser.
//
//	go test -run '^$' -bench . -benchmem -count 5 ./parser | go run ./cmd/parsertable
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// key names one benchmark: its input and its parser.
type key struct{ input, parser string }

// samples are the values of one benchmark's metrics over its runs.
type samples map[string][]float64

func main() {
	rows, order, err := parse(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "parsertable:", err)
		os.Exit(1)
	}
	if len(order) == 0 {
		fmt.Fprintln(os.Stderr, "parsertable: no BenchmarkParse/input=.../parser=... lines on standard input: pipe the benchmark output in")
		os.Exit(1)
	}
	fmt.Print(table(rows, order))
}

// parse reads benchmark lines such as
// "BenchmarkParse/input=small-json/parser=herald-2  1084  362090 ns/op  328.65 MB/s  2.007 allocs/event ...".
func parse(r io.Reader) (map[key]samples, []key, error) {
	rows := map[key]samples{}
	var order []key
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "BenchmarkParse/") {
			continue
		}
		var k key
		for _, part := range strings.Split(f[0], "/")[1:] {
			name, val, _ := strings.Cut(part, "=")
			if i := strings.LastIndexByte(val, '-'); i > 0 && name == "parser" {
				val = val[:i] // the -GOMAXPROCS suffix
			}
			switch name {
			case "input":
				k.input = val
			case "parser":
				k.parser = val
			}
		}
		if rows[k] == nil {
			rows[k] = samples{}
			order = append(order, k)
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			rows[k][f[i+1]] = append(rows[k][f[i+1]], v)
		}
	}
	return rows, order, sc.Err()
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// table renders one row per input and parser, in the order they ran.
func table(rows map[key]samples, order []key) string {
	var b strings.Builder
	b.WriteString("| input | parser | MB/s | ns/event | allocs/event | B/op | MB/s vs herald | herald vs fastest full peer |\n|---|---|---|---|---|---|---|---|\n")
	for _, k := range order {
		s := rows[k]
		mbs := median(s["MB/s"])
		herald := median(rows[key{k.input, "herald"}]["MB/s"])
		best := 0.0
		for _, o := range order {
			if o.input == k.input && o.parser != "herald" && o.parser != "r3labs-framing" {
				best = max(best, median(rows[o]["MB/s"]))
			}
		}
		vsBest := ""
		if k.parser == "herald" && best > 0 {
			vsBest = fmt.Sprintf("%.2f×", mbs/best)
		}
		vsHerald := "–"
		if herald > 0 {
			vsHerald = fmt.Sprintf("%.2f×", mbs/herald)
		}
		fmt.Fprintf(&b, "| %s | %s | %.0f | %.0f | %.3g | %.0f | %s | %s |\n", k.input, k.parser, mbs,
			median(s["ns/event"]), median(s["allocs/event"]), median(s["B/op"]), vsHerald, vsBest)
	}
	return b.String()
}
