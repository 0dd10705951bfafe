package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/heraldhq/herald/assets"
	"github.com/heraldhq/herald/server/internal/fanout"
	"github.com/heraldhq/herald/server/wire"
)

// Hub is Herald's SSE hub: an http.Handler and the Go API the desktop app uses.
type Hub struct {
	cfg     Config
	broker  Broker
	auth    Authorizer
	fan     *fanout.Fanout // the ring and the streams (server/internal/fanout)
	handler http.Handler
	log     *slog.Logger
	started time.Time
	metrics *metrics
	lim     atomic.Pointer[Limits] // cfg.Limits, changed by SetLimits (limits_live.go)

	pubGate   sync.RWMutex  // publishes hold it shared; Shutdown takes it to wait for them
	keys      keyTable      // the idempotency contract (idempotency.go)
	chans     channelCounts // events per channel, for /stats
	closing   atomic.Bool
	stopLoops context.CancelFunc
	loops     sync.WaitGroup
	lastPub   atomic.Pointer[ID] // newest id this node published
	connSeq   atomic.Uint64

	stats counters
}

// counters are the hub's running totals besides the fan-out's (see Stats for their
// meaning).
type counters struct {
	published, rejected atomic.Uint64
}

// New returns a running hub: its broker's reader loop and keep-alive ticker run until
// Shutdown.
func New(cfg Config) (*Hub, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	h := &Hub{cfg: cfg, broker: cfg.Broker, auth: cfg.Auth, log: cfg.Logger, started: time.Now()}
	h.lim.Store(&cfg.Limits)
	if h.broker == nil {
		h.broker = NewMemoryBroker()
	}
	if h.auth == nil {
		h.auth = DefaultAuthorizer(cfg.Key)
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	if cfg.Web == nil {
		cfg.Web = assets.Web()
		h.cfg.Web = cfg.Web
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	start, err := h.broker.Last(ctx)
	cancel()
	if err != nil {
		// The broker (Redis) is not reachable yet. The hub serves anyway and reports
		// unhealthy; the reader loop starts once the broker answers. Until then the ring
		// cannot vouch for any id, so replays ask the broker (and report a gap).
		h.log.Warn("the broker is not reachable; serving anyway and retrying", "err", err)
	}
	lim := cfg.Limits
	h.fan = fanout.New(fanout.Config{
		History: cfg.History, HistoryBytes: cfg.HistoryBytes, Start: start, Unplaced: err != nil,
		KeepAlive: cfg.KeepAlive, WriteTimeout: lim.WriteTimeout, Retry: cfg.Retry,
		MaxSubscribers: lim.MaxSubscribers, MaxPerIP: lim.MaxPerIP, Logger: h.log,
	})
	h.keys.fan = h.fan
	if sb, ok := h.broker.(SyncBroker); ok && sb.DeliversOnPublish() {
		h.keys.serial = true
	}
	h.metrics = newMetrics(h)
	h.handler = h.routes()
	if cfg.Middleware != nil {
		h.handler = cfg.Middleware(h.handler)
	}

	loopCtx, stop := context.WithCancel(context.Background())
	h.stopLoops = stop
	h.loops.Add(2)
	go func() {
		defer h.loops.Done()
		if !h.fan.Placed() && !h.waitForBroker(loopCtx, &start) {
			return
		}
		if err := h.broker.Follow(loopCtx, start, h.deliver); err != nil && !errors.Is(err, context.Canceled) {
			h.log.Error("broker reader loop stopped", "err", err)
		}
	}()
	go func() {
		defer h.loops.Done()
		h.fan.Run(loopCtx)
	}()
	return h, nil
}

// ServeHTTP serves the hub's routes (through Config.Middleware when set).
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.handler.ServeHTTP(w, r) }

func (h *Hub) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(wire.PathEvents, h.serveEvents)
	mux.HandleFunc(wire.PathPublish, h.servePublish)
	mux.HandleFunc(wire.PathHealth, h.serveHealth)
	mux.HandleFunc(wire.PathStats, h.serveStats)
	mux.Handle(wire.PathMetrics, h.metrics.handler())
	mux.Handle("/", h.dashboard())
	return mux
}

// Publish stores msgs in order and returns their receipts. Messages are validated as
// POST /publish validates them; errors are *Error with the HTTP status to answer. A message
// whose idempotency key (Message.Key) matches an event still in the history is not stored
// again: its receipt is the earlier event's.
func (h *Hub) Publish(ctx context.Context, msgs ...Message) ([]Receipt, error) {
	if len(msgs) == 0 {
		return nil, errorf(http.StatusBadRequest, "nothing to publish")
	}
	for i := range msgs {
		if err := checkMessage(&msgs[i], h.limits()); err != nil {
			return nil, where(len(msgs) > 1, i, err)
		}
	}
	return h.publish(ctx, msgs)
}

// publish stores already-checked messages.
func (h *Hub) publish(ctx context.Context, msgs []Message) ([]Receipt, error) {
	begin := time.Now()
	h.pubGate.RLock()
	defer h.pubGate.RUnlock()
	// Checked under the gate: once Shutdown has passed it, no publish can start.
	if h.closing.Load() {
		return nil, &Error{Status: http.StatusServiceUnavailable, Msg: "the hub is shutting down; publish again in a moment (to another node if there is one)", RetryAfter: 5 * time.Second}
	}
	receipts := make([]Receipt, len(msgs))
	for i := range msgs {
		receipts[i].Channel = msgs[i].Channel
	}
	// Only the key checks are serialised (keyTable); the broker's round trip is not, so
	// one node publishes as many events at once as its publishers send.
	err := h.keys.publishOnce(ctx, msgs, receipts, func(todo []int) ([]Event, error) {
		batch := make([]Message, len(todo))
		for k, i := range todo {
			batch[k] = msgs[i]
		}
		evs, err := h.broker.Publish(ctx, batch)
		for k, e := range evs {
			receipts[todo[k]].ID = e.ID.String()
		}
		if len(evs) > 0 {
			h.notePublished(evs[len(evs)-1].ID)
			h.stats.published.Add(uint64(len(evs)))
		}
		if err != nil {
			code := CodeNotStored
			if errors.Is(err, ErrOutcomeUnknown) {
				code = CodeOutcomeUnknown
			}
			return evs, &Error{Status: http.StatusServiceUnavailable, Code: code, Msg: "storing the event failed: " + err.Error(), RetryAfter: 2 * time.Second}
		}
		return evs, nil
	})
	if err != nil {
		return nil, err
	}
	h.metrics.publishLatency.Observe(time.Since(begin).Seconds())
	return receipts, nil
}

// deliver is the broker's sink: it encodes each event once and appends it to the fan-out,
// which wakes the streams whose channels it touches.
func (h *Hub) deliver(evs []Event) {
	slots := make([]fanout.Slot, len(evs))
	for i := range evs {
		e := &evs[i]
		if e.Channel == LossChannel {
			// Every stream passing this point learns of the loss, whatever its channels.
			h.log.Warn("events were lost before this node read them; subscribers get herald.gap", "before", e.ID.String(), "reason", e.Data)
			slots[i] = fanout.Slot{ID: e.ID, Gap: true, Bytes: wire.AppendGap(nil, e.Data, "", 0)}
			continue
		}
		b := wire.AppendEvent(make([]byte, 0, wire.EncodedSize(e.Event, e.Data)), e.ID, e.Event, e.Data, e.Retry)
		slots[i] = fanout.Slot{ID: e.ID, Channel: e.Channel, Key: e.Key, Bytes: b}
	}
	_, _, prev := h.fan.Bounds()
	if h.fan.Append(slots) == 0 {
		return
	}
	h.chans.add(slots, prev)
	if h.chans.size() > maxChannelStats {
		_, base, _ := h.fan.Bounds()
		h.chans.prune(base)
	}
	h.keys.forget()
}

// waitForBroker retries Last with backoff until the broker answers (then the ring starts
// at its answer) or ctx ends.
func (h *Hub) waitForBroker(ctx context.Context, start *ID) bool {
	delay := 100 * time.Millisecond
	for {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(delay):
		}
		id, err := h.broker.Last(ctx)
		if err == nil {
			*start = id
			h.fan.SetStart(id)
			h.log.Info("the broker is reachable; following it", "after", id.String())
			return true
		}
		delay = min(2*delay, 5*time.Second)
	}
}

// Shutdown stops the hub gracefully: new publishes and subscriptions get 503; publishes in
// flight finish; every subscriber receives everything published up to then, then
// "herald.shutdown", and is closed. It returns when all streams are closed or ctx ends
// (then the remaining streams are closed at once).
func (h *Hub) Shutdown(ctx context.Context) error {
	if h.closing.Swap(true) {
		return errors.New("the hub is already shut down")
	}
	h.pubGate.Lock() // waits for the publishes in flight
	h.pubGate.Unlock()
	// With an asynchronous broker (Redis), wait until what this node published is in the
	// ring, so subscribers get it before the shutdown event.
	if p := h.lastPub.Load(); p != nil {
		_ = h.fan.WaitAppended(ctx, *p) // at ctx's end the streams are closed at once anyway
	}
	err := h.fan.Shutdown(ctx)
	h.stopLoops()
	h.loops.Wait()
	if cerr := h.broker.Close(); cerr != nil && err == nil {
		err = cerr
	}
	return err
}

// Healthy returns nil when the hub can take publishes, or why not.
func (h *Hub) Healthy(ctx context.Context) error {
	if h.closing.Load() {
		return errors.New("the hub is shutting down")
	}
	return h.broker.Health(ctx)
}

func (h *Hub) serveHealth(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := h.Healthy(ctx); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unhealthy", "error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// allowMethods answers 405 with Allow unless r uses one of methods.
func allowMethods(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	allow := methods[0]
	for _, m := range methods[1:] {
		allow += ", " + m
	}
	w.Header().Set("Allow", allow)
	writeError(w, errorf(http.StatusMethodNotAllowed, fmt.Sprintf("%s %s is not supported; use %s", r.Method, r.URL.Path, allow)), 0)
	return false
}

// quickHealth is Healthy bounded to one second, for /stats and /metrics.
func (h *Hub) quickHealth() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return h.Healthy(ctx)
}
