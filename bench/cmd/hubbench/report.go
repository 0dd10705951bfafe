package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/heraldhq/herald/bench/internal/loadgen"
)

// oneLine summarises a result for the progress log.
func oneLine(r loadgen.Result) string {
	if r.Err != "" && r.Delivered == 0 && r.RSSAfter == 0 {
		return "ERROR " + r.Err
	}
	s := fmt.Sprintf("%.0f deliveries/s, p50 %v p99 %v, lost %d, hub CPU %v = %.2f us/delivery, stalled %v, gen CPU %v, machine CPU %v (softirq %v)",
		r.PerSecond, r.P50, r.P99, r.Lost, r.HubCPU, us(r.CPUPerDeliver), r.Stalled, r.GenCPU, r.MachineCPU, r.SoftIRQ)
	if r.Scenario == "b" {
		s = fmt.Sprintf("RSS %s -> %s = %.1f KB/conn, registered %d/%d, %.2f us/delivery",
			mb(r.RSSBefore), mb(r.RSSAfter), r.RSSPerConn/1024, r.Registered, r.Subs, us(r.CPUPerDeliver))
	}
	if r.Err != "" {
		s += " (error: " + r.Err + ")"
	}
	return s
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
func mb(b int64) string          { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }
func ms(d time.Duration) string  { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

// best returns the best peer value (not Herald's) of f over rs, lower or higher being better.
func best(rs []loadgen.Result, f func(loadgen.Result) float64, lower bool) (float64, string) {
	var v float64
	who := ""
	for _, r := range rs {
		if strings.HasPrefix(r.Hub, "herald") || (r.Err != "" && r.Delivered == 0 && r.RSSAfter == 0) {
			continue
		}
		x := f(r)
		if who == "" || (lower && x < v) || (!lower && x > v) {
			v, who = x, r.Hub
		}
	}
	return v, who
}

func ratio(x, ref float64) string {
	if ref == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", x/ref)
}

// report renders the results as Markdown tables, one per scenario, each with Herald's ratio
// to the best peer for that figure.
func report(rs []loadgen.Result) string {
	by := map[string][]loadgen.Result{}
	var order []string
	for _, r := range rs {
		if _, ok := by[r.Scenario]; !ok {
			order = append(order, r.Scenario)
		}
		by[r.Scenario] = append(by[r.Scenario], r)
	}
	var b strings.Builder
	for _, sc := range order {
		group := by[sc]
		if sc == "b" {
			fmt.Fprintf(&b, "\n### (b) %d idle subscribers\n\n", group[0].Subs)
			fmt.Fprintf(&b, "| hub | RSS before | RSS after | per connection | vs best peer | registered | CPU/delivery (1 broadcast) |\n|---|---|---|---|---|---|---|\n")
			ref, who := best(group, func(r loadgen.Result) float64 { return r.RSSPerConn }, true)
			for _, r := range group {
				fmt.Fprintf(&b, "| %s | %s | %s | %.1f KB | %s | %d/%d | %.2f µs |%s\n", r.Hub, mb(r.RSSBefore), mb(r.RSSAfter),
					r.RSSPerConn/1024, ratio(r.RSSPerConn, ref), r.Registered, r.Subs, us(r.CPUPerDeliver), errNote(r))
			}
			fmt.Fprintf(&b, "\nBest peer: %s.\n", who)
			continue
		}
		g0 := group[0]
		switch {
		case g0.Stuck > 0:
			fmt.Fprintf(&b, "\n### (%s) %d subscribers × %d events of %d bytes, plus %d that never read\n\n", sc, g0.Subs, g0.Events, g0.Size, g0.Stuck)
		case sc == "c":
			fmt.Fprintf(&b, "\n### (c) %d subscribers, %d events at %.0f/s\n\n", g0.Subs, g0.Events, g0.Rate)
		default:
			fmt.Fprintf(&b, "\n### (%s) %d subscribers × %d events, published as fast as possible\n\n", sc, g0.Subs, g0.Events)
		}
		fmt.Fprintf(&b, "| hub | runs | deliveries/s | p50 | p99 | lost | published | publisher stalled | hub CPU/delivery (range) | CPU vs best peer | rate vs best peer | p99 vs best peer |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n")
		cpuRef, _ := best(group, func(r loadgen.Result) float64 { return us(r.CPUPerDeliver) }, true)
		rateRef, _ := best(group, func(r loadgen.Result) float64 { return r.PerSecond }, false)
		p99Ref, _ := best(group, func(r loadgen.Result) float64 { return float64(r.P99) }, true)
		for _, r := range group {
			fmt.Fprintf(&b, "| %s | %d | %.0f | %s | %s | %d | %d/%d | %v | %.2f µs (%.2f–%.2f) | %s | %s | %s |%s\n",
				r.Hub, r.Runs, r.PerSecond, ms(r.P50), ms(r.P99), r.Lost, r.Published, r.Events, yesNo(r.Stalled),
				us(r.CPUPerDeliver), us(r.CPUPerDeliverMin), us(r.CPUPerDeliverMax), ratio(us(r.CPUPerDeliver), cpuRef), ratio(r.PerSecond, rateRef),
				ratio(float64(r.P99), p99Ref), errNote(r))
		}
	}
	return b.String()
}

func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}

func errNote(r loadgen.Result) string {
	if r.Err == "" {
		return ""
	}
	return " error: " + r.Err
}
