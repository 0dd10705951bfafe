package hubs

import (
	"net/http"

	r3 "github.com/r3labs/sse/v2"
)

func init() { constructors["r3labs"] = newR3labs }

// r3labsHub is github.com/r3labs/sse/v2's Server with its defaults (auto-replay on, a
// 1,024-event stream buffer), one stream created up front.
type r3labsHub struct{ s *r3.Server }

func newR3labs() (Hub, error) {
	s := r3.New()
	s.CreateStream(Channel)
	return &r3labsHub{s: s}, nil
}

func (h *r3labsHub) Handler() http.Handler { return h.s }
func (h *r3labsHub) SubscribePath() string { return "/events?stream=" + Channel }
func (h *r3labsHub) Publish(data string) error {
	h.s.Publish(Channel, &r3.Event{Data: []byte(data)})
	return nil
}
func (h *r3labsHub) Close() error { h.s.Close(); return nil }
