// Package wire is the hub's HTTP contract in one place: its paths, the header, query and
// cookie names it reads, the names of the control events it sends, the JSON shapes of a
// publish request, its receipt and an error, and the rule for where a request's token is.
// The hub, `herald publish`, the desktop app and the tests all speak it through this
// package, so they cannot disagree. It needs only the standard library.
package wire

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
)

// Paths the hub serves.
const (
	PathEvents  = "/events"
	PathPublish = "/publish"
	PathHealth  = "/healthz"
	PathStats   = "/stats"
	PathMetrics = "/metrics"
)

// Header, query and cookie names.
const (
	// HeaderLastEventID is the standard EventSource reconnect header.
	HeaderLastEventID = "Last-Event-ID"
	// QueryLastEventID is Last-Event-ID for a browser's first connect (it cannot set headers).
	QueryLastEventID = "lastEventId"
	// QueryChannel names a channel or pattern; repeatable, and comma-separated lists count.
	QueryChannel = "channel"
	// QueryEvent is the event type of a text/plain publish (and JSON's default).
	QueryEvent = "event"
	// QueryKey is the idempotency key of a text/plain publish.
	QueryKey = "id"
	// QueryRetry is the retry field of a text/plain publish.
	QueryRetry = "retry"
	// QueryToken carries a token where no header can (a browser's EventSource).
	QueryToken = "token"
	// TokenCookie is the cookie a browser may carry its token in.
	TokenCookie = "herald_token"
)

// Control events the hub sends. Publishers may not use the ControlPrefix.
const (
	ControlPrefix = "herald."
	// EventConnected opens every stream: {"id": connection id, "channels": [...], "time":
	// the hub's clock in Unix ms, "replay": true when the client resumes (a herald.live
	// follows its history)}.
	EventConnected = "herald.connected"
	// EventLive follows the history a resuming client is sent (Last-Event-ID): every event
	// before it was published before the stream opened, every one after it is live. Data {}.
	EventLive = "herald.live"
	// EventGap says events were missed: {"reason", "lastEventId"?, "missed"?}.
	EventGap = "herald.gap"
	// EventShutdown is the last event before the hub closes a stream on shutdown.
	EventShutdown = "herald.shutdown"
	// EventBusy tells a subscriber the hub refused or shed it for load, before it closes.
	EventBusy = "herald.busy"
)

// PublishRequest is one event in a JSON POST /publish body (an array of them is a batch).
type PublishRequest struct {
	// Channel is the channel to publish on; empty means the query's, then "default".
	Channel string `json:"channel"`
	// Event is the SSE event type; empty means the query's, then the client's "message".
	Event string `json:"event,omitempty"`
	// Key is the publisher's idempotency key (sent as "id"): publishing again with it while
	// the first event is in the hub's history answers the first receipt.
	Key string `json:"id,omitempty"`
	// Data is a JSON string (the data itself) or any other JSON value (sent as its text).
	Data json.RawMessage `json:"data"`
	// Retry, when positive, is sent with the event as "retry:" (milliseconds).
	Retry int `json:"retry,omitempty"`
}

// Text returns data as a PublishRequest.Data: a JSON string.
func Text(data string) json.RawMessage {
	b, _ := json.Marshal(data) // a string always marshals
	return b
}

// Receipt is the hub's answer to a publish: the id it gave the event (a list for a batch).
type Receipt struct {
	ID      string `json:"id"`
	Channel string `json:"channel"`
}

// ErrorBody is every error answer's body.
type ErrorBody struct {
	// Error says what is wrong and how to fix it, for people.
	Error string `json:"error"`
	// Code, when set, is a stable word for programs, e.g. CodeNotStored.
	Code string `json:"code,omitempty"`
}

// Codes of a failed publish (503): whether the events may have been stored.
const (
	// CodeNotStored: nothing was stored; publish again (a new id is fine).
	CodeNotStored = "not_stored"
	// CodeOutcomeUnknown: the broker may have stored the events; publish again with the
	// same key, so a stored event is not stored twice.
	CodeOutcomeUnknown = "outcome_unknown"
)

// ErrNotBearer is Token's error for an Authorization header in another scheme.
var ErrNotBearer = errors.New("the Authorization header must be 'Bearer TOKEN'")

// Token returns the token r carries, by the one rule the hub applies everywhere:
// "Authorization: Bearer", else the token query parameter, else the token cookie; "" when
// there is none. An Authorization header in another scheme is ErrNotBearer, so a client
// learns why it was ignored.
func Token(r *http.Request) (string, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, _ := strings.Cut(strings.TrimSpace(h), " ")
		if !strings.EqualFold(scheme, "Bearer") {
			return "", ErrNotBearer
		}
		return strings.TrimSpace(tok), nil
	}
	if tok := r.URL.Query().Get(QueryToken); tok != "" {
		return tok, nil
	}
	if c, err := r.Cookie(TokenCookie); err == nil && c.Value != "" {
		return c.Value, nil
	}
	return "", nil
}
