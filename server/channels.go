package server

import (
	"sort"
	"sync"

	"github.com/heraldhq/herald/server/internal/fanout"
)

// maxChannelStats bounds the channels /stats remembers events of; beyond it the ones
// with no event left in the history, then the least recently published, are forgotten.
const maxChannelStats = 4096

// ChannelStats is one entry of Stats.Channels.
type ChannelStats struct {
	// Subscribers is the number of open streams that asked for this channel or pattern
	// (as they spelled it; a stream of "stocks.*" counts under "stocks.*", not "stocks").
	Subscribers int `json:"subscribers"`
	// Published counts the events on this channel this node received since it started
	// (from any node, with Redis); 0 for patterns.
	Published uint64 `json:"published"`
}

// channelCounts counts events per channel as the reader loop hands them to the ring, so
// /stats can list the channels that carry events even when nobody subscribes to them (the
// dashboard's channel picker offers them).
type channelCounts struct {
	mu sync.Mutex
	m  map[string]*channelCount
}

type channelCount struct {
	published uint64
	last      ID // its newest event
}

// add counts the events among slots that the ring took: those newer than prev (the ring's
// newest id before the append; the ring skips the others, as add does).
func (c *channelCounts) add(slots []fanout.Slot, prev ID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]*channelCount{}
	}
	for i := range slots {
		e := &slots[i]
		if e.Gap || !prev.Less(e.ID) {
			continue
		}
		prev = e.ID
		cc := c.m[e.Channel]
		if cc == nil {
			cc = &channelCount{}
			c.m[e.Channel] = cc
		}
		cc.published++
		cc.last = e.ID
	}
}

// prune keeps the map within maxChannelStats: it forgets channels with no event left in
// the history (newest event not after base, the id before the ring's oldest), then the
// least recently published ones, down to three quarters of the bound.
func (c *channelCounts) prune(base ID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) <= maxChannelStats {
		return
	}
	for name, cc := range c.m {
		if !base.Less(cc.last) {
			delete(c.m, name)
		}
	}
	keep := maxChannelStats * 3 / 4
	if len(c.m) <= keep {
		return
	}
	names := make([]string, 0, len(c.m))
	for name := range c.m {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool { return c.m[names[i]].last.Less(c.m[names[j]].last) })
	for _, name := range names[:len(names)-keep] {
		delete(c.m, name)
	}
}

// size returns how many channels are counted.
func (c *channelCounts) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

// merge returns the subscribed channels and patterns (subs) together with the channels
// that carried events.
func (c *channelCounts) merge(subs map[string]int) map[string]ChannelStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]ChannelStats, len(subs)+len(c.m))
	for name, cc := range c.m {
		out[name] = ChannelStats{Published: cc.published}
	}
	for name, n := range subs {
		s := out[name]
		s.Subscribers = n
		out[name] = s
	}
	return out
}
