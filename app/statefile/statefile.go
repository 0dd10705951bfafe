// Package statefile keeps what the desktop app showed when it stopped, so a restart shows
// it again: the stock cards with their last quotes (marked stale until fresh ones arrive)
// and the newest rows of the event log. It is one JSON file in the app's folder, bounded in
// rows and bytes, written atomically like the settings (settingsfile.WriteAtomic). It is a
// convenience, not a record: a damaged file is reported and set aside, never fatal.
package statefile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"time"

	"github.com/heraldhq/herald/app/model"
	"github.com/heraldhq/herald/app/settingsfile"
)

// Name is the file's name inside the app's config folder.
const Name = "last-state.json"

// Bounds of what is kept. The rows' bytes count their data and names; a row bigger than
// the whole budget is left out rather than cut (an event's data is shown as it was sent).
const (
	MaxEvents     = 500
	MaxEventBytes = 1 << 20
	MaxCards      = 200
	// MaxFileBytes is the most Load reads: a bigger file is not one this app wrote.
	MaxFileBytes = 4 << 20
)

// version is the file format; Load ignores a file of another.
const version = 1

// State is what the file holds.
type State struct {
	Version int       `json:"version"`
	Saved   time.Time `json:"saved"`
	Cards   []Card    `json:"cards,omitempty"`
	// Events are the newest log rows, oldest first.
	Events []model.Event `json:"events,omitempty"`
}

// Card is one stock card: a symbol as one feed quoted it last.
type Card struct {
	Feed          string    `json:"feed"`
	Symbol        string    `json:"symbol"`
	Price         float64   `json:"price"`
	Change        float64   `json:"change"`
	ChangePercent float64   `json:"changePercent"`
	Updated       time.Time `json:"updated"`
	History       []float64 `json:"history,omitempty"`
}

// Make builds the state to keep from the cards (Stocks.Snapshot) and the log's rows,
// newest first (Log.View): the newest MaxEvents rows within MaxEventBytes, and the
// MaxCards cards quoted most recently. The demo's simulated quotes are left out: the demo
// quotes again within a second when it runs, and they must not linger when it does not.
func Make(stocks []model.Stock, newestFirst []model.Event, now time.Time) State {
	st := State{Version: version, Saved: now}
	for _, s := range stocks {
		if s.Simulated || len(s.History) == 0 {
			continue
		}
		st.Cards = append(st.Cards, Card{Feed: s.Feed, Symbol: s.Symbol, Price: s.Price, Change: s.Change,
			ChangePercent: s.ChangePercent, Updated: s.Updated, History: s.History})
	}
	if len(st.Cards) > MaxCards {
		// Keep the most recently quoted, in their order.
		cut := make([]time.Time, 0, len(st.Cards))
		for _, c := range st.Cards {
			cut = append(cut, c.Updated)
		}
		oldest := kthNewest(cut, MaxCards)
		kept := st.Cards[:0]
		for _, c := range st.Cards {
			if !c.Updated.Before(oldest) && len(kept) < MaxCards {
				kept = append(kept, c)
			}
		}
		st.Cards = kept
	}
	budget := MaxEventBytes
	n := 0
	for n < len(newestFirst) && n < MaxEvents {
		e := &newestFirst[n]
		size := len(e.Data) + len(e.Feed) + len(e.Type) + len(e.ID) + len(e.Note) + 64
		if size > budget {
			break
		}
		budget -= size
		n++
	}
	st.Events = make([]model.Event, 0, n)
	for i := n - 1; i >= 0; i-- {
		st.Events = append(st.Events, newestFirst[i])
	}
	return st
}

// kthNewest returns the k-th newest time in ts (1-based).
func kthNewest(ts []time.Time, k int) time.Time {
	s := slices.Clone(ts)
	slices.SortFunc(s, func(a, b time.Time) int { return b.Compare(a) })
	return s[k-1]
}

// Stocks returns the cards as Stocks.Restore takes them.
func (s State) Stocks() []model.Stock {
	out := make([]model.Stock, 0, len(s.Cards))
	for _, c := range s.Cards {
		out = append(out, model.Stock{Feed: c.Feed, Updated: c.Updated, History: c.History,
			Quote: model.Quote{Symbol: c.Symbol, Price: c.Price, Change: c.Change, ChangePercent: c.ChangePercent, HasChange: true, HasPercent: true}})
	}
	return out
}

// Save writes st to path atomically.
func Save(path string, st State) error {
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("keeping the cards and log rows: %v", err)
	}
	if err := settingsfile.WriteAtomic(path, b); err != nil {
		return fmt.Errorf("keeping the cards and log rows: %w", err)
	}
	return nil
}

// Load reads the state at path: an empty State when there is none yet. A damaged file (not
// JSON, another version, too big) gives an empty State and an error that names it; the
// caller reports it and goes on.
func Load(path string) (State, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return State{}, nil
	}
	if err != nil {
		return State{}, fmt.Errorf("cannot read the last run's cards and log rows (%v); starting without them", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > MaxFileBytes {
		return State{}, fmt.Errorf("%s is %d bytes, more than this app writes (%d): ignored, starting without the last run's cards and log rows", path, fi.Size(), MaxFileBytes)
	}
	var st State
	dec := json.NewDecoder(f)
	if err := dec.Decode(&st); err != nil {
		return State{}, fmt.Errorf("%s is damaged (%v): ignored, starting without the last run's cards and log rows", path, err)
	}
	if st.Version != version {
		return State{}, fmt.Errorf("%s has format version %d, this app reads %d: ignored, starting without the last run's cards and log rows", path, st.Version, version)
	}
	if len(st.Events) > MaxEvents {
		st.Events = st.Events[len(st.Events)-MaxEvents:]
	}
	if len(st.Cards) > MaxCards {
		st.Cards = st.Cards[:MaxCards]
	}
	return st, nil
}
