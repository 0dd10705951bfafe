package cli

import (
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/heraldhq/herald/server/journal"
	"github.com/heraldhq/herald/server/node"
)

// historyFlags choose where `herald serve` keeps its history (without --redis).
type historyFlags struct {
	store, file, fsync string
	interval           time.Duration
	noFsync            bool
}

func (h *historyFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&h.store, "history-store", "durable", "where the history lives without --redis: `durable` (a log on disk that survives restarts and crashes; see --history-file and --history-fsync) or memory (lost when the hub stops)")
	fs.StringVar(&h.file, "history-file", "", "`path` of the durable history, a folder of log files (default herald/history.db in the user config folder; a file of the earlier format there is migrated); one running hub per history")
	fs.StringVar(&h.fsync, "history-fsync", string(journal.FsyncInterval), "when the durable history is flushed to disk (fsync): `interval` (every --history-fsync-interval; a publish is answered once written), always (a publish is answered after the fsync that covers it; concurrent publishes share one) or never (left to the OS). A crash or kill -9 of the hub loses nothing answered under any policy (the kernel has it); a power cut or OS crash loses at most the last interval (interval), nothing answered (always), or anything not yet flushed (never)")
	fs.DurationVar(&h.interval, "history-fsync-interval", journal.DefaultFsyncInterval, "how often --history-fsync interval flushes the history to disk")
	fs.BoolVar(&h.noFsync, "history-no-fsync", false, "deprecated: the same as --history-fsync never")
}

// apply sets cfg.History for the durable store and returns where the history lives, for
// the log ("memory" or the file's path; "redis" when --redis is the store).
func (h *historyFlags) apply(cfg *node.Config) (string, error) {
	switch h.store {
	case "durable", "memory":
	default:
		return "", fmt.Errorf("--history-store %q: use durable or memory", h.store)
	}
	policy, err := journal.ParseFsync(h.fsync)
	if err != nil {
		return "", fmt.Errorf("--history-fsync %q: use always, interval or never", h.fsync)
	}
	if h.noFsync {
		if policy != journal.FsyncInterval && policy != journal.FsyncNever {
			return "", fmt.Errorf("--history-no-fsync (deprecated: it means --history-fsync never) contradicts --history-fsync %s; drop one", policy)
		}
		policy = journal.FsyncNever
	}
	if h.interval <= 0 {
		return "", fmt.Errorf("--history-fsync-interval %s: use a positive duration, e.g. 1s", h.interval)
	}
	if cfg.Redis.URL != "" {
		return "redis", nil
	}
	if h.store == "memory" {
		return "memory", nil
	}
	path := h.file
	if path == "" {
		if path, err = journal.DefaultPath(journal.DefaultFile); err != nil {
			return "", fmt.Errorf("%w; pass --history-file PATH or --history-store memory", err)
		}
	}
	cfg.History = journal.Options{Path: path, Fsync: policy, FsyncInterval: h.interval}
	return path, nil
}

// historyHint adds to a history file error the flags that fix it.
func historyHint(err error) error {
	switch {
	case errors.Is(err, journal.ErrLocked), errors.Is(err, journal.ErrNotWritable):
		return fmt.Errorf("%w (use --history-file PATH for another file, or --history-store memory)", err)
	case errors.Is(err, journal.ErrDamaged):
		return fmt.Errorf("%w (or run with --history-file PATH or --history-store memory)", err)
	}
	return err
}
