package loadgen

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"time"
)

// Scenario describes one run. Idle scenarios (Idle > 0) only connect and measure memory;
// the others publish Events events of Size bytes to Subs reading subscribers (plus Stuck
// subscribers that never read) at Rate events/s (0: as fast as possible).
type Scenario struct {
	Name   string
	Subs   int
	Stuck  int
	Events int
	Size   int
	Rate   float64
	Idle   int
	// Settle is how long an idle run lets the hub's memory settle before reading it.
	Settle time.Duration
	// Stall is how long without a delivery, while the publisher is still publishing, counts
	// as a stalled publisher and ends the run.
	Stall time.Duration
	// Timeout bounds the whole run.
	Timeout time.Duration
}

// Result is what one run measured.
type Result struct {
	Hub, Scenario string
	Subs, Stuck   int
	Events        int // asked to publish
	Size          int // bytes of data per event
	Rate          float64
	Published     int64 // published when the run ended
	Stalled       bool  // the publisher was still blocked when the run ended

	Expected, Delivered, Lost, Dups int64 // over the reading subscribers
	Seconds                         float64
	PerSecond                       float64 // deliveries per second, publish start to last delivery
	P50, P99, Max                   time.Duration

	HubCPU        time.Duration
	CPUPerDeliver time.Duration
	// Over several runs (see Combine): their number and the spread of CPU per delivery.
	Runs                               int
	CPUPerDeliverMin, CPUPerDeliverMax time.Duration
	GenCPU                             time.Duration // the load generator's own CPU time, for context
	MachineCPU                         time.Duration // busy CPU time of the whole machine over the run
	SoftIRQ                            time.Duration // the softirq part of it (loopback TCP's receive work)

	// Idle runs.
	Registered          int
	RSSBefore, RSSAfter int64
	RSSPerConn          float64 // bytes

	Err string `json:",omitempty"`
}

// Run runs scenario sc against target t; it never takes longer than sc.Timeout plus the
// time to open and close the connections.
func Run(ctx context.Context, t Target, sc Scenario) Result {
	ctx, cancel := context.WithTimeout(ctx, sc.Timeout)
	defer cancel()
	r := Result{Hub: t.Hub, Scenario: sc.Name, Subs: sc.Subs, Stuck: sc.Stuck, Events: sc.Events, Size: sc.Size, Rate: sc.Rate}
	var err error
	if sc.Idle > 0 {
		r.Subs = sc.Idle
		err = runIdle(ctx, t, sc, &r)
	} else {
		err = runFanout(ctx, t, sc, &r)
	}
	if err != nil {
		r.Err = err.Error()
	}
	return r
}

func runIdle(ctx context.Context, t Target, sc Scenario, r *Result) error {
	c := newControl(t.Control)
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
	if err := c.waitActive(ctx, sc.Idle, sc.Timeout/2); err != nil {
		return err
	}
	// No event to wait for: give the hub a moment to finish registering and settle.
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
	// Then one broadcast (or a few) to all of them: proves they were registered, and costs
	// CPU per delivery to a large idle fan-out.
	cpu0, _ := CPUTime(t.PID)
	r.Registered, err = c.warmUp(ctx, g, sc.Idle, 20*time.Second)
	cpu1, _ := CPUTime(t.PID)
	r.Delivered = g.warmEvents.Load()
	r.HubCPU = cpu1 - cpu0
	if r.Delivered > 0 {
		r.CPUPerDeliver = r.HubCPU / time.Duration(r.Delivered)
	}
	return err
}

func runFanout(ctx context.Context, t Target, sc Scenario, r *Result) error {
	c := newControl(t.Control)
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
	if err := c.waitActive(ctx, sc.Subs+sc.Stuck, sc.Timeout/3); err != nil {
		return err
	}
	if n, err := c.warmUp(ctx, g, sc.Subs, sc.Timeout/3); err != nil || n < sc.Subs {
		return fmt.Errorf("only %d of %d subscribers got a warm-up event (%v): the hub did not register them", n, sc.Subs, err)
	}

	cpu0, err := CPUTime(t.PID)
	if err != nil {
		return err
	}
	gen0, _ := CPUTime(os.Getpid())
	m0, si0, _ := MachineCPU()
	q := url.Values{"n": {strconv.Itoa(sc.Events)}, "size": {strconv.Itoa(sc.Size)},
		"rate": {strconv.FormatFloat(sc.Rate, 'f', -1, 64)}}
	if err := c.publish(ctx, q); err != nil {
		return err
	}
	r.Expected = int64(sc.Subs) * int64(sc.Events)
	lastTotal, lastProgress := int64(-1), time.Now()
	var st statusSnapshot
	for {
		total := g.total.Load()
		now := time.Now()
		if total != lastTotal {
			lastTotal, lastProgress = total, now
		}
		s, err := c.status(ctx)
		if err != nil {
			return err
		}
		st = statusSnapshot{s.Running, s.Published, s.Started}
		quiet := now.Sub(lastProgress)
		if total >= r.Expected && !s.Running {
			break
		}
		if !s.Running && quiet > 2*time.Second { // publisher done, nothing more is coming
			break
		}
		if s.Running && quiet > sc.Stall { // publisher blocked, nobody gets anything
			r.Stalled = true
			break
		}
		select {
		case <-ctx.Done():
			r.Stalled = s.Running
			goto done
		case <-time.After(50 * time.Millisecond):
		}
	}
done:
	cpu1, err := CPUTime(t.PID)
	if err != nil {
		return err
	}
	gen1, _ := CPUTime(os.Getpid())
	m1, si1, _ := MachineCPU()
	r.HubCPU, r.GenCPU, r.MachineCPU, r.SoftIRQ = cpu1-cpu0, gen1-gen0, m1-m0, si1-si0
	r.Published = st.published
	closeAll(subs)

	var lat []int32
	var last int64
	for _, s := range subs {
		r.Delivered += int64(len(s.lat))
		r.Lost += int64(sc.Events) - s.unique
		r.Dups += s.dups
		lat = append(lat, s.lat...)
		last = max(last, s.last.Load())
	}
	if r.Delivered > 0 {
		r.CPUPerDeliver = r.HubCPU / time.Duration(r.Delivered)
		r.Seconds = float64(last-st.started) / 1e9
		if r.Seconds > 0 {
			r.PerSecond = float64(r.Delivered) / r.Seconds
		}
		slices.Sort(lat)
		pct := func(p float64) time.Duration {
			return time.Duration(lat[int(p*float64(len(lat)-1))]) * time.Microsecond
		}
		r.P50, r.P99, r.Max = pct(0.50), pct(0.99), pct(1)
	}
	return nil
}

type statusSnapshot struct {
	running   bool
	published int64
	started   int64
}
