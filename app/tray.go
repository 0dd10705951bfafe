package app

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	fynedesktop "fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldhq/herald/app/model"
	"github.com/heraldhq/herald/assets"
)

// trayMenu is the system tray's menu: show/hide, pause notifications, hub on/off (Fyne adds
// Quit). Without a tray (no desktop.App), closing the window quits.
type trayMenu struct {
	d          *desktop
	menu       *fyne.Menu
	show, dnd  *fyne.MenuItem
	hub        *fyne.MenuItem
	history    *fyne.MenuItem // "Notifications (N unread)…" (inbox.go)
	pauseFor   *fyne.MenuItem // timed do not disturb (quiet.go)
	login      *fyne.MenuItem // start at login (login.go)
	down       *fyne.MenuItem // "⚠ 1 feed down: teammate", while one is (feedwatch.go)
	unread     int
	desk       fynedesktop.App
	registered bool
	shown      string // menuState of what the tray shows now (see refresh)
}

func (d *desktop) setupTray() {
	t := &trayMenu{d: d}
	d.tray = t
	desk, ok := d.app.(fynedesktop.App)
	if !ok {
		return
	}
	t.desk, t.registered = desk, true
	t.show = fyne.NewMenuItem("Hide window", func() { d.setVisible(!d.visible.Load()) })
	t.dnd = fyne.NewMenuItem("Pause notifications", func() { d.setDND(!d.settingsP.Settings().DND) })
	t.hub = fyne.NewMenuItem("Hub on", func() {
		// Through the hub panel, so the restart runs off the UI goroutine like Apply does.
		s := d.hub.HubSettings()
		s.Enabled = !s.Enabled
		d.hubP.ApplySettings(s)
		t.sync()
	})
	t.history = fyne.NewMenuItem("Notifications…", d.showHistory)
	t.pauseFor = fyne.NewMenuItem("Pause for", nil)
	t.pauseFor.ChildMenu = fyne.NewMenu("", d.quietItems()...)
	t.login = fyne.NewMenuItem("Start at login", func() { d.setStartAtLogin(!d.startsAtLogin()) })
	t.menu = fyne.NewMenu("Herald", t.show, t.history, t.dnd, t.pauseFor, t.hub, t.login)
	desk.SetSystemTrayMenu(t.menu)
	desk.SetSystemTrayIcon(fyne.NewStaticResource("icon.png", assets.Icon))
	t.sync()

	d.win.SetCloseIntercept(d.closeWindow)
}

// trayHost reports whether a tray host shows the icon; tests replace it.
var trayHost = trayHostRunning

// hintTitle is the one-time notification's title when closing the window hides it.
const hintTitle = "Herald is still running"

// closeWindow is what closing the window does once the tray is set up: hide to the tray,
// telling the user so the first time ever (kept in preferences); without a tray host to
// come back from, ask before quitting, since quitting also stops the hub and the feeds.
func (d *desktop) closeWindow() {
	if !trayHost() {
		d.askQuit()
		return
	}
	d.setVisible(false)
	first := false
	d.prefs.update(func(s *model.Settings) { first, s.HintShown = !s.HintShown, true })
	if first {
		d.notify.Notify(model.Notification{Title: hintTitle,
			Body: "It keeps watching your feeds from the tray. Choose Quit in the tray menu to stop it."})
	}
}

// sync shows the current states in the menu.
func (t *trayMenu) sync() {
	if t == nil || !t.registered {
		return
	}
	if t.d.visible.Load() {
		t.show.Label = "Hide window"
	} else {
		t.show.Label = "Show window"
	}
	t.dnd.Checked = t.d.settingsP.Settings().DND
	t.hub.Checked = t.d.hub.HubSettings().Enabled
	t.pauseFor.ChildMenu.Items = t.d.quietItems()
	t.login.Checked = t.d.startsAtLogin()
	t.refresh()
}

// refresh republishes the menu only when what it shows changed. Fyne rebuilds the whole
// tray menu on every Refresh (new item ids, items re-added one by one over D-Bus), so a
// needless rebuild makes a desktop shell's click on an id it has just read land on a
// vanished item ("systray error: no menu item with ID n") or be dropped.
func (t *trayMenu) refresh() {
	if st := menuState(t.menu); st != t.shown {
		t.shown = st
		t.menu.Refresh()
	}
}

// menuState describes what a menu shows: labels, checks, enabled states and submenus.
func menuState(m *fyne.Menu) string {
	if m == nil {
		return ""
	}
	var b strings.Builder
	for _, i := range m.Items {
		fmt.Fprintf(&b, "%q %t %t %t [%s];", i.Label, i.Checked, i.Disabled, i.IsSeparator, menuState(i.ChildMenu))
	}
	return b.String()
}

// bringToFront shows the window and asks the window manager to raise and focus it (a second
// launch of the app asks for this).
func (d *desktop) bringToFront() {
	d.setVisible(true)
	d.win.RequestFocus()
}

func (d *desktop) setVisible(v bool) {
	d.visible.Store(v)
	if v {
		d.win.Show()
		d.win.RequestFocus()
		d.refreshAll()
	} else {
		d.win.Hide()
	}
	d.tray.sync()
}

// askQuit asks whether to quit when there is no tray to keep the app in, saying what stops
// with it (the hub and who is connected to it, the feeds).
func (d *desktop) askQuit() {
	if d.quitAsk != nil {
		return // already asking
	}
	d.log.Info("closing the window: no tray host to keep running in, asking whether to quit")
	st := d.hub.HubStatus()
	msg := widget.NewLabel(model.QuitWarning(st, d.hub.HubSettings().LAN, len(d.feeds.Configs())))
	msg.Wrapping = fyne.TextWrapWord
	d.quitAsk = dialog.NewCustomConfirm("Quit Herald?", "Quit", "Keep running", msg, d.answerQuit, d.win)
	d.quitAsk.Resize(fyne.NewSize(460, 220))
	d.quitAsk.Show()
}

// answerQuit is the quit question's answer.
func (d *desktop) answerQuit(quit bool) {
	d.quitAsk = nil
	if quit {
		d.app.Quit()
	}
}

// showUnread names the unread count in the menu ("Notifications (3 unread)…").
func (t *trayMenu) showUnread(n int) {
	if t == nil || !t.registered || n == t.unread {
		return
	}
	t.unread = n
	t.history.Label = "Notifications…"
	if n > 0 {
		t.history.Label = fmt.Sprintf("Notifications (%d unread)…", n)
	}
	t.refresh()
}
