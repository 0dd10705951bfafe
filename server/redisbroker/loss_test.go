package redisbroker

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"testing"

	"github.com/heraldhq/herald/server"
	"github.com/heraldhq/herald/sseclient"
)

func TestLostAfter(t *testing.T) {
	id := func(ms, seq uint64) server.ID { return server.ID{Ms: ms, Seq: seq} }
	trimmed := streamInfo{last: id(100, 0), first: id(50, 0), removed: true}
	whole := streamInfo{last: id(100, 0), first: id(10, 0)}
	tests := []struct {
		name  string
		info  streamInfo
		after server.ID
		want  bool
	}{
		{"kept entry, stream trimmed", trimmed, id(60, 0), false},
		{"oldest kept entry", trimmed, id(50, 0), false},
		{"trimmed entry", trimmed, id(40, 0), true},
		{"zero id, stream trimmed", trimmed, server.ID{}, true},
		{"zero id, nothing removed", whole, server.ID{}, false},
		{"before the first entry, nothing removed", whole, id(5, 0), false},
		{"newest entry", trimmed, id(100, 0), false},
		{"newer than anything generated", trimmed, id(100, 1), true},
		{"XDEL removed a newer entry", streamInfo{last: id(100, 0), first: id(10, 0), maxDeleted: id(70, 0), removed: true}, id(60, 0), true},
		{"XDEL removed only older entries", streamInfo{last: id(100, 0), first: id(10, 0), maxDeleted: id(20, 0), removed: true}, id(60, 0), false},
		{"empty stream, at its last id", streamInfo{last: id(100, 0), removed: true}, id(100, 0), false},
		{"empty stream, older id", streamInfo{last: id(100, 0), removed: true}, id(90, 0), true},
	}
	for _, tt := range tests {
		if got := tt.info.lostAfter(tt.after); got != tt.want {
			t.Errorf("%s: lostAfter(%v) = %v, want %v", tt.name, tt.after, got, tt.want)
		}
	}
}

// TestFollowReportsEventsTrimmedBeforeRead: a reader that resumes behind the stream's
// trimmed head cannot deliver what was trimmed; it must hand the hub a loss marker (and log
// it) rather than skip it silently.
func TestFollowReportsEventsTrimmedBeforeRead(t *testing.T) {
	rs := startRedis(t)
	ctx := testCtx(t)
	b := newBroker(t, rs, 50)
	logs := &syncBuffer{}
	b.log = slog.New(slog.NewTextHandler(logs, nil))
	var first server.ID
	for i := 0; i < 600; i += 100 {
		evs, err := b.Publish(ctx, msgs("c", i, i+100))
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = evs[0].ID
		}
	}
	f := follow(t, ctx, b, first)
	got := f.next(t, 2)
	if got[0].Channel != server.LossChannel || got[0].Data != "trimmed" {
		t.Fatalf("first delivery = %+v; want a loss marker (channel %s, trimmed)", got[0], server.LossChannel)
	}
	if got[0].ID != got[1].ID {
		t.Errorf("the marker's id %v is not the first kept entry's %v", got[0].ID, got[1].ID)
	}
	if got[1].Data == "1" {
		t.Fatal("the stream was not trimmed; the test needs MAXLEN to drop entries")
	}
	if !strings.Contains(logs.String(), "trimmed before this node read them") {
		t.Errorf("the loss was not logged: %s", logs.String())
	}
}

// TestCutOffNodeGivesGap: node B loses Redis while node A publishes more than MAXLEN
// events; when B is back, its subscriber gets herald.gap (trimmed) before the events B can
// still read, and then everything after, once. B is cut off by disabling its Redis user
// and killing its connections, so A keeps publishing meanwhile.
func TestCutOffNodeGivesGap(t *testing.T) {
	rs := startRedis(t)
	ctx := testCtx(t)
	admin := rs.Client()
	defer admin.Close()
	acl := func(args ...any) {
		t.Helper()
		if err := admin.Do(ctx, args...).Err(); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	acl("ACL", "SETUSER", "nodeb", "on", ">pw", "~*", "&*", "+@all")
	a := startNode(t, rs, 0, 50)
	b := startNodeAt(t, "redis://nodeb:pw@"+rs.Addr()+"/0", 0, 50)
	sub := openSSE(t, ctx, b.url+"/events?channel=room", "")
	a.publish(t, "room", "before")
	wantData(t, sub.mustTake(t, 1), "before")

	acl("ACL", "SETUSER", "nodeb", "off")
	acl("CLIENT", "KILL", "USER", "nodeb")
	waitFor(t, "node B to notice it lost Redis", func() bool { return b.hub.Healthy(ctx) != nil })
	for i := 0; i < 600; i += 100 {
		if _, err := a.hub.Publish(ctx, msgs("room", i, i+100)...); err != nil {
			t.Fatal(err)
		}
	}
	acl("ACL", "SETUSER", "nodeb", "on")
	waitFor(t, "node B to reach Redis again", func() bool { return b.hub.Healthy(ctx) == nil })
	a.publish(t, "room", "after")

	first := sub.mustTake(t, 1)[0]
	if first.Type != "herald.gap" || !strings.Contains(first.Data, "trimmed") {
		t.Fatalf("after the cut-off the stream went on with %+v; want herald.gap (trimmed)", first)
	}
	// Then the kept tail of 0..599 in order, no second gap, and "after".
	var got []string
	for len(got) == 0 || got[len(got)-1] != "after" {
		ev := sub.mustTake(t, 1)[0]
		if ev.Type != "message" {
			t.Fatalf("after the gap came %+v", ev)
		}
		got = append(got, ev.Data)
		if len(got) > 601 {
			t.Fatalf("more events than published: %v", got)
		}
	}
	if len(got) < 2 || got[0] == "0" {
		t.Fatalf("after the gap came %v; want the kept tail of 0..599 (0 was trimmed) and then \"after\"", got)
	}
	start, err := strconv.Atoi(got[0])
	if err != nil {
		t.Fatal(err)
	}
	wantData(t, toEvents(got), append(seq(start, 600), "after")...)
	if g := b.hub.Stats(); g.Gaps == 0 {
		t.Errorf("stats gaps = 0 after a trimmed loss")
	}
}

// toEvents wraps data values as message events with increasing ids, for wantData.
func toEvents(data []string) []sseclient.Event {
	evs := make([]sseclient.Event, len(data))
	for i, d := range data {
		evs[i] = sseclient.Event{Type: "message", Data: d, ID: fmt.Sprintf("1-%d", i+1)}
	}
	return evs
}
