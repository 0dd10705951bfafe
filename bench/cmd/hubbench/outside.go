package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/heraldhq/herald/bench/internal/hubs"
	"github.com/heraldhq/herald/bench/internal/loadgen"
)

// The outside scenario (o): every hub measured as a user would see it. Herald is the real
// `herald serve` binary with its limits set for the load (heraldFlags); a peer is this program
// re-executed with -serve, publishing through POST /bench/event (a handler calling the
// peer's Publish, which is what its user would write). The publisher is a third process that
// awaits each publish's answer; the subscribers are this process's.

const benchKey = "bench-key-for-the-outside-measurement"

// heraldFlags are the `herald serve` flags of the outside run: Herald's defaults (durable
// history, whatever its default fsync policy is) except the limits a single-machine load
// test would trip (every subscriber and the publisher come from 127.0.0.1), plus extra
// (e.g. --history-store memory). --advertise=false keeps mDNS off the network.
func heraldFlags(addr string, extra ...string) []string {
	return append([]string{"serve", "--addr", addr, "--key", benchKey, "--advertise=false",
		"--connect-rate", "0", "--max-per-ip", "1000000", "--max-subscribers", "1000000", "--publish-rate", "0"}, extra...)
}

// variant is one hub process of the outside comparison: a peer, or a herald binary with
// extra flags.
type variant struct {
	Name  string   // in the tables: herald, herald-memory, herald@before, go-sse, ...
	Hub   string   // herald or a peer's name (internal/hubs)
	Bin   string   // herald: the binary
	Extra []string // herald: flags after heraldFlags
}

// outsideHub is a running hub process for the outside scenario.
type outsideHub struct {
	t    loadgen.Outside
	cmd  *exec.Cmd
	stop func()
}

// pinned prefixes a command with `taskset -c cpu` when cpu >= 0 (taskset execs the
// command, so the process keeps the PID the caller measures).
func pinned(cpu int, name string, args ...string) *exec.Cmd {
	if cpu < 0 {
		return exec.Command(name, args...)
	}
	return exec.Command("taskset", append([]string{"-c", strconv.Itoa(cpu), name}, args...)...)
}

// startOutside starts v's hub process (pinned to hubCPU when >= 0) and waits until it
// serves. Herald's log goes to logDir.
func startOutside(v variant, hubCPU int, need uint64, logDir string) (*outsideHub, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	publisher := func(url, token string) func(n, size, conns int, rate float64) *exec.Cmd {
		return func(n, size, conns int, rate float64) *exec.Cmd {
			return exec.Command(exe, "-publisher", url, "-token", token, "-events", strconv.Itoa(n),
				"-size", strconv.Itoa(size), "-conns", strconv.Itoa(conns), "-rate", strconv.FormatFloat(rate, 'f', -1, 64))
		}
	}
	hub := v.Hub
	if hub == "herald" {
		addr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		dir, err := os.MkdirTemp("", "hubbench-herald-")
		if err != nil {
			return nil, err
		}
		cmd := pinned(hubCPU, v.Bin, heraldFlags(addr, v.Extra...)...)
		cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+dir, "XDG_DATA_HOME="+dir, "XDG_STATE_HOME="+dir)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if logDir != "" {
			if f, err := os.OpenFile(filepath.Join(logDir, v.Name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err == nil {
				cmd.Stdout, cmd.Stderr = f, f
				defer f.Close() // the child has its own copy
			}
		}
		if err := cmd.Start(); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("start %s: %w", v.Bin, err)
		}
		h := &outsideHub{cmd: cmd, stop: func() { stopProcess(cmd); os.RemoveAll(dir) }}
		if err := waitHTTP("http://" + addr + "/healthz"); err != nil {
			h.stop()
			return nil, fmt.Errorf("herald serve: %w", err)
		}
		url := "http://" + addr + "/publish?channel=" + hubs.Channel
		h.t = loadgen.Outside{Hub: v.Name, Addr: addr, Path: "/events?channel=" + hubs.Channel, PID: cmd.Process.Pid,
			PublishURL: url, Token: benchKey, Publisher: publisher(url, benchKey)}
		return h, nil
	}

	hh, err := hubs.New(hub)
	if err != nil {
		return nil, err
	}
	path := hh.SubscribePath()
	_ = hh.Close()
	cmd := pinned(hubCPU, exe, "-serve", hub, "-addr", "127.0.0.1:0")
	cmd.Stderr = os.Stderr
	cmd.Env = append(os.Environ(), fmt.Sprintf("HUBBENCH_NOFILE=%d", need))
	stdin, err := cmd.StdinPipe() // the hub process exits when this closes
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the hub process: %w", err)
	}
	h := &outsideHub{cmd: cmd, stop: func() { stopProcess(cmd); stdin.Close() }}
	line := make(chan []string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			line <- strings.Fields(sc.Text())
		}
		close(line)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	var f []string
	select {
	case f = <-line:
	case <-time.After(30 * time.Second):
	}
	if len(f) != 3 || f[0] != "LISTEN" {
		h.stop()
		return nil, fmt.Errorf("hub process %s did not report its addresses within 30 s (got %q)", hub, f)
	}
	url := "http://" + f[2] + "/bench/event"
	h.t = loadgen.Outside{Hub: v.Name, Addr: f[1], Path: path, PID: cmd.Process.Pid, PublishURL: url, Publisher: publisher(url, "")}
	return h, nil
}

func stopProcess(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// freeAddr returns a loopback address no one listens on right now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func waitHTTP(url string) error {
	c := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := c.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("GET %s: %s", url, resp.Status)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not serving within 30 s: %w", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// buildHerald builds the herald binary (without the desktop app: `herald serve` is the same
// code) into dir and returns its path.
func buildHerald(dir string) (string, error) {
	bin, err := filepath.Abs(filepath.Join(dir, "herald-serve"))
	if err != nil {
		return "", err
	}
	cmd := exec.Command("go", "build", "-tags", "nogui", "-o", bin, "github.com/heraldhq/herald")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build herald (or pass -herald PATH): %w", err)
	}
	return bin, nil
}

// runOutsideAll runs the outside scenario (o) against every hub, one fresh process each.
func runOutsideAll(ctx context.Context, vs []variant, sc loadgen.Scenario, conns, hubCPU int, need uint64) []loadgen.OutsideResult {
	var rs []loadgen.OutsideResult
	for _, v := range vs {
		rs = append(rs, runOutsideOne(ctx, v, sc, conns, hubCPU, need, ""))
		if ctx.Err() != nil {
			break
		}
	}
	return rs
}

// runOutsideOne starts v's hub process, runs sc against it (an idle scenario when sc.Idle
// > 0) and stops the process.
func runOutsideOne(ctx context.Context, v variant, sc loadgen.Scenario, conns, hubCPU int, need uint64, logDir string) loadgen.OutsideResult {
	h, err := startOutside(v, hubCPU, need, logDir)
	if err != nil {
		return loadgen.OutsideResult{Result: loadgen.Result{Hub: v.Name, Scenario: sc.Name, Err: err.Error()}}
	}
	defer h.stop()
	if sc.Idle > 0 {
		r := loadgen.RunOutsideIdle(ctx, h.t, sc)
		fmt.Fprintf(os.Stderr, "%-22s %s: %s\n", v.Name, sc.Name, oneLine(r))
		return loadgen.OutsideResult{Result: r}
	}
	r := loadgen.RunOutside(ctx, h.t, sc, conns)
	fmt.Fprintf(os.Stderr, "%-22s %s: %s, %d hub writes = %.2f deliveries/write, %.0f published/s\n",
		v.Name, sc.Name, oneLine(r.Result), r.HubWrites, r.PerWrite, r.PublishedPS)
	return r
}

// outsideReport renders the outside results as a Markdown table with ratios to the best peer.
func outsideReport(rs []loadgen.OutsideResult, sc loadgen.Scenario, conns int, load string) string {
	var b strings.Builder
	plain := make([]loadgen.Result, len(rs))
	for i, r := range rs {
		plain[i] = r.Result
	}
	fmt.Fprintf(&b, "\n### (o) outside: %d subscribers, %d events of %d bytes, %d publisher connection(s) awaiting each answer\n\n", sc.Subs, sc.Events, sc.Size, conns)
	fmt.Fprintf(&b, "Load average before the run: %s. Herald: `herald %s`.\n\n", load, strings.Join(heraldFlags("127.0.0.1:PORT"), " "))
	fmt.Fprintf(&b, "| hub | deliveries/s | published/s | p50 | p99 | lost | published | stalled | hub CPU/delivery (user+sys) | deliveries per write | CPU vs best peer | rate vs best peer | p99 vs best peer |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	cpuRef, _ := best(plain, func(r loadgen.Result) float64 { return us(r.CPUPerDeliver) }, true)
	rateRef, _ := best(plain, func(r loadgen.Result) float64 { return r.PerSecond }, false)
	p99Ref, _ := best(plain, func(r loadgen.Result) float64 { return float64(r.P99) }, true)
	for _, r := range rs {
		fmt.Fprintf(&b, "| %s | %.0f | %.0f | %s | %s | %d | %d/%d | %s | %.2f µs | %.2f | %s | %s | %s |%s\n",
			r.Hub, r.PerSecond, r.PublishedPS, ms(r.P50), ms(r.P99), r.Lost, r.Published, r.Events, yesNo(r.Stalled),
			us(r.CPUPerDeliver), r.PerWrite, ratio(us(r.CPUPerDeliver), cpuRef), ratio(r.PerSecond, rateRef),
			ratio(float64(r.P99), p99Ref), errNote(r.Result))
	}
	return b.String()
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
