package statefile

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/app/model"
)

func newest(n, dataBytes int) []model.Event {
	out := make([]model.Event, n)
	t0 := time.Date(2026, 12, 7, 14, 0, 0, 0, time.UTC)
	for i := range out { // newest first, as Log.View gives them
		out[i] = model.Event{Seq: uint64(n - i), Time: t0.Add(time.Duration(n-i) * time.Second), Feed: "teammate",
			Type: "alert", ID: fmt.Sprintf("1796644879312-%d", n-i), Data: strings.Repeat("x", dataBytes)}
	}
	return out
}

// What is kept comes back as it was: the cards with their quotes and history, the rows
// oldest first with their data, ids and times exact.
func TestSaveLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "herald", Name)
	if st, err := Load(path); err != nil || len(st.Events)+len(st.Cards) != 0 {
		t.Fatalf("no file: %+v %v, want empty", st, err)
	}
	at := time.Date(2026, 12, 7, 14, 3, 4, 5e6, time.UTC)
	stocks := []model.Stock{
		{Feed: "broker", Quote: model.Quote{Symbol: "AAPL", Price: 190.25, Change: -1.5, ChangePercent: -0.78}, Updated: at, History: []float64{191.75, 190.25}},
		{Feed: "This hub", Quote: model.Quote{Symbol: "DEMO", Price: 10, Simulated: true}, Updated: at, History: []float64{10}},
		{Feed: "broker", Quote: model.Quote{Symbol: "NEW"}}, // pinned, never quoted
	}
	evs := []model.Event{{Time: at, Feed: "teammate", Type: "alert", ID: "1796644879312-7", Data: `{"n":9007199254740993,"a":0.0}`, Replayed: true}}
	if err := Save(path, Make(stocks, evs, at)); err != nil {
		t.Fatal(err)
	}
	st, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Cards) != 1 || st.Cards[0].Symbol != "AAPL" || st.Cards[0].Price != 190.25 || len(st.Cards[0].History) != 2 {
		t.Errorf("cards %+v, want AAPL only (the demo's and the unquoted one are not kept)", st.Cards)
	}
	if s := st.Stocks(); len(s) != 1 || s[0].Change != -1.5 || !s[0].Updated.Equal(at) {
		t.Errorf("as stocks: %+v", s)
	}
	if len(st.Events) != 1 || st.Events[0].Data != evs[0].Data || st.Events[0].ID != evs[0].ID || !st.Events[0].Time.Equal(at) || !st.Events[0].Replayed {
		t.Errorf("events %+v, want %+v", st.Events, evs)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600 (rows may carry what a private feed sent)", fi.Mode().Perm())
	}
}

// The rows are bounded in count and in bytes, newest kept, oldest first in the file.
func TestBounds(t *testing.T) {
	st := Make(nil, newest(2000, 10), time.Now())
	if len(st.Events) != MaxEvents || st.Events[len(st.Events)-1].Seq != 2000 || st.Events[0].Seq != 2000-MaxEvents+1 {
		t.Errorf("%d rows from %d to %d, want the newest %d oldest first", len(st.Events), st.Events[0].Seq, st.Events[len(st.Events)-1].Seq, MaxEvents)
	}
	st = Make(nil, newest(100, 60<<10), time.Now())
	total := 0
	for _, e := range st.Events {
		total += len(e.Data)
	}
	if total > MaxEventBytes || len(st.Events) < 10 || st.Events[len(st.Events)-1].Seq != 100 {
		t.Errorf("60 KiB rows: %d kept, %d bytes; want the newest within %d bytes", len(st.Events), total, MaxEventBytes)
	}
	if st := Make(nil, newest(3, 2<<20), time.Now()); len(st.Events) != 0 {
		t.Errorf("a row bigger than the budget was kept (%d rows)", len(st.Events))
	}
	var cards []model.Stock
	t0 := time.Now()
	for i := range MaxCards + 50 {
		cards = append(cards, model.Stock{Feed: "f", Quote: model.Quote{Symbol: fmt.Sprint("S", i), Price: 1}, Updated: t0.Add(time.Duration(i) * time.Second), History: []float64{1}})
	}
	st = Make(cards, nil, t0)
	if len(st.Cards) != MaxCards || st.Cards[0].Symbol != "S50" {
		t.Errorf("%d cards from %s, want the %d quoted last", len(st.Cards), st.Cards[0].Symbol, MaxCards)
	}
}

// A damaged, foreign or oversized file is an error that names it, and an empty state.
func TestDamagedFile(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"truncated":     `{"version":1,"events":[{"feed":"a"`,
		"other version": `{"version":7}`,
		"not json":      "\x00\x01garbage",
		"too big":       `{"version":1,"events":[` + strings.Repeat(" ", MaxFileBytes) + `]}`,
	} {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".json")
		os.WriteFile(path, []byte(content), 0o600)
		st, err := Load(path)
		if err == nil || !strings.Contains(err.Error(), "ignored") && !strings.Contains(err.Error(), "cannot read") {
			t.Errorf("%s: err %v", name, err)
		}
		if err != nil && !strings.Contains(err.Error(), path) {
			t.Errorf("%s: the error does not name the file: %v", name, err)
		}
		if len(st.Events)+len(st.Cards) != 0 {
			t.Errorf("%s: got %+v", name, st)
		}
	}
}
