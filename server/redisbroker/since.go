package redisbroker

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/heraldhq/herald/server"
)

// sinceBytes bounds the field bytes of one Since answer (one event more when a single
// event is bigger): a resuming stream holds one answer while its client reads it, so ten
// streams that never read cannot pull the whole history into memory each.
const sinceBytes = 256 << 10

// sinceScript reads, atomically, up to ARGV[2] entries of stream KEYS[1] after ARGV[1]
// (exclusive, "(id"; epoch entries do not count) and at most ARGV[3] bytes of their
// fields (always at least one entry),
// and the XINFO STREAM fields the broker needs to tell a trimmed or re-created stream. It
// reads in small XRANGE steps, so big entries are not all copied to be dropped. It
// answers nil when the stream does not exist.
var sinceScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local out, size, from, count = {}, 0, ARGV[1], 0
local max, budget = tonumber(ARGV[2]), tonumber(ARGV[3])
while count < max do
  local step = math.min(max - count, 32)
  local r = redis.call('XRANGE', KEYS[1], from, '+', 'COUNT', step)
  for _, e in ipairs(r) do
    local n = 0
    for _, v in ipairs(e[2]) do n = n + #v end
    if count > 0 and size + n > budget then
      max = 0
      break
    end
    size = size + n
    out[#out + 1] = e
    if e[2][1] ~= 'epoch' then count = count + 1 end
  end
  if #r < step then break end
  from = '(' .. r[#r][1]
end
local info = redis.call('XINFO', 'STREAM', KEYS[1])
local f = {}
for i = 1, #info, 2 do f[info[i]] = info[i + 1] end
local first = ''
if f['first-entry'] then first = f['first-entry'][1] end
return {out, {f['last-generated-id'], first, f['max-deleted-entry-id'] or '', f['entries-added'] or 0, f['length'] or 0}}
`)

// since runs sinceScript and parses its answer.
func (b *Broker) since(ctx context.Context, after server.ID, max int) ([]redis.XMessage, streamInfo, bool, error) {
	v, err := sinceScript.Run(ctx, b.client, []string{b.opts.Stream}, "("+after.String(), max, sinceBytes).Result()
	if errors.Is(err, redis.Nil) {
		return nil, streamInfo{}, false, nil
	}
	if err != nil {
		return nil, streamInfo{}, false, b.describe("reading history (XRANGE) failed", err)
	}
	raw, xi, err := parseSince(v)
	if err != nil {
		return nil, streamInfo{}, false, fmt.Errorf("redis at %s: reading history: %v", b.ropts.Addr, err)
	}
	info, err := parseInfo(xi)
	return raw, info, err == nil, err
}

// parseSince turns sinceScript's answer into stream entries and the XINFO fields it read.
func parseSince(v any) ([]redis.XMessage, *redis.XInfoStream, error) {
	top, ok := v.([]any)
	if !ok || len(top) != 2 {
		return nil, nil, fmt.Errorf("unexpected answer %T", v)
	}
	entries, ok1 := top[0].([]any)
	fields, ok2 := top[1].([]any)
	if !ok1 || !ok2 || len(fields) != 5 {
		return nil, nil, fmt.Errorf("unexpected answer shape %v", v)
	}
	msgs := make([]redis.XMessage, 0, len(entries))
	for _, e := range entries {
		pair, ok := e.([]any)
		if !ok || len(pair) != 2 {
			return nil, nil, fmt.Errorf("unexpected entry %v", e)
		}
		id, _ := pair[0].(string)
		kv, _ := pair[1].([]any)
		m := redis.XMessage{ID: id, Values: make(map[string]any, len(kv)/2)}
		for i := 0; i+1 < len(kv); i += 2 {
			k, _ := kv[i].(string)
			m.Values[k] = kv[i+1]
		}
		msgs = append(msgs, m)
	}
	xi := &redis.XInfoStream{}
	xi.LastGeneratedID, _ = fields[0].(string)
	xi.FirstEntry.ID, _ = fields[1].(string)
	xi.MaxDeletedEntryID, _ = fields[2].(string)
	xi.EntriesAdded, _ = fields[3].(int64)
	xi.Length, _ = fields[4].(int64)
	return msgs, xi, nil
}
