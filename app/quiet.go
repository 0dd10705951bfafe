package app

import (
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldhq/herald/app/model"
)

// quiet is do not disturb as the engine holds it.
func (d *desktop) quiet() model.Quiet {
	d.engMu.Lock()
	defer d.engMu.Unlock()
	return d.engine.Quiet()
}

// setQuiet switches do not disturb as q says (timed or not, critical alerts let through or
// not) and keeps it.
func (d *desktop) setQuiet(q model.Quiet) {
	d.settingsP.SetDND(q.On) // through settingsChanged: the panel, the engine, the settings
	d.engMu.Lock()
	d.engine.DND, d.engine.DNDUntil, d.engine.DNDLetCritical = q.On, q.Until, q.LetCritical
	d.engMu.Unlock()
	d.prefs.update(func(s *model.Settings) { s.DND, s.DNDUntil, s.DNDLetCritical = q.On, q.Until, q.LetCritical })
	d.showDND(q.On)
	d.tray.sync()
}

// expireQuiet turns a timed do not disturb off once its time has come (the one-second tick).
func (d *desktop) expireQuiet(now time.Time) {
	if q := d.quiet(); q.Expired(now) {
		q.On, q.Until = false, time.Time{}
		d.setQuiet(q)
	}
}

// quietItems are the do not disturb choices, for the tray's "Pause for" menu and the status
// bar's button.
func (d *desktop) quietItems() []*fyne.MenuItem {
	q := d.quiet()
	now := time.Now()
	hour := fyne.NewMenuItem("For 1 hour", func() { d.setQuiet(d.quiet().For(time.Hour, time.Now())) })
	tomorrow := fyne.NewMenuItem("Until tomorrow 08:00", func() { d.setQuiet(d.quiet().UntilTomorrow(time.Now())) })
	always := fyne.NewMenuItem("Until I turn it back on", func() {
		q := d.quiet()
		q.On, q.Until = true, time.Time{}
		d.setQuiet(q)
	})
	always.Checked = q.Active(now) && q.Until.IsZero()
	resume := fyne.NewMenuItem("Resume notifications", func() {
		q := d.quiet()
		q.On, q.Until = false, time.Time{}
		d.setQuiet(q)
	})
	resume.Disabled = !q.Active(now)
	critical := fyne.NewMenuItem("Let critical alerts through", func() {
		q := d.quiet()
		q.LetCritical = !q.LetCritical
		d.setQuiet(q)
	})
	critical.Checked = q.LetCritical
	return []*fyne.MenuItem{hour, tomorrow, always, fyne.NewMenuItemSeparator(), critical, fyne.NewMenuItemSeparator(), resume}
}

// showQuietMenu opens the do not disturb choices above the status bar's button.
func (d *desktop) showQuietMenu() {
	c := d.win.Canvas()
	m := widget.NewPopUpMenu(fyne.NewMenu("", d.quietItems()...), c)
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(d.dndBtn)
	m.ShowAtPosition(pos.Subtract(fyne.NewPos(m.MinSize().Width-d.dndBtn.Size().Width, m.MinSize().Height)))
}

// showQuiet labels the status bar's button with what is in effect ("Do not disturb until
// 15:00").
func (d *desktop) showQuiet() {
	q := d.quiet()
	// The status bar is narrow: the tray and the menu say the rest.
	d.dndBtn.SetText(strings.Replace(q.Describe(time.Now()), " · critical alerts let through", " (critical let through)", 1))
	if q.Active(time.Now()) {
		d.dndBtn.SetIcon(theme.VolumeMuteIcon())
	} else {
		d.dndBtn.SetIcon(theme.VolumeUpIcon())
	}
}
