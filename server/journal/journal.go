// Package journal is Herald's durable single-node broker: every published event is written
// to an append-only log (a folder of segment files, by default in the user's config
// folder) before its publish is answered, so the hub's history survives a quit, a restart
// of the hub with new settings, a kill -9 and, per the fsync policy, a power cut. Ids are
// "<ms at publish>-<seq>" like the memory broker's (see wire.ID): each is newer than every
// id stored before, also after a clock set back, and a client resuming after a restart is
// replayed from the log without a gap. Idempotency keys of stored events are honoured
// across restarts.
//
// One writer goroutine takes every publish waiting at that moment, gives the events their
// ids and writes them in one write() (into the kernel's page cache), then hands them to the
// hub's fan-out at once: subscribers never wait for the disk. The publisher is answered per
// Options.Fsync: after the write (interval, never), or after the fsync that covers it
// (always; one fsync covers every write before it, so concurrent publishers share it).
// Once written, an event survives a crash or kill -9 of the hub (the kernel has it), so no
// id a subscriber saw is given out again; after a power cut the clock has moved on, so new
// ids are newer than any lost ones too.
//
// The log is bounded like the hub's ring: by event count and by bytes, the oldest events
// trimmed first (whole segment files are deleted once none of their events is kept). Each
// record is framed by its length and a CRC-32C, so a torn tail (a power cut mid-write) is
// found and cut off when the log is opened. A history file of the earlier format (one
// bbolt file) is migrated on open and kept beside the log (see migrate.go).
//
// It implements server.Broker the way server/redisbroker does, so the hub's ring stays the
// fan-out buffer and the journal is the history behind it.
package journal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/heraldhq/herald/server"
)

// Defaults for Options fields left zero.
const (
	DefaultFile          = "history.db"
	DefaultLockTimeout   = time.Second
	DefaultFsyncInterval = time.Second
	// maxCommitEvents bounds one group commit, so one huge burst does not hold every
	// publisher behind a single long write.
	maxCommitEvents = 10_000
)

// Fsync is when the journal asks the disk to keep what it wrote (fsync). Whatever the
// policy, a written event survives a crash or kill -9 of the hub: the kernel has it. The
// policy decides what a power cut or an OS crash can lose.
type Fsync string

// The fsync policies (`herald serve --history-fsync`).
const (
	// FsyncInterval (the default, like Redis' appendfsync everysec) fsyncs the log every
	// Options.FsyncInterval when something was written; a publish is answered after the
	// write. A power cut loses at most the last interval's events.
	FsyncInterval Fsync = "interval"
	// FsyncAlways answers a publish only after an fsync that covers it (concurrent
	// publishes share one). A power cut loses nothing that was answered.
	FsyncAlways Fsync = "always"
	// FsyncNever leaves writing back to the kernel (it does within about 30 s on Linux);
	// the log is fsynced only when the hub stops. A power cut loses what the kernel had
	// not written yet.
	FsyncNever Fsync = "never"
)

// ParseFsync checks a policy name ("" is the default, interval).
func ParseFsync(s string) (Fsync, error) {
	switch p := Fsync(s); p {
	case "":
		return FsyncInterval, nil
	case FsyncInterval, FsyncAlways, FsyncNever:
		return p, nil
	}
	return "", fmt.Errorf("fsync policy %q: use always, interval or never", s)
}

// Options configure a Journal.
type Options struct {
	// Path is the history: a folder of segment files (made, with its parents, when
	// missing). A file of the earlier bbolt format found there is migrated. See DefaultPath.
	Path string
	// MaxEvents bounds the stored events (the hub's --history; default
	// server.DefaultHistory). The oldest are trimmed first.
	MaxEvents int
	// MaxBytes bounds the stored bytes of events (--history-bytes; default
	// server.DefaultHistoryBytes). The newest event is always kept.
	MaxBytes int
	// LockTimeout is how long Open waits for another process to release the history
	// (default DefaultLockTimeout); then it fails saying another hub holds it.
	LockTimeout time.Duration
	// Fsync is the durability policy (default FsyncInterval); see Fsync.
	Fsync Fsync
	// FsyncInterval is the interval policy's period (default DefaultFsyncInterval).
	FsyncInterval time.Duration
	// NoSync is the earlier name of Fsync: FsyncNever (`--history-no-fsync`).
	//
	// Deprecated: set Fsync to FsyncNever.
	NoSync bool
	// Logger receives failed writes, recoveries and migrations (default slog.Default()).
	Logger *slog.Logger
}

// Journal is a server.Broker whose events live in a segment log. It is safe for concurrent
// use; only one process may have the log open.
type Journal struct {
	opts   Options
	log    *slog.Logger
	unlock func() // releases the folder's lock

	reqs     chan *request // publishes waiting for the writer
	closeMu  sync.RWMutex  // Publish holds it shared while queueing; Close exclusively
	closed   bool
	written  chan struct{} // closed when the writer loop has ended
	syncs    chan *pending // written batches waiting for the always policy's fsync
	synced   chan struct{} // closed when the syncer has ended
	stopTick chan struct{}
	ticked   chan struct{} // closed when the interval syncer has ended
	dirty    atomic.Bool   // written since the last fsync (interval policy)
	// keys maps the idempotency keys of stored events to their ids (load, then the writer
	// goroutine only), so a publish retried after a restart is not stored twice.
	keys map[string]server.ID

	// Writer goroutine only (and Open/Close).
	wlast     server.ID // newest written id
	segTarget int64     // a segment is rolled over past this size
	buf       []byte
	active    atomic.Pointer[segment] // the segment written to

	// segMu guards the segment files against being closed while read: readers hold it
	// shared around their reads, the writer exclusively to close and delete a segment. It
	// is always taken before mu, never while mu is held.
	segMu sync.RWMutex

	// Written by the writer loop only; read under mu.
	mu      sync.Mutex
	segs    []*segment // oldest first; the last is the active one
	idx     []entry    // stored events; idx[head:] are kept
	head    int
	last    server.ID // newest stored id (the origin when none was ever stored)
	base    server.ID // id just before the oldest kept event: the last trimmed id, or the origin
	bytes   int       // stored bytes of the kept events (id and record)
	deliver func([]server.Event)
	failed  error // the last write's error until a write succeeds
}

// entry is where one stored event is: its segment, the offset of its frame and the size
// of its payload; key is its idempotency key.
type entry struct {
	id   server.ID
	seg  *segment
	off  int64
	size int32
	key  string
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

// Open opens (or creates) the history and loads where its ids stand, cutting off a torn
// tail. Its errors say what to fix: a folder that is not writable, a history another
// running hub holds, a file or folder that is not a Herald history.
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
	if opts.FsyncInterval <= 0 {
		opts.FsyncInterval = DefaultFsyncInterval
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	p, err := ParseFsync(string(opts.Fsync))
	if err != nil {
		return nil, err
	}
	if opts.NoSync && opts.Fsync == "" {
		p = FsyncNever
	}
	opts.Fsync = p
	if err := os.MkdirAll(filepath.Dir(opts.Path), 0o700); err != nil {
		return nil, &Error{Kind: ErrNotWritable, Msg: fmt.Sprintf("cannot create the folder of the history %s (%v); make it writable or choose another path", opts.Path, err)}
	}
	if err := prepare(opts); err != nil {
		return nil, err
	}
	unlock, err := lockDir(opts.Path, opts.LockTimeout)
	if err != nil {
		return nil, err
	}
	j := &Journal{opts: opts, log: opts.Logger, unlock: unlock, reqs: make(chan *request, 1024),
		written: make(chan struct{}), keys: map[string]server.ID{},
		segTarget: int64(min(max(opts.MaxBytes/8, 1<<20), 16<<20))}
	if err := j.load(); err != nil {
		j.closeFiles()
		unlock()
		return nil, err
	}
	go j.writer()
	switch opts.Fsync {
	case FsyncAlways:
		j.syncs, j.synced = make(chan *pending, 1024), make(chan struct{})
		go j.syncer()
	case FsyncInterval:
		j.stopTick, j.ticked = make(chan struct{}), make(chan struct{})
		go j.intervalSyncer()
	}
	return j, nil
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

// Close stores the publishes already queued, fsyncs the log (whatever the policy), then
// closes it (releasing its lock for the next hub). Follow loops end on their own context.
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
	if j.syncs != nil {
		close(j.syncs)
		<-j.synced
	}
	if j.stopTick != nil {
		close(j.stopTick)
		<-j.ticked
	}
	var err error
	if a := j.active.Load(); a != nil {
		err = a.f.Sync()
	}
	j.closeFiles()
	j.unlock()
	return err
}

// closeFiles closes every segment file.
func (j *Journal) closeFiles() {
	j.segMu.Lock()
	defer j.segMu.Unlock()
	for _, s := range j.segs {
		s.f.Close()
	}
}
