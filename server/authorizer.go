package server

import (
	"crypto/subtle"
	"net/http"

	"github.com/heraldhq/herald/server/wire"
)

// Authorizer decides who may publish to and subscribe to which channels. Errors may
// implement HTTPStatus() int (401 for a missing or wrong token, 403 for a valid token
// without the right); others are answered 401. server/auth implements it with scoped
// tokens.
type Authorizer interface {
	// AuthorizePublish returns nil when r may publish to every one of channels.
	AuthorizePublish(r *http.Request, channels []string) error
	// AuthorizeSubscribe returns nil and a per-channel filter when r may subscribe to
	// patterns. allow reports whether an event of a channel may reach this subscriber
	// (for wildcard subscriptions that cover private channels); nil allows every channel
	// the patterns match.
	AuthorizeSubscribe(r *http.Request, patterns []string) (allow func(channel string) bool, err error)
}

// keyAuthorizer is the default Authorizer: publishing needs the hub key as the request's
// token (wire.Token: Authorization: Bearer KEY, ?token=KEY or the token cookie); subscribing
// is open.
type keyAuthorizer struct{ key string }

// DefaultAuthorizer returns the Authorizer a hub uses when Config.Auth is nil: publish needs
// key as a bearer token, subscribe is open. An empty key refuses every publish.
func DefaultAuthorizer(key string) Authorizer { return keyAuthorizer{key: key} }

func (a keyAuthorizer) AuthorizePublish(r *http.Request, channels []string) error {
	tok, err := wire.Token(r)
	if err != nil {
		return errorf(http.StatusUnauthorized, err.Error())
	}
	if tok == "" {
		return errorf(http.StatusUnauthorized, "publishing needs the hub key: send 'Authorization: Bearer <key>' (herald publish reads it from the config folder)")
	}
	if a.key == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(a.key)) != 1 {
		return errorf(http.StatusUnauthorized, "the token is not valid for this hub; use the hub's key (herald serve prints where it is kept)")
	}
	return nil
}

func (a keyAuthorizer) AuthorizeSubscribe(r *http.Request, patterns []string) (func(string) bool, error) {
	return nil, nil
}
