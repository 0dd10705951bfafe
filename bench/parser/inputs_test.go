// Package parser compares SSE stream parsers on the same inputs: Herald's sseclient and the
// decoders of tmaxmax/go-sse, r3labs/sse and launchdarkly/eventsource. Run it with
//
//	go test -bench . -benchmem -count 5 ./parser
//
// One benchmark op parses one whole stream through a fresh decoder; MB/s counts the stream's
// bytes, and allocs/event and ns/event divide by the events it holds.
package parser

import (
	"bytes"
	"fmt"
	"strings"
)

// input is one stream and what a correct parser finds in it.
type input struct {
	name   string
	stream []byte
	events int
	first  string // data of the first event
}

// smallJSON is n typical hub events: an id, a type and one line of JSON (about 120 bytes).
func smallJSON(n int) input {
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, "id: %d\nevent: stock-update\ndata: {\"symbol\":\"AAPL\",\"price\":%d.12,\"change\":1.25,\"changePercent\":0.67,\"volume\":%d}\n\n",
			1000+i, 180+i%20, 52000+i)
	}
	return input{name: "small-json", stream: b.Bytes(), events: n,
		first: `{"symbol":"AAPL","price":180.12,"change":1.25,"changePercent":0.67,"volume":52000}`}
}

// largeMultiline is n events of 64 data lines of 100 bytes each (about 6.7 KB per event).
func largeMultiline(n int) input {
	line := strings.Repeat("0123456789", 10)
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, "id: %d\nevent: report\n", i)
		for range 64 {
			b.WriteString("data: " + line + "\n")
		}
		b.WriteString("\n")
	}
	return input{name: "large-multiline", stream: b.Bytes(), events: n,
		first: strings.TrimSuffix(strings.Repeat(line+"\n", 64), "\n")}
}

// inputs are the streams every parser is measured on.
var inputs = []input{smallJSON(1000), largeMultiline(100)}
