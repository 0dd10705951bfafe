package cli

import (
	"errors"
	"flag"
	"fmt"

	"github.com/heraldhq/herald/server/journal"
	"github.com/heraldhq/herald/server/node"
)

// historyFlags choose where `herald serve` keeps its history (without --redis).
type historyFlags struct {
	store, file string
	noFsync     bool
}

func (h *historyFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&h.store, "history-store", "durable", "where the history lives without --redis: `durable` (a file that survives restarts and crashes; see --history-file) or memory (lost when the hub stops)")
	fs.StringVar(&h.file, "history-file", "", "`path` of the durable history (default herald/history.db in the user config folder); one running hub per file")
	fs.BoolVar(&h.noFsync, "history-no-fsync", false, "answer a publish once the kernel has the event, without waiting for the disk: faster one-at-a-time publishing, still safe from a crash or kill of the hub, but a power cut or OS crash can lose or damage the history")
}

// apply sets cfg.History for the durable store and returns where the history lives, for
// the log ("memory" or the file's path; "redis" when --redis is the store).
func (h *historyFlags) apply(cfg *node.Config) (string, error) {
	switch h.store {
	case "durable", "memory":
	default:
		return "", fmt.Errorf("--history-store %q: use durable or memory", h.store)
	}
	if cfg.Redis.URL != "" {
		return "redis", nil
	}
	if h.store == "memory" {
		return "memory", nil
	}
	path := h.file
	if path == "" {
		var err error
		if path, err = journal.DefaultPath(journal.DefaultFile); err != nil {
			return "", fmt.Errorf("%w; pass --history-file PATH or --history-store memory", err)
		}
	}
	cfg.History = journal.Options{Path: path, NoSync: h.noFsync}
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
