//go:build unix

package instance

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Lock is the running copy's hold on its config folder.
type Lock struct {
	file *os.File
	ln   net.Listener
	sock string
	wg   sync.WaitGroup
	once sync.Once
}

// lock takes the lock file without waiting; held is false when another process has it.
func lock(f Files, onShow func()) (*Lock, bool, error) {
	file, err := os.OpenFile(f.Lock, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("cannot open the app's lock file %s: %v", f.Lock, err)
	}
	if err := syscall.Flock(int(file.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		file.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("cannot lock %s: %v", f.Lock, err)
	}
	_ = file.Truncate(0)
	_, _ = file.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	// The lock is ours, so any socket left behind is stale (a copy that crashed): remove it.
	_ = os.Remove(f.Socket)
	ln, err := net.Listen("unix", f.Socket)
	if err != nil {
		file.Close()
		return nil, false, fmt.Errorf("cannot listen on %s for later launches: %v", f.Socket, err)
	}
	l := &Lock{file: file, ln: ln, sock: f.Socket}
	l.wg.Add(1)
	go l.serve(onShow)
	return l, true, nil
}

func (l *Lock) serve(onShow func()) {
	defer l.wg.Done()
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return // closed
		}
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		line, _ := bufio.NewReader(c).ReadString('\n')
		if strings.TrimSpace(line) == Command {
			if onShow != nil {
				onShow()
			}
			_, _ = c.Write([]byte("ok\n"))
		} else {
			_, _ = c.Write([]byte("unknown command\n"))
		}
		c.Close()
	}
}

// Close stops listening, removes the socket and releases the lock.
func (l *Lock) Close() {
	if l == nil {
		return
	}
	l.once.Do(func() {
		l.ln.Close()
		l.wg.Wait()
		_ = os.Remove(l.sock)
		_ = l.file.Close() // releases the flock
	})
}

// ask tells the running copy to show its window; it retries while that copy is still
// starting (locked, not yet listening).
func ask(f Files) error {
	deadline := time.Now().Add(AskTimeout)
	var last error
	for {
		c, err := net.DialTimeout("unix", f.Socket, time.Second)
		if err == nil {
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			_, err = c.Write([]byte(Command + "\n"))
			var reply string
			if err == nil {
				reply, err = bufio.NewReader(c).ReadString('\n')
			}
			c.Close()
			if err == nil && strings.TrimSpace(reply) == "ok" {
				return ErrRunning
			}
			if err == nil {
				err = fmt.Errorf("it answered %q", strings.TrimSpace(reply))
			}
		}
		last = err
		if time.Now().After(deadline) {
			return fmt.Errorf("another Herald (pid %s) holds %s but did not answer on %s (%v): close it, or end that process",
				pidIn(f.Lock), f.Lock, f.Socket, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
