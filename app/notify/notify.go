// Package notify shows native OS notifications. The app depends only on the Notifier
// interface, so the choice of backend (beeep here; Fyne's own SendNotification would be the
// better path on macOS) stays in this package.
package notify

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/gen2brain/beeep"

	"github.com/heraldhq/herald/app/model"
)

// Notifier shows one notification.
type Notifier interface {
	Notify(n model.Notification) error
}

// Beeep shows notifications with gen2brain/beeep: Notify for ordinary ones (a few seconds on
// screen), and for urgent ones a critical notification that stays until dismissed, with a
// sound. On Linux that is org.freedesktop.Notifications on the
// session bus, falling back to notify-send.
type Beeep struct {
	icon   any // a path to the PNG, or the PNG bytes when the file could not be written
	clicks clicks
}

// NewBeeep sets beeep's app name and writes the icon to the user's cache folder once, so
// every notification carries a path instead of 256 KiB of pixels.
func NewBeeep(appName string, iconPNG []byte) *Beeep {
	beeep.AppName = appName
	b := &Beeep{icon: iconPNG}
	if dir, err := os.UserCacheDir(); err == nil {
		p := filepath.Join(dir, "herald", "icon.png")
		if os.MkdirAll(filepath.Dir(p), 0o755) == nil && os.WriteFile(p, iconPNG, 0o644) == nil {
			b.icon = p
		}
	}
	return b
}

// Notify implements Notifier. On Linux it talks to the notification server itself
// (dbus_linux.go: a click opens the app on the event, urgent ones stay until dismissed);
// elsewhere, or without a session bus, beeep shows it (urgent ones with beeep.Alert).
func (b *Beeep) Notify(n model.Notification) error {
	if b.native(n) == nil {
		return nil
	}
	if n.Urgent {
		return beeep.Alert(n.Title, n.Body, b.icon)
	}
	return beeep.Notify(n.Title, n.Body, b.icon)
}

// Async hands notifications to a Notifier on its own goroutine, so a slow notification
// daemon never blocks the caller; at most a few wait, the rest are dropped and logged.
type Async struct {
	next Notifier
	ch   chan model.Notification
	log  *slog.Logger
	wg   sync.WaitGroup
}

// NewAsync starts the worker; it stops when ctx ends.
func NewAsync(ctx context.Context, next Notifier, log *slog.Logger) *Async {
	a := &Async{next: next, ch: make(chan model.Notification, 16), log: log}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case n := <-a.ch:
				if err := next.Notify(n); err != nil {
					// beeep.Alert reports a failed beep (no console) after the notification
					// went out; either way there is nobody to tell but the log.
					a.log.Warn("notification", "title", n.Title, "err", err)
				}
			}
		}
	}()
	return a
}

// Notify implements Notifier; it never blocks.
func (a *Async) Notify(n model.Notification) error {
	select {
	case a.ch <- n:
	default:
		a.log.Warn("notification dropped: the notification service is not keeping up", "title", n.Title)
	}
	return nil
}

// Wait blocks until the worker has stopped (after ctx ended).
func (a *Async) Wait() { a.wg.Wait() }

// Recorder keeps notifications instead of showing them (tests, and a log of what was sent).
type Recorder struct {
	mu  sync.Mutex
	got []model.Notification
}

// Notify implements Notifier.
func (r *Recorder) Notify(n model.Notification) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, n)
	return nil
}

// Sent returns a copy of what was recorded.
func (r *Recorder) Sent() []model.Notification {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]model.Notification(nil), r.got...)
}
