package model

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
)

func fill(l *Log) {
	l.Add(
		Event{Feed: "hub", Type: "stock-update", Data: `{"symbol":"AAPL"}`},
		Event{Feed: "ci", Type: "alert", ID: "7", Data: `{"message":"Build FAILED"}`},
		Event{Feed: "hub", Type: "message", Data: "hello world"},
		Event{Feed: "ci", Type: "notification", Data: "deploy done"},
	)
}

func TestLogFilter(t *testing.T) {
	l := NewLog(10)
	fill(l)
	tests := []struct {
		f    Filter
		want []string // types, newest first
	}{
		{Filter{}, []string{"notification", "message", "alert", "stock-update"}},
		{Filter{Feed: "ci"}, []string{"notification", "alert"}},
		{Filter{Type: "message"}, []string{"message"}},
		{Filter{Text: "failed"}, []string{"alert"}},
		{Filter{Text: "HUB"}, []string{"message", "stock-update"}},
		{Filter{Text: "7"}, []string{"alert"}},
		{Filter{Feed: "hub", Text: "deploy"}, nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%+v", tt.f), func(t *testing.T) {
			var got []string
			for _, e := range l.View(tt.f, 0) {
				got = append(got, e.Type)
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	if got := l.View(Filter{}, 2); len(got) != 2 || got[0].Type != "notification" {
		t.Errorf("limit 2 = %+v", got)
	}
}

func TestLogCapPauseClear(t *testing.T) {
	l := NewLog(3)
	for i := 1; i <= 5; i++ {
		l.Add(Event{Type: "message", Data: fmt.Sprint(i)})
	}
	v := l.View(Filter{}, 0)
	if len(v) != 3 || v[0].Data != "5" || v[2].Data != "3" || l.Len() != 3 {
		t.Fatalf("after 5 adds into cap 3: %+v", v)
	}
	l.SetPaused(true)
	l.Add(Event{Type: "message", Data: "6"})
	if v := l.View(Filter{}, 0); v[0].Data != "5" || len(v) != 2 {
		t.Errorf("paused view should hide 6 (and 3, pushed out): %+v", v)
	}
	if p, n := l.Paused(); !p || n != 1 {
		t.Errorf("Paused() = %v, %d; want true, 1", p, n)
	}
	l.SetPaused(false)
	if v := l.View(Filter{}, 0); v[0].Data != "6" {
		t.Errorf("resumed view should show 6 first: %+v", v)
	}
	l.Clear()
	if l.Len() != 0 || len(l.View(Filter{}, 0)) != 0 {
		t.Errorf("clear left %d events", l.Len())
	}
	l.Add(Event{Type: "x"})
	if v := l.View(Filter{}, 0); len(v) != 1 || v[0].Seq != 7 {
		t.Errorf("after clear, seq keeps counting: %+v", v)
	}
}

func TestWriteJSONLinesOldestFirst(t *testing.T) {
	l := NewLog(10)
	fill(l)
	var buf bytes.Buffer
	if err := WriteJSONLines(&buf, l.View(Filter{}, 0)); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(&buf)
	var types []string
	for sc.Scan() {
		var e Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		types = append(types, e.Type)
	}
	if strings.Join(types, ",") != "stock-update,alert,message,notification" {
		t.Errorf("exported order %v", types)
	}
}

func TestLogConcurrent(t *testing.T) {
	l := NewLog(100)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				l.Add(Event{Type: "message", Data: "x"})
				if i%50 == 0 {
					l.View(Filter{Text: "x"}, 10)
					l.Facets()
				}
			}
		}()
	}
	wg.Wait()
	if l.Len() != 100 || l.Seq() != 2000 {
		t.Errorf("len %d seq %d, want 100 and 2000", l.Len(), l.Seq())
	}
}

func TestContainsFold(t *testing.T) {
	for _, tt := range []struct {
		s, low string
		want   bool
	}{{"Hello World", "world", true}, {"abc", "abcd", false}, {"ÄBC xyz", "xyz", true}, {"ÄBC", "äb", true}, {"", "", true}} {
		if got := containsFold(tt.s, tt.low); got != tt.want {
			t.Errorf("containsFold(%q, %q) = %v", tt.s, tt.low, got)
		}
	}
}

func TestDetailLines(t *testing.T) {
	tests := []struct {
		name  string
		data  string
		width int
		want  []string
	}{
		{"json pretty", `{"a":1,"b":[true]}`, 80, []string{"{", `  "a": 1,`, `  "b": [`, "    true", "  ]", "}"}},
		{"plain text kept", "one\r\ntwo", 80, []string{"one", "two"}},
		{"long line cut", "abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"runes not bytes", "ééééé", 2, []string{"éé", "éé", "é"}},
		{"tabs widened", "a\tb", 80, []string{"a    b"}},
		{"empty", "", 80, []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Event{Data: tt.data}.DetailLines(tt.width)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
