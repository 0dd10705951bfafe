package backend

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/heraldhq/herald/app/model"
)

// fetchChannels reads the channel names a Herald hub lists in GET /stats.
func fetchChannels(ctx context.Context, c *http.Client, cfg model.FeedConfig) ([]string, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("the URL %q is not an address: %v", cfg.URL, err)
	}
	u.Path, u.RawQuery = strings.TrimSuffix(u.Path, "/events")+"/stats", ""
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	for k, v := range cfg.Headers {
		req.Header.Set(k, v)
	}
	if cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+cfg.Token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("asking %s for its channels: %s", u.Host, model.Redact(err.Error()))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("%s answered %s to GET /stats: %s (is it a Herald hub? type the channels instead)", u.Host, resp.Status, model.Redact(strings.TrimSpace(string(b))))
	}
	var st struct {
		Channels map[string]json.RawMessage `json:"channels"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 8<<20)).Decode(&st); err != nil {
		return nil, fmt.Errorf("%s/stats is not a Herald hub's answer (%v): type the channels instead", u.Host, err)
	}
	out := make([]string, 0, len(st.Channels))
	for name := range st.Channels {
		out = append(out, name)
	}
	sort.Strings(out)
	return out, nil
}
