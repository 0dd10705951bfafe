package hubs

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/heraldhq/herald/server"
)

func init() { constructors["herald"] = newHerald }

// heraldHub is Herald's server.Hub with its defaults, except the per-IP and total subscriber
// limits (every benchmark subscriber comes from 127.0.0.1) and a logger that keeps warnings
// only, like the peers' (silent) logging.
type heraldHub struct{ h *server.Hub }

func newHerald() (Hub, error) {
	h, err := server.New(server.Config{
		Key:    "bench-key",
		Logger: slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Limits: server.Limits{MaxSubscribers: 50_000, MaxPerIP: 50_000},
	})
	if err != nil {
		return nil, err
	}
	return &heraldHub{h: h}, nil
}

func (h *heraldHub) Handler() http.Handler { return h.h }
func (h *heraldHub) SubscribePath() string { return "/events?channel=" + Channel }
func (h *heraldHub) Publish(data string) error {
	_, err := h.h.Publish(context.Background(), server.Message{Channel: Channel, Data: data})
	return err
}
func (h *heraldHub) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return h.h.Shutdown(ctx)
}
