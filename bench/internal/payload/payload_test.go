package payload

import (
	"testing"
	"time"
)

func TestRoundTrip(t *testing.T) {
	now := time.Unix(1732250000, 123456789)
	tests := []struct {
		name string
		seq  int64
		size int
		want int
	}{
		{"padded to 64", 7, 64, 64},
		{"large seq padded", 1999, 64, 64},
		{"too small to pad", 3, 10, 40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := Append(nil, tt.seq, now, tt.size)
			if len(b) != tt.want {
				t.Fatalf("len(%s) = %d, want %d", b, len(b), tt.want)
			}
			seq, ns, ok := Parse(b)
			if !ok || seq != tt.seq || ns != now.UnixNano() {
				t.Fatalf("Parse(%s) = %d, %d, %v", b, seq, ns, ok)
			}
		})
	}
	for _, in := range []string{Warm, "", `{"seq":x}`, `{"seq":1}`, `{"herald":"connected"}`} {
		if _, _, ok := Parse([]byte(in)); ok {
			t.Errorf("Parse(%q) ok, want not ok", in)
		}
	}
}
