// Command desktop-idle measures what the desktop app costs while nothing happens, from the
// outside, as a user's machine would see it: it starts the real binary under Xvfb + openbox
// on a private D-Bus session (with a tray host, so closing the window hides it) and an empty
// HOME, waits for it to settle, and samples /proc/PID over a window: CPU (utime+stime) as a
// share of one core, resident memory, and wake-ups (context switches of all its threads) per
// second.
//
// Modes: demo (first run: the own hub with the demo, window showing), nodemo (the hub on
// without the demo, window showing), hidden (as nodemo, then the window closed into the tray
// with xdotool). In every mode a second hub (`herald serve`, no events) is followed as a feed
// and a plain SSE subscriber holds a stream on the app's hub, so the hub serves and the feeds
// are connected, with only keep-alive comments flowing.
//
//	go run ./scripts/desktop-idle -bin bin/herald -modes demo,nodemo,hidden -secs 60
//	go run ./scripts/desktop-idle -bin bin/herald-before -alt bin/herald -runs 3   # alternate A/B
//	go run ./scripts/desktop-idle -modes nodemo -secs 600 -every 60s              # memory over 10 minutes
//
// It is not part of scripts/test.sh (a measurement takes minutes); docs/desktop.md has the
// figures.
package main

import (
	"bufio"
	"context"
	"flag"
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

	"github.com/godbus/dbus/v5"

	"github.com/heraldhq/herald/app/model"
	"github.com/heraldhq/herald/app/settingsfile"
)

type config struct {
	bins    []string
	modes   []string
	runs    int
	secs    time.Duration
	settle  time.Duration
	every   time.Duration
	strace  time.Duration
	pprof   string // folder for heap profiles at the start and end of each window ("": none)
	cpuProf time.Duration
	keepDir bool
}

func main() {
	var c config
	bin := flag.String("bin", "bin/herald", "the desktop binary to measure")
	alt := flag.String("alt", "", "a second binary: runs alternate -bin and -alt, same conditions")
	modes := flag.String("modes", "demo,nodemo,hidden", "comma-separated: demo, nodemo, hidden")
	flag.IntVar(&c.runs, "runs", 1, "runs of each mode (and binary)")
	flag.DurationVar(&c.secs, "secs", 60*time.Second, "sampling window")
	flag.DurationVar(&c.settle, "settle", 20*time.Second, "wait after start (or after hiding) before sampling")
	flag.DurationVar(&c.every, "every", 0, "also print CPU and memory every this long (e.g. 60s for a 10-minute run)")
	flag.DurationVar(&c.strace, "strace", 0, "after the window, count system calls of all threads for this long (strace -f -c)")
	flag.StringVar(&c.pprof, "pprof", "", "folder for heap profiles at the start and end of each window (the app serves pprof when HERALD_PPROF is set)")
	flag.DurationVar(&c.cpuProf, "cpuprofile", 0, "after the window, keep a CPU profile of this long in the -pprof folder")
	flag.BoolVar(&c.keepDir, "keep", false, "keep each run's HOME (with the app's log) and say where")
	flag.Parse()
	if flag.NArg() > 0 {
		fail("unexpected argument %q: every option is a flag (-h lists them)", flag.Arg(0))
	}
	if c.secs <= 0 {
		fail("-secs %v: give a positive duration such as 60s", c.secs)
	}
	c.bins = []string{*bin}
	if *alt != "" {
		c.bins = append(c.bins, *alt)
	}
	for _, b := range c.bins {
		if _, err := os.Stat(b); err != nil {
			fail("no binary at %s: build it with `go build -o %s .`", b, b)
		}
	}
	for _, m := range strings.Split(*modes, ",") {
		switch m {
		case "demo", "nodemo", "hidden":
			c.modes = append(c.modes, m)
		default:
			fail("unknown mode %q: use demo, nodemo or hidden", m)
		}
	}
	for _, tool := range []string{"Xvfb", "openbox", "dbus-daemon", "xdotool"} {
		if _, err := exec.LookPath(tool); err != nil {
			fail("%s is missing: run scripts/setup.sh", tool)
		}
	}
	if c.strace > 0 {
		if _, err := exec.LookPath("strace"); err != nil {
			fail("strace is missing: apt-get install strace")
		}
	}
	fmt.Printf("%-7s %-22s %8s %9s %9s %9s %8s  %s\n", "mode", "binary", "cpu%", "rss MiB", "→ MiB", "wakeups/s", "threads", "load (1, 5 min)")
	for r := 0; r < c.runs; r++ {
		for _, m := range c.modes {
			for _, b := range c.bins {
				res, err := measure(c, b, m)
				if err != nil {
					fmt.Fprintf(os.Stderr, "%s %s: %v\n", m, b, err)
					continue
				}
				fmt.Printf("%-7s %-22s %8.2f %9.1f %9.1f %9.1f %8d  %s\n", m, filepath.Base(b), res.cpu, res.rss0, res.rss1, res.wakeups, res.threads, res.load)
			}
		}
	}
}

func fail(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "desktop-idle: "+format+"\n", a...)
	os.Exit(2)
}

type result struct {
	cpu, rss0, rss1, wakeups float64
	threads                  int
	load                     string
}

// measure runs one binary in one mode in a fresh session and returns what it cost.
func measure(c config, bin, mode string) (res result, err error) {
	home, err := os.MkdirTemp("", "desktop-idle-")
	if err != nil {
		return res, err
	}
	if c.keepDir {
		defer fmt.Fprintf(os.Stderr, "%s %s: HOME kept in %s\n", mode, bin, home)
	} else {
		defer os.RemoveAll(home)
	}
	var procs []*exec.Cmd
	defer func() {
		for i := len(procs) - 1; i >= 0; i-- {
			stop(procs[i])
		}
	}()
	display, xvfb, err := startXvfb()
	if err != nil {
		return res, err
	}
	procs = append(procs, xvfb)
	bus, busAddr, err := startBus(home)
	if err != nil {
		return res, err
	}
	procs = append(procs, bus)
	desk, err := fakeDesktop(busAddr)
	if err != nil {
		return res, err
	}
	defer desk.Close()
	env := append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_DATA_HOME="+filepath.Join(home, ".local/share"), "XDG_CACHE_HOME="+filepath.Join(home, ".cache"),
		"DISPLAY="+display, "DBUS_SESSION_BUS_ADDRESS="+busAddr, "LIBGL_ALWAYS_SOFTWARE=1", "LANG=en_US.UTF-8")
	wm := exec.Command("openbox")
	wm.Env = env
	if err := wm.Start(); err != nil {
		return res, fmt.Errorf("openbox: %w", err)
	}
	procs = append(procs, wm)

	// The followed hub: `herald serve` without the demo, so only keep-alives flow.
	feedPort, ownPort := freePort(), freePort()
	serve := exec.Command(bin, "serve", "--addr", fmt.Sprintf("127.0.0.1:%d", feedPort), "--history-store", "memory", "--log-level", "warn")
	serve.Env = env
	if err := serve.Start(); err != nil {
		return res, fmt.Errorf("herald serve: %w", err)
	}
	procs = append(procs, serve)
	if err := waitHealthy(feedPort, 30*time.Second); err != nil {
		return res, fmt.Errorf("herald serve: %w", err)
	}

	// The app's settings: the first run's (demo on) or the demo off; both follow the hub above.
	s := model.DefaultSettings()
	s.Hub.Port = ownPort
	s.Hub.Demo = mode == "demo"
	s.HintShown = true // the one-time "still running" notification would be an event of its own
	s.Feeds = []model.FeedConfig{{Name: "quiet hub", URL: fmt.Sprintf("http://127.0.0.1:%d", feedPort), Enabled: true}}
	dir := filepath.Join(home, ".config", "herald")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return res, err
	}
	if err := settingsfile.Save(filepath.Join(dir, settingsfile.Name), s); err != nil {
		return res, err
	}
	logf, err := os.Create(filepath.Join(home, "app.log"))
	if err != nil {
		return res, err
	}
	defer logf.Close()
	pprofPort := freePort()
	app := exec.Command(bin, "gui", "--discovery=false", "--port", strconv.Itoa(ownPort))
	app.Env = append(env, "HERALD_KEY=desktop-idle-key-0123456789abcdef", fmt.Sprintf("HERALD_PPROF=127.0.0.1:%d", pprofPort))
	app.Stdout, app.Stderr = logf, logf
	if err := app.Start(); err != nil {
		return res, fmt.Errorf("the app: %w", err)
	}
	procs = append(procs, app)
	if err := waitHealthy(ownPort, 60*time.Second); err != nil {
		return res, fmt.Errorf("the app's hub: %w (log in %s)", err, logf.Name())
	}
	if err := waitVisible(display, true, 30*time.Second); err != nil {
		return res, err
	}
	// A subscriber on the app's hub, as a teammate's browser would hold one.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go subscribe(ctx, fmt.Sprintf("http://127.0.0.1:%d/events?channel=alerts", ownPort))

	if mode == "hidden" {
		// Alt+F4 through openbox: the window's close, which hides it into the tray.
		if err := xdo(display, "search", "--onlyvisible", "--name", `^Herald`, "windowactivate", "--sync"); err != nil {
			return res, err
		}
		if err := xdo(display, "key", "--clearmodifiers", "alt+F4"); err != nil {
			return res, err
		}
		if err := waitVisible(display, false, 15*time.Second); err != nil {
			return res, fmt.Errorf("closing the window did not hide it: %w", err)
		}
	}
	time.Sleep(c.settle)
	if app.ProcessState != nil {
		return res, fmt.Errorf("the app exited (log in %s)", logf.Name())
	}

	pid := app.Process.Pid
	if c.pprof != "" {
		heap(c.pprof, pprofPort, mode, bin, "start")
	}
	t0, cpu0, sw0 := time.Now(), cpuTicks(pid), switches(pid)
	res.rss0 = rssMiB(pid)
	for waited := time.Duration(0); waited < c.secs; {
		step := c.secs - waited
		if c.every > 0 && c.every < step {
			step = c.every
		}
		time.Sleep(step)
		waited += step
		if c.every > 0 {
			el := time.Since(t0).Seconds()
			fmt.Printf("  %s %s at %4.0f s: cpu %.2f%%, rss %.1f MiB\n", mode, filepath.Base(bin), el,
				100*float64(cpuTicks(pid)-cpu0)/clockTicks/el, rssMiB(pid))
		}
	}
	el := time.Since(t0).Seconds()
	res.cpu = 100 * float64(cpuTicks(pid)-cpu0) / clockTicks / el
	res.wakeups = float64(switches(pid)-sw0) / el
	res.rss1 = rssMiB(pid)
	res.threads = threads(pid)
	res.load = loadAvg()
	if c.pprof != "" {
		heap(c.pprof, pprofPort, mode, bin, "end")
	}
	if c.pprof != "" && c.cpuProf > 0 {
		profile(c.pprof, pprofPort, mode, bin, c.cpuProf)
	}
	if c.strace > 0 {
		straceCount(pid, c.strace, mode, bin)
	}
	return res, nil
}

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat (100 on Linux).
const clockTicks = 100

// cpuTicks is the process's user+system time in clock ticks (all threads, live and ended).
func cpuTicks(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces; the fields after its ')' are fixed.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64) // field 14
	st, _ := strconv.ParseInt(f[12], 10, 64) // field 15
	return ut + st
}

// switches sums voluntary and involuntary context switches over the live threads: each is
// a thread going to sleep or being put off the core, which is about one wake-up each.
func switches(pid int) int64 {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	var n int64
	for _, t := range tasks {
		n += statusField(t, "voluntary_ctxt_switches") + statusField(t, "nonvoluntary_ctxt_switches")
	}
	return n
}

func threads(pid int) int {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*", pid))
	return len(tasks)
}

func rssMiB(pid int) float64 {
	return float64(statusField(fmt.Sprintf("/proc/%d/status", pid), "VmRSS")) / 1024 // kB
}

func statusField(path, name string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && k == name {
			n, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return n
		}
	}
	return 0
}

func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return "?"
	}
	return f[0] + ", " + f[1]
}

// straceCount prints which system calls the app makes at rest, and how often.
func straceCount(pid int, d time.Duration, mode, bin string) {
	cmd := exec.Command("timeout", "-s", "INT", strconv.Itoa(int(d.Seconds())), "strace", "-f", "-c", "-p", strconv.Itoa(pid))
	out, _ := cmd.CombinedOutput()
	fmt.Printf("  strace -f -c over %v, %s %s:\n%s\n", d, mode, filepath.Base(bin), out)
}

// heap keeps a heap profile of the running app (go tool pprof -top FILE reads it).
func heap(dir string, port int, mode, bin, when string) {
	os.MkdirAll(dir, 0o755)
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/heap?gc=1", port))
	if err != nil {
		fmt.Fprintf(os.Stderr, "  no heap profile (%v): the binary serves pprof only with HERALD_PPROF support\n", err)
		return
	}
	defer resp.Body.Close()
	name := filepath.Join(dir, fmt.Sprintf("heap-%s-%s-%s.pb.gz", filepath.Base(bin), mode, when))
	f, err := os.Create(name)
	if err != nil {
		return
	}
	defer f.Close()
	io.Copy(f, resp.Body)
}

// profile keeps a CPU profile of the running app.
func profile(dir string, port int, mode, bin string, d time.Duration) {
	os.MkdirAll(dir, 0o755)
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/profile?seconds=%d", port, int(d.Seconds())))
	if err != nil {
		fmt.Fprintf(os.Stderr, "  no CPU profile: %v\n", err)
		return
	}
	defer resp.Body.Close()
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("cpu-%s-%s.pb.gz", filepath.Base(bin), mode)))
	if err != nil {
		return
	}
	defer f.Close()
	io.Copy(f, resp.Body)
}

func subscribe(ctx context.Context, url string) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
}

func startXvfb() (string, *exec.Cmd, error) {
	for n := 100 + os.Getpid()%400; n < 990; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X%d-lock", n)); err == nil {
			continue
		}
		cmd := exec.Command("Xvfb", fmt.Sprintf(":%d", n), "-screen", "0", "1280x800x24", "-nolisten", "tcp")
		if err := cmd.Start(); err != nil {
			return "", nil, fmt.Errorf("Xvfb: %w", err)
		}
		lock, mine := fmt.Sprintf("/tmp/.X%d-lock", n), strconv.Itoa(cmd.Process.Pid)
		for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			b, _ := os.ReadFile(lock)
			owner := strings.TrimSpace(string(b))
			if owner != "" && owner != mine {
				break // another server took the number first
			}
			if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err == nil && owner == mine {
				return fmt.Sprintf(":%d", n), cmd, nil
			}
		}
		stop(cmd)
	}
	return "", nil, fmt.Errorf("no free X display number")
}

// startBus starts a private session bus and returns its address.
func startBus(home string) (*exec.Cmd, string, error) {
	cmd := exec.Command("dbus-daemon", "--session", "--nofork", "--print-address=1")
	cmd.Env = append(os.Environ(), "HOME="+home)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", fmt.Errorf("dbus-daemon: %w", err)
	}
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		stop(cmd)
		return nil, "", fmt.Errorf("dbus-daemon gave no address: %w", err)
	}
	return cmd, strings.TrimSpace(addr), nil
}

// fakeDesktop owns the tray host's and the notification server's names on the bus, so the
// app finds a tray (closing hides it) and its notifications go nowhere costly.
func fakeDesktop(addr string) (*dbus.Conn, error) {
	conn, err := dbus.Connect(addr)
	if err != nil {
		return nil, fmt.Errorf("connecting to the private bus: %w", err)
	}
	conn.Export(watcher{}, "/StatusNotifierWatcher", "org.kde.StatusNotifierWatcher")
	conn.Export(notifier{}, "/org/freedesktop/Notifications", "org.freedesktop.Notifications")
	for _, name := range []string{"org.kde.StatusNotifierWatcher", "org.freedesktop.Notifications"} {
		if r, err := conn.RequestName(name, dbus.NameFlagDoNotQueue); err != nil || r != dbus.RequestNameReplyPrimaryOwner {
			conn.Close()
			return nil, fmt.Errorf("owning %s: reply %v, %v", name, r, err)
		}
	}
	return conn, nil
}

type watcher struct{}

// RegisterStatusNotifierItem implements org.kde.StatusNotifierWatcher's registration.
func (watcher) RegisterStatusNotifierItem(string) *dbus.Error { return nil }

type notifier struct{}

// Notify implements org.freedesktop.Notifications.Notify.
func (notifier) Notify(string, uint32, string, string, string, []string, map[string]dbus.Variant, int32) (uint32, *dbus.Error) {
	return 1, nil
}

// GetCapabilities implements org.freedesktop.Notifications.GetCapabilities.
func (notifier) GetCapabilities() ([]string, *dbus.Error) { return []string{"body", "actions"}, nil }

// CloseNotification implements org.freedesktop.Notifications.CloseNotification.
func (notifier) CloseNotification(uint32) *dbus.Error { return nil }

func xdo(display string, args ...string) error {
	cmd := exec.Command("xdotool", args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("xdotool %v: %v %s", args, err, out)
	}
	return nil
}

func waitVisible(display string, want bool, within time.Duration) error {
	for deadline := time.Now().Add(within); ; time.Sleep(100 * time.Millisecond) {
		if (xdo(display, "search", "--onlyvisible", "--name", `^Herald`) == nil) == want {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the window's visibility did not become %v within %v", want, within)
		}
	}
}

func waitHealthy(port int, within time.Duration) error {
	url := fmt.Sprintf("http://127.0.0.1:%d/healthz", port)
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return fmt.Errorf("%s did not answer 200 within %v", url, within)
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail("no free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// stop ends a process this tool started: SIGTERM, then SIGKILL after a few seconds.
func stop(cmd *exec.Cmd) {
	if cmd == nil || cmd.Process == nil {
		return
	}
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}
