package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/heraldhq/herald/server"
)

// The file holds two buckets: events (key: the id as 16 big-endian bytes, so bbolt's byte
// order is id order; value: a record) and meta (where the ids stand).
var (
	bucketEvents = []byte("events")
	bucketMeta   = []byte("meta")
	keyFormat    = []byte("format")
	keyLast      = []byte("last") // newest id ever stored: ids continue after it
	keyBase      = []byte("base") // id just before the oldest kept event
	formatV1     = []byte("herald-history-1")
)

// recordV1 starts every record, so a later format can be told apart.
const recordV1 = 1

func idKey(id server.ID) []byte {
	var k [16]byte
	binary.BigEndian.PutUint64(k[:8], id.Ms)
	binary.BigEndian.PutUint64(k[8:], id.Seq)
	return k[:]
}

func keyID(k []byte) (server.ID, error) {
	if len(k) != 16 {
		return server.ID{}, fmt.Errorf("event key of %d bytes (want 16)", len(k))
	}
	return server.ID{Ms: binary.BigEndian.Uint64(k[:8]), Seq: binary.BigEndian.Uint64(k[8:])}, nil
}

// encode appends the record of m: its version, then channel, event type, idempotency key
// and data, each as a length and bytes, then retry.
func encode(b []byte, m *server.Message) []byte {
	b = append(b, recordV1)
	for _, s := range [...]string{m.Channel, m.Event, m.Key, m.Data} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return binary.AppendUvarint(b, uint64(max(m.Retry, 0)))
}

var errRecord = errors.New("malformed event record")

// recordKey returns the idempotency key of a record made by encode ("" when it has none or
// the record is malformed), reading only as far as the key.
func recordKey(b []byte) string {
	if len(b) == 0 || b[0] != recordV1 {
		return ""
	}
	b = b[1:]
	for i := 0; i < 3; i++ {
		n, w := binary.Uvarint(b)
		if w <= 0 || n > uint64(len(b)-w) {
			return ""
		}
		if i == 2 {
			return string(b[w : w+int(n)])
		}
		b = b[w+int(n):]
	}
	return ""
}

// keyedID is a stored event's idempotency key and id.
type keyedID struct {
	key string
	id  server.ID
}

// forget drops the keys of trimmed events from the index (unless a newer event took the
// key over). Writer goroutine only.
func (j *Journal) forget(dropped []keyedID) {
	for _, d := range dropped {
		if j.keys[d.key] == d.id {
			delete(j.keys, d.key)
		}
	}
}

// decode parses a record made by encode. The strings are copied: bbolt's memory is valid
// only inside its transaction.
func decode(b []byte) (server.Message, error) {
	var m server.Message
	if len(b) == 0 || b[0] != recordV1 {
		return m, errRecord
	}
	b = b[1:]
	var fields [4]string
	for i := range fields {
		n, w := binary.Uvarint(b)
		if w <= 0 || n > uint64(len(b)-w) {
			return m, errRecord
		}
		fields[i] = string(b[w : w+int(n)])
		b = b[w+int(n):]
	}
	r, w := binary.Uvarint(b)
	if w <= 0 || w != len(b) || r > 1<<31 {
		return m, errRecord
	}
	m.Channel, m.Event, m.Key, m.Data, m.Retry = fields[0], fields[1], fields[2], fields[3], int(r)
	return m, nil
}

// load prepares a new file or reads where an existing one stands, trimming it to the
// current bounds (they may have been lowered since the last run).
func (j *Journal) load() error {
	err := j.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			foreign := false
			_ = tx.ForEach(func([]byte, *bolt.Bucket) error { foreign = true; return nil })
			if foreign {
				return damaged(j.opts.Path, "a bbolt database of another program")
			}
			origin := server.ID{Ms: uint64(time.Now().UnixMilli())}
			var err error
			if meta, err = tx.CreateBucket(bucketMeta); err != nil {
				return err
			}
			if _, err = tx.CreateBucket(bucketEvents); err != nil {
				return err
			}
			j.last, j.base = origin, origin
			return putMeta(meta, origin, origin)
		}
		if f := meta.Get(keyFormat); string(f) != string(formatV1) {
			return damaged(j.opts.Path, fmt.Sprintf("format %q, which this Herald does not read (want %q)", f, formatV1))
		}
		var err error
		if j.last, err = keyID(meta.Get(keyLast)); err != nil {
			return damaged(j.opts.Path, "last id: "+err.Error())
		}
		if j.base, err = keyID(meta.Get(keyBase)); err != nil {
			return damaged(j.opts.Path, "base id: "+err.Error())
		}
		evs := tx.Bucket(bucketEvents)
		if evs == nil {
			return damaged(j.opts.Path, "no events bucket")
		}
		_ = evs.ForEach(func(k, v []byte) error {
			j.count++
			j.bytes += len(k) + len(v)
			if key := recordKey(v); key != "" {
				if id, err := keyID(k); err == nil {
					j.keys[key] = id
				}
			}
			return nil
		})
		if k, _ := evs.Cursor().Last(); k != nil {
			if id, err := keyID(k); err != nil || j.last.Less(id) {
				return damaged(j.opts.Path, fmt.Sprintf("newest event %x after the recorded last id %s", k, j.last))
			}
		}
		dropped, err := j.trim(tx, &j.count, &j.bytes, &j.base)
		j.forget(dropped)
		return err
	})
	return err
}

func putMeta(meta *bolt.Bucket, last, base server.ID) error {
	if err := meta.Put(keyFormat, formatV1); err != nil {
		return err
	}
	if err := meta.Put(keyLast, idKey(last)); err != nil {
		return err
	}
	return meta.Put(keyBase, idKey(base))
}

// trim deletes the oldest events until count and bytes are within the bounds (always
// keeping the newest), moving base to the last deleted id. It returns the keyed events it
// deleted, for the key index.
func (j *Journal) trim(tx *bolt.Tx, count, bytes *int, base *server.ID) ([]keyedID, error) {
	if *count <= j.opts.MaxEvents && *bytes <= j.opts.MaxBytes {
		return nil, nil
	}
	var dropped []keyedID
	evs := tx.Bucket(bucketEvents)
	c := evs.Cursor()
	trimmed := false
	for k, v := c.First(); k != nil && *count > 1 && (*count > j.opts.MaxEvents || *bytes > j.opts.MaxBytes); k, v = c.First() {
		id, err := keyID(k)
		if err != nil {
			return nil, err
		}
		if key := recordKey(v); key != "" {
			dropped = append(dropped, keyedID{key, id})
		}
		*count--
		*bytes -= len(k) + len(v)
		*base = id
		trimmed = true
		if err := c.Delete(); err != nil {
			return nil, err
		}
	}
	if !trimmed {
		return nil, nil
	}
	return dropped, tx.Bucket(bucketMeta).Put(keyBase, idKey(*base))
}
