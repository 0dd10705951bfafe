// Package instance keeps one running copy of the desktop app per user and config folder: the
// first copy holds an advisory lock (released by the kernel however the process ends, so a
// crash leaves nothing stale) and listens on a unix socket; a second launch finds the lock
// taken, asks the first copy over the socket to show its window, and exits. It is plain Go,
// tested with -race without a display.
package instance

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ErrRunning is returned by Acquire when another copy runs and was asked to show itself.
var ErrRunning = errors.New("Herald is already running: its window was brought to the front")

// Command is what a second launch asks of the running copy.
const Command = "show"

// Files are where the lock and the socket live for one config folder.
type Files struct {
	Lock   string // the lock file (holds the running copy's pid)
	Socket string // the unix socket the running copy listens on
}

// FilesIn returns the lock and socket paths for config folder dir. A unix socket path is
// limited to about 104 bytes, so a long dir puts the socket in $XDG_RUNTIME_DIR (or the
// temp folder) under a name derived from dir instead.
func FilesIn(dir string) Files {
	f := Files{Lock: filepath.Join(dir, "app.lock"), Socket: filepath.Join(dir, "app.sock")}
	if len(f.Socket) > 100 {
		base := os.Getenv("XDG_RUNTIME_DIR")
		if base == "" {
			base = os.TempDir()
		}
		f.Socket = filepath.Join(base, fmt.Sprintf("herald-%d-%08x.sock", os.Getuid(), fnv32(dir)))
	}
	return f
}

func fnv32(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

// AskTimeout bounds how long a second launch waits for the running copy to answer (it may
// itself be starting and not listen yet).
var AskTimeout = 10 * time.Second

// Acquire makes this process the running copy for the config folder dir, or, when another
// copy runs, asks it to show its window and returns ErrRunning. onShow is called (from the
// listener's goroutine) each time a later launch asks; Close releases everything.
func Acquire(dir string, onShow func()) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create %s for the app's lock (%v): check its permissions", dir, err)
	}
	f := FilesIn(dir)
	l, held, err := lock(f, onShow)
	if err != nil || !held {
		if err == nil {
			err = ask(f)
		}
		return nil, err
	}
	return l, nil
}

// pidIn reads the pid a running copy wrote into its lock file, for messages.
func pidIn(path string) string {
	b, _ := os.ReadFile(path)
	return strings.TrimSpace(string(b))
}
