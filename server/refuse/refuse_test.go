package refuse

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestWantsStream(t *testing.T) {
	tests := []struct {
		accept []string
		want   bool
	}{
		{nil, false},
		{[]string{"*/*"}, false},
		{[]string{"application/json"}, false},
		{[]string{"text/event-stream"}, true},
		{[]string{"text/html, text/event-stream;q=0.9"}, true},
		{[]string{"application/json", "TEXT/EVENT-STREAM"}, true},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodGet, "/events", nil)
		for _, a := range tt.accept {
			r.Header.Add("Accept", a)
		}
		if got := WantsStream(r); got != tt.want {
			t.Errorf("Accept %q: WantsStream = %v, want %v", tt.accept, got, tt.want)
		}
	}
}

func TestJitterStaysInRangeAndSpreads(t *testing.T) {
	for _, d := range []time.Duration{0, 1, time.Second, 3 * time.Second} {
		seen := map[time.Duration]bool{}
		for range 200 {
			j := Jitter(d)
			if j < d/2 || j > d {
				t.Fatalf("Jitter(%v) = %v, outside [%v, %v]", d, j, d/2, d)
			}
			seen[j] = true
		}
		if d >= time.Second && len(seen) < 100 {
			t.Errorf("Jitter(%v) gave only %d distinct values in 200", d, len(seen))
		}
	}
}
