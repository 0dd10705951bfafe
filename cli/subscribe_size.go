package cli

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// sizeUnits are the suffixes a size flag accepts: IEC binary units, their one-letter short
// forms (as docker and ulimit use them), and SI decimal units.
var sizeUnits = map[string]int64{
	"": 1, "b": 1,
	"k": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mib": 1 << 20, "g": 1 << 30, "gib": 1 << 30,
	"kb": 1e3, "mb": 1e6, "gb": 1e9,
}

// sizeFlag is a byte count given as a number with an optional unit: 1048576, 512KiB, 16MiB,
// 16M (binary), 64MB (decimal).
type sizeFlag struct{ n int }

func (f *sizeFlag) String() string {
	if f == nil || f.n == 0 {
		return ""
	}
	for _, u := range []struct {
		name string
		size int
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if f.n%u.size == 0 {
			return strconv.Itoa(f.n/u.size) + u.name
		}
	}
	return strconv.Itoa(f.n)
}

func (f *sizeFlag) Set(v string) error {
	n, err := parseSize(v)
	if err != nil {
		return err
	}
	f.n = n
	return nil
}

// parseSize reads a positive byte count such as 16MiB.
func parseSize(v string) (int, error) {
	s := strings.TrimSpace(v)
	i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	if i < 0 {
		i = len(s)
	}
	unit, ok := sizeUnits[strings.ToLower(strings.TrimSpace(s[i:]))]
	num, err := strconv.ParseInt(s[:i], 10, 64)
	if !ok || err != nil {
		return 0, fmt.Errorf("%q is not a size; write bytes with an optional unit, such as 1048576, 512KiB, 16MiB or 64MB", v)
	}
	if num <= 0 || num > math.MaxInt32/unit {
		return 0, fmt.Errorf("size %q is out of range; give more than 0 and at most 2GiB", v)
	}
	return int(num * unit), nil
}
