package model

import (
	"sync"
	"time"
)

// DefaultInboxCap is how many shown notifications the history keeps.
const DefaultInboxCap = 50

// Shown is one notification the app showed: when, and under which id (the one a click on it
// names).
type Shown struct {
	ID   uint64
	Time time.Time
	Notification
	Read bool
}

// Inbox is the history of the notifications shown, newest first, with an unread count
// (shown since the user last looked). It is safe for concurrent use: notifications go out
// from the batcher and the one-second tick, the UI reads it.
type Inbox struct {
	mu     sync.Mutex
	cap    int
	seq    uint64
	items  []Shown // oldest first
	unread int
}

// NewInbox keeps the last capacity notifications (DefaultInboxCap when <= 0).
func NewInbox(capacity int) *Inbox {
	if capacity <= 0 {
		capacity = DefaultInboxCap
	}
	return &Inbox{cap: capacity}
}

// Add records n as shown at now and returns its id.
func (b *Inbox) Add(n Notification, now time.Time) uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seq++
	n.ID = b.seq
	b.items = append(b.items, Shown{ID: b.seq, Time: now, Notification: n})
	if len(b.items) > b.cap {
		if !b.items[0].Read {
			b.unread--
		}
		b.items = append(b.items[:0], b.items[1:]...)
	}
	b.unread++
	return b.seq
}

// Get returns the notification with id, if it is still kept.
func (b *Inbox) Get(id uint64) (Shown, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, s := range b.items {
		if s.ID == id {
			return s, true
		}
	}
	return Shown{}, false
}

// List returns the kept notifications, newest first.
func (b *Inbox) List() []Shown {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]Shown, len(b.items))
	for i, s := range b.items {
		out[len(out)-1-i] = s
	}
	return out
}

// Unread returns how many kept notifications the user has not seen in the app.
func (b *Inbox) Unread() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.unread
}

// MarkRead marks one notification seen (its click opened it).
func (b *Inbox) MarkRead(id uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := range b.items {
		if b.items[i].ID == id && !b.items[i].Read {
			b.items[i].Read = true
			b.unread--
		}
	}
}

// MarkAllRead marks every kept notification seen (the history was opened).
func (b *Inbox) MarkAllRead() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := range b.items {
		b.items[i].Read = true
	}
	b.unread = 0
}
