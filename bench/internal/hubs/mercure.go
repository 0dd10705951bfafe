package hubs

import (
	"net/http"

	"github.com/dunglas/mercure"
	"go.uber.org/zap"
)

func init() { constructors["mercure"] = newMercure }

// mercureHub is Mercure's hub used as a library (github.com/dunglas/mercure), anonymous
// subscribers allowed, its local in-memory transport, updates dispatched in-process through
// that transport (what its publish handler does after parsing the form). Its logger is
// silenced so per-connection log lines do not count against it.
type mercureHub struct {
	h *mercure.Hub
	t *mercure.LocalTransport
}

func newMercure() (Hub, error) {
	t := mercure.NewLocalTransport()
	h, err := mercure.NewHub(
		mercure.WithAnonymous(),
		mercure.WithTransport(t),
		mercure.WithLogger(zap.NewNop()),
		mercure.WithPublisherJWT([]byte("bench-publisher-key-0123456789abcdef"), "HS256"),
	)
	if err != nil {
		return nil, err
	}
	return &mercureHub{h: h, t: t}, nil
}

func (h *mercureHub) Handler() http.Handler { return h.h }
func (h *mercureHub) SubscribePath() string { return "/.well-known/mercure?topic=" + Channel }
func (h *mercureHub) Publish(data string) error {
	return h.t.Dispatch(&mercure.Update{Topics: []string{Channel}, Event: mercure.Event{Data: data}})
}
func (h *mercureHub) Close() error { return h.h.Stop() }
