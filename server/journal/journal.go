// Package journal is Herald's durable single-node broker: every published event is written
// to an on-disk log (a bbolt file, by default in the user's config folder) before its
// publish is answered, so the hub's history survives a quit, a restart of the hub with new
// settings, a reboot and a kill -9. Ids continue after the newest stored one across
// restarts, and a client resuming after a restart is replayed from the file without a gap.
//
// Publishes are group-committed: one writer goroutine takes every publish waiting at that
// moment and stores them in one transaction (one pair of fsyncs), so concurrent publishers
// share the cost of the disk. The log is bounded like the hub's ring: by event count and by
// bytes, the oldest events trimmed first.
//
// It implements server.Broker the way server/redisbroker does, so the hub's ring stays the
// fan-out buffer and the journal is the history behind it.
package journal

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/heraldhq/herald/server"
)

// Defaults for Options fields left zero.
const (
	DefaultFile        = "history.db"
	DefaultLockTimeout = time.Second
	// maxCommitEvents bounds one group commit, so one huge burst does not hold every
	// publisher behind a single long transaction.
	maxCommitEvents = 10_000
)

// Options configure a Journal.
type Options struct {
	// Path is the history file (made, with its folder, when missing). See DefaultPath.
	Path string
	// MaxEvents bounds the stored events (the hub's --history; default
	// server.DefaultHistory). The oldest are trimmed first.
	MaxEvents int
	// MaxBytes bounds the stored bytes of events (--history-bytes; default
	// server.DefaultHistoryBytes). The newest event is always kept.
	MaxBytes int
	// LockTimeout is how long Open waits for another process to release the file
	// (default DefaultLockTimeout); then it fails saying another hub holds it.
	LockTimeout time.Duration
	// NoSync skips the fsyncs of each commit: a publish is answered once the kernel has
	// the data (which survives kill -9 of the hub, not a power cut). For benchmarks and
	// tests that measure the cost of the disk.
	NoSync bool
	// Logger receives trims and failed commits (default slog.Default()).
	Logger *slog.Logger
}

// Journal is a server.Broker whose events live in a bbolt file. It is safe for concurrent
// use; only one process may have the file open.
type Journal struct {
	opts Options
	db   *bolt.DB
	log  *slog.Logger

	reqs    chan *request // publishes waiting for the writer
	closeMu sync.RWMutex  // Publish holds it shared while queueing; Close exclusively
	closed  bool
	written chan struct{} // closed when the writer loop has ended
	// keys maps the idempotency keys of stored events to their ids (load, then the writer
	// goroutine only), so a publish retried after a restart is not stored twice.
	keys map[string]server.ID

	// Written by the writer loop only; read under mu.
	mu      sync.Mutex
	last    server.ID // newest stored id (the origin when none was ever stored)
	base    server.ID // id just before the oldest kept event: the last trimmed id, or the origin
	count   int       // events kept
	bytes   int       // their stored bytes (keys and values)
	deliver func([]server.Event)
	failed  error // the last commit's error until a commit succeeds
}

var _ server.Broker = (*Journal)(nil)

// DefaultPath returns where the hub keeps its history by default: herald/<file> in the
// user's config folder ($XDG_CONFIG_HOME or ~/.config on Linux, ~/Library/Application
// Support on macOS, %AppData% on Windows), next to the hub key.
func DefaultPath(file string) (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("cannot find the user config folder for the history file (%v); pass --history-file PATH or --history-store memory", err)
	}
	return filepath.Join(dir, "herald", file), nil
}

// Open opens (or creates) the history file and loads where its ids stand. Its errors say
// what to fix: a folder that is not writable, a file another running hub holds, a file
// that is not a Herald history.
func Open(opts Options) (*Journal, error) {
	if opts.Path == "" {
		return nil, errors.New("the history file path is empty; pass --history-file PATH")
	}
	if opts.MaxEvents <= 0 {
		opts.MaxEvents = server.DefaultHistory
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = server.DefaultHistoryBytes
	}
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = DefaultLockTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if err := os.MkdirAll(filepath.Dir(opts.Path), 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the folder of the history file %s (%v); make it writable, choose another file with --history-file, or run with --history-store memory", opts.Path, err)
	}
	db, err := bolt.Open(opts.Path, 0o600, &bolt.Options{
		Timeout:        opts.LockTimeout,
		NoSync:         opts.NoSync,
		NoFreelistSync: true, // rebuilt on open: commits write less
		FreelistType:   bolt.FreelistMapType,
	})
	if err != nil {
		return nil, openError(opts.Path, err)
	}
	j := &Journal{opts: opts, db: db, log: opts.Logger, reqs: make(chan *request, 1024), written: make(chan struct{}), keys: map[string]server.ID{}}
	if err := j.load(); err != nil {
		db.Close()
		return nil, err
	}
	go j.writer()
	return j, nil
}

// openError says why bolt.Open failed and what to do about it.
func openError(path string, err error) error {
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return fmt.Errorf("the history file %s is in use by another running hub (it holds the file's lock); stop that hub, give this one its own file with --history-file, or run with --history-store memory", path)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("the history file %s cannot be opened for writing (%v); fix the permissions of the file and its folder, choose another file with --history-file, or run with --history-store memory", path, err)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrVersionMismatch), errors.Is(err, berrors.ErrChecksum):
		return fmt.Errorf("the history file %s is damaged or not a Herald history (%v); move it away (the hub then starts a new, empty history) or run with --history-store memory", path, err)
	}
	return fmt.Errorf("cannot open the history file %s (%v); if it is damaged, move it away (the hub then starts a new, empty history), or run with --history-store memory", path, err)
}

// Path returns the history file's path.
func (j *Journal) Path() string { return j.opts.Path }

// Last returns the newest stored id, or the journal's origin when it never stored one.
func (j *Journal) Last(ctx context.Context) (server.ID, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.last, nil
}

// Health reports a failed commit (a full disk, say) until a later commit succeeds.
func (j *Journal) Health(ctx context.Context) error {
	j.closeMu.RLock()
	closed := j.closed
	j.closeMu.RUnlock()
	if closed {
		return errors.New("the history file is closed")
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.failed != nil {
		return fmt.Errorf("the last write to the history file %s failed: %v", j.opts.Path, j.failed)
	}
	return nil
}

// Close stores the publishes already queued, then closes the file (releasing its lock for
// the next hub). Follow loops end on their own context.
func (j *Journal) Close() error {
	j.closeMu.Lock()
	if j.closed {
		j.closeMu.Unlock()
		return nil
	}
	j.closed = true
	close(j.reqs)
	j.closeMu.Unlock()
	<-j.written
	return j.db.Close()
}
