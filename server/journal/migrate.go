package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/heraldhq/herald/server"
)

// The earlier format (Herald before the segment log) was one bbolt file: a bucket "events"
// (key: the id as 16 big-endian bytes; value: encode's record) and a bucket "meta"
// (format "herald-history-1", "last" and "base" ids). Open migrates such a file: it writes
// its events, with their ids, into a new log folder beside it, renames the old file to
// <path>.bbolt-v1 (kept, in case; delete it when you like) and the folder to <path>.
const (
	migratingSuffix = ".migrating"
	oldSuffix       = ".bbolt-v1"
	formatV1        = "herald-history-1"
)

// migrate turns the bbolt history at opts.Path into a log folder at the same path.
func migrate(opts Options) error {
	path := opts.Path
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.LockTimeout, ReadOnly: true})
	if err != nil {
		return openError(path, err)
	}
	defer db.Close()
	tmp := path + migratingSuffix
	if err := os.RemoveAll(tmp); err != nil {
		return notWritable(tmp, err)
	}
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return notWritable(tmp, err)
	}
	n := 0
	err = db.View(func(tx *bolt.Tx) error {
		meta, evs := tx.Bucket([]byte("meta")), tx.Bucket([]byte("events"))
		if meta == nil || evs == nil {
			return damaged(path, "a bbolt database of another program")
		}
		if f := meta.Get([]byte("format")); string(f) != formatV1 {
			return damaged(path, fmt.Sprintf("format %q, which this Herald does not read (want %q)", f, formatV1))
		}
		last, err1 := keyID(meta.Get([]byte("last")))
		base, err2 := keyID(meta.Get([]byte("base")))
		if err := errors.Join(err1, err2); err != nil {
			return damaged(path, err.Error())
		}
		prev := base
		if k, _ := evs.Cursor().First(); k == nil {
			prev = last // nothing kept: the next run continues after the newest id
		}
		seg, err := createSegment(tmp, 1, prev, false)
		if err != nil {
			return notWritable(tmp, err)
		}
		defer seg.f.Close()
		var buf []byte
		err = evs.ForEach(func(k, v []byte) error {
			id, err := keyID(k)
			if err != nil {
				return damaged(path, err.Error())
			}
			m, err := decode(v)
			if err != nil || !prev.Less(id) {
				return damaged(path, fmt.Sprintf("event %s: %v", id, errRecord))
			}
			prev = id
			buf = appendFrame(buf, id, &m)
			n++
			if len(buf) >= 1<<20 {
				if _, err := seg.f.Write(buf); err != nil {
					return notWritable(tmp, err)
				}
				buf = buf[:0]
			}
			return nil
		})
		if err != nil {
			return err
		}
		if _, err := seg.f.Write(buf); err != nil {
			return notWritable(tmp, err)
		}
		if err := seg.f.Sync(); err != nil {
			return notWritable(tmp, err)
		}
		syncDir(tmp)
		return nil
	})
	if err != nil {
		os.RemoveAll(tmp)
		return err
	}
	db.Close()
	// The old file first: should this stop between the two renames, the next Open finds
	// the finished folder (see prepare).
	if err := os.Rename(path, path+oldSuffix); err != nil {
		return notWritable(path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return notWritable(path, err)
	}
	opts.Logger.Warn("the history file was of an earlier format; migrated it to a log folder at the same path (the old file is kept)",
		"path", path, "events", n, "old file", path+oldSuffix)
	return nil
}

func keyID(k []byte) (server.ID, error) {
	if len(k) != 16 {
		return server.ID{}, fmt.Errorf("event key of %d bytes (want 16)", len(k))
	}
	return server.ID{Ms: binary.BigEndian.Uint64(k[:8]), Seq: binary.BigEndian.Uint64(k[8:])}, nil
}

// openError says why bolt.Open of an earlier-format file failed and what to do about it.
func openError(path string, err error) error {
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return lockedError(path)
	case errors.Is(err, fs.ErrPermission):
		return notWritable(path, err)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrVersionMismatch), errors.Is(err, berrors.ErrChecksum):
		return damaged(path, err.Error())
	}
	return fmt.Errorf("cannot open the history file %s (%v); if it is damaged, move it away (the hub then starts a new, empty history)", path, err)
}

func lockedError(path string) error {
	return &Error{Kind: ErrLocked, Msg: fmt.Sprintf("the history %s is in use by another running hub (it holds the history's lock); stop that hub or give this one its own history path", path)}
}
