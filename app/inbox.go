package app

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"

	"github.com/heraldhq/herald/app/model"
	"github.com/heraldhq/herald/app/notify"
	"github.com/heraldhq/herald/app/ui"
)

// historyNotifier keeps every notification the app shows in the history (numbered there, so
// a click on it finds it) before handing it on.
type historyNotifier struct {
	next  notify.Notifier
	inbox *model.Inbox
}

func (h historyNotifier) Notify(n model.Notification) error {
	n.ID = h.inbox.Add(n, time.Now())
	return h.next.Notify(n)
}

// openNotification is a click on a notification: the window comes to the front on the
// event it is about (its detail open on the Live panel), or on the history when it is
// about no single event (a price alert, a recap).
func (d *desktop) openNotification(n model.Notification) {
	d.inbox.MarkRead(n.ID)
	d.bringToFront()
	if n.Source != nil {
		d.tabs.SelectIndex(0)
		d.logP.ShowEvent(*n.Source)
	} else if n.Tab != "" {
		d.openTab(n.Tab) // feedwatch.go
	} else {
		d.showHistory()
	}
	d.showUnread()
}

// showHistory lists the last notifications shown; opening it marks them read.
func (d *desktop) showHistory() {
	items := d.inbox.List()
	d.inbox.MarkAllRead()
	var dlg dialog.Dialog
	list := ui.NewHistoryList(items, time.Now(), func(s model.Shown) {
		dlg.Hide()
		if s.Source != nil {
			d.tabs.SelectIndex(0)
			d.logP.ShowEvent(*s.Source)
		}
	})
	dlg = dialog.NewCustom(fmt.Sprintf("Notifications (last %d kept)", model.DefaultInboxCap), "Close", list, d.win)
	dlg.Resize(fyne.NewSize(680, 480))
	dlg.Show()
	d.showUnread()
}

// showUnread puts the unread count in the window title and the tray menu.
func (d *desktop) showUnread() {
	n := d.inbox.Unread()
	title := "Herald"
	if n > 0 {
		title = fmt.Sprintf("Herald (%d unread)", n)
	}
	if d.win.Title() != title {
		d.win.SetTitle(title)
	}
	d.tray.showUnread(n)
}
