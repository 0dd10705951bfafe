// Package payload encodes and decodes the benchmark's event bodies: small JSON objects that
// carry a sequence number and the publish time, padded to a fixed size, so a load generator
// can count, order-check and time every delivery without a JSON decoder.
package payload

import (
	"bytes"
	"strconv"
	"time"
)

// Warm is the body of warm-up events: subscribers use it to prove they are registered with
// the hub before a measured run starts; it carries no sequence number.
const Warm = `{"warm":1}`

// Append appends a measured event body for sequence number seq, published at t, padded with
// 'x' to size bytes (or longer when seq and t alone need more room).
func Append(dst []byte, seq int64, t time.Time, size int) []byte {
	start := len(dst)
	dst = append(dst, `{"seq":`...)
	dst = strconv.AppendInt(dst, seq, 10)
	dst = append(dst, `,"t":`...)
	dst = strconv.AppendInt(dst, t.UnixNano(), 10)
	dst = append(dst, `,"p":"`...)
	for len(dst)-start < size-2 {
		dst = append(dst, 'x')
	}
	return append(dst, `"}`...)
}

var (
	seqKey = []byte(`"seq":`)
	tKey   = []byte(`"t":`)
)

// Parse reads the sequence number and publish time (Unix nanoseconds) from a body written by
// Append. ok is false for anything else, such as warm-up events or a hub's own events.
func Parse(b []byte) (seq, unixNano int64, ok bool) {
	i := bytes.Index(b, seqKey)
	if i < 0 {
		return 0, 0, false
	}
	seq, rest, ok := digits(b[i+len(seqKey):])
	if !ok {
		return 0, 0, false
	}
	j := bytes.Index(rest, tKey)
	if j < 0 {
		return 0, 0, false
	}
	unixNano, _, ok = digits(rest[j+len(tKey):])
	return seq, unixNano, ok
}

// digits parses the leading decimal digits of b without allocating.
func digits(b []byte) (n int64, rest []byte, ok bool) {
	i := 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + int64(b[i]-'0')
	}
	return n, b[i:], i > 0
}
