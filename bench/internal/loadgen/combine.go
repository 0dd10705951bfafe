package loadgen

import (
	"slices"
	"time"
)

// Combine folds several runs of one hub and scenario into one result, as a Go benchmark
// folds b.N iterations: counts, CPU time and seconds add up (so CPU per delivery and
// deliveries per second weigh every delivery equally), latency percentiles are the median
// run's, Max the largest, and the publisher counts as stalled if it stalled in any run.
// CPUPerDeliverMin and CPUPerDeliverMax keep the spread between runs.
func Combine(runs []Result) Result {
	if len(runs) == 0 {
		return Result{}
	}
	c := runs[0]
	c.Runs = len(runs)
	if len(runs) == 1 {
		c.CPUPerDeliverMin, c.CPUPerDeliverMax = c.CPUPerDeliver, c.CPUPerDeliver
		return c
	}
	var p50, p99 []time.Duration
	c.CPUPerDeliverMin, c.CPUPerDeliverMax = runs[0].CPUPerDeliver, runs[0].CPUPerDeliver
	for i, r := range runs {
		p50, p99 = append(p50, r.P50), append(p99, r.P99)
		c.CPUPerDeliverMin = min(c.CPUPerDeliverMin, r.CPUPerDeliver)
		c.CPUPerDeliverMax = max(c.CPUPerDeliverMax, r.CPUPerDeliver)
		if r.Err != "" && c.Err == "" {
			c.Err = r.Err
		}
		if i == 0 {
			continue
		}
		c.Published = min(c.Published, r.Published)
		c.Stalled = c.Stalled || r.Stalled
		c.Expected += r.Expected
		c.Delivered += r.Delivered
		c.Lost += r.Lost
		c.Dups += r.Dups
		c.Seconds += r.Seconds
		c.HubCPU += r.HubCPU
		c.GenCPU += r.GenCPU
		c.MachineCPU += r.MachineCPU
		c.SoftIRQ += r.SoftIRQ
		c.Max = max(c.Max, r.Max)
	}
	slices.Sort(p50)
	slices.Sort(p99)
	c.P50, c.P99 = p50[len(p50)/2], p99[len(p99)/2]
	if c.Seconds > 0 {
		c.PerSecond = float64(c.Delivered) / c.Seconds
	}
	if c.Delivered > 0 {
		c.CPUPerDeliver = c.HubCPU / time.Duration(c.Delivered)
	}
	return c
}
