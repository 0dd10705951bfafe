package journal

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/heraldhq/herald/server"
)

// The log is a folder: a LOCK file (held by the running hub) and segment files named
// <20-digit number>.log, written in number order. A segment starts with a header:
//
//	magic (16 bytes "herald-log-v2\n\x00\x00") | prev id (ms, seq: 2 x 8 bytes BE) | crc32c of those 32 bytes (4 bytes BE)
//
// prev is the id just before the segment's first record (the last id of the segment
// before it, or the log's origin). Then come records, each framed:
//
//	payload length (4 bytes BE) | crc32c of the payload (4 bytes BE) | payload
//
// and the payload is the event's id (ms, seq: 2 x 8 bytes BE) followed by encode's record.
const (
	segMagic   = "herald-log-v2\n\x00\x00"
	headerSize = 16 + 16 + 4
	frameSize  = 8
	segExt     = ".log"
	lockName   = "LOCK"
	// maxPayload is far above any event the hub accepts (its bodies are bounded): a larger
	// length is a torn or damaged frame.
	maxPayload = 64 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// segment is one open segment file. size is written by the writer goroutine only.
type segment struct {
	f    *os.File
	num  uint64
	path string
	prev server.ID
	size int64
}

func segName(num uint64) string { return fmt.Sprintf("%020d%s", num, segExt) }

func appendHeader(b []byte, prev server.ID) []byte {
	b = append(b, segMagic...)
	b = binary.BigEndian.AppendUint64(b, prev.Ms)
	b = binary.BigEndian.AppendUint64(b, prev.Seq)
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b[len(b)-32:], castagnoli))
}

// appendFrame appends the framed record of the event id, m.
func appendFrame(b []byte, id server.ID, m *server.Message) []byte {
	at := len(b)
	b = append(b, make([]byte, frameSize)...)
	b = binary.BigEndian.AppendUint64(b, id.Ms)
	b = binary.BigEndian.AppendUint64(b, id.Seq)
	b = encode(b, m)
	p := b[at+frameSize:]
	binary.BigEndian.PutUint32(b[at:], uint32(len(p)))
	binary.BigEndian.PutUint32(b[at+4:], crc32.Checksum(p, castagnoli))
	return b
}

// parsePayload splits a record payload into its id and message.
func parsePayload(p []byte) (server.ID, server.Message, error) {
	if len(p) < 16 {
		return server.ID{}, server.Message{}, errRecord
	}
	id := server.ID{Ms: binary.BigEndian.Uint64(p), Seq: binary.BigEndian.Uint64(p[8:])}
	m, err := decode(p[16:])
	return id, m, err
}

// createSegment makes segment num in dir, starting after prev; sync says whether to fsync
// it and the folder (so a power cut cannot lose the file itself).
func createSegment(dir string, num uint64, prev server.ID, sync bool) (*segment, error) {
	path := filepath.Join(dir, segName(num))
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(appendHeader(nil, prev)); err != nil {
		f.Close()
		os.Remove(path)
		return nil, err
	}
	if sync {
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, err
		}
		syncDir(dir)
	}
	return &segment{f: f, num: num, path: path, prev: prev, size: headerSize}, nil
}

// listSegments returns the numbers of the segment files in dir, in order. A folder that
// holds other things and no Herald log is refused: it is not a history.
func listSegments(dir string) ([]uint64, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var nums []uint64
	other := ""
	for _, de := range des {
		name := de.Name()
		if name == lockName {
			continue
		}
		if base, ok := strings.CutSuffix(name, segExt); ok && len(base) == 20 && de.Type().IsRegular() {
			if n, err := strconv.ParseUint(base, 10, 64); err == nil {
				nums = append(nums, n)
				continue
			}
		}
		other = name
	}
	if len(nums) == 0 && other != "" {
		return nil, fmt.Errorf("a folder holding other files (%s), not a Herald history", other)
	}
	sort.Slice(nums, func(a, b int) bool { return nums[a] < nums[b] })
	return nums, nil
}

// errTorn is a record that is cut short or fails its checksum.
var errTorn = errors.New("a torn or damaged record")

// scanSegment opens segment num and reads its records (ids after prevLog, the newest id
// before it; zero for the first segment) into entries. It stops at the first record that
// is torn, fails its checksum, does not decode or does not go on after the one before:
// good is the size up to there, and bad says what was found (nil when the file ended
// cleanly). A file too short for its header is reported with seg nil.
func scanSegment(dir string, num uint64, prevLog server.ID) (seg *segment, ents []entry, good int64, bad error, err error) {
	path := filepath.Join(dir, segName(num))
	f, err := os.OpenFile(path, os.O_RDWR, 0o600)
	if err != nil {
		return nil, nil, 0, nil, err
	}
	r := bufio.NewReaderSize(f, 256<<10)
	var h [headerSize]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		f.Close()
		return nil, nil, 0, fmt.Errorf("%s: %w (the file ends inside its header)", segName(num), errTorn), nil
	}
	if string(h[:16]) != segMagic || binary.BigEndian.Uint32(h[32:]) != crc32.Checksum(h[:32], castagnoli) {
		f.Close()
		return nil, nil, 0, nil, fmt.Errorf("%s does not start with a Herald log header", segName(num))
	}
	seg = &segment{f: f, num: num, path: path, prev: server.ID{Ms: binary.BigEndian.Uint64(h[16:]), Seq: binary.BigEndian.Uint64(h[24:])}}
	if !prevLog.IsZero() && seg.prev.Less(prevLog) {
		f.Close()
		return nil, nil, 0, nil, fmt.Errorf("%s starts after %s, older than the segment before it ends (%s)", segName(num), seg.prev, prevLog)
	}
	good = headerSize
	prev := seg.prev
	var fr [frameSize]byte
	var p []byte
	for {
		if _, err := io.ReadFull(r, fr[:]); err != nil {
			if err != io.EOF {
				bad = fmt.Errorf("%w: the frame at byte %d is cut short", errTorn, good)
			}
			break
		}
		n := binary.BigEndian.Uint32(fr[:])
		if n < 16 || n > maxPayload {
			bad = fmt.Errorf("%w: the frame at byte %d has length %d", errTorn, good, n)
			break
		}
		if cap(p) < int(n) {
			p = make([]byte, n)
		}
		p = p[:n]
		if _, err := io.ReadFull(r, p); err != nil {
			bad = fmt.Errorf("%w: the record at byte %d is cut short", errTorn, good)
			break
		}
		if crc32.Checksum(p, castagnoli) != binary.BigEndian.Uint32(fr[4:]) {
			bad = fmt.Errorf("%w: the record at byte %d fails its checksum", errTorn, good)
			break
		}
		id, m, err := parsePayload(p)
		if err != nil || !prev.Less(id) {
			bad = fmt.Errorf("%w: the record at byte %d is not a newer event (id %s after %s, %v)", errTorn, good, id, prev, err)
			break
		}
		ents = append(ents, entry{id: id, seg: seg, off: good, size: int32(n), key: m.Key})
		prev = id
		good += frameSize + int64(n)
	}
	return seg, ents, good, bad, nil
}

// readEntries reads the events of ents (consecutive kept entries), one read per segment
// run. The caller holds segMu shared.
func readEntries(ents []entry) ([]server.Event, error) {
	evs := make([]server.Event, 0, len(ents))
	var buf []byte
	for i := 0; i < len(ents); {
		k := i
		for k+1 < len(ents) && ents[k+1].seg == ents[i].seg {
			k++
		}
		from, to := ents[i].off, ents[k].off+frameSize+int64(ents[k].size)
		if cap(buf) < int(to-from) {
			buf = make([]byte, to-from)
		}
		buf = buf[:to-from]
		if _, err := ents[i].seg.f.ReadAt(buf, from); err != nil {
			return nil, fmt.Errorf("reading %s: %v", ents[i].seg.path, err)
		}
		for ; i <= k; i++ {
			e := &ents[i]
			at := e.off - from
			p := buf[at+frameSize : at+frameSize+int64(e.size)]
			if crc32.Checksum(p, castagnoli) != binary.BigEndian.Uint32(buf[at+4:]) {
				return nil, fmt.Errorf("event %s in %s fails its checksum (the file changed under the hub)", e.id, e.seg.path)
			}
			id, m, err := parsePayload(p)
			if err != nil || id != e.id {
				return nil, fmt.Errorf("event %s in %s: %v", e.id, e.seg.path, errRecord)
			}
			evs = append(evs, server.Event{ID: id, Message: m})
		}
	}
	return evs, nil
}

// prepare makes sure opts.Path is a log folder: made when missing, a leftover migration
// finished, an empty file replaced, a file of the earlier format migrated (see migrate).
func prepare(opts Options) error {
	path := opts.Path
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		if _, err := os.Stat(path + migratingSuffix); err == nil {
			// A migration finished writing the new log, then stopped before renaming it.
			if err := os.Rename(path+migratingSuffix, path); err != nil {
				return notWritable(path, err)
			}
			return nil
		}
		if err := os.Mkdir(path, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return notWritable(path, err)
		}
		return nil
	}
	if err != nil {
		return notWritable(path, err)
	}
	if fi.IsDir() {
		// Checked before the lock file is made in it: a folder of other things is left as is.
		if _, err := listSegments(path); err != nil {
			return damaged(path, err.Error())
		}
		return nil
	}
	if !fi.Mode().IsRegular() {
		return damaged(path, "neither a folder nor a file")
	}
	if fi.Size() == 0 {
		// An empty file holds no history (a touch, or a bbolt file that was never written).
		if err := os.Remove(path); err != nil {
			return notWritable(path, err)
		}
		return prepare(opts)
	}
	return migrate(opts)
}

func notWritable(path string, err error) error {
	return &Error{Kind: ErrNotWritable, Msg: fmt.Sprintf("the history %s cannot be created or written (%v); fix the permissions of it and its folder, or choose another path", path, err)}
}
