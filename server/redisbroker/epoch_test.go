package redisbroker

import (
	"context"
	"testing"

	"github.com/heraldhq/herald/sseclient"
)

// TestStreamLostByRedisGivesGap: Redis loses the stream (FLUSHALL, or a restart without
// persistence) and publishing re-creates it empty. A client that comes back with an id of
// the old stream must get herald.gap first, then the new events, whether the node it lands
// on still holds the old events in its ring (the node that lived through the loss) or not
// (a node started after it), and a replay through that point of a node's ring shows the gap
// where it happened.
func TestStreamLostByRedisGivesGap(t *testing.T) {
	for _, tc := range []struct {
		name string
		lose func(t *testing.T, rs *redisServer)
	}{
		{"flushall", func(t *testing.T, rs *redisServer) {
			if err := rs.Client().FlushAll(context.Background()).Err(); err != nil {
				t.Fatal(err)
			}
		}},
		{"restart without persistence", func(t *testing.T, rs *redisServer) { rs.RestartEmpty() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs := startRedis(t)
			a := startNode(t, rs, 0, 1000)
			ctx := testCtx(t)
			live := openSSE(t, ctx, a.url+"/events?channel=room", "")
			old := []string{a.publish(t, "room", "a1"), a.publish(t, "room", "a2"), a.publish(t, "room", "a3")}
			wantData(t, live.mustTake(t, 3), "a1", "a2", "a3")

			tc.lose(t, rs)
			var b1 string
			waitFor(t, "a publish after the loss", func() bool {
				rec, err := a.hub.Publish(ctx, msgs("room", 1, 2)...)
				if err == nil {
					b1 = rec[0].ID
				}
				return err == nil
			})
			a.publish(t, "room", "b2")
			// The live stream learns of the loss where it happened.
			evs := live.until(t, "b2")
			if len(evs) != 3 || evs[0].Type != "herald.gap" {
				t.Errorf("live stream after the loss: %+v; want herald.gap before the new events", evs)
			} else {
				wantData(t, evs[1:], "1", "b2")
			}

			b := startNode(t, rs, 0, 1000) // knows only the new stream
			for _, n := range []*node{a, b} {
				for i, want := range [][]string{{"a3"}, {}} { // resume after a2 and after a3
					if n == b {
						want = nil // a3 is gone with the old stream; b never held it
					}
					s := openSSE(t, ctx, n.url+"/events?channel=room", old[1+i])
					got := s.until(t, "b2")
					if len(got) != len(want)+3 || got[len(want)].Type != "herald.gap" {
						t.Fatalf("node %s, resume after %s (old stream): %+v; want %v, herald.gap, the new events", n.url, old[1+i], got, want)
					}
					wantData(t, got[:len(want)], want...)
					wantData(t, got[len(want)+1:], "1", "b2")
					if got[len(want)+1].ID != b1 {
						t.Errorf("first new event has id %s, want %s", got[len(want)+1].ID, b1)
					}
					s.resp.Body.Close()
				}
			}
		})
	}
}

// until returns the events up to and including the first whose data is data, skipping
// herald.connected.
func (s *sse) until(t testing.TB, data string) []sseclient.Event {
	t.Helper()
	var out []sseclient.Event
	for {
		ev, err := s.p.Next()
		if err != nil {
			t.Fatalf("after %+v: %v", out, err)
		}
		if ev.Type != "herald.connected" {
			out = append(out, ev)
		}
		if ev.Data == data {
			return out
		}
	}
}
