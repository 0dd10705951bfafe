package redisbroker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/server"
	"github.com/heraldhq/herald/sseclient"
)

const testKey = "redisbroker-test-key-0123456789abcdef"

// node is one hub on the shared stream, served on a loopback httptest server.
type node struct {
	hub *server.Hub
	url string
	rb  *Broker
}

// stream names the test's shared stream; every node of one test uses it.
func streamName(t testing.TB) string { return "test:" + strings.ReplaceAll(t.Name(), "/", ":") }

// startNode starts a hub whose broker is a Redis stream on rs. history bounds its ring
// (0: the hub's default); maxLen bounds the stream.
func startNode(t testing.TB, rs *redisServer, history int, maxLen int64) *node {
	t.Helper()
	return startNodeAt(t, rs.URL(), history, maxLen)
}

// startNodeAt is startNode with the Redis URL given (e.g. with a user of its own).
func startNodeAt(t testing.TB, url string, history int, maxLen int64) *node {
	t.Helper()
	return startNodeWith(t, url, history, maxLen, nil)
}

// startNodeWith is startNodeAt with the hub's config adjusted by tune (when not nil).
// Its publishes wait up to 10 s for Redis: the suite runs beside compiles and race-checked
// tests, where a healthy round trip can outlast the 1.5 s default; the tests about a hung
// Redis use startHungNode, with the defaults.
func startNodeWith(t testing.TB, url string, history int, maxLen int64, tune func(*server.Config)) *node {
	t.Helper()
	return startNodeOpts(t, Options{URL: url, MaxLen: maxLen, PublishTimeout: 10 * time.Second, HealthTimeout: 5 * time.Second}, history, tune)
}

// startHungNode is startNode with the broker's default publish and health timeouts.
func startHungNode(t testing.TB, rs *redisServer, history int, maxLen int64) *node {
	t.Helper()
	return startNodeOpts(t, Options{URL: rs.URL(), MaxLen: maxLen}, history, nil)
}

func startNodeOpts(t testing.TB, opts Options, history int, tune func(*server.Config)) *node {
	t.Helper()
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	opts.Stream, opts.MaxBackoff, opts.Logger = streamName(t), 200*time.Millisecond, discard
	rb, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	cfg := server.Config{
		Broker:  rb,
		Key:     testKey,
		Logger:  discard,
		History: history,
		Limits:  server.Limits{MaxPerIP: 5000, MaxSubscribers: 5000},
	}
	if tune != nil {
		tune(&cfg)
	}
	hub, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(hub)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = hub.Shutdown(ctx)
		srv.Close()
	})
	return &node{hub: hub, url: srv.URL, rb: rb}
}

// publish publishes data on channel through the node's Go API and returns the event's id.
func (n *node) publish(t testing.TB, channel, data string) string {
	t.Helper()
	rs, err := n.hub.Publish(context.Background(), server.Message{Channel: channel, Data: data})
	if err != nil {
		t.Fatalf("publish %q: %v", data, err)
	}
	return rs[0].ID
}

// sse is one open /events stream read with Herald's own parser.
type sse struct {
	resp *http.Response
	p    *sseclient.Parser
}

// openSSE opens url (with Last-Event-ID when lastID is set); the stream ends with ctx.
func openSSE(t testing.TB, ctx context.Context, url, lastID string) *sse {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t.Fatalf("GET %s = %d %s", url, resp.StatusCode, b)
	}
	s := &sse{resp: resp, p: sseclient.NewParser(resp.Body)}
	t.Cleanup(func() { resp.Body.Close() })
	return s
}

// take returns the next n events, skipping herald.connected; herald.gap counts as an event
// so tests can assert on it. The stream's context bounds the wait.
func (s *sse) take(n int) ([]sseclient.Event, error) {
	out := make([]sseclient.Event, 0, n)
	for len(out) < n {
		ev, err := s.p.Next()
		if err != nil {
			return out, fmt.Errorf("after %d of %d events (%+v): %w", len(out), n, out, err)
		}
		if ev.Type != "herald.connected" {
			out = append(out, ev)
		}
	}
	return out, nil
}

func (s *sse) mustTake(t testing.TB, n int) []sseclient.Event {
	t.Helper()
	evs, err := s.take(n)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// wantData checks that evs carry exactly the data values want, in order, with increasing ids.
func wantData(t testing.TB, evs []sseclient.Event, want ...string) {
	t.Helper()
	var got []string
	for _, e := range evs {
		got = append(got, e.Type+":"+e.Data)
	}
	var w []string
	for _, d := range want {
		w = append(w, "message:"+d)
	}
	if strings.Join(got, ",") != strings.Join(w, ",") {
		t.Fatalf("events = %v\nwant     %v", got, w)
	}
	for i := 1; i < len(evs); i++ {
		a, _ := server.ParseID(evs[i-1].ID)
		b, _ := server.ParseID(evs[i].ID)
		if !a.Less(b) {
			t.Fatalf("ids not increasing: %q then %q", evs[i-1].ID, evs[i].ID)
		}
	}
}

func seq(from, to int) []string {
	var s []string
	for i := from; i < to; i++ {
		s = append(s, fmt.Sprint(i))
	}
	return s
}

func TestPublishOnNodeAReceiveOnNodeB(t *testing.T) {
	rs := startRedis(t)
	a, b := startNode(t, rs, 0, 10_000), startNode(t, rs, 0, 10_000)
	ctx := testCtx(t)
	sub := openSSE(t, ctx, b.url+"/events?channel=room", "")
	var ids []string
	for i := 0; i < 10; i++ {
		n := a
		if i%2 == 1 {
			n = b
		}
		ids = append(ids, n.publish(t, "room", fmt.Sprint(i)))
	}
	evs := sub.mustTake(t, 10)
	wantData(t, evs, seq(0, 10)...)
	for i, e := range evs {
		if e.ID != ids[i] {
			t.Errorf("event %d id %q on node B, receipt %q on the publishing node", i, e.ID, ids[i])
		}
	}
}

func TestReconnectToAnotherNodeWithLastEventID(t *testing.T) {
	rs := startRedis(t)
	a, b := startNode(t, rs, 0, 10_000), startNode(t, rs, 0, 10_000)
	ctx := testCtx(t)
	first := openSSE(t, ctx, a.url+"/events?channel=room", "")
	for i := 0; i < 10; i++ {
		a.publish(t, "room", fmt.Sprint(i))
	}
	got := first.mustTake(t, 5)
	wantData(t, got, seq(0, 5)...)
	first.resp.Body.Close() // the client leaves node A after event 4

	for i := 10; i < 20; i++ {
		b.publish(t, "room", fmt.Sprint(i))
	}
	// A node started after those events holds none of them in its ring: its replay comes
	// from the stream (XRANGE), the others' from their rings.
	c := startNode(t, rs, 0, 10_000)
	b.publish(t, "room", "end")
	for _, n := range []*node{b, c} {
		again := openSSE(t, ctx, n.url+"/events?channel=room", got[4].ID)
		wantData(t, again.mustTake(t, 16), append(seq(5, 20), "end")...)
		again.resp.Body.Close()
	}
}

func TestTrimmedHistoryGivesGap(t *testing.T) {
	rs := startRedis(t)
	// A ring of 20 and a stream trimmed near 150 (approximate: whole 100-entry nodes).
	a := startNode(t, rs, 20, 150)
	ctx := testCtx(t)
	var ids []string
	for i := 0; i < 600; i++ {
		ids = append(ids, a.publish(t, "room", fmt.Sprint(i)))
	}
	sub := openSSE(t, ctx, a.url+"/events?channel=room", "")
	a.publish(t, "room", "end")
	sub.mustTake(t, 1) // the node's ring has caught up with everything above

	// Event 0 was trimmed from the stream: a gap first, then what is left.
	old := openSSE(t, ctx, a.url+"/events?channel=room", ids[0])
	evs := old.mustTake(t, 2)
	if evs[0].Type != "herald.gap" || !strings.Contains(evs[0].Data, "trimmed") {
		t.Fatalf("replay after a trimmed id began with %+v; want herald.gap (trimmed)", evs[0])
	}
	if evs[1].Data == "1" {
		t.Fatalf("after the gap came event 1: nothing was trimmed?")
	}

	// Event 560 is older than the ring (20) but still in the stream: exact replay, no gap.
	mid := openSSE(t, ctx, a.url+"/events?channel=room", ids[560])
	wantData(t, mid.mustTake(t, 40), append(seq(561, 600), "end")...)
}

func TestRedisRestartMidStream(t *testing.T) {
	rs := startRedis(t)
	pub, sub := startNode(t, rs, 0, 100_000), startNode(t, rs, 0, 100_000)
	ctx := testCtx(t)
	stream := openSSE(t, ctx, sub.url+"/events?channel=room", "")

	accepted, failed := map[string]bool{}, map[string]bool{}
	var order []string
	publish := func(i int) error {
		d := fmt.Sprint(i)
		_, err := pub.hub.Publish(ctx, server.Message{Channel: "room", Data: d})
		if err != nil {
			failed[d] = true
			return err
		}
		accepted[d] = true
		order = append(order, d)
		return nil
	}
	i := 0
	for ; i < 100; i++ {
		if err := publish(i); err != nil {
			t.Fatal(err)
		}
	}
	wantData(t, stream.mustTake(t, 50), seq(0, 50)...) // live before the outage

	rs.Kill()
	err := publish(i)
	i++
	var herr *server.Error
	if !errors.As(err, &herr) || herr.Status != http.StatusServiceUnavailable || !strings.Contains(herr.Msg, "redis") {
		t.Fatalf("publish with Redis down = %v; want a 503 server.Error naming redis", err)
	}
	waitFor(t, "node B to report the outage", func() bool {
		err := sub.hub.Healthy(ctx)
		return err != nil && strings.Contains(err.Error(), "redis")
	})
	for end := i + 5; i < end; i++ {
		if publish(i) == nil {
			t.Fatalf("publish %d succeeded with Redis down", i)
		}
	}

	rs.Restart()
	waitFor(t, "node B to recover", func() bool { return sub.hub.Healthy(ctx) == nil })
	for end := i + 100; i < end; i++ {
		if err := publish(i); err != nil {
			t.Fatalf("publish %d after restart: %v", i, err)
		}
	}
	if err := publish(i); err != nil {
		t.Fatal(err)
	}
	// The same connection carries everything accepted, in order, once, up to the last one.
	var got []sseclient.Event
	for len(got) == 0 || got[len(got)-1].Data != fmt.Sprint(i) {
		evs, err := stream.take(1)
		if err != nil {
			t.Fatalf("the subscriber's stream broke across the Redis restart: %v", err)
		}
		got = append(got, evs...)
	}
	var gotData []string
	for _, e := range got {
		if !accepted[e.Data] {
			t.Errorf("event %q (%s) reached the subscriber but its publish was refused", e.Data, e.Type)
		}
		gotData = append(gotData, e.Data)
	}
	if strings.Join(gotData, ",") != strings.Join(order[50:], ",") {
		t.Fatalf("after the outage the subscriber got %v\nwant every accepted event once, in order: %v", gotData, order[50:])
	}
	wantData(t, got, order[50:]...)
}

func TestThousandSubscribersOnTwoNodes(t *testing.T) {
	const subs, events = 1000, 50
	rs := startRedis(t)
	nodes := []*node{startNode(t, rs, 0, 10_000), startNode(t, rs, 0, 10_000)}
	ctx := testCtx(t)
	streams := make([]*sse, subs)
	for i := range streams {
		streams[i] = openSSE(t, ctx, nodes[i%2].url+"/events?channel=room", "")
	}
	for i := 0; i < events; i++ {
		nodes[i%2].publish(t, "room", fmt.Sprint(i))
	}
	want := strings.Join(seq(0, events), ",")
	errs := make(chan error, subs)
	for i, s := range streams {
		go func() {
			evs, err := s.take(events)
			if err == nil {
				var d []string
				for _, e := range evs {
					d = append(d, e.Data)
				}
				if got := strings.Join(d, ","); got != want {
					err = fmt.Errorf("got %s", got)
				}
			}
			if err != nil {
				err = fmt.Errorf("subscriber %d on node %d: %w", i, i%2, err)
			}
			errs <- err
		}()
	}
	for range streams {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	// One reader connection per node plus a small publish pool, never one per subscriber.
	list, err := rs.Client().ClientList(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(list, "\n"); n > 50 {
		t.Errorf("%d Redis connections for %d subscribers on two nodes; want a handful", n, subs)
	}
	if n := strings.Count(list, "cmd=xread"); n != 2 {
		t.Errorf("%d connections blocked in XREAD; want one reader loop per node (2):\n%s", n, list)
	}
}

// TestSameKeyRepublishStoresOnce: publishing again at once with the same idempotency key
// answers the first receipt instead of storing the event twice, also before the node's
// reader loop has brought the first event into its history.
func TestSameKeyRepublishStoresOnce(t *testing.T) {
	rs := startRedis(t)
	a := startNode(t, rs, 0, 10_000)
	ctx := testCtx(t)
	for i := 0; i < 50; i++ {
		m := server.Message{Channel: "room", Data: fmt.Sprint(i), Key: fmt.Sprint("key-", i)}
		first, err := a.hub.Publish(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		again, err := a.hub.Publish(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		if again[0].ID != first[0].ID {
			t.Fatalf("publish %d again with the same key got id %s, first %s: stored twice", i, again[0].ID, first[0].ID)
		}
	}
	// 50 events, after the epoch entry that begins every stream (see publishScript).
	if n, err := rs.Client().XLen(ctx, streamName(t)).Result(); err != nil || n != 51 {
		t.Errorf("the stream holds %d entries (%v); want 51", n, err)
	}
}
