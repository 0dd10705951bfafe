package model

import (
	"strings"
	"testing"
)

func TestCardsArrange(t *testing.T) {
	snap := []Stock{
		{Feed: "A", Quote: Quote{Symbol: "AAPL", Price: 1}},
		{Feed: "A", Quote: Quote{Symbol: "MSFT", Price: 2}},
		{Feed: "B", Quote: Quote{Symbol: "MSFT", Price: 3}},
	}
	names := func(ss []Stock) string {
		var out []string
		for _, s := range ss {
			out = append(out, s.Feed+":"+s.Symbol)
		}
		return strings.Join(out, " ")
	}
	var c Cards
	tests := []struct {
		name   string
		change func(Cards) Cards
		want   string
	}{
		{"as quoted", func(c Cards) Cards { return c }, "A:AAPL A:MSFT B:MSFT"},
		{"pin moves first", func(c Cards) Cards { return c.Pin(CardRef{"B", "MSFT"}) }, "B:MSFT A:AAPL A:MSFT"},
		{"pinned keep their order", func(c Cards) Cards { return c.Pin(CardRef{"A", "MSFT"}) }, "B:MSFT A:MSFT A:AAPL"},
		{"added before any quote", func(c Cards) Cards { return c.Pin(CardRef{"B", " tsla "}) }, "B:MSFT A:MSFT B:TSLA A:AAPL"},
		{"remove hides and unpins", func(c Cards) Cards { return c.Remove(CardRef{"A", "MSFT"}) }, "B:MSFT B:TSLA A:AAPL"},
		{"unpin", func(c Cards) Cards { return c.Unpin(CardRef{"B", "MSFT"}) }, "B:TSLA A:AAPL B:MSFT"},
		{"add a removed card back", func(c Cards) Cards { return c.Pin(CardRef{"A", "MSFT"}) }, "B:TSLA A:MSFT A:AAPL B:MSFT"},
	}
	for _, tt := range tests {
		c = tt.change(c)
		if got := names(c.Arrange(snap)); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
	if !c.IsPinned(CardRef{"A", "MSFT"}) || c.IsPinned(CardRef{"B", "MSFT"}) {
		t.Errorf("pinned %+v", c.Pinned)
	}
}
