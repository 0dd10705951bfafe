package server

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"time"
)

// Config configures a Hub. The zero value of every field means its default.
type Config struct {
	// Broker stores and orders events; nil means a new MemoryBroker (one node).
	Broker Broker
	// Key is the hub's secret. With Auth nil, publishing needs it as a bearer token.
	Key string
	// Auth decides who may publish and subscribe; nil means DefaultAuthorizer(Key).
	Auth Authorizer
	// Middleware, when set, wraps the hub's handler (CORS, security headers, rate limits).
	Middleware func(http.Handler) http.Handler
	// Web is the dashboard served at "/"; nil means assets.Web().
	Web fs.FS
	// Logger receives the hub's structured logs; nil means slog.Default().
	Logger *slog.Logger

	// History is how many events the ring keeps for replay and fan-out (default 10,000).
	History int
	// HistoryBytes bounds the ring's encoded bytes (default 64 MiB).
	HistoryBytes int
	// KeepAlive is the interval of ":" comments on idle streams (default 15 s).
	KeepAlive time.Duration
	// Retry is the reconnection delay sent once as "retry:" (default 3 s).
	Retry time.Duration

	Limits Limits
}

// Limits bound what one client can make the hub hold. Over a limit the hub answers 413,
// 429 or 503 with Retry-After.
type Limits struct {
	// MaxSubscribers is the most open /events streams (default 10,000); more get 503.
	MaxSubscribers int
	// MaxPerIP is the most open streams from one IP address (default 500); more get 429.
	MaxPerIP int
	// MaxEventBytes bounds one event's data (default 64 KiB); larger gets 413.
	MaxEventBytes int
	// MaxBodyBytes bounds a publish request body (default 1 MiB); larger gets 413.
	MaxBodyBytes int64
	// MaxBatch is the most events in one publish request (default 1,000); more get 413.
	MaxBatch int
	// ReadHeaderTimeout bounds reading a request's headers (default 10 s).
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole publish request (default 30 s).
	ReadTimeout time.Duration
	// WriteTimeout is how long one write to a subscriber may block before the hub cuts the
	// subscriber off (default 10 s).
	WriteTimeout time.Duration
}

// Defaults of Config and Limits; flags show them.
const (
	DefaultHistory           = 10_000
	DefaultHistoryBytes      = 64 << 20
	DefaultKeepAlive         = 15 * time.Second
	DefaultRetry             = 3 * time.Second
	DefaultMaxSubscribers    = 10_000
	DefaultMaxPerIP          = 500
	DefaultMaxEventBytes     = 64 << 10
	DefaultMaxBodyBytes      = 1 << 20
	DefaultMaxBatch          = 1000
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 10 * time.Second
)

// ErrBadConfig matches (errors.Is) every error New returns for an impossible Config; the
// error itself is a *ConfigError naming the field.
var ErrBadConfig = errors.New("impossible hub configuration")

// ConfigError names a Config field (as Go spells it, e.g. "Limits.MaxPerIP") whose value
// is impossible, and why. Commands map Field to their own flag names.
type ConfigError struct {
	Field  string
	Value  any
	Reason string
}

func (e *ConfigError) Error() string { return fmt.Sprintf("%s %v %s", e.Field, e.Value, e.Reason) }

// Is makes errors.Is(err, ErrBadConfig) true.
func (e *ConfigError) Is(target error) bool { return target == ErrBadConfig }

// withDefaults fills zero fields and rejects impossible ones with a *ConfigError.
func (c Config) withDefaults() (Config, error) {
	setInt(&c.History, DefaultHistory)
	setInt(&c.HistoryBytes, DefaultHistoryBytes)
	setDur(&c.KeepAlive, DefaultKeepAlive)
	setDur(&c.Retry, DefaultRetry)
	l := &c.Limits
	setInt(&l.MaxSubscribers, DefaultMaxSubscribers)
	setInt(&l.MaxPerIP, DefaultMaxPerIP)
	setInt(&l.MaxEventBytes, DefaultMaxEventBytes)
	if l.MaxBodyBytes == 0 {
		l.MaxBodyBytes = DefaultMaxBodyBytes
	}
	setInt(&l.MaxBatch, DefaultMaxBatch)
	setDur(&l.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	setDur(&l.ReadTimeout, DefaultReadTimeout)
	setDur(&l.WriteTimeout, DefaultWriteTimeout)
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"History", int64(c.History)}, {"HistoryBytes", int64(c.HistoryBytes)},
		{"Limits.MaxSubscribers", int64(l.MaxSubscribers)}, {"Limits.MaxPerIP", int64(l.MaxPerIP)},
		{"Limits.MaxEventBytes", int64(l.MaxEventBytes)}, {"Limits.MaxBodyBytes", l.MaxBodyBytes},
		{"Limits.MaxBatch", int64(l.MaxBatch)},
	} {
		if f.v < 0 {
			return c, &ConfigError{Field: f.name, Value: f.v, Reason: "must not be negative"}
		}
	}
	for _, f := range []struct {
		name string
		v    time.Duration
	}{
		{"KeepAlive", c.KeepAlive}, {"Retry", c.Retry}, {"Limits.WriteTimeout", l.WriteTimeout},
		{"Limits.ReadTimeout", l.ReadTimeout}, {"Limits.ReadHeaderTimeout", l.ReadHeaderTimeout},
	} {
		if f.v < 0 {
			return c, &ConfigError{Field: f.name, Value: f.v, Reason: "must not be negative"}
		}
	}
	if c.HistoryBytes < 2*l.MaxEventBytes {
		return c, &ConfigError{Field: "HistoryBytes", Value: c.HistoryBytes, Reason: fmt.Sprintf(
			"must be at least twice Limits.MaxEventBytes (%d), so the history can hold an event of the largest size", l.MaxEventBytes)}
	}
	return c, nil
}

func setInt(p *int, def int) {
	if *p == 0 {
		*p = def
	}
}

func setDur(p *time.Duration, def time.Duration) {
	if *p == 0 {
		*p = def
	}
}

// NewHTTPServer returns an http.Server for h on addr with the hub's header and body read
// timeouts. It sets no WriteTimeout: event streams are long-lived, and the hub bounds each
// write to a subscriber itself (Limits.WriteTimeout).
func NewHTTPServer(addr string, h *Hub) *http.Server {
	l := h.cfg.Limits
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(h.log.Handler(), slog.LevelWarn),
	}
}
