package model

import (
	"math"
	"strconv"
	"testing"
	"time"
)

func TestParseQuotes(t *testing.T) {
	tests := []struct {
		name string
		data string
		want []Quote
	}{
		{"numbers camelCase", `{"symbol":"AAPL","price":189.5,"change":1.5,"changePercent":0.8}`,
			[]Quote{{Symbol: "AAPL", Price: 189.5, Change: 1.5, ChangePercent: 0.8, HasChange: true, HasPercent: true}}},
		{"strings snake_case", `{"symbol":"msft","price":"402.10","change":"-3.2","change_percent":"-0.79%"}`,
			[]Quote{{Symbol: "MSFT", Price: 402.10, Change: -3.2, ChangePercent: -0.79, HasChange: true, HasPercent: true}}},
		{"array", `[{"symbol":"A","price":1},{"symbol":"B","price":"2"}]`,
			[]Quote{{Symbol: "A", Price: 1}, {Symbol: "B", Price: 2}}},
		{"no symbol skipped", `{"price":1}`, []Quote{}},
		{"bad price skipped", `{"symbol":"X","price":"n/a"}`, []Quote{}},
		{"not json", `AAPL 12`, nil},
		{"broken json", `{"symbol":`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParseQuotes(tt.data)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d quotes %+v, want %d", len(got), got, len(tt.want))
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("quote %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestIsStockEvent(t *testing.T) {
	for typ, want := range map[string]bool{
		"stock-update": true, "stock_update": true, "Stock-Update": true, "stocks.stock-update": true,
		"message": false, "stock-updates": false, "alert": false,
	} {
		if got := IsStockEvent(typ); got != want {
			t.Errorf("IsStockEvent(%q) = %v, want %v", typ, got, want)
		}
	}
}

func TestStocksApplyDerivesAndKeepsHistory(t *testing.T) {
	s := NewStocks()
	now := time.Unix(1700000000, 0)
	ev := func(typ, data string) Event { return Event{Type: typ, Data: data, Time: now} }
	if n := s.Ingest(ev("stock-update", `{"symbol":"AAA","price":100}`)); n != 1 {
		t.Fatalf("ingested %d quotes, want 1", n)
	}
	s.Ingest(ev("stock_update", `{"symbol":"AAA","price":"110"}`))
	s.Ingest(ev("message", `{"symbol":"AAA","price":1}`)) // not a stock event: ignored
	s.Ingest(ev("stock-update", `{"symbol":"BBB","price":50,"change":-5}`))
	s.Ingest(ev("stock-update", `{"symbol":"CCC","price":55,"changePercent":10}`))
	snap := s.Snapshot()
	if len(snap) != 3 || snap[0].Symbol != "AAA" || snap[1].Symbol != "BBB" {
		t.Fatalf("snapshot = %+v", snap)
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	if a := snap[0]; !near(a.Change, 10) || !near(a.ChangePercent, 10) || !a.Up() || len(a.History) != 2 {
		t.Errorf("AAA derived from first price: %+v", a)
	}
	if b := snap[1]; !near(b.ChangePercent, -5.0/55*100) || b.Up() {
		t.Errorf("BBB percent from change: %+v", b)
	}
	if c := snap[2]; !near(c.Change, 5) {
		t.Errorf("CCC change from percent: %+v", c)
	}
	for i := 0; i < 2*HistoryLen; i++ {
		s.Apply("", Quote{Symbol: "AAA", Price: float64(i)}, now)
	}
	a := s.Snapshot()[0]
	if len(a.History) != HistoryLen || a.History[HistoryLen-1] != float64(2*HistoryLen-1) || a.History[0] != float64(HistoryLen) {
		t.Errorf("history kept %d prices, first %v last %v", len(a.History), a.History[0], a.History[len(a.History)-1])
	}
}

// TestStocksPerFeed: two feeds quoting one symbol at different prices keep a card each, so
// neither card's price alternates nor its sparkline turns into a saw-tooth.
func TestStocksPerFeed(t *testing.T) {
	s := NewStocks()
	now := time.Unix(1700000000, 0)
	for i := 0; i < 10; i++ {
		s.Ingest(Event{Feed: "Broker", Type: "stock-update", Time: now, Data: `{"symbol":"ACME","price":` + strconv.Itoa(100+i) + `}`})
		s.Ingest(Event{Feed: "Teammate", Type: "stock_update", Time: now, Data: `{"symbol":"ACME","price":` + strconv.Itoa(200+i) + `}`})
	}
	snap := s.Snapshot()
	if len(snap) != 2 || snap[0].Feed != "Broker" || snap[1].Feed != "Teammate" || snap[0].Key() == snap[1].Key() {
		t.Fatalf("want one ACME card per feed, got %+v", snap)
	}
	for _, st := range snap {
		for i := 1; i < len(st.History); i++ {
			if st.History[i] < st.History[i-1] {
				t.Errorf("%s's ACME history is not the feed's own rising prices: %v", st.Feed, st.History)
				break
			}
		}
	}
	if snap[0].Price != 109 || snap[1].Price != 209 {
		t.Errorf("prices %v and %v, want 109 and 209", snap[0].Price, snap[1].Price)
	}
}

// Cards restored from the last run are stale until their feed quotes them again; a card
// this run already has is not replaced by an old one.
func TestStocksRestore(t *testing.T) {
	s := NewStocks()
	s.Apply("hub", Quote{Symbol: "MSFT", Price: 400}, time.Now())
	s.Restore([]Stock{
		{Feed: "hub", Quote: Quote{Symbol: "aapl", Price: 190, Change: 1.5, ChangePercent: 0.8}, History: []float64{188, 190}},
		{Feed: "hub", Quote: Quote{Symbol: "MSFT", Price: 1}},
	})
	snap := s.Snapshot()
	if len(snap) != 2 || snap[0].Symbol != "AAPL" || !snap[0].Stale || snap[0].Price != 190 || len(snap[0].History) != 2 {
		t.Fatalf("restored: %+v", snap)
	}
	if snap[1].Price != 400 || snap[1].Stale {
		t.Errorf("this run's MSFT was replaced by the old one: %+v", snap[1])
	}
	s.Apply("hub", Quote{Symbol: "AAPL", Price: 191}, time.Now())
	if a := s.Snapshot()[0]; a.Stale || a.Price != 191 || len(a.History) != 3 {
		t.Errorf("after a fresh quote: %+v, want it fresh with the old history", a)
	}
}
