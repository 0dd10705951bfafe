//go:build unix

package instance

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestSecondLaunchAsksFirstToShow(t *testing.T) {
	dir := t.TempDir()
	var shown atomic.Int32
	first, err := Acquire(dir, func() { shown.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	if pid := pidIn(FilesIn(dir).Lock); pid != strconv.Itoa(os.Getpid()) {
		t.Errorf("lock file names pid %q", pid)
	}
	for i := 1; i <= 2; i++ {
		second, err := Acquire(dir, func() { t.Error("the second copy must not be asked") })
		if !errors.Is(err, ErrRunning) || second != nil {
			t.Fatalf("launch %d: %v, %v; want ErrRunning", i+1, second, err)
		}
		if shown.Load() != int32(i) {
			t.Fatalf("the running copy was asked to show %d times, want %d", shown.Load(), i)
		}
	}
	first.Close()
	if _, err := os.Stat(FilesIn(dir).Socket); !os.IsNotExist(err) {
		t.Errorf("the socket outlived Close: %v", err)
	}
	again, err := Acquire(dir, nil)
	if err != nil {
		t.Fatalf("after Close the next launch should run: %v", err)
	}
	again.Close()
}

// TestStaleSocket: a socket file left by a copy that crashed (nobody listens) must not keep
// the next launch from running.
func TestStaleSocket(t *testing.T) {
	dir := t.TempDir()
	sock := FilesIn(dir).Socket
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	if _, err := os.Stat(sock); err != nil {
		t.Fatalf("setting up the stale socket: %v", err)
	}
	l, err := Acquire(dir, nil)
	if err != nil {
		t.Fatalf("a stale socket blocked the launch: %v", err)
	}
	l.Close()
}

// TestCrashedCopyReleases: a copy killed with SIGKILL leaves its lock file and socket behind;
// the kernel released its lock, so the next launch runs.
func TestCrashedCopyReleases(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run", "^TestHelperHoldLock$")
	cmd.Env = append(os.Environ(), "INSTANCE_HELPER_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, _ := out.Read(buf) // "locked" once the helper holds the lock
	if !strings.Contains(string(buf[:n]), "locked") {
		cmd.Process.Kill()
		t.Fatalf("helper said %q", buf[:n])
	}
	if _, err := Acquire(dir, nil); !errors.Is(err, ErrRunning) {
		t.Fatalf("while the helper runs: %v, want ErrRunning", err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	l, err := Acquire(dir, nil)
	if err != nil {
		t.Fatalf("after the holder was killed: %v", err)
	}
	l.Close()
}

func TestHelperHoldLock(t *testing.T) {
	dir := os.Getenv("INSTANCE_HELPER_DIR")
	if dir == "" {
		return // only as the helper process of TestCrashedCopyReleases
	}
	if _, err := Acquire(dir, nil); err != nil {
		os.Stdout.WriteString("error " + err.Error())
		os.Exit(1)
	}
	os.Stdout.WriteString("locked\n")
	time.Sleep(time.Minute)
}

// TestRaceToStart: several launches at once end with exactly one running copy.
func TestRaceToStart(t *testing.T) {
	dir := t.TempDir()
	var mu sync.Mutex
	var locks []*Lock
	running := 0
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := Acquire(dir, func() {})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				locks = append(locks, l)
			case errors.Is(err, ErrRunning):
				running++
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if len(locks) != 1 || running != 5 {
		t.Errorf("%d copies run and %d deferred to one, want 1 and 5", len(locks), running)
	}
	for _, l := range locks {
		l.Close()
	}
}

func TestLongFolderPutsSocketElsewhere(t *testing.T) {
	long := filepath.Join(t.TempDir(), strings.Repeat("d", 120))
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	f := FilesIn(long)
	if len(f.Socket) > 100 || !strings.HasPrefix(f.Socket, os.Getenv("XDG_RUNTIME_DIR")) || !strings.HasPrefix(f.Lock, long) {
		t.Fatalf("files %+v", f)
	}
	l, err := Acquire(long, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Acquire(long, nil); !errors.Is(err, ErrRunning) {
		t.Errorf("second launch: %v", err)
	}
	l.Close()
}
