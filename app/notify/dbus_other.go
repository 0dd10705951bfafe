//go:build !linux

package notify

import (
	"context"
	"errors"

	"github.com/heraldhq/herald/app/model"
)

// clicks has nothing to remember where notifications carry no actions.
type clicks struct{}

var errNoNative = errors.New("no native notifications on this OS: beeep shows them")

// native has no path of its own here: beeep shows the notification (on Windows a toast, on
// macOS through osascript), without an action to open the app; the system decides how long
// it stays.
func (b *Beeep) native(model.Notification) error { return errNoNative }

// Listen has no clicks to report on this OS; it returns at once.
func (b *Beeep) Listen(ctx context.Context, open func(model.Notification)) error {
	return errNoNative
}
