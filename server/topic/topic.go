// Package topic knows Herald's channel names and subscription patterns: which names are
// valid, which are reserved, and which channels a pattern covers.
package topic

import (
	"fmt"
	"strings"

	"github.com/heraldhq/herald/server/wire"
)

// MaxLen is the longest channel name the hub accepts.
const MaxLen = 128

// Default is the channel used when a request names none.
const Default = "default"

// ReservedPrefix starts the names of the hub's own control events; publishers may not use it.
const ReservedPrefix = wire.ControlPrefix

// ValidName reports whether name is a channel name: [A-Za-z0-9][A-Za-z0-9._-]{0,127}.
// It returns an error that says what to fix, or nil.
func ValidName(name string) error {
	if name == "" {
		return fmt.Errorf("channel name is empty; use letters, digits, '.', '_' or '-', starting with a letter or digit")
	}
	if len(name) > MaxLen {
		return fmt.Errorf("channel name is %d bytes long; the limit is %d", len(name), MaxLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if isAlnum(c) || (i > 0 && (c == '.' || c == '_' || c == '-')) {
			continue
		}
		if i == 0 {
			return fmt.Errorf("channel name %q must start with a letter or digit", clip(name))
		}
		return fmt.Errorf("channel name %q has %q at byte %d; use letters, digits, '.', '_' or '-'", clip(name), c, i)
	}
	return nil
}

// ValidPattern reports whether p is a channel name or a pattern: "*" (every channel), or a
// name in which whole dot segments are "*" (e.g. "stocks.*", "*.alerts"), each "*" matching
// exactly one segment.
func ValidPattern(p string) error {
	if p == "*" {
		return nil
	}
	if !strings.Contains(p, "*") {
		return ValidName(p)
	}
	if len(p) > MaxLen {
		return fmt.Errorf("channel pattern is %d bytes long; the limit is %d", len(p), MaxLen)
	}
	for _, seg := range strings.Split(p, ".") {
		if seg == "*" {
			continue
		}
		if seg == "" || strings.Contains(seg, "*") {
			return fmt.Errorf("channel pattern %q: '*' must stand alone as a whole dot segment, as in \"stocks.*\"", clip(p))
		}
		if err := ValidName(seg); err != nil {
			return fmt.Errorf("channel pattern %q: segment %q is not valid", clip(p), clip(seg))
		}
	}
	return nil
}

// IsPattern reports whether p contains a wildcard.
func IsPattern(p string) bool { return strings.Contains(p, "*") }

// Match reports whether channel is covered by pattern. "*" matches every channel; otherwise
// each "*" segment matches exactly one dot segment and other segments must be equal.
func Match(pattern, channel string) bool {
	if pattern == "*" || pattern == channel {
		return true
	}
	if !IsPattern(pattern) {
		return false
	}
	for {
		pi := strings.IndexByte(pattern, '.')
		ci := strings.IndexByte(channel, '.')
		if (pi < 0) != (ci < 0) {
			return false
		}
		pseg, cseg := pattern, channel
		if pi >= 0 {
			pseg, cseg = pattern[:pi], channel[:ci]
		}
		if pseg != "*" && pseg != cseg {
			return false
		}
		if pi < 0 {
			return true
		}
		pattern, channel = pattern[pi+1:], channel[ci+1:]
	}
}

// MatchAny reports whether any of patterns covers channel.
func MatchAny(patterns []string, channel string) bool {
	for _, p := range patterns {
		if Match(p, channel) {
			return true
		}
	}
	return false
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// clip keeps error messages short when a client sends a huge name.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
