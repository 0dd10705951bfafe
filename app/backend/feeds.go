// Package backend connects the desktop app to the rest of Herald: it runs the feeds with
// sseclient, the embedded hub with server, and publishes over HTTP. It is plain Go (no
// Fyne), so it is tested with -race against real hubs on 127.0.0.1; the UI sees it only
// through the small interfaces in app/ui.
package backend

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/heraldhq/herald/app/model"
	"github.com/heraldhq/herald/app/sources"
	"github.com/heraldhq/herald/sseclient"
)

// OwnFeedName is the display name of the app's subscription to its own hub.
const OwnFeedName = "This hub"

// Feeds runs one reconnecting subscription per enabled feed and reports their events and
// states. Safe for concurrent use.
type Feeds struct {
	ctx      context.Context
	sink     func(model.Event)
	changed  func()                   // a status changed (the UI refreshes, throttled)
	save     func([]model.FeedConfig) // the user's list changed (kept in preferences)
	client   *http.Client
	now      func() time.Time
	mu       sync.Mutex
	own      *feed // nil when the own hub is off
	feeds    []*feed
	idle     time.Duration
	stopping bool
}

type feed struct {
	cfg    model.FeedConfig
	own    bool
	status model.FeedStatus
	cancel context.CancelFunc
	done   chan struct{}
	client *sseclient.Client // the running subscription's, for RetryFeed
	// running is set when the subscription started; lastID is the ID of the last event it
	// delivered, where an edited feed on the same stream resumes (both under Feeds.mu).
	running bool
	lastID  string
	// resume is set for a feed loaded with a saved position: what its first connection gets
	// from the hub's history was published while the app was closed (model.Event.Replayed).
	resume bool
	// source says what the feed follows when it is a service the app knows (ntfy,
	// Mercure, Centrifugo): the feed row's label (under Feeds.mu).
	source string
}

// FeedsOptions configure NewFeeds.
type FeedsOptions struct {
	Sink    func(model.Event)        // every event of every feed (called from feed goroutines)
	Changed func()                   // any status changed
	Save    func([]model.FeedConfig) // the user's feed list changed
	// IdleTimeout replaces a silent connection (0: sseclient's default).
	IdleTimeout time.Duration
}

// NewFeeds returns a feed runner whose subscriptions live until ctx ends.
func NewFeeds(ctx context.Context, o FeedsOptions) *Feeds {
	nop := func() {}
	if o.Changed == nil {
		o.Changed = nop
	}
	if o.Save == nil {
		o.Save = func([]model.FeedConfig) {}
	}
	return &Feeds{ctx: ctx, sink: o.Sink, changed: o.Changed, save: o.Save, idle: o.IdleTimeout,
		client: &http.Client{}, now: time.Now}
}

// Load starts the user's saved feeds (without saving them again). A token saved inside an
// older feed's URL moves to its token field (model.FeedConfig.Normalize).
func (f *Feeds) Load(cfgs []model.FeedConfig) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range cfgs {
		fd := &feed{cfg: c.Normalize(), lastID: c.LastID, resume: c.LastID != ""}
		f.feeds = append(f.feeds, fd)
		f.startLocked(fd)
	}
}

// SetOwn subscribes to the own hub at baseURL (every channel), or stops when baseURL is "".
func (f *Feeds) SetOwn(baseURL string) {
	f.mu.Lock()
	old := f.own
	f.own = nil
	if baseURL != "" {
		f.own = &feed{own: true, cfg: model.FeedConfig{Name: OwnFeedName, URL: baseURL, Channels: []string{"*"}, Enabled: true}}
		f.startLocked(f.own)
	}
	f.mu.Unlock()
	stop(old)
	f.changed()
}

// Feeds implements ui.FeedManager: the own hub first, then the user's feeds.
func (f *Feeds) Feeds() []model.FeedInfo {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]model.FeedInfo, 0, len(f.feeds)+1)
	if f.own != nil {
		out = append(out, model.FeedInfo{Config: f.own.cfg, Status: f.own.status, Own: true})
	}
	for _, fd := range f.feeds {
		out = append(out, model.FeedInfo{Config: fd.cfg, Status: fd.status, Source: fd.source})
	}
	return out
}

// Configs returns the user's feeds (not the own hub) with their positions, for saving.
func (f *Feeds) Configs() []model.FeedConfig {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.configsLocked()
}

func (f *Feeds) configsLocked() []model.FeedConfig {
	out := make([]model.FeedConfig, len(f.feeds))
	for i, fd := range f.feeds {
		out[i] = fd.cfg
		out[i].LastID = fd.lastID
	}
	return out
}

// PutFeed implements ui.FeedManager: it adds a feed (oldName "") or replaces one, and
// restarts its subscription.
func (f *Feeds) PutFeed(oldName string, cfg model.FeedConfig) error {
	cfg = cfg.Normalize()
	if err := cfg.Validate(); err != nil {
		return err
	}
	if cfg.Name == OwnFeedName {
		return fmt.Errorf("%q is the name of the app's own hub: pick another name", cfg.Name)
	}
	f.mu.Lock()
	idx := -1
	for i, fd := range f.feeds {
		if fd.cfg.Name == cfg.Name && cfg.Name != oldName {
			f.mu.Unlock()
			return fmt.Errorf("a feed named %q exists already: pick another name", cfg.Name)
		}
		if oldName != "" && fd.cfg.Name == oldName {
			idx = i
		}
	}
	if oldName != "" && idx < 0 {
		f.mu.Unlock()
		return fmt.Errorf("feed %q is gone (removed meanwhile?): add it again", oldName)
	}
	fd := &feed{cfg: cfg, status: model.FeedStatus{Phase: model.PhaseConnecting}}
	if !cfg.Enabled {
		fd.status.Phase = model.PhaseOff
	}
	var old *feed
	if idx >= 0 {
		old = f.feeds[idx]
		f.feeds[idx] = fd
	} else {
		f.feeds = append(f.feeds, fd)
	}
	cfgs := f.configsLocked()
	f.mu.Unlock()
	// The old subscription ends before the new one starts, so its last event ID is final:
	// the new one resumes right after it, and the hub replays what came in between (no
	// event lost, none twice).
	stop(old)
	f.mu.Lock()
	if old != nil && old.running && old.cfg.EventsURL() == cfg.EventsURL() {
		// The same stream goes on, so its counters do too.
		fd.lastID = old.lastID
		fd.status.Events, fd.status.LastEvent = old.status.Events, old.status.LastEvent
	}
	if slices.Contains(f.feeds, fd) { // not removed or replaced meanwhile
		f.startLocked(fd)
	}
	f.mu.Unlock()
	f.save(cfgs)
	f.changed()
	return nil
}

// RetryFeed implements ui.FeedManager: a feed waiting to reconnect does so now, one that
// failed for good starts again (from its last event).
func (f *Feeds) RetryFeed(name string) error {
	f.mu.Lock()
	var fd *feed
	for _, x := range f.feeds {
		if x.cfg.Name == name {
			fd = x
		}
	}
	if fd == nil {
		f.mu.Unlock()
		return fmt.Errorf("no feed named %q (removed meanwhile?)", name)
	}
	if !fd.cfg.Enabled {
		f.mu.Unlock()
		return fmt.Errorf("feed %q is switched off: edit it and tick Connected", name)
	}
	c, ended := fd.client, fd.status.Phase == model.PhaseFailed || fd.status.Phase == model.PhaseOff
	f.mu.Unlock()
	if ended || c == nil {
		stop(fd) // its subscription has ended: start a new one
		f.mu.Lock()
		if slices.Contains(f.feeds, fd) && !f.stopping {
			f.startLocked(fd)
		}
		f.mu.Unlock()
	} else {
		c.Restart()
	}
	f.changed()
	return nil
}

// HubChannels asks the hub cfg points at for its channels (GET /stats, with the feed's token
// and headers), for the channel picker.
func (f *Feeds) HubChannels(ctx context.Context, cfg model.FeedConfig) ([]string, error) {
	cfg = cfg.Normalize()
	if err := cfg.Validate(); err != nil && !strings.Contains(err.Error(), "name") {
		return nil, err
	}
	return fetchChannels(ctx, f.client, cfg)
}

// RemoveFeed implements ui.FeedManager.
func (f *Feeds) RemoveFeed(name string) error {
	f.mu.Lock()
	var old *feed
	for i, fd := range f.feeds {
		if fd.cfg.Name == name {
			old = fd
			f.feeds = append(f.feeds[:i:i], f.feeds[i+1:]...)
			break
		}
	}
	cfgs := f.configsLocked()
	f.mu.Unlock()
	if old == nil {
		return fmt.Errorf("no feed named %q", name)
	}
	stop(old)
	f.save(cfgs)
	f.changed()
	return nil
}

// Stop ends every subscription and waits for them.
func (f *Feeds) Stop() {
	f.mu.Lock()
	all := append([]*feed{f.own}, f.feeds...)
	f.stopping = true
	f.mu.Unlock()
	for _, fd := range all {
		stop(fd)
	}
}

func stop(fd *feed) {
	if fd == nil || fd.cancel == nil {
		return
	}
	fd.cancel()
	<-fd.done
}

// startLocked runs fd's subscription when it is enabled; f.mu is held.
func (f *Feeds) startLocked(fd *feed) {
	if !fd.cfg.Enabled || f.stopping {
		fd.status = model.FeedStatus{Phase: model.PhaseOff}
		return
	}
	ctx, cancel := context.WithCancel(f.ctx)
	fd.cancel, fd.done, fd.running = cancel, make(chan struct{}), true
	fd.status = model.FeedStatus{Phase: model.PhaseConnecting, Events: fd.status.Events, LastEvent: fd.status.LastEvent}
	hdr := http.Header{}
	for k, v := range fd.cfg.Headers {
		hdr.Set(k, v)
	}
	cfg := fd.cfg
	src, known := sources.Recognize(cfg)
	fd.source = src.Label
	c := &sseclient.Client{
		URL: fd.cfg.EventsURL(), Header: hdr, Token: fd.cfg.Token, HTTPClient: f.client,
		IdleTimeout: f.idle, LastEventID: fd.lastID,
		OnState: func(s sseclient.State) { f.setState(fd, s) },
	}
	fd.client = c
	name := fd.cfg.Name
	tracker := &replayTracker{resume: fd.resume} // replay.go
	fd.resume = false                            // only the first run after the app started resumes from the saved id
	go func() {
		defer close(fd.done)
		if !known {
			// An ntfy server on a host whose name does not say so (https://host/alerts).
			if src, known = sources.Probe(ctx, f.client, cfg); known {
				f.mu.Lock()
				fd.source = src.Label
				f.mu.Unlock()
				f.changed()
			}
		}
		var dec sources.Decoder
		if known {
			f.mu.Lock()
			pos := fd.lastID
			f.mu.Unlock()
			dec = src.NewDecoder(pos)
			if src.Kind != sources.Mercure {
				c.LastEventID = "" // the position travels in the query (since=, cf_connect)
			}
			started := f.now()
			c.NewRequest = func(ctx context.Context) (*http.Request, error) {
				f.mu.Lock()
				pos := fd.lastID
				f.mu.Unlock()
				return src.NewRequest(ctx, pos, started)
			}
		}
		for ev, err := range c.Events(ctx) {
			if err != nil {
				f.update(fd, func(st *model.FeedStatus) { st.Phase, st.Err = model.PhaseFailed, model.Redact(err.Error()) })
				return
			}
			evs := []model.Event{{Type: ev.Type, ID: ev.ID, Data: ev.Data}}
			pos := ev.ID
			if dec != nil {
				evs, _ = dec.Decode(ev)
				pos = dec.Position()
			}
			now := f.now()
			got := tracker.see(ev, now)
			if got.Skip {
				continue
			}
			f.mu.Lock()
			fd.status.Events += int64(len(evs))
			if len(evs) > 0 {
				fd.status.LastEvent = now
			}
			if pos != "" {
				fd.lastID = pos
			}
			f.mu.Unlock()
			for _, e := range evs {
				e.Time, e.Feed, e.Replayed = now, name, got.Replayed
				if !got.Stored.IsZero() {
					e.Time = got.Stored // when the hub stored it, not when it reached this app
					if now.Sub(got.Stored) >= time.Second {
						e.Received = now
					}
				}
				f.sink(e)
			}
		}
	}()
}

// setState maps sseclient's phases onto the panel's.
func (f *Feeds) setState(fd *feed, s sseclient.State) {
	f.update(fd, func(st *model.FeedStatus) {
		st.Err = ""
		if s.Err != nil && !errors.Is(s.Err, context.Canceled) {
			st.Err = model.Redact(s.Err.Error()) // errors may quote the URL
		}
		switch s.Phase {
		case sseclient.Connecting:
			st.Phase = model.PhaseConnecting
		case sseclient.Open:
			st.Phase = model.PhaseLive
		case sseclient.Retrying:
			st.Phase, st.RetryAt = model.PhaseRetrying, s.RetryAt
		case sseclient.Closed:
			st.Phase = model.PhaseOff
			if st.Err != "" {
				st.Phase = model.PhaseFailed
			}
		}
	})
	f.changed()
}

func (f *Feeds) update(fd *feed, change func(*model.FeedStatus)) {
	f.mu.Lock()
	change(&fd.status)
	f.mu.Unlock()
}
