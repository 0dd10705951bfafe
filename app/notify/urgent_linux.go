//go:build linux

package notify

import (
	"fmt"

	"github.com/gen2brain/beeep"
	"github.com/godbus/dbus/v5"
)

// sendUrgent shows an urgent notification that stays until the user dismisses it: urgency
// critical and an expire timeout of 0 ("never", by the Desktop Notifications spec). beeep
// sends every notification with a fixed 5 s timeout, so a critical alert vanished before
// anyone saw it.
func sendUrgent(title, body string, icon any) error {
	conn, err := dbus.SessionBus()
	if err != nil {
		return fmt.Errorf("session bus: %w", err)
	}
	path, _ := icon.(string) // a path; icon bytes go without an icon rather than as pixels
	hints := map[string]dbus.Variant{
		"urgency":    dbus.MakeVariant(byte(2)),
		"sound-name": dbus.MakeVariant("bell"),
	}
	obj := conn.Object("org.freedesktop.Notifications", "/org/freedesktop/Notifications")
	return obj.Call("org.freedesktop.Notifications.Notify", 0,
		beeep.AppName, uint32(0), path, title, body, []string{}, hints, int32(0)).Err
}
