package notify

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/heraldhq/herald/app/model"
)

func TestAsyncDelivers(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	rec := &Recorder{}
	a := NewAsync(ctx, rec, slog.New(slog.NewTextHandler(io.Discard, nil)))
	a.Notify(model.Notification{Title: "a"})
	a.Notify(model.Notification{Title: "b", Urgent: true})
	deadline := time.Now().Add(5 * time.Second)
	for len(rec.Sent()) < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	a.Wait()
	got := rec.Sent()
	if len(got) != 2 || got[0].Title != "a" || !got[1].Urgent {
		t.Fatalf("delivered %+v", got)
	}
}

func TestNewBeeepWritesIcon(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", dir)
	t.Setenv("HOME", dir)
	b := NewBeeep("Herald", []byte("\x89PNG fake"))
	p, ok := b.icon.(string)
	if !ok {
		t.Fatalf("icon is %T, want a path", b.icon)
	}
	if p == "" {
		t.Fatal("empty icon path")
	}
}
