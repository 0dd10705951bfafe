package redisbroker

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/redis/go-redis/v9"

	"github.com/heraldhq/herald/server"
)

// publishError describes a failed XADD and says whether Redis may have stored the events
// anyway: it does when the command went out and its answer did not come back (a hung or
// crashed Redis may still run it). Only failures that certainly happened before the
// command reached Redis, or an error Redis answered, count as "not stored"; anything else
// wraps server.ErrOutcomeUnknown, so the publisher retries with the same id.
func (b *Broker) publishError(err error) error {
	if sentAndUnanswered(err) {
		return fmt.Errorf("%w: %w", server.ErrOutcomeUnknown,
			b.describe("the XADD was sent but Redis did not answer in time; it may still store the event", err))
	}
	return b.describe("storing the event (XADD) failed; nothing was stored", err)
}

// sentAndUnanswered reports whether err may have come after the command was written.
//
// go-redis reports a failed read of a command's reply as a *net.OpError with Op "read"
// (or io.EOF when Redis closed the connection): the command was sent. Failures before
// that are: an error reply from Redis (a script or MULTI that fails does so before its
// first write), a dial or write error (Redis runs no partial command), the pool or the
// deadline running out before a connection was free (a bare context error), and a
// handshake on a new connection that timed out (go-redis unwraps it to a bare timeout).
func sentAndUnanswered(err error) bool {
	var rerr redis.Error
	if errors.As(err, &rerr) {
		return false
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return op.Op != "dial" && op.Op != "write"
	}
	if errors.Is(err, redis.ErrPoolTimeout) || errors.Is(err, redis.ErrClosed) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false
	}
	return true
}
