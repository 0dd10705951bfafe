//go:build windows

package journal

import (
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/windows"
)

// lockDir takes the log folder's lock (LockFileEx on its LOCK file), waiting up to timeout
// for another process to release it.
func lockDir(dir string, timeout time.Duration) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, notWritable(dir, err)
	}
	deadline := time.Now().Add(timeout)
	for {
		ol := new(windows.Overlapped)
		err := windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, lockedError(dir)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// syncDir does nothing: Windows cannot fsync a folder (NTFS journals its metadata).
func syncDir(string) {}
