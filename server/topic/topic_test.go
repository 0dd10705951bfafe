package topic

import (
	"strings"
	"testing"
)

func TestValidName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"default", true},
		{"stocks", true},
		{"stocks.AAPL", true},
		{"a", true},
		{"9lives", true},
		{"ci_build-42.log", true},
		{strings.Repeat("a", 128), true},
		{strings.Repeat("a", 129), false},
		{"", false},
		{".hidden", false},
		{"-dash", false},
		{"has space", false},
		{"new\nline", false},
		{"nul\x00", false},
		{"stocks.*", false},
		{"ünicode", false},
		{"slash/path", false},
	}
	for _, tt := range tests {
		err := ValidName(tt.name)
		if (err == nil) != tt.ok {
			t.Errorf("ValidName(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestValidPattern(t *testing.T) {
	tests := []struct {
		p  string
		ok bool
	}{
		{"*", true},
		{"stocks.*", true},
		{"*.alerts", true},
		{"a.*.c", true},
		{"stocks", true},
		{"stocks.", true}, // a trailing dot is allowed by the name grammar
		{"**", false},
		{"stocks.", true}, // a trailing dot is allowed by the name grammar
		{"stocks..*", false},
		{"st*cks", false},
		{"", false},
		{"bad name.*", false},
	}
	for _, tt := range tests {
		err := ValidPattern(tt.p)
		if (err == nil) != tt.ok {
			t.Errorf("ValidPattern(%q) = %v, want ok=%v", tt.p, err, tt.ok)
		}
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, channel string
		want             bool
	}{
		{"*", "anything", true},
		{"*", "a.b.c", true},
		{"stocks", "stocks", true},
		{"stocks", "stocks.AAPL", false},
		{"stocks.*", "stocks.AAPL", true},
		{"stocks.*", "stocks", false},
		{"stocks.*", "stocks.AAPL.x", false},
		{"stocks.*", "stockss.AAPL", false},
		{"*.alerts", "ci.alerts", true},
		{"*.alerts", "ci.logs", false},
		{"a.*.c", "a.b.c", true},
		{"a.*.c", "a.b.d", false},
		{"alerts.*", "alerts", false},
	}
	for _, tt := range tests {
		if got := Match(tt.pattern, tt.channel); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.pattern, tt.channel, got, tt.want)
		}
	}
	if !MatchAny([]string{"x", "stocks.*"}, "stocks.MSFT") || MatchAny(nil, "x") {
		t.Error("MatchAny disagrees with Match")
	}
}
