package backend

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/heraldhq/herald/app/model"
	"github.com/heraldhq/herald/server"
	"github.com/heraldhq/herald/server/wire"
)

// Publisher sends the broadcast panel's events: in process to the own hub, over HTTP
// (wire.Publisher) to a remote one.
type Publisher struct {
	Own    func() *server.Hub // the running own hub, or nil
	Client *http.Client       // nil: a client with a 10 s timeout
}

// Publish implements ui.Publisher and returns the id the hub assigned.
func (p *Publisher) Publish(ctx context.Context, to model.Target, ev model.Outgoing) (string, error) {
	if to.URL == "" {
		h := p.Own()
		if h == nil {
			return "", errors.New("this computer's hub is off: turn it on in Hub, or send to a remote hub")
		}
		r, err := h.Publish(ctx, server.Message{Channel: ev.Channel, Event: ev.Event, Data: ev.Data})
		if err != nil {
			return "", err
		}
		return r[0].ID, nil
	}
	c := p.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	remote := wire.Publisher{URL: to.URL, Token: to.Token, HTTPClient: c}
	r, err := remote.Publish(ctx, wire.PublishRequest{Channel: ev.Channel, Event: ev.Event, Data: wire.Text(ev.Data)})
	var ue *wire.UnreachableError
	if errors.As(err, &ue) {
		return "", fmt.Errorf("%w: is the hub running and the address right?", err)
	}
	if err != nil {
		return "", err
	}
	return r[0].ID, nil
}
