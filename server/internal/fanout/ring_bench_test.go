package fanout

import (
	"fmt"
	"testing"
)

// BenchmarkRingRead measures the copy loop of one wake-up: a cursor reads 1,000 events of
// 100 bytes spread over 10 channels. ns/op divided by 1,000 is the cost per scanned event;
// "match 1 of 10" shows what filtering while copying costs against taking everything.
func BenchmarkRingRead(b *testing.B) {
	r := newRing(10_000, 64<<20, ID{Ms: 1})
	var slots []Slot
	for i := range 1000 {
		slots = append(slots, Slot{ID: ID{Ms: 1, Seq: uint64(i + 1)}, Channel: fmt.Sprintf("ch%d", i%10), Bytes: make([]byte, 100)})
	}
	r.append(slots)
	g1 := newGroup("", []string{"ch3"})
	gp := newGroup("", []string{"ch3", "ch5", "other.*"})
	for _, bc := range []struct {
		name string
		m    matcher
	}{
		{"all", matchAll{}},
		{"match 1 of 10 (one name)", g1},
		{"match 2 of 10 (names and a pattern)", gp},
	} {
		b.Run(bc.name, func(b *testing.B) {
			buf := make([]byte, 0, 128<<10)
			b.ReportAllocs()
			for b.Loop() {
				_, out, _, _, _ := r.read(0, buf[:0], 1<<20, bc.m)
				buf = out
			}
		})
	}
}
