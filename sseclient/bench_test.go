package sseclient

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
)

// smallJSONStream is n typical hub events: an id, a type and one line of JSON.
func smallJSONStream(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, "id: %d\nevent: stock-update\ndata: {\"symbol\":\"AAPL\",\"price\":%d.25,\"change\":1.5,\"changePercent\":0.8}\n\n", 1000+i, 180+i%20)
		if i%50 == 0 {
			b.WriteString(": keep-alive\n\n")
		}
	}
	return b.Bytes()
}

// largeMultilineStream is n events of 64 data lines of 100 bytes each (about 6.5 KB).
func largeMultilineStream(n int) []byte {
	line := "data: " + strings.Repeat("abcdefghij", 10) + "\n"
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, "id: %d\n", i)
		for range 64 {
			b.WriteString(line)
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}

// longLineStream is n events of one 512 KiB data line each, as APIs that send whole JSON
// documents do: the read buffer grows for them.
func longLineStream(n int) []byte {
	line := "data: " + strings.Repeat("0123456789abcdef", 32<<10) + "\n\n"
	return []byte(strings.Repeat(line, n))
}

// benchParse parses stream b.N times (one op = the whole stream) with one reused parser, as
// a long-lived subscription does, and reports MB/s, ns per event and allocations per event.
func benchParse(b *testing.B, stream []byte, events int) {
	rd := bytes.NewReader(stream)
	p := NewParser(rd)
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before := ms.Mallocs
	b.ResetTimer()
	for b.Loop() {
		rd.Reset(stream)
		p.Reset(rd)
		n := 0
		for {
			_, err := p.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != events {
			b.Fatalf("parsed %d events, want %d", n, events)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&ms)
	total := float64(b.N) * float64(events)
	b.ReportMetric(float64(ms.Mallocs-before)/total, "allocs/event")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/total, "ns/event")
}

// BenchmarkParse measures the parser on small JSON events, large multi-line events and long
// single-line events.
func BenchmarkParse(b *testing.B) {
	b.Run("small-json", func(b *testing.B) { benchParse(b, smallJSONStream(1000), 1000) })
	b.Run("large-multiline", func(b *testing.B) { benchParse(b, largeMultilineStream(100), 100) })
	b.Run("long-line-512KiB", func(b *testing.B) { benchParse(b, longLineStream(8), 8) })
}
