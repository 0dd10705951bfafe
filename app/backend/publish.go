package backend

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/heraldhq/herald/app/model"
	"github.com/heraldhq/herald/server"
)

// Publisher sends the broadcast panel's events: in process to the own hub, over HTTP
// (POST /publish with a bearer token) to a remote one.
type Publisher struct {
	Own    func() *server.Hub // the running own hub, or nil
	Client *http.Client       // nil: a client with a 10 s timeout
}

// Publish implements ui.Publisher and returns the id the hub assigned.
func (p *Publisher) Publish(ctx context.Context, to model.Target, ev model.Outgoing) (string, error) {
	msg := server.Message{Channel: ev.Channel, Event: ev.Event, Data: ev.Data}
	if to.URL == "" {
		h := p.Own()
		if h == nil {
			return "", errors.New("this computer's hub is off: turn it on in Hub, or send to a remote hub")
		}
		r, err := h.Publish(ctx, msg)
		if err != nil {
			return "", err
		}
		return r[0].ID, nil
	}
	body, _ := json.Marshal(msg)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(to.URL, "/")+"/publish", bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("hub URL %q: %w", to.URL, err)
	}
	req.Header.Set("Content-Type", "application/json")
	if to.Token != "" {
		req.Header.Set("Authorization", "Bearer "+to.Token)
	}
	c := p.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", fmt.Errorf("cannot reach %s (%v): is the hub running and the address right?", to.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(b, &e) == nil && e.Error != "" {
			return "", fmt.Errorf("%s: %s", resp.Status, e.Error)
		}
		return "", fmt.Errorf("%s from %s: %s", resp.Status, to.URL, strings.TrimSpace(string(b)))
	}
	var r server.Receipt
	if err := json.Unmarshal(b, &r); err != nil {
		return "", fmt.Errorf("%s answered %q, not a publish receipt: is it a Herald hub?", to.URL, b)
	}
	return r.ID, nil
}
