package server

import (
	"context"
	"errors"

	"github.com/heraldhq/herald/server/wire"
)

// Broker stores published events in ONE global order and hands every stored event, in that
// order, to the hub's single reader loop. The hub keeps a local ring of recent encoded events
// (the replay history and the fan-out buffer); the broker is the source of truth behind it.
//
// Two implementations exist: the in-memory broker of this package (one node; its store is
// the hub's ring) and server/redisbroker (Redis Streams; several nodes share one stream).
//
// The hub uses a broker like this:
//
//	last, _ := b.Last(ctx)                 // the ring starts right after last
//	go b.Follow(ctx, last, ring.append)    // one reader loop per node, until ctx ends
//	evs, _ := b.Publish(ctx, msgs)         // ids assigned here; delivered later via Follow
//	evs, gap, _ := b.Since(ctx, id, n)     // replay of ids older (or newer) than the ring
//
// Implementations must be safe for concurrent use.
type Broker interface {
	// Publish stores msgs in order, as one batch when the backend allows, and returns the
	// stored events with the ids it assigned. Ids are strictly increasing in store order.
	// An error means nothing after the returned events was stored, unless it wraps
	// ErrOutcomeUnknown; the hub answers 503 with the error's text, so it should say what
	// is wrong (e.g. "redis: connection refused at 127.0.0.1:6379; is redis-server
	// running?").
	Publish(ctx context.Context, msgs []Message) ([]Event, error)

	// Follow is the node's one reader loop. It calls deliver for every event stored after
	// the id `after`, in store order, without gaps or repeats, including the events this
	// node publishes itself, until ctx ends; then it returns ctx's error. deliver is
	// never called concurrently with itself and must not block for long. When the backend
	// is unreachable Follow keeps retrying (with backoff) and resumes where it left off;
	// Health reports the outage meanwhile. Events trimmed from the backend before this
	// node read them (it was cut off, or lagged too far behind) cannot be delivered; the
	// loop then delivers a loss marker (see LossMarker) before the events that follow, and
	// the hub sends every subscriber passing that point a herald.gap.
	Follow(ctx context.Context, after ID, deliver func([]Event)) error

	// Last returns the id of the newest stored event, or the broker's origin (an id
	// before any event it will ever assign) when it stores none.
	Last(ctx context.Context) (ID, error)

	// Since returns up to max stored events with ids greater than after, oldest first.
	// gap is true when the broker cannot continue exactly after `after`: events after it
	// were already trimmed, or `after` is newer than anything stored (not an id of this
	// broker). With gap true, events (if any) are the oldest the broker keeps after
	// `after`; the hub sends them after the herald.gap. Since may answer fewer than max
	// events (the Redis broker bounds an answer by bytes too); the hub asks again after
	// the last one. The hub calls Since only for ids outside its ring.
	Since(ctx context.Context, after ID, max int) (events []Event, gap bool, err error)

	// Health returns nil when the broker can store and deliver events, or an error that
	// says why not. It must answer quickly (the hub calls it for /healthz).
	Health(ctx context.Context) error

	// Close releases the broker's resources. Follow loops end on their own context.
	Close() error
}

// ErrOutcomeUnknown is wrapped by a Broker's Publish error when the events may have been
// stored anyway (the request reached the backend, its answer did not come back). The hub
// then answers code "outcome_unknown" instead of "not_stored", so the publisher knows to
// send the same id again rather than a new one.
var ErrOutcomeUnknown = errors.New("the outcome is unknown: the events may have been stored")

// LossChannel is the channel of a loss marker: an Event a Broker's Follow delivers to say
// that events were lost before the marker's ID (trimmed before this node read them). The
// name is reserved ("herald." channels cannot be published to), so no real event has it.
const LossChannel = "herald.loss"

// LossMarker returns the marker Follow delivers when the events after the last one it
// delivered and before next (the oldest the backend still holds, or its newest id when it
// holds none) are gone. reason says why, e.g. "trimmed".
func LossMarker(next ID, reason string) Event {
	return Event{ID: next, Message: Message{Channel: LossChannel, Data: reason}}
}

// Message is one event as a publisher sends it. The hub assigns the event's id.
type Message struct {
	// Channel is the channel name (see server/topic); empty means topic.Default.
	Channel string `json:"channel"`
	// Event is the SSE event type; empty means the client's default ("message").
	Event string `json:"event,omitempty"`
	// Key is the publisher's idempotency key (sent as "id" in JSON; it is not the SSE id,
	// which the hub assigns): publishing again with the same Key while the first event is
	// still in the hub's history answers the first event's receipt and stores nothing.
	// Empty means no key.
	Key string `json:"id,omitempty"`
	// Data is the event's payload; it may span lines (each becomes a "data:" line).
	Data string `json:"data"`
	// Retry, when positive, is sent as the event's "retry:" field (milliseconds).
	Retry int `json:"retry,omitempty"`
}

// Receipt tells a publisher which id the hub gave its event (the JSON POST /publish
// answers).
type Receipt = wire.Receipt

// Event is a stored event: the message plus its assigned id. Brokers move Events; the hub
// encodes each one to its SSE bytes once.
type Event struct {
	ID ID
	Message
}

// ID is an event id as the hub and its brokers assign it (see wire.ID).
type ID = wire.ID

// ErrBadID is returned by ParseID for text that is not an id of this hub.
var ErrBadID = wire.ErrBadID

// ParseID parses "<ms>-<seq>" (both decimal, no sign, no spaces).
func ParseID(s string) (ID, error) { return wire.ParseID(s) }
