//go:build !linux

package notify

import "errors"

// sendUrgent has no native path of its own here: beeep.Alert shows the notification (on
// Windows and macOS the system decides how long it stays).
func sendUrgent(title, body string, icon any) error {
	return errors.New("no direct urgent notifications on this OS")
}
