package sseclient

import (
	"strings"
	"unicode/utf8"
)

// decode converts b to a string the way the WHATWG Encoding standard's UTF-8 decoder does:
// valid text is copied as it is, and each maximal invalid subpart (a lead byte followed by as
// many continuation bytes as could still start a valid sequence) becomes one U+FFFD. Go's own
// conversions differ (strings.ToValidUTF8 merges runs, range yields one U+FFFD per byte), and
// a browser's EventSource is the reference here.
func decode(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b) + 8)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r != utf8.RuneError || n > 1 {
			sb.Write(b[:n])
			b = b[n:]
			continue
		}
		sb.WriteRune(utf8.RuneError)
		b = b[maximalSubpart(b):]
	}
	return sb.String()
}

// maximalSubpart returns the length of the invalid sequence at the start of b that one U+FFFD
// replaces: at least 1, and at most the bytes that were valid so far for its lead byte.
func maximalSubpart(b []byte) int {
	need, lo, hi := 0, byte(0x80), byte(0xBF)
	switch c := b[0]; {
	case c >= 0xC2 && c <= 0xDF:
		need = 1
	case c == 0xE0:
		need, lo = 2, 0xA0
	case c == 0xED:
		need, hi = 2, 0x9F
	case c >= 0xE1 && c <= 0xEF:
		need = 2
	case c == 0xF0:
		need, lo = 3, 0x90
	case c == 0xF4:
		need, hi = 3, 0x8F
	case c >= 0xF1 && c <= 0xF3:
		need = 3
	}
	n := 1
	for i := 1; i <= need && i < len(b); i++ {
		if b[i] < lo || b[i] > hi {
			break
		}
		n++
		lo, hi = 0x80, 0xBF
	}
	return n
}
