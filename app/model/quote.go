package model

import (
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// HistoryLen is how many recent prices a symbol keeps for its sparkline.
const HistoryLen = 60

// Quote is one price update for one symbol.
type Quote struct {
	Symbol        string
	Price         float64
	Change        float64
	ChangePercent float64
	HasChange     bool // the feed sent change (otherwise it is derived)
	HasPercent    bool // the feed sent change % (otherwise it is derived)
	Simulated     bool // the feed says the price is made up ("simulated": true, the demo)
}

// IsStockEvent reports whether an event type carries stock quotes; real feeds spell it
// "stock-update" or "stock_update" (any case), sometimes with a channel prefix.
func IsStockEvent(t string) bool {
	t = strings.ToLower(t)
	return t == "stock-update" || t == "stock_update" || t == "stock" || t == "quote" ||
		strings.HasSuffix(t, ".stock-update") || strings.HasSuffix(t, ".stock_update")
}

// ParseQuotes reads the quotes in an event's data: one JSON object or an array of them, with
// fields symbol, price, change and changePercent or change_percent, each a number or a numeric
// string. Objects without a symbol or a finite price are skipped.
func ParseQuotes(data string) []Quote {
	d := strings.TrimSpace(data)
	var objs []map[string]any
	switch {
	case strings.HasPrefix(d, "["):
		if json.Unmarshal([]byte(d), &objs) != nil {
			return nil
		}
	case strings.HasPrefix(d, "{"):
		var m map[string]any
		if json.Unmarshal([]byte(d), &m) != nil {
			return nil
		}
		objs = []map[string]any{m}
	default:
		return nil
	}
	out := make([]Quote, 0, len(objs))
	for _, m := range objs {
		if q, ok := quoteFrom(m); ok {
			out = append(out, q)
		}
	}
	return out
}

func quoteFrom(m map[string]any) (Quote, bool) {
	sym, _ := first(m, "symbol", "ticker", "Symbol").(string)
	sym = strings.ToUpper(strings.TrimSpace(sym))
	price, ok := number(first(m, "price", "last", "Price"))
	if sym == "" || !ok {
		return Quote{}, false
	}
	q := Quote{Symbol: sym, Price: price, Simulated: m["simulated"] == true}
	if c, ok := number(first(m, "change", "Change")); ok {
		q.Change, q.HasChange = c, true
	}
	if p, ok := number(first(m, "changePercent", "change_percent", "changePct", "ChangePercent")); ok {
		q.ChangePercent, q.HasPercent = p, true
	}
	return q, true
}

func first(m map[string]any, keys ...string) any {
	for _, k := range keys {
		if v, ok := m[k]; ok && v != nil {
			return v
		}
	}
	return nil
}

// number accepts a JSON number or a numeric string ("12.5", " -3 ", "1.2%").
func number(v any) (float64, bool) {
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case string:
		s := strings.TrimSuffix(strings.TrimSpace(x), "%")
		s = strings.TrimPrefix(s, "+")
		var err error
		if f, err = strconv.ParseFloat(s, 64); err != nil {
			return 0, false
		}
	default:
		return 0, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// Stock is what the stock panel shows for one symbol from one feed: two feeds that carry
// the same symbol (a teammate's hub and a broker's feed, say) quote different prices, and
// merging them would alternate between the two and draw a saw-tooth.
type Stock struct {
	Quote
	Feed    string // the feed the quotes come from
	Updated time.Time
	History []float64 // oldest first, at most HistoryLen prices
	// Stale marks a card kept from the app's last run (Stocks.Restore): its quote is the
	// last one seen then, until a fresh one arrives.
	Stale bool
}

// Up reports whether the symbol is at or above its reference price.
func (s Stock) Up() bool { return s.Change >= 0 }

// Key identifies a card: the feed and the symbol.
func (s Stock) Key() string { return StockKey(s.Feed, s.Symbol) }

// StockKey is the key of the card for symbol from feed.
func StockKey(feed, symbol string) string { return feed + "\x00" + symbol }

// Stocks is the per-(feed, symbol) state of every quote seen; safe for concurrent use.
type Stocks struct {
	mu      sync.Mutex
	by      map[string]*Stock // by StockKey
	version uint64
}

// NewStocks returns an empty set of symbols.
func NewStocks() *Stocks { return &Stocks{by: map[string]*Stock{}} }

// Apply records a quote from feed. What the feed left out is derived: change % from change, change from
// change %, and both from the first price seen when it sent neither, so the card still turns
// green or red.
func (s *Stocks) Apply(feed string, q Quote, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := StockKey(feed, q.Symbol)
	st, ok := s.by[key]
	if !ok {
		st = &Stock{Feed: feed, History: make([]float64, 0, HistoryLen)}
		s.by[key] = st
	}
	switch {
	case !q.HasChange && !q.HasPercent && len(st.History) > 0:
		base := st.History[0]
		q.Change = q.Price - base
		if base != 0 {
			q.ChangePercent = q.Change / base * 100
		}
	case q.HasChange && !q.HasPercent:
		if ref := q.Price - q.Change; ref != 0 {
			q.ChangePercent = q.Change / ref * 100
		}
	case q.HasPercent && !q.HasChange:
		if f := 1 + q.ChangePercent/100; f != 0 {
			q.Change = q.Price - q.Price/f
		}
	}
	st.Quote = q
	st.Updated = at
	st.Stale = false
	if len(st.History) == HistoryLen {
		copy(st.History, st.History[1:])
		st.History = st.History[:HistoryLen-1]
	}
	st.History = append(st.History, q.Price)
	s.version++
}

// Restore puts back cards kept from the app's last run, marked Stale, where no quote has
// arrived yet in this run; a fresh quote clears the mark (its change derives from the
// restored history when the feed sends none).
func (s *Stocks) Restore(cards []Stock) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range cards {
		c.Symbol = strings.ToUpper(strings.TrimSpace(c.Symbol))
		key := StockKey(c.Feed, c.Symbol)
		if c.Symbol == "" || s.by[key] != nil {
			continue
		}
		if len(c.History) > HistoryLen {
			c.History = c.History[len(c.History)-HistoryLen:]
		}
		h := make([]float64, len(c.History), HistoryLen)
		copy(h, c.History)
		c.History, c.Stale = h, true
		s.by[key] = &c
	}
	s.version++
}

// Ingest applies every quote in a stock event and reports how many it found.
func (s *Stocks) Ingest(e Event) int {
	if !IsStockEvent(e.Type) {
		return 0
	}
	qs := ParseQuotes(e.Data)
	for _, q := range qs {
		s.Apply(e.Feed, q, e.Time)
	}
	return len(qs)
}

// Version changes whenever a quote is applied, so a view can skip redundant refreshes.
func (s *Stocks) Version() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.version
}

// Snapshot returns a copy of every card's state, sorted by symbol, then feed.
func (s *Stocks) Snapshot() []Stock {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Stock, 0, len(s.by))
	for _, st := range s.by {
		c := *st
		c.History = append([]float64(nil), st.History...)
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Symbol != out[j].Symbol {
			return out[i].Symbol < out[j].Symbol
		}
		return out[i].Feed < out[j].Feed
	})
	return out
}
