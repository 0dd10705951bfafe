package fanout

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/heraldhq/herald/server/topic"
)

// group holds the subscribers that asked for the same set of channels and patterns. The
// ring wakes groups, not subscribers: 1,000 subscribers of "stocks" cost one channel close
// per appended batch.
type group struct {
	key      string
	patterns []string
	single   string       // the one exact channel name, when that is the whole subscription
	names    []string     // the exact names among patterns
	wild     []string     // the patterns with wildcards
	n        int          // subscribers in the group (registry.mu)
	stamp    uint64       // last wake batch that closed this group's channel (registry.mu)
	members  []*Stream    // (registry.mu) kicked on wake-ups
	idle     atomic.Int64 // members whose writer is idle (no goroutine); kickIdle skips the loop at 0
	wake     signal       // fired on wake-ups, for running and parked writers
}

// match is called for every event between a cursor and the ring's head, so the exact
// names are compared first and only true patterns go through topic.Match.
func (g *group) match(ch string) bool {
	if g.single != "" {
		return ch == g.single
	}
	for _, n := range g.names {
		if ch == n {
			return true
		}
	}
	for _, p := range g.wild {
		if topic.Match(p, ch) {
			return true
		}
	}
	return false
}

// newGroup splits patterns into exact names and wildcards.
func newGroup(key string, patterns []string) *group {
	g := &group{key: key, patterns: patterns}
	for _, p := range patterns {
		if topic.IsPattern(p) {
			g.wild = append(g.wild, p)
		} else {
			g.names = append(g.names, p)
		}
	}
	if len(patterns) == 1 && len(g.names) == 1 {
		g.single = patterns[0]
	}
	g.wake.init()
	return g
}

// filtered adds an Authorizer's per-channel allow to a group's match.
type filtered struct {
	g     *group
	allow func(string) bool
}

func (f filtered) match(ch string) bool { return f.g.match(ch) && f.allow(ch) }

// registry tracks open streams: their groups, per-IP counts and per-channel counts.
type registry struct {
	mu     sync.Mutex
	groups map[string]*group
	byChan map[string][]*group // cache: channel -> groups matching it; reset on changes
	perIP  map[string]int
	total  int
	stamp  uint64
	live   map[*Stream]struct{}
	empty  chan struct{} // closed when total drops to 0 (made when someone waits)
}

func (r *registry) init() {
	r.groups = map[string]*group{}
	r.byChan = map[string][]*group{}
	r.perIP = map[string]int{}
	r.live = map[*Stream]struct{}{}
}

// Subscribe's refusals when a limit is reached.
var (
	ErrFull          = errors.New("the hub has reached its subscriber limit; try again later")
	ErrTooManyFromIP = errors.New("too many open streams from your address; close some or subscribe to several channels on one stream")
)

// add registers s for patterns from ip, unless a limit says no.
func (r *registry) add(s *Stream, patterns []string, ip string, maxSubs, maxPerIP int) (*group, error) {
	key := strings.Join(patterns, "\x00")
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.total >= maxSubs {
		return nil, ErrFull
	}
	if r.perIP[ip] >= maxPerIP {
		return nil, ErrTooManyFromIP
	}
	g := r.groups[key]
	if g == nil {
		g = newGroup(key, patterns)
		r.groups[key] = g
		clear(r.byChan)
	}
	g.n++
	s.g = g
	s.idx = len(g.members)
	g.members = append(g.members, s)
	r.total++
	r.perIP[ip]++
	r.live[s] = struct{}{}
	return g, nil
}

// setWriter attaches s's stream once it is open.
func (r *registry) setWriter(s *Stream, w streamWriter) {
	r.mu.Lock()
	s.w = w
	r.mu.Unlock()
}

// remove unregisters s.
func (r *registry) remove(s *Stream, ip string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.live[s]; !ok {
		return
	}
	delete(r.live, s)
	g := s.g
	last := g.members[len(g.members)-1]
	g.members[s.idx], last.idx = last, s.idx
	g.members[len(g.members)-1] = nil
	g.members = g.members[:len(g.members)-1]
	g.n--
	if g.n == 0 {
		delete(r.groups, g.key)
		clear(r.byChan)
	}
	r.total--
	if r.perIP[ip]--; r.perIP[ip] <= 0 {
		delete(r.perIP, ip)
	}
	if r.total == 0 && r.empty != nil {
		close(r.empty)
		r.empty = nil
	}
}

// wake closes the wake channel of every group that one of slots' channels matches.
func (r *registry) wake(slots []Slot) {
	r.mu.Lock()
	r.stamp++
	var woken []*group
	for i := range slots {
		ch := slots[i].Channel
		gs, ok := r.byChan[ch]
		if !ok {
			for _, g := range r.groups {
				if g.match(ch) {
					gs = append(gs, g)
				}
			}
			if len(r.byChan) > 4096 { // many one-off channels: keep the cache small
				clear(r.byChan)
			}
			r.byChan[ch] = gs
		}
		for _, g := range gs {
			if g.stamp != r.stamp {
				g.stamp = r.stamp
				woken = append(woken, g)
				g.kickIdle()
			}
		}
	}
	r.mu.Unlock()
	for _, g := range woken {
		g.wake.fire()
	}
}

// wakeAll closes the wake channel of every group (a loss marker concerns them all).
func (r *registry) wakeAll() {
	r.mu.Lock()
	woken := make([]*group, 0, len(r.groups))
	for _, g := range r.groups {
		woken = append(woken, g)
		g.kickIdle()
	}
	r.mu.Unlock()
	for _, g := range woken {
		g.wake.fire()
	}
}

// waitEmpty waits until no stream is open or ctx ends.
func (r *registry) waitEmpty(ctx context.Context) error {
	r.mu.Lock()
	if r.total == 0 {
		r.mu.Unlock()
		return nil
	}
	if r.empty == nil {
		r.empty = make(chan struct{})
	}
	c := r.empty
	r.mu.Unlock()
	select {
	case <-c:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// closeAll closes every open stream's connection at once.
func (r *registry) closeAll() {
	r.mu.Lock()
	ws := make([]streamWriter, 0, len(r.live))
	for s := range r.live {
		if s.w != nil {
			ws = append(ws, s.w)
		}
	}
	r.mu.Unlock()
	for _, w := range ws {
		w.close()
	}
}

// cutStuck closes every hijacked stream whose write has been blocked since before
// deadline (UnixNano) and returns how many it closed.
func (r *registry) cutStuck(deadline int64) int {
	var stuck []*hijacked
	r.mu.Lock()
	for s := range r.live {
		if hj, ok := s.w.(*hijacked); ok && hj.stuck(deadline) {
			stuck = append(stuck, hj)
		}
	}
	r.mu.Unlock()
	for _, hj := range stuck {
		hj.cutOff()
	}
	return len(stuck)
}

// counts returns the number of open streams and, per subscribed channel or pattern, how
// many streams asked for it.
func (r *registry) counts() (total int, channels map[string]int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	channels = map[string]int{}
	for _, g := range r.groups {
		for _, p := range g.patterns {
			channels[p] += g.n
		}
	}
	return r.total, channels
}

// Canonical sorts and deduplicates patterns so equal subscriptions share a group.
func Canonical(patterns []string) []string {
	sort.Strings(patterns)
	out := patterns[:0]
	for i, p := range patterns {
		if i == 0 || p != patterns[i-1] {
			out = append(out, p)
		}
	}
	return out
}

// ErrClosing is Subscribe's refusal once Shutdown has begun.
var ErrClosing = errors.New("the hub is shutting down; reconnect in a moment")
