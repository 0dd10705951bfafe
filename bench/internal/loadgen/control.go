// Package loadgen is the load-generator side of the hub benchmark: raw HTTP subscribers that
// count, order-check and time every delivery, the four scenarios, and the hub process's CPU
// time and memory read from /proc.
package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/heraldhq/herald/bench/internal/hubproc"
)

// Target is a running hub: where it listens, what to request to subscribe, and its process
// (whose CPU time and memory are measured).
type Target struct {
	Hub     string // name, for the results
	Addr    string // host:port on loopback
	Control string // host:port of the hub process's control API (hubproc)
	Path    string // subscribe request target
	PID     int
}

// control talks to the hub process's /bench/ API.
type control struct {
	base string
	c    *http.Client
}

func newControl(addr string) *control {
	return &control{base: "http://" + addr, c: &http.Client{Timeout: 10 * time.Second}}
}

func (c *control) status(ctx context.Context) (hubproc.Status, error) {
	var s hubproc.Status
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/bench/status", nil)
	if err != nil {
		return s, err
	}
	resp, err := c.c.Do(req)
	if err != nil {
		return s, fmt.Errorf("hub status: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return s, fmt.Errorf("hub status: %s", resp.Status)
	}
	return s, json.NewDecoder(resp.Body).Decode(&s)
}

func (c *control) publish(ctx context.Context, q url.Values) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/bench/publish?"+q.Encode(), nil)
	if err != nil {
		return err
	}
	resp, err := c.c.Do(req)
	if err != nil {
		return fmt.Errorf("ask the hub to publish: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("ask the hub to publish: %s: %s", resp.Status, b)
	}
	return nil
}

// waitActive waits until the hub has at least n connections open.
func (c *control) waitActive(ctx context.Context, n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		s, err := c.status(ctx)
		if err != nil {
			return err
		}
		if s.Active >= int64(n) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d subscribers connected after %v", s.Active, n, timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// warmUp publishes warm-up events every 100 ms until all n reading subscribers have seen one
// (proof that the hub registered them), for at most timeout. It returns how many had.
func (c *control) warmUp(ctx context.Context, g *group, n int, timeout time.Duration) (int, error) {
	deadline := time.Now().Add(timeout)
	for {
		if err := c.publish(ctx, url.Values{"warm": {"1"}}); err != nil {
			return int(g.warmSubs.Load()), err
		}
		select {
		case <-ctx.Done():
			return int(g.warmSubs.Load()), ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		got := int(g.warmSubs.Load())
		if got >= n || time.Now().After(deadline) {
			return got, nil
		}
	}
}
