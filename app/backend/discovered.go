package backend

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/heraldhq/herald/discovery"
)

// browseRetry is how long LANHubs waits before browsing again after the network could not
// be used (no interface up yet, say, on a laptop that joins Wi-Fi later).
const browseRetry = 30 * time.Second

// LANHubs follows the hubs that advertise themselves on the local network (DNS-SD over
// mDNS), for the Feeds panel's "Hubs on your network". Safe for concurrent use.
type LANHubs struct {
	// Own returns the name this app's hub advertises under ("" when it does not), so the
	// list leaves the app's own hub out.
	Own func() string
	// Changed is told (from the browsing goroutine) after the list changed.
	Changed func()
	Logger  *slog.Logger
	// Options are passed to discovery.Browse (tests pick interfaces).
	Options discovery.Options

	mu   sync.Mutex
	hubs []discovery.Hub
	err  error
}

// Run browses until ctx ends, retrying every 30 s while the network cannot be used.
func (l *LANHubs) Run(ctx context.Context) {
	opts := l.Options
	if opts.Logger == nil {
		opts.Logger = l.Logger
	}
	for {
		err := discovery.Browse(ctx, opts, l.set)
		if ctx.Err() != nil {
			return
		}
		l.mu.Lock()
		l.hubs, l.err = nil, err
		l.mu.Unlock()
		l.changed()
		select {
		case <-ctx.Done():
			return
		case <-time.After(browseRetry):
		}
	}
}

func (l *LANHubs) set(hs []discovery.Hub) {
	l.mu.Lock()
	l.hubs, l.err = hs, nil
	l.mu.Unlock()
	l.changed()
}

func (l *LANHubs) changed() {
	if l.Changed != nil {
		l.Changed()
	}
}

// LANHubs implements ui.LANHubs: the hubs found now, without this app's own, or why the
// network cannot be searched.
func (l *LANHubs) LANHubs() ([]discovery.Hub, error) {
	own := ""
	if l.Own != nil {
		own = l.Own()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]discovery.Hub, 0, len(l.hubs))
	for _, h := range l.hubs {
		if own == "" || h.Instance != own {
			out = append(out, h)
		}
	}
	return out, l.err
}
