package app

import (
	"testing"
	"time"
)

func TestRateMeter(t *testing.T) {
	var r rateMeter
	t0 := time.Unix(1700000000, 0)
	for s := 0; s < 10; s++ {
		r.add(10, t0.Add(time.Duration(s)*time.Second))
		r.add(5, t0.Add(time.Duration(s)*time.Second+500*time.Millisecond))
	}
	if got := r.perSecond(t0.Add(10 * time.Second)); got != 15 {
		t.Errorf("steady 15/s reads %v", got)
	}
	if got := r.perSecond(t0.Add(13 * time.Second)); got != 6 {
		t.Errorf("two quiet seconds: %v, want 6 (30 events over 5 s)", got)
	}
	if got := r.perSecond(t0.Add(time.Minute)); got != 0 {
		t.Errorf("long quiet: %v", got)
	}
	if formatRate(2.25) != "2.2" && formatRate(2.25) != "2.3" || formatRate(1234.4) != "1234" {
		t.Errorf("formatRate: %q %q", formatRate(2.25), formatRate(1234.4))
	}
}
