// Package journal is Herald's durable single-node broker: every published event is written
// to an on-disk log (a bbolt file, by default in the user's config folder) before its
// publish is answered, so the hub's history survives a quit, a restart of the hub with new
// settings, a reboot and a kill -9. Ids are "<ms at publish>-<seq>" like the memory
// broker's (see wire.ID): each is newer than every id stored before, also after a clock
// set back, and a client resuming after a restart is replayed from the
// file without a gap. Idempotency keys of stored events are honoured across restarts.
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
	// the data, which survives a crash or kill -9 of the hub but not a power cut or OS
	// crash (those can lose or damage the file). `herald serve --history-no-fsync`.
	NoSync bool
	// Logger receives failed commits (default slog.Default()).
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
		return "", fmt.Errorf("%w: cannot find the user config folder (%v)", ErrNoPath, err)
	}
	return filepath.Join(dir, "herald", file), nil
}

// Open opens (or creates) the history file and loads where its ids stand. Its errors say
// what to fix: a folder that is not writable, a file another running hub holds, a file
// that is not a Herald history.
func Open(opts Options) (*Journal, error) {
	if opts.Path == "" {
		return nil, fmt.Errorf("%w: the path is empty", ErrNoPath)
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
		return nil, &Error{Kind: ErrNotWritable, Msg: fmt.Sprintf("cannot create the folder of the history file %s (%v); make it writable or choose another file", opts.Path, err)}
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
		return &Error{Kind: ErrLocked, Msg: fmt.Sprintf("the history file %s is in use by another running hub (it holds the file's lock); stop that hub or give this one its own file", path)}
	case errors.Is(err, fs.ErrPermission):
		return &Error{Kind: ErrNotWritable, Msg: fmt.Sprintf("the history file %s cannot be opened for writing (%v); fix the permissions of the file and its folder, or choose another file", path, err)}
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrVersionMismatch), errors.Is(err, berrors.ErrChecksum):
		return damaged(path, err.Error())
	}
	return fmt.Errorf("cannot open the history file %s (%v); if it is damaged, move it away (the hub then starts a new, empty history)", path, err)
}

// Errors of Open, matched with errors.Is; the *Error carrying one says which file and what
// to do. They name no command-line flag: callers add their own hints.
var (
	// ErrNoPath: no path was given and the user config folder is unknown.
	ErrNoPath = errors.New("no history file path")
	// ErrLocked: another running hub (another process) holds the file.
	ErrLocked = errors.New("the history file is in use by another running hub")
	// ErrNotWritable: the file or its folder cannot be created or written.
	ErrNotWritable = errors.New("the history file cannot be written")
	// ErrDamaged: the file is not a Herald history this version reads, or is damaged.
	// Nothing is overwritten: moving the file away starts a new, empty history.
	ErrDamaged = errors.New("the history file is damaged or not a Herald history")
)

// Error is an Open error of one of the kinds above.
type Error struct {
	Kind error // ErrLocked, ErrNotWritable or ErrDamaged
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// Is makes errors.Is(err, e.Kind) true.
func (e *Error) Is(target error) bool { return target == e.Kind }

// damaged returns an ErrDamaged error for path, with what is wrong.
func damaged(path, what string) error {
	return &Error{Kind: ErrDamaged, Msg: fmt.Sprintf("the history file %s is damaged or not a Herald history (%s); move it away (the hub then starts a new, empty history) or choose another file", path, what)}
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
