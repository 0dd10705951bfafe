package hubs

import (
	"context"
	"net/http"

	gosse "github.com/tmaxmax/go-sse"
)

func init() { constructors["go-sse"] = newGoSSE }

// goSSEHub is github.com/tmaxmax/go-sse's Server with the Joe provider (no replayer), every
// session subscribed to Channel.
type goSSEHub struct{ s *gosse.Server }

func newGoSSE() (Hub, error) {
	s := &gosse.Server{
		Provider: &gosse.Joe{},
		OnSession: func(http.ResponseWriter, *http.Request) ([]string, bool) {
			return []string{Channel}, true
		},
	}
	return &goSSEHub{s: s}, nil
}

func (h *goSSEHub) Handler() http.Handler { return h.s }
func (h *goSSEHub) SubscribePath() string { return "/events" }
func (h *goSSEHub) Publish(data string) error {
	m := &gosse.Message{}
	m.AppendData(data)
	return h.s.Publish(m, Channel)
}
func (h *goSSEHub) Close() error { return h.s.Shutdown(context.Background()) }
