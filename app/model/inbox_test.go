package model

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestInbox(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	b := NewInbox(3)
	var ids []uint64
	for i := range 4 {
		ids = append(ids, b.Add(Notification{Title: fmt.Sprint("n", i)}, now.Add(time.Duration(i)*time.Second)))
	}
	if got := b.Unread(); got != 3 {
		t.Fatalf("unread after 4 adds into 3 slots = %d, want 3", got)
	}
	l := b.List()
	if len(l) != 3 || l[0].Title != "n3" || l[2].Title != "n1" {
		t.Fatalf("list = %+v, want n3 n2 n1", l)
	}
	if _, ok := b.Get(ids[0]); ok {
		t.Error("the oldest is still kept beyond the cap")
	}
	b.MarkRead(ids[2])
	b.MarkRead(ids[2]) // twice counts once
	if s, ok := b.Get(ids[2]); !ok || !s.Read || b.Unread() != 2 {
		t.Fatalf("after MarkRead: %+v %v, unread %d; want read, 2", s, ok, b.Unread())
	}
	b.Add(Notification{Title: "n4"}, now) // pushes n1 (unread) out
	b.Add(Notification{Title: "n5"}, now) // pushes n2 (read) out
	if got := b.Unread(); got != 3 {
		t.Fatalf("unread = %d, want 3 (n3, n4, n5)", got)
	}
	b.MarkAllRead()
	if got := b.Unread(); got != 0 {
		t.Fatalf("unread after MarkAllRead = %d", got)
	}
}

func TestInboxConcurrent(t *testing.T) {
	b := NewInbox(10)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				id := b.Add(Notification{Title: "x"}, time.Now())
				b.MarkRead(id)
				_ = b.List()
				_ = b.Unread()
			}
		}()
	}
	wg.Wait()
	if got := b.Unread(); got != 0 || len(b.List()) != 10 {
		t.Fatalf("unread %d, kept %d; want 0, 10", got, len(b.List()))
	}
}
