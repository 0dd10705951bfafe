// Package redistest starts real redis-server processes for tests: on a free loopback port,
// with their data and append-only file in the test's temp dir, killable and restartable on
// the same data. The broker's tests and the end-to-end tests both use it.
package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is a real redis-server a test started on a free loopback port, with its data and
// append-only file in a temp dir, so a Kill and a Start bring back every write Redis
// acknowledged (with appendfsync always).
type Server struct {
	t    testing.TB
	dir  string
	port int

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	out  *syncBuffer
}

// Start starts a redis-server with appendfsync always for this test and kills it when the
// test ends.
func Start(t testing.TB) *Server { return StartFsync(t, "always") }

// StartFsync is Start with another appendfsync policy: benchmarks use "everysec" (Redis's
// default), since "always" makes every XADD wait for the disk.
func StartFsync(t testing.TB, fsync string) *Server {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatal("redis-server not installed (run scripts/setup.sh, which installs it): ", err)
	}
	s := &Server{t: t, dir: t.TempDir(), port: freePort(t)}
	conf := strings.Join([]string{
		"bind 127.0.0.1",
		fmt.Sprintf("port %d", s.port),
		"dir " + s.dir,
		"appendonly yes",
		"appendfsync " + fsync,
		`save ""`,
		"daemonize no",
		"loglevel warning",
		"logfile \"\"",
	}, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(s.dir, "redis.conf"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	s.Restart()
	t.Cleanup(s.Kill)
	return s
}

// Addr is host:port of the server.
func (s *Server) Addr() string { return fmt.Sprintf("127.0.0.1:%d", s.port) }

// URL is the redis:// URL herald serve --redis takes.
func (s *Server) URL() string { return "redis://" + s.Addr() + "/0" }

// Restart runs redis-server again after Kill, on the same port and data, and waits until it
// answers PING.
func (s *Server) Restart() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		s.t.Fatal("redis-server already running")
	}
	s.out = &syncBuffer{}
	cmd := exec.Command("redis-server", filepath.Join(s.dir, "redis.conf"))
	cmd.Dir = s.dir
	cmd.Stdout, cmd.Stderr = s.out, s.out
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start redis-server: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	s.cmd, s.done = cmd, done

	c := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1, DialTimeout: time.Second})
	defer c.Close()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		select {
		case <-done:
			s.t.Fatalf("redis-server exited at start: %s", s.out.String())
		default:
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("redis-server on %s did not answer PING within 15s: %v\n%s", s.Addr(), err, s.out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// RestartEmpty kills redis-server and starts it again on the same port with its data
// gone, as a Redis without persistence comes back from a restart.
func (s *Server) RestartEmpty() {
	s.t.Helper()
	s.Kill()
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "redis.conf" {
			if err := os.RemoveAll(filepath.Join(s.dir, e.Name())); err != nil {
				s.t.Fatal(err)
			}
		}
	}
	s.Restart()
}

// Kill ends redis-server with SIGKILL (no clean shutdown: only what is fsynced survives) and
// waits for it to exit. It does nothing when the server is not running.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd, s.done = nil, nil
}

// Pause stops redis-server with SIGSTOP, as a hung Redis: the kernel still accepts
// connections and queues what clients send, but nothing is answered until Resume. The
// test's cleanup resumes it, so Kill never waits on a stopped process.
func (s *Server) Pause() {
	s.t.Helper()
	s.signal(syscall.SIGSTOP)
	s.t.Cleanup(s.Resume)
}

// Resume continues a paused redis-server (SIGCONT); it does nothing when it is not running.
func (s *Server) Resume() { s.signal(syscall.SIGCONT) }

func (s *Server) signal(sig syscall.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Errorf("redis-server: sending %v: %v", sig, err)
	}
}

// Client returns a plain go-redis client for assertions, closed at the end of the test.
func (s *Server) Client() *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1})
	s.t.Cleanup(func() { c.Close() })
	return c
}

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

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
