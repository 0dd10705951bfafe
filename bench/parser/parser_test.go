package parser

import (
	"runtime"
	"testing"
)

// TestSameEvents checks that every parser finds the same number of events and the same first
// event in every input, so the benchmark compares like with like.
func TestSameEvents(t *testing.T) {
	for _, in := range inputs {
		for _, p := range parsers {
			t.Run(in.name+"/"+p.name, func(t *testing.T) {
				var first string
				n, err := p.parse(in.stream, func(d string) {
					if first == "" {
						first = d
					}
				})
				if err != nil {
					t.Fatalf("parse: %v", err)
				}
				if n != in.events {
					t.Fatalf("parsed %d events, want %d", n, in.events)
				}
				if p.name != "r3labs-framing" && first != in.first {
					t.Fatalf("first event's data = %.60q..., want %.60q...", first, in.first)
				}
			})
		}
	}
}

// sink keeps the compiler from dropping the parsed data.
var sink int

// BenchmarkParse parses each input with each parser: MB/s over the stream's bytes, plus
// allocations and nanoseconds per event.
func BenchmarkParse(b *testing.B) {
	for _, in := range inputs {
		for _, p := range parsers {
			b.Run("input="+in.name+"/parser="+p.name, func(b *testing.B) {
				b.SetBytes(int64(len(in.stream)))
				b.ReportAllocs()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				before := ms.Mallocs
				each := func(d string) { sink += len(d) }
				for b.Loop() {
					n, err := p.parse(in.stream, each)
					if err != nil || n != in.events {
						b.Fatalf("parsed %d events (err %v), want %d", n, err, in.events)
					}
				}
				runtime.ReadMemStats(&ms)
				events := float64(b.N) * float64(in.events)
				b.ReportMetric(float64(ms.Mallocs-before)/events, "allocs/event")
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/events, "ns/event")
			})
		}
	}
}
