package model

import (
	"strings"
	"testing"
)

// TestPrettyKeepsWhatWasSent: the detail view and "Copy all" must show the publisher's own
// tokens, only indented. Decoding into `any` rounded big integers to float64, re-sorted keys,
// wrote 0.0 as 0, escaped <>& and refused 1e400; each case below caught one of those.
func TestPrettyKeepsWhatWasSent(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"big integers", `{"id":9007199254740993,"ns":1796644879312123457}`,
			"{\n  \"id\": 9007199254740993,\n  \"ns\": 1796644879312123457\n}"},
		{"key order", `{"z":1,"a":2,"m":3}`, "{\n  \"z\": 1,\n  \"a\": 2,\n  \"m\": 3\n}"},
		{"floats as written", `{"p":0.0,"q":1.50,"r":-0e0,"huge":1e400}`,
			"{\n  \"p\": 0.0,\n  \"q\": 1.50,\n  \"r\": -0e0,\n  \"huge\": 1e400\n}"},
		{"string escapes kept", `{"html":"<b>&amp;</b>","u":"\u00e9\n"}`,
			"{\n  \"html\": \"<b>&amp;</b>\",\n  \"u\": \"\\u00e9\\n\"\n}"},
		{"nested and empty", `[{"a":[]},{}]`, "[\n  {\n    \"a\": []\n  },\n  {}\n]"},
		{"surrounding space dropped", " \n{\"a\":1}\r\n ", "{\n  \"a\": 1\n}"},
		{"already indented is re-indented", "{\n    \"a\":   1\n}", "{\n  \"a\": 1\n}"},
		{"scalar", `9007199254740993`, `9007199254740993`},
		{"invalid JSON shown as text", `{"a":1,}`, `{"a":1,}`},
		{"two values are text", `{"a":1} {"b":2}`, `{"a":1} {"b":2}`},
		{"plain text", "build green", "build green"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (Event{Data: tt.data}).Pretty(); got != tt.want {
				t.Errorf("Pretty(%q)\n got %q\nwant %q", tt.data, got, tt.want)
			}
		})
	}
}

// TestDetailLinesKeepBigIntegers: the lines the dialog draws (and "Copy all" joins) are
// built from Pretty, so they carry the exact digits too.
func TestDetailLinesKeepBigIntegers(t *testing.T) {
	got := strings.Join(Event{Data: `{"n":1796644879312123457}`}.DetailLines(96), "\n")
	if !strings.Contains(got, "1796644879312123457") {
		t.Fatalf("detail lines lost digits: %q", got)
	}
}
