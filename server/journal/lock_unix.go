//go:build !windows

package journal

import (
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// lockDir takes the log folder's lock (an exclusive flock on its LOCK file), waiting up to
// timeout for another process to release it. The lock goes with the process, so a hub
// killed with -9 leaves none behind.
func lockDir(dir string, timeout time.Duration) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, notWritable(dir, err)
	}
	deadline := time.Now().Add(timeout)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if err != syscall.EWOULDBLOCK || time.Now().After(deadline) {
			f.Close()
			if err == syscall.EWOULDBLOCK {
				return nil, lockedError(dir)
			}
			return nil, notWritable(dir, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// syncDir fsyncs a folder, so a file just made or renamed in it survives a power cut.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
