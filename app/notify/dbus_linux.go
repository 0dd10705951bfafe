//go:build linux

package notify

import (
	"context"
	"fmt"
	"sync"

	"github.com/gen2brain/beeep"
	"github.com/godbus/dbus/v5"

	"github.com/heraldhq/herald/app/model"
)

const (
	notifyDest  = "org.freedesktop.Notifications"
	notifyPath  = dbus.ObjectPath("/org/freedesktop/Notifications")
	notifyIface = "org.freedesktop.Notifications"
)

// sentCap bounds how many sent notifications a click can still find (the daemon's ids).
const sentCap = 256

// clicks remembers the notifications sent over D-Bus by the daemon's id, so an
// ActionInvoked signal for one of them opens it.
type clicks struct {
	mu    sync.Mutex
	sent  map[uint32]model.Notification
	order []uint32
}

func (c *clicks) remember(id uint32, n model.Notification) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sent == nil {
		c.sent = map[uint32]model.Notification{}
	}
	if _, ok := c.sent[id]; !ok {
		c.order = append(c.order, id)
	}
	c.sent[id] = n
	if len(c.order) > sentCap {
		delete(c.sent, c.order[0])
		c.order = c.order[1:]
	}
}

func (c *clicks) take(id uint32) (model.Notification, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.sent[id]
	return n, ok
}

// native sends n to the session's notification server itself, with a default action
// ("Open"), so clicking it reaches Listen; beeep sends no actions. Urgent ones are critical
// and never expire (0: "never", by the Desktop Notifications spec; beeep's fixed 5 s made a
// critical alert vanish before anyone saw it); ordinary ones last as long as the server
// likes (-1).
func (b *Beeep) native(n model.Notification) error {
	conn, err := dbus.SessionBus()
	if err != nil {
		return fmt.Errorf("session bus: %w", err)
	}
	path, _ := b.icon.(string) // a path; icon bytes go without an icon rather than as pixels
	hints := map[string]dbus.Variant{"urgency": dbus.MakeVariant(byte(1))}
	timeout := int32(-1)
	if n.Urgent {
		hints["urgency"] = dbus.MakeVariant(byte(2))
		hints["sound-name"] = dbus.MakeVariant("bell")
		timeout = 0
	}
	var id uint32
	err = conn.Object(notifyDest, notifyPath).Call(notifyIface+".Notify", 0,
		beeep.AppName, uint32(0), path, n.Title, n.Body, []string{"default", "Open"}, hints, timeout).Store(&id)
	if err != nil {
		return err
	}
	b.clicks.remember(id, n)
	return nil
}

// Listen calls open with the notification the user clicked (the server's ActionInvoked
// signal for one this Beeep sent), until ctx ends. It returns at once with an error when
// there is no session bus.
func (b *Beeep) Listen(ctx context.Context, open func(model.Notification)) error {
	conn, err := dbus.SessionBus()
	if err != nil {
		return fmt.Errorf("session bus: %w", err)
	}
	match := []dbus.MatchOption{dbus.WithMatchInterface(notifyIface), dbus.WithMatchMember("ActionInvoked"), dbus.WithMatchObjectPath(notifyPath)}
	if err := conn.AddMatchSignal(match...); err != nil {
		return fmt.Errorf("listening for notification clicks: %w", err)
	}
	ch := make(chan *dbus.Signal, 16)
	conn.Signal(ch)
	go func() {
		defer func() {
			conn.RemoveSignal(ch)
			conn.RemoveMatchSignal(match...)
		}()
		for {
			select {
			case <-ctx.Done():
				return
			case s, ok := <-ch:
				if !ok || s == nil {
					return // the bus connection closed (the app is quitting)
				}
				if s.Name != notifyIface+".ActionInvoked" || len(s.Body) < 2 {
					continue
				}
				id, _ := s.Body[0].(uint32)
				if n, ok := b.clicks.take(id); ok {
					open(n)
				}
			}
		}
	}()
	return nil
}
