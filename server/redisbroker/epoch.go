package redisbroker

import (
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/heraldhq/herald/server"
)

// publishScript XADDs a batch of events atomically. When the stream does not exist it
// first adds an epoch entry (no event, just the field "epoch"), so every incarnation of
// the stream begins with one: Redis that lost its data (a restart without persistence,
// FLUSHALL) re-creates the stream empty, with nothing else to tell that older ids were
// ever in it. A reader that comes to an epoch entry after an id of its own, or a replay
// after an old id that starts at one, knows those older events are gone (herald.gap).
//
// KEYS[1] is the stream; ARGV[1] its approximate MAXLEN; then per event the number of
// field and value strings, and those strings. It returns the events' ids. A script that
// fails does so at its first write (a wrong key type, Redis out of memory), so an error
// means nothing was stored.
var publishScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('XADD', KEYS[1], '*', 'epoch', '1')
end
local ids, i = {}, 2
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  ids[#ids + 1] = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(ARGV, i + 1, i + n))
  i = i + n + 1
end
return ids
`)

// appendFields appends m's field count and its stream fields to the script's arguments.
func appendFields(args []any, m server.Message) []any {
	n := len(args)
	args = append(args, 0, fieldChannel, m.Channel, fieldData, m.Data)
	if m.Event != "" {
		args = append(args, fieldEvent, m.Event)
	}
	if m.Retry > 0 {
		args = append(args, fieldRetry, strconv.Itoa(m.Retry))
	}
	if m.Key != "" {
		args = append(args, fieldKey, m.Key)
	}
	args[n] = len(args) - n - 1
	return args
}
