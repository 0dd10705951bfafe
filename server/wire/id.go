package wire

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ID is an event id as the hub and its brokers assign it: "<ms>-<seq>", the form and the
// rule of a Redis Streams id. Ms is the time the hub stored the event (Unix milliseconds),
// Seq counts the events stored within that millisecond from 1 ("<ms>-0" is never given
// out: it is the point just before every event of that millisecond). Ids compare by Ms,
// then Seq, and each id a hub gives out is newer than every one before (see Next), also
// across restarts: ids from an earlier run are older than anything a new run stores, so a
// replay after them reports a gap instead of silently skipping events. Should the clock
// be set back, Ms stays at the newest stored Ms and Seq goes on counting.
type ID struct {
	Ms  uint64
	Seq uint64
}

// Next returns the id of an event stored at nowMs (Unix milliseconds) right after the
// event id: "<nowMs>-1" when nowMs is later than id.Ms, else "<id.Ms>-<id.Seq+1>" (the
// same millisecond, or a clock that went back). It is always newer than id.
func (id ID) Next(nowMs uint64) ID {
	if nowMs > id.Ms {
		return ID{Ms: nowMs, Seq: 1}
	}
	return ID{Ms: id.Ms, Seq: id.Seq + 1}
}

// Time returns the time the hub stored the event, to the millisecond: the Ms part of the
// id. It is the time of the hub's clock then (or, after the clock was set back, the time of
// the newest event stored before, see ID). For an id of the Redis broker it is Redis'
// clock at XADD.
func (id ID) Time() time.Time { return time.UnixMilli(int64(id.Ms)) }

// NowMs returns the current time in Unix milliseconds, the clock Next is given.
func NowMs() uint64 { return uint64(time.Now().UnixMilli()) }

// String formats the id as sent in the SSE "id:" field, e.g. "1700000000000-42".
func (id ID) String() string {
	var b [41]byte
	return string(id.AppendTo(b[:0]))
}

// AppendTo appends the id's text form to b.
func (id ID) AppendTo(b []byte) []byte {
	b = strconv.AppendUint(b, id.Ms, 10)
	b = append(b, '-')
	return strconv.AppendUint(b, id.Seq, 10)
}

// IsZero reports whether id is the zero id, which no broker assigns.
func (id ID) IsZero() bool { return id == ID{} }

// Compare returns -1, 0 or +1 as id is older than, equal to or newer than other.
func (id ID) Compare(other ID) int {
	switch {
	case id.Ms < other.Ms:
		return -1
	case id.Ms > other.Ms:
		return 1
	case id.Seq < other.Seq:
		return -1
	case id.Seq > other.Seq:
		return 1
	}
	return 0
}

// Less reports whether id is older than other.
func (id ID) Less(other ID) bool { return id.Compare(other) < 0 }

// ErrBadID is returned by ParseID for text that is not an id of this hub.
var ErrBadID = errors.New("not a Herald event id (want <ms>-<seq>, e.g. 1700000000000-42)")

// ParseID parses "<ms>-<seq>" (both decimal, no sign, no spaces).
func ParseID(s string) (ID, error) {
	ms, seq, ok := strings.Cut(s, "-")
	if !ok {
		return ID{}, ErrBadID
	}
	a, err1 := parseDigits(ms)
	b, err2 := parseDigits(seq)
	if err1 != nil || err2 != nil {
		return ID{}, ErrBadID
	}
	return ID{Ms: a, Seq: b}, nil
}

func parseDigits(s string) (uint64, error) {
	if s == "" || len(s) > 20 {
		return 0, ErrBadID
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, ErrBadID
		}
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrBadID, err)
	}
	return v, nil
}
