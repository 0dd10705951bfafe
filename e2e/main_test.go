// Package e2e runs Herald's binaries for real: the hub behind nginx, the dashboard in
// Chromium, the desktop app under Xvfb with a private D-Bus session. Each test file owns one
// of those; this file holds what they share: the built binaries, free ports and a running hub.
package e2e

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
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/heraldhq/herald/internal/netns"
)

// binDir holds bin/herald (desktop) and bin/herald-nogui (headless), built once by TestMain
// unless HERALD_BIN_DIR points at binaries scripts/test.sh already built.
var binDir string

func TestMain(m *testing.M) {
	binDir = os.Getenv("HERALD_BIN_DIR")
	if binDir == "" {
		_, file, _, _ := runtime.Caller(0)
		binDir = filepath.Join(filepath.Dir(file), "..", "bin")
	}
	if netns.Child() {
		// A test re-run inside its own network namespace (netns.Isolate): the parent built the
		// binaries, and announcing or browsing the LAN is safe here.
		os.Unsetenv("HERALD_ADVERTISE")
		os.Unsetenv("HERALD_DISCOVERY")
		os.Exit(m.Run())
	}
	// Everywhere else no process a test starts may announce or browse on the machine's
	// real network (mDNS): hubs on 0.0.0.0 stay quiet, the app does not browse.
	os.Setenv("HERALD_ADVERTISE", "false")
	os.Setenv("HERALD_DISCOVERY", "false")
	root := filepath.Join(binDir, "..")
	// Stamped as scripts/test.sh and a release stamp them (TestDebianPackage checks it).
	ldflags, err := exec.Command(filepath.Join(root, "scripts", "package.sh"), "ldflags").Output()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: scripts/package.sh ldflags failed:", err)
		os.Exit(1)
	}
	for _, b := range []struct{ out, tags, cgo string }{
		{"herald", "", "1"},
		{"herald-nogui", "nogui", "0"},
	} {
		cmd := exec.Command("go", "build", "-tags", b.tags, "-ldflags", strings.TrimSpace(string(ldflags)), "-o", filepath.Join(binDir, b.out), ".")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED="+b.cgo)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "e2e: building", b.out, "failed:", err)
			os.Exit(1)
		}
	}
	os.Exit(m.Run())
}

// herald returns the path of the headless binary, which every subcommand test uses.
func herald() string { return filepath.Join(binDir, "herald-nogui") }

// heraldGUI returns the path of the desktop binary.
func heraldGUI() string { return filepath.Join(binDir, "herald") }

// freePort returns a loopback port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Proc is a process a test started; its output is kept for the failure message.
type Proc struct {
	Cmd *exec.Cmd
	out *lockedBuffer
	// StopTimedOut: Stop found the process still running 10 s after SIGINT; it sent SIGQUIT
	// (a Go program prints its goroutines) before SIGKILL.
	StopTimedOut bool
}

// Output returns what the process has written to stdout and stderr so far.
func (p *Proc) Output() string { return p.out.String() }

// Stop ends the process with SIGINT and waits for it. A process still running 10 s later
// gets SIGQUIT, so a Go program writes where each goroutine is stuck to its output, and
// SIGKILL 3 s after that; StopTimedOut records it.
func (p *Proc) Stop() {
	if p.Cmd.ProcessState != nil {
		return
	}
	_ = p.Cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = p.Cmd.Wait(); close(done) }()
	select {
	case <-done:
		return
	case <-time.After(10 * time.Second):
	}
	p.StopTimedOut = true
	_ = p.Cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		_ = p.Cmd.Process.Kill()
		<-done
	}
}

// start runs a command with the given extra environment, stopped when the test ends.
func start(t testing.TB, env []string, name string, args ...string) *Proc {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	buf := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = buf, buf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	p := &Proc{Cmd: cmd, out: buf}
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("output of %s %s:\n%s", filepath.Base(name), strings.Join(args, " "), buf.String())
		}
	})
	return p
}

// Hub is a `herald serve` process on a free loopback port.
type Hub struct {
	*Proc
	URL       string // http://127.0.0.1:PORT
	Key       string
	ConfigDir string // XDG_CONFIG_HOME of the process
}

// startHub runs `herald serve` on a free loopback port with a fixed key and a private config
// folder, and waits until /healthz answers 200.
func startHub(t testing.TB, extra ...string) *Hub {
	t.Helper()
	port := freePort(t)
	h := &Hub{URL: fmt.Sprintf("http://127.0.0.1:%d", port), Key: "e2e-test-key-0123456789abcdef", ConfigDir: t.TempDir()}
	args := append([]string{"serve", "--addr", fmt.Sprintf("127.0.0.1:%d", port), "--key", h.Key}, extra...)
	h.Proc = start(t, []string{"XDG_CONFIG_HOME=" + h.ConfigDir, "HOME=" + h.ConfigDir}, herald(), args...)
	waitHealthy(t, h.URL, 20*time.Second)
	return h
}

// waitHealthy polls url/healthz until it answers 200 or the time runs out.
func waitHealthy(t testing.TB, url string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url + "/healthz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s/healthz did not answer 200 within %v", url, within)
}

// runHerald runs a headless herald subcommand to completion and returns its output.
func runHerald(t testing.TB, ctx context.Context, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(ctx, herald(), args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// lineReader reads a process's stdout line by line (for `herald subscribe`).
func lineReader(r io.Reader) <-chan string {
	ch := make(chan string, 1024)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			ch <- sc.Text()
		}
	}()
	return ch
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
