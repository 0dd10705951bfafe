package cli

import (
	"errors"
	"fmt"
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
