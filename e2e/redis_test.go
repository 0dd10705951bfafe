package e2e

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// redisProc is a real redis-server on a free loopback port with its data and append-only
// file (appendfsync always) in a temp dir, so Kill and Start keep every acknowledged write.
type redisProc struct {
	t    testing.TB
	dir  string
	port int

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	out  *lockedBuffer
}

// startRedis runs redis-server for this test and kills it when the test ends.
func startRedis(t testing.TB) *redisProc {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatal("redis-server not installed (run scripts/setup.sh, which installs it): ", err)
	}
	r := &redisProc{t: t, dir: t.TempDir(), port: freePort(t)}
	conf := fmt.Sprintf("bind 127.0.0.1\nport %d\ndir %s\nappendonly yes\nappendfsync always\nsave \"\"\n"+
		"daemonize no\nloglevel warning\nlogfile \"\"\n", r.port, r.dir)
	if err := os.WriteFile(filepath.Join(r.dir, "redis.conf"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	r.Start()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("redis-server output:\n%s", r.out.String())
		}
		r.Kill()
	})
	return r
}

// URL is what `herald serve --redis` takes.
func (r *redisProc) URL() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.port) }

// Start runs redis-server (again after Kill, same port and data) and waits until it answers
// PING.
func (r *redisProc) Start() {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.out = &lockedBuffer{}
	cmd := exec.Command("redis-server", filepath.Join(r.dir, "redis.conf"))
	cmd.Dir = r.dir
	cmd.Stdout, cmd.Stderr = r.out, r.out
	if err := cmd.Start(); err != nil {
		r.t.Fatalf("start redis-server: %v", err)
	}
	r.cmd, r.done = cmd, make(chan struct{})
	go func(done chan struct{}) { _ = cmd.Wait(); close(done) }(r.done)
	deadline := time.Now().Add(15 * time.Second)
	for !r.pong() {
		select {
		case <-r.done:
			r.t.Fatalf("redis-server exited at start:\n%s", r.out.String())
		default:
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("redis-server on port %d did not answer PING within 15s:\n%s", r.port, r.out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// pong sends one inline PING and reports whether +PONG came back.
func (r *redisProc) pong() bool {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", r.port), time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "+PONG")
}

// Kill ends redis-server with SIGKILL and waits for it; nothing happens if it is not running.
func (r *redisProc) Kill() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Kill()
	<-r.done
	r.cmd = nil
}
