package redisbroker

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/heraldhq/herald/server"
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

// TestFollowLogsEventsTrimmedBeforeRead: a reader that resumes behind the stream's trimmed
// head cannot deliver what was trimmed; it must say so rather than skip it silently.
func TestFollowLogsEventsTrimmedBeforeRead(t *testing.T) {
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
	got := f.next(t, 1)
	if got[0].Data == "1" {
		t.Fatal("the stream was not trimmed; the test needs MAXLEN to drop entries")
	}
	waitFor(t, "the loss to be logged", func() bool {
		return strings.Contains(logs.String(), "trimmed before this node read them")
	})
}
