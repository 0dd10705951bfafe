package model

import "strings"

// CardRef names one stock card: a symbol as one feed quotes it.
type CardRef struct {
	Feed   string `json:"feed"`
	Symbol string `json:"symbol"`
}

// Key is the card's key, as Stock.Key.
func (r CardRef) Key() string { return StockKey(r.Feed, r.Symbol) }

// Cards is how the user arranged the stock panel: pinned cards first, in their order (an
// added symbol is pinned, and shows before its first quote arrives), removed ones hidden
// until added again. The rest follow in the order of Stocks.Snapshot.
type Cards struct {
	Pinned []CardRef `json:"pinned,omitempty"`
	Hidden []CardRef `json:"hidden,omitempty"`
}

// Arrange orders snap for the panel: pinned cards first (a card without quotes yet is a
// Stock with only its Feed and Symbol), then every other card not hidden.
func (c Cards) Arrange(snap []Stock) []Stock {
	by := make(map[string]Stock, len(snap))
	for _, s := range snap {
		by[s.Key()] = s
	}
	out := make([]Stock, 0, len(snap)+len(c.Pinned))
	seen := map[string]bool{}
	for _, r := range c.Pinned {
		s, ok := by[r.Key()]
		if !ok {
			s = Stock{Feed: r.Feed, Quote: Quote{Symbol: r.Symbol}}
		}
		out = append(out, s)
		seen[r.Key()] = true
	}
	for _, r := range c.Hidden {
		seen[r.Key()] = true
	}
	for _, s := range snap {
		if !seen[s.Key()] {
			out = append(out, s)
		}
	}
	return out
}

// IsPinned reports whether r is pinned.
func (c Cards) IsPinned(r CardRef) bool { return indexOf(c.Pinned, r) >= 0 }

// Pin puts r at the end of the pinned cards (and shows it again if it was removed).
func (c Cards) Pin(r CardRef) Cards {
	r.Symbol = strings.ToUpper(strings.TrimSpace(r.Symbol))
	c.Hidden = without(c.Hidden, r)
	if indexOf(c.Pinned, r) < 0 {
		c.Pinned = append(append([]CardRef(nil), c.Pinned...), r)
	}
	return c
}

// Unpin lets r take its place among the other cards again.
func (c Cards) Unpin(r CardRef) Cards {
	c.Pinned = without(c.Pinned, r)
	return c
}

// Remove hides r (and unpins it); its quotes keep arriving, and Pin brings it back.
func (c Cards) Remove(r CardRef) Cards {
	c.Pinned = without(c.Pinned, r)
	if indexOf(c.Hidden, r) < 0 {
		c.Hidden = append(append([]CardRef(nil), c.Hidden...), r)
	}
	return c
}

func indexOf(rs []CardRef, r CardRef) int {
	for i, x := range rs {
		if x == r {
			return i
		}
	}
	return -1
}

func without(rs []CardRef, r CardRef) []CardRef {
	out := make([]CardRef, 0, len(rs))
	for _, x := range rs {
		if x != r {
			out = append(out, x)
		}
	}
	return out
}
