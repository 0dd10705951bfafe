package app

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/heraldhq/herald/app/model"
	"github.com/heraldhq/herald/app/statefile"
)

// stateEvery is how often the cards and log rows are kept while the app runs (besides at
// quit), so a crash or a power cut loses at most this much of them.
const stateEvery = 30 * time.Second

// lastState keeps the stock cards and the newest log rows in the app's folder
// (app/statefile) and brings them back at the next start.
type lastState struct {
	path string
	mu   sync.Mutex // one save at a time
	seen [2]uint64  // the log's Seq and the stocks' Version at the last save
}

// restoreState puts the last run's cards (stale until quoted again) and log rows back,
// before any feed runs; a damaged file is reported and left aside (renamed .bad, where the
// user may look at it) without stopping the app.
func (d *desktop) restoreState(dir string) {
	d.last = &lastState{path: filepath.Join(dir, statefile.Name)}
	st, err := statefile.Load(d.last.path)
	if err != nil {
		d.log.Warn("last run's cards and log rows", "err", err)
		_ = os.Rename(d.last.path, d.last.path+".bad")
		return
	}
	d.stocks.Restore(st.Stocks())
	d.events.Add(st.Events...)
	d.last.seen = [2]uint64{d.events.Seq(), d.stocks.Version()}
}

// keepState saves the cards and rows every stateEvery while they change, until ctx ends.
func (d *desktop) keepState(ctx context.Context) {
	t := time.NewTicker(stateEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			d.saveState()
		}
	}
}

// saveState writes the cards and the newest rows when they changed since the last save.
func (d *desktop) saveState() {
	if d.last == nil {
		return
	}
	d.last.mu.Lock()
	defer d.last.mu.Unlock()
	now := [2]uint64{d.events.Seq(), d.stocks.Version()}
	if now == d.last.seen {
		return
	}
	st := statefile.Make(d.stocks.Snapshot(), d.events.View(model.Filter{}, statefile.MaxEvents), time.Now())
	if err := statefile.Save(d.last.path, st); err != nil {
		d.log.Error("last run's cards and log rows", "err", err)
		return
	}
	d.last.seen = now
}
