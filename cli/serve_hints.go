package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/heraldhq/herald/server/peer"
	"github.com/heraldhq/herald/server/redisbroker"
)

// Library errors name no flag (issue 12): the hints below say which of serve's flags the
// failing value came from. flagHint (serve.go) applies them to what node.Start returns.

// redisHint names --redis in an error about the Redis URL or server. The URL itself is not
// repeated: it may hold a password.
func redisHint(err error) error {
	switch {
	case errors.Is(err, redisbroker.ErrNoURL), errors.Is(err, redisbroker.ErrBadURL):
		return fmt.Errorf("--redis: %w", err)
	case errors.Is(err, redisbroker.ErrUnavailable):
		return fmt.Errorf("%w (the URL given with --redis)", err)
	}
	return err
}

// proxyHint names --trusted-proxy in a bad trusted-proxy entry's error, keeping it
// errors.Is(err, peer.ErrBadProxy).
func proxyHint(err error) error {
	var pe *peer.ProxyError
	if !errors.As(err, &pe) {
		return err
	}
	return &renamed{msg: strings.Replace(err.Error(), "trusted proxy", "--trusted-proxy", 1), err: err}
}

// renamed is a library error whose text names the flag instead of the setting; it still
// matches what the library error matches.
type renamed struct {
	msg string
	err error
}

func (r *renamed) Error() string { return r.msg }
func (r *renamed) Unwrap() error { return r.err }

// hintHandler adds redisHint to the Redis errors a log record carries, so what the hub
// logs while Redis is down (the hub serves on and retries) also names the flag to check.
type hintHandler struct{ slog.Handler }

func (h hintHandler) Handle(ctx context.Context, r slog.Record) error {
	changed := false
	r.Attrs(func(a slog.Attr) bool {
		_, changed = hintAttr(a)
		return !changed
	})
	if !changed {
		return h.Handler.Handle(ctx, r)
	}
	nr := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		a, _ = hintAttr(a)
		nr.AddAttrs(a)
		return true
	})
	return h.Handler.Handle(ctx, nr)
}

func (h hintHandler) WithAttrs(as []slog.Attr) slog.Handler {
	out := make([]slog.Attr, len(as))
	for i, a := range as {
		out[i], _ = hintAttr(a)
	}
	return hintHandler{h.Handler.WithAttrs(out)}
}

func (h hintHandler) WithGroup(name string) slog.Handler {
	return hintHandler{h.Handler.WithGroup(name)}
}

// hintAttr returns a with the hint added when its value is a Redis error, and whether it
// did. (Errors are matched with errors.Is, never ==: some error types are not comparable.)
func hintAttr(a slog.Attr) (slog.Attr, bool) {
	if a.Value.Kind() != slog.KindAny {
		return a, false
	}
	err, ok := a.Value.Any().(error)
	if !ok || !errors.Is(err, redisbroker.ErrUnavailable) {
		return a, false
	}
	return slog.Any(a.Key, redisHint(err)), true
}
