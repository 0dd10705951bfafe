package journal

import (
	"encoding/binary"
	"errors"

	"github.com/heraldhq/herald/server"
)

// recordV1 starts every record, so a later format can be told apart.
const recordV1 = 1

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

// decode parses a record made by encode. The strings are copied: the buffer is reused.
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
