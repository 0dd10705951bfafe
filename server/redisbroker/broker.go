// Package redisbroker is Herald's Redis Streams broker: several `herald serve` nodes XADD to
// one stream, so every node sees every event in one global order and the stream ids are the
// event ids. Each node runs one reader loop (XREAD BLOCK from its last id) that feeds the
// hub's local ring; replay older than the ring reads the stream with XRANGE, and an id that
// was trimmed away (MAXLEN) is reported as a gap, which the hub turns into herald.gap.
package redisbroker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/heraldhq/herald/server"
)

// Defaults for Options fields left zero.
const (
	DefaultStream     = "herald:events"
	DefaultMaxLen     = 100_000
	DefaultMaxBackoff = 5 * time.Second
	defaultBatch      = 1000
	defaultBlock      = 5 * time.Second
	// DefaultHealthTimeout bounds Health's PING so /healthz answers within a second even
	// when Redis hangs (accepts connections, answers nothing).
	DefaultHealthTimeout = 750 * time.Millisecond
	// DefaultPublishTimeout bounds one Publish round trip, so a publisher hears within
	// about two seconds that a hung Redis did not answer (and whether its event may be
	// stored).
	DefaultPublishTimeout = 1500 * time.Millisecond
)

// Stream entry field names; short because every entry carries them.
const (
	fieldChannel = "c"
	fieldEvent   = "e"
	fieldData    = "d"
	fieldRetry   = "r"
	fieldKey     = "k" // the publisher's idempotency key (Message.Key)
	fieldEpoch   = "epoch"
)

// Options configure a Broker.
type Options struct {
	// URL is the Redis URL, e.g. redis://127.0.0.1:6379/0 (rediss:// for TLS; user and
	// password in the URL as usual).
	URL string
	// Stream is the stream key every node shares (default DefaultStream).
	Stream string
	// MaxLen bounds the stream with approximate trimming (XADD MAXLEN ~ N); it is the
	// history every node can replay from (default DefaultMaxLen).
	MaxLen int64
	// MaxBackoff caps the reader loop's wait between reconnect attempts (default 5 s).
	MaxBackoff time.Duration
	// Logger receives outages, recoveries and lost events (default slog.Default()).
	Logger *slog.Logger
	// PublishTimeout bounds one Publish round trip (default DefaultPublishTimeout); past
	// it the publisher gets ErrOutcomeUnknown or a not-stored error at once.
	PublishTimeout time.Duration
	// HealthTimeout bounds Health's PING (default DefaultHealthTimeout).
	HealthTimeout time.Duration
}

// Broker is a server.Broker on a Redis Stream. It is safe for concurrent use.
type Broker struct {
	opts   Options
	ropts  *redis.Options // parsed URL, the template for the reader's own client
	client *redis.Client  // publish, replay and health; never used for blocking reads
	log    *slog.Logger

	mu        sync.Mutex
	readerErr error     // non-nil while the reader loop cannot reach Redis
	downSince time.Time // when readerErr was first set
	following int       // Follow loops running
	read      server.ID // the newest stream id a Follow loop has handed to the hub
	// pending holds the idempotency keys of events this node stored that its reader loop
	// has not handed to the hub yet (the hub looks keys up in its ring, which lags the
	// stream by one read), so an immediate same-key retry is not stored twice.
	pending      map[string]server.Event
	pendingOrder []server.Event // the same events, oldest first, for cleanup as read advances
}

var _ server.Broker = (*Broker)(nil)

var setLoggerOnce sync.Once

// Errors New returns for a bad Options.URL. They name no command-line flag: a program
// that takes the URL from its user (herald serve's --redis, the desktop app's settings)
// says where it came from.
var (
	ErrNoURL  = errors.New("redis URL is empty; want redis://HOST:6379/0")
	ErrBadURL = errors.New("redis URL is not valid")
)

// ErrUnavailable matches (errors.Is) every *Error: Redis could not be reached, did not
// answer in time, or refused a command.
var ErrUnavailable = errors.New("redis is unavailable")

// Error is a failed round trip to Redis: where, what the broker was doing, and go-redis's
// error. It matches ErrUnavailable. Err is not unwrapped on purpose: a Redis timeout (a
// context deadline inside go-redis) must not look like the caller's own context ending.
type Error struct {
	Addr string // HOST:PORT of the Redis server
	Op   string // what failed, e.g. "PING failed"
	Err  error  // go-redis's error
}

func (e *Error) Error() string {
	return fmt.Sprintf("redis at %s: %s: %v; check that redis-server is running and the Redis URL is right", e.Addr, e.Op, e.Err)
}

// Is makes errors.Is(err, ErrUnavailable) true.
func (e *Error) Is(target error) bool { return target == ErrUnavailable }

// New parses opts.URL and returns a broker. It does not contact Redis; the first call that
// does (the hub's Last at start) says clearly when Redis cannot be reached.
func New(opts Options) (*Broker, error) {
	if opts.URL == "" {
		return nil, ErrNoURL
	}
	ro, err := redis.ParseURL(opts.URL)
	if err != nil {
		return nil, fmt.Errorf("%w: %q (%v); want redis://[user:password@]HOST:PORT/DB", ErrBadURL, opts.URL, err)
	}
	if opts.Stream == "" {
		opts.Stream = DefaultStream
	}
	if opts.MaxLen <= 0 {
		opts.MaxLen = DefaultMaxLen
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = DefaultMaxBackoff
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.PublishTimeout <= 0 {
		opts.PublishTimeout = DefaultPublishTimeout
	}
	if opts.HealthTimeout <= 0 {
		opts.HealthTimeout = DefaultHealthTimeout
	}
	// XADD is not idempotent: a retry after a lost reply would store the event twice, so
	// the client never retries; the publisher gets the error (503) and decides.
	ro.MaxRetries = -1
	ro.DialerRetries = 1
	// Without this go-redis ignores context deadlines on the socket (it waits its own
	// 3 s read timeout, more for blocking commands), so a hung Redis would hold /healthz
	// and publishes for seconds.
	ro.ContextTimeoutEnabled = true
	if ro.DialTimeout == 0 {
		ro.DialTimeout = 2 * time.Second
	}
	setLoggerOnce.Do(func() { redis.SetLogger(debugLogger{opts.Logger}) })
	return &Broker{opts: opts, ropts: ro, client: redis.NewClient(ro), log: opts.Logger, pending: map[string]server.Event{}}, nil
}

// Publish XADDs msgs in order, in one script (see publishScript) so a batch is stored
// contiguously or not at all. A message whose idempotency key this node stored a moment ago, before its
// reader loop brought that event into the hub's history, gets the stored event back and is
// not stored again (the hub itself catches keys already in its history).
func (b *Broker) Publish(ctx context.Context, msgs []server.Message) ([]server.Event, error) {
	if len(msgs) == 0 {
		return nil, nil
	}
	evs := make([]server.Event, len(msgs))
	todo := make([]int, 0, len(msgs)) // indexes of msgs to store
	b.mu.Lock()
	for i, m := range msgs {
		if e, ok := b.pending[m.Key]; ok && m.Key != "" {
			evs[i] = e
			continue
		}
		todo = append(todo, i)
	}
	b.mu.Unlock()
	if len(todo) == 0 {
		return evs, nil
	}

	ctx, cancel := context.WithTimeout(ctx, b.opts.PublishTimeout)
	defer cancel()
	args := make([]any, 0, 1+len(todo)*11)
	args = append(args, b.opts.MaxLen)
	for _, i := range todo {
		args = appendFields(args, msgs[i])
	}
	ids, err := publishScript.Run(ctx, b.client, []string{b.opts.Stream}, args...).StringSlice()
	if err != nil {
		return nil, b.publishError(err)
	}
	if len(ids) != len(todo) {
		return nil, fmt.Errorf("%w: redis answered %d ids for %d events", server.ErrOutcomeUnknown, len(ids), len(todo))
	}
	for k, raw := range ids {
		id, perr := server.ParseID(raw)
		if perr != nil {
			return nil, fmt.Errorf("%w: redis answered XADD with id %q: %v", server.ErrOutcomeUnknown, raw, perr)
		}
		evs[todo[k]] = server.Event{ID: id, Message: msgs[todo[k]]}
	}
	b.remember(evs)
	return evs, nil
}

// Last returns the stream's last generated id (which counts entries deleted since), or
// 0-0 when the stream does not exist yet.
func (b *Broker) Last(ctx context.Context) (server.ID, error) {
	info, exists, err := b.info(ctx, b.client)
	if err != nil || !exists {
		return server.ID{}, err
	}
	return info.last, nil
}

// Since reads up to max entries after `after`, and at most sinceBytes of them (however
// big the events are, a replay holds one such answer at a time), with sinceScript, which
// also tells whether entries after `after` were trimmed (see streamInfo.lostAfter) or the
// stream was lost and re-created since (its epoch entry comes right after `after`). When
// gap is true, the events are the oldest the stream keeps after `after`.
func (b *Broker) Since(ctx context.Context, after server.ID, max int) ([]server.Event, bool, error) {
	if max <= 0 {
		max = defaultBatch
	}
	for {
		raw, info, exists, err := b.since(ctx, after, max)
		if err != nil {
			return nil, false, err
		}
		if !exists {
			return nil, !after.IsZero(), nil
		}
		gap := info.lostAfter(after)
		evs, err := b.decode(after, raw)
		kept := evs[:0]
		for _, e := range evs {
			if e.Channel == server.LossChannel {
				gap = true // the stream was re-created after `after`
				continue
			}
			kept = append(kept, e)
		}
		if gap || len(kept) > 0 || len(raw) == 0 || err != nil {
			return kept, gap, err
		}
		// Only entries that are not events (an epoch, a foreign entry): read on.
		if after, err = server.ParseID(raw[len(raw)-1].ID); err != nil {
			return nil, false, err
		}
	}
}

// Health reports the reader loop's outage if there is one, else PINGs Redis (bounded by one
// second so /healthz answers quickly).
func (b *Broker) Health(ctx context.Context) error {
	b.mu.Lock()
	err, since := b.readerErr, b.downSince
	b.mu.Unlock()
	if err != nil {
		return fmt.Errorf("%w (reader loop down since %s; it retries and catches up on its own)", err, since.UTC().Format(time.RFC3339))
	}
	ctx, cancel := context.WithTimeout(ctx, b.opts.HealthTimeout)
	defer cancel()
	if err := b.client.Ping(ctx).Err(); err != nil {
		return b.describe("PING failed", err)
	}
	return nil
}

// Close closes the broker's connections. Follow loops end on their own context.
func (b *Broker) Close() error { return b.client.Close() }

// describe turns a go-redis error into one that says where and what to check.
func (b *Broker) describe(what string, err error) error {
	return &Error{Addr: b.ropts.Addr, Op: what, Err: err}
}

// streamInfo is the part of XINFO STREAM the broker uses to tell whether entries after an
// id are missing.
type streamInfo struct {
	last       server.ID // last-generated-id
	first      server.ID // the oldest entry kept; zero when the stream is empty
	maxDeleted server.ID // max-deleted-entry-id: the newest id XDEL removed (not trimming)
	removed    bool      // entries were trimmed or deleted (entries-added > length)
}

// lostAfter reports whether an entry newer than after is no longer in the stream. Trimming
// removes the oldest entries, so that happened exactly when after is older than the oldest
// kept entry and something was removed; XDEL is covered by max-deleted-entry-id; and an id
// newer than anything the stream generated (another hub, a Redis that lost its data) cannot
// be continued either. It may say true when after was the very last entry trimmed: a
// needless herald.gap is better than a silent loss.
func (s streamInfo) lostAfter(after server.ID) bool {
	first := s.first
	if first.IsZero() { // empty stream: everything up to last is gone, nothing after it
		first = s.last
	}
	return s.last.Less(after) || (after.Less(first) && s.removed) || after.Less(s.maxDeleted)
}

func (b *Broker) info(ctx context.Context, c *redis.Client) (streamInfo, bool, error) {
	v, err := c.XInfoStream(ctx, b.opts.Stream).Result()
	if isNoSuchKey(err) {
		return streamInfo{}, false, nil
	}
	if err != nil {
		return streamInfo{}, false, b.describe("XINFO STREAM failed", err)
	}
	info, err := parseInfo(v)
	return info, err == nil, err
}

func parseInfo(v *redis.XInfoStream) (streamInfo, error) {
	var s streamInfo
	var err error
	if s.last, err = server.ParseID(v.LastGeneratedID); err != nil {
		return s, fmt.Errorf("redis XINFO STREAM last-generated-id %q: %v", v.LastGeneratedID, err)
	}
	if v.FirstEntry.ID != "" {
		if s.first, err = server.ParseID(v.FirstEntry.ID); err != nil {
			return s, fmt.Errorf("redis XINFO STREAM first-entry %q: %v", v.FirstEntry.ID, err)
		}
	}
	if v.MaxDeletedEntryID != "" {
		if s.maxDeleted, err = server.ParseID(v.MaxDeletedEntryID); err != nil {
			return s, fmt.Errorf("redis XINFO STREAM max-deleted-entry-id %q: %v", v.MaxDeletedEntryID, err)
		}
	}
	// Redis before 7.0 reports neither counter; then assume entries were removed.
	s.removed = v.EntriesAdded == 0 || v.EntriesAdded > v.Length
	return s, nil
}

func isNoSuchKey(err error) bool {
	return err != nil && strings.Contains(err.Error(), "no such key")
}

// decode turns stream entries read after the id prev into events. An epoch entry (see
// publishScript) after a real id means the stream was lost and re-created in between: it
// becomes a loss marker. An entry without the fields Herald writes (the stream is shared
// with something else) is skipped and logged rather than sent garbled.
func (b *Broker) decode(prev server.ID, msgs []redis.XMessage) ([]server.Event, error) {
	evs := make([]server.Event, 0, len(msgs))
	for _, m := range msgs {
		id, err := server.ParseID(m.ID)
		if err != nil {
			return evs, fmt.Errorf("redis stream %q holds entry id %q: %v", b.opts.Stream, m.ID, err)
		}
		if _, ok := m.Values[fieldEpoch]; ok {
			if prev.Ms > 0 { // ids with ms 0 (0-1: "from the start") predate every stream
				evs = append(evs, server.LossMarker(id, "trimmed"))
			}
			prev = id
			continue
		}
		prev = id
		ch, ok1 := m.Values[fieldChannel].(string)
		data, ok2 := m.Values[fieldData].(string)
		if !ok1 || !ok2 {
			b.log.Warn("redis stream entry without Herald's fields skipped; is another program writing to the stream?",
				"stream", b.opts.Stream, "id", m.ID)
			continue
		}
		e := server.Event{ID: id, Message: server.Message{Channel: ch, Data: data}}
		e.Event, _ = m.Values[fieldEvent].(string)
		e.Key, _ = m.Values[fieldKey].(string)
		if r, ok := m.Values[fieldRetry].(string); ok {
			e.Retry, _ = strconv.Atoi(r)
		}
		evs = append(evs, e)
	}
	return evs, nil
}

// debugLogger sends go-redis's own log lines (dial failures during an outage, one per
// attempt) to slog at debug level; the broker logs outages itself, once.
type debugLogger struct{ l *slog.Logger }

func (d debugLogger) Printf(ctx context.Context, format string, v ...any) {
	d.l.Debug(fmt.Sprintf(format, v...), "component", "go-redis")
}
