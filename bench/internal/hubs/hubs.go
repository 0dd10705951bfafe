// Package hubs wraps each SSE hub under test (Herald's and its peers') behind one small
// interface, so the same harness subscribes to and publishes through every one of them with
// its natural API.
package hubs

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// Channel is the one channel (topic, stream) every benchmark publishes to and subscribes to.
const Channel = "bench"

// Hub is one SSE hub, living in the current process.
type Hub interface {
	// Handler serves the hub's subscribe endpoint (and whatever else the hub serves).
	Handler() http.Handler
	// SubscribePath is the request target (path and query) that subscribes to Channel.
	SubscribePath() string
	// Publish sends one event with data on Channel through the hub's own Go API.
	Publish(data string) error
	// Close stops the hub's background work.
	Close() error
}

// constructors maps each hub's name to its constructor; each file registers its own.
var constructors = map[string]func() (Hub, error){}

// New returns the hub called name; Names lists the choices.
func New(name string) (Hub, error) {
	c, ok := constructors[name]
	if !ok {
		return nil, fmt.Errorf("unknown hub %q: choose one of %s", name, strings.Join(Names(), ", "))
	}
	return c()
}

// Names lists the hubs this package knows, Herald first, then the peers alphabetically.
func Names() []string {
	var names []string
	for n := range constructors {
		if n != "herald" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	if _, ok := constructors["herald"]; ok {
		names = append([]string{"herald"}, names...)
	}
	return names
}
