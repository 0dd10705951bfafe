package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldhq/herald/app/model"
)

// NewHistoryList lists shown notifications, newest first: time, title (bold while unread,
// a warning icon for urgent ones) and the body's first line. Choosing one calls open.
func NewHistoryList(items []model.Shown, now time.Time, open func(model.Shown)) fyne.CanvasObject {
	if len(items) == 0 {
		empty := widget.NewLabel("No notifications yet. Those the app shows are listed here, newest first.")
		empty.Wrapping = fyne.TextWrapWord
		return empty
	}
	list := widget.NewList(func() int { return len(items) },
		func() fyne.CanvasObject {
			when := widget.NewLabel("00:00:00")
			when.Importance = widget.LowImportance
			title := widget.NewLabel("")
			title.Truncation = fyne.TextTruncateEllipsis
			body := widget.NewLabel("")
			body.Truncation = fyne.TextTruncateEllipsis
			body.Importance = widget.LowImportance
			// The icon and the time line up with the title (the top line), not the row's middle.
			left := container.NewVBox(container.NewHBox(widget.NewIcon(theme.InfoIcon()), when))
			return container.NewBorder(nil, nil, left, nil, container.NewVBox(title, body))
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			s := items[id]
			row := o.(*fyne.Container)
			text := row.Objects[0].(*fyne.Container)
			left := row.Objects[1].(*fyne.Container).Objects[0].(*fyne.Container)
			icon, when := left.Objects[0].(*widget.Icon), left.Objects[1].(*widget.Label)
			title, body := text.Objects[0].(*widget.Label), text.Objects[1].(*widget.Label)
			switch {
			case s.Urgent:
				icon.SetResource(theme.NewErrorThemedResource(theme.WarningIcon()))
			case s.Source != nil:
				icon.SetResource(theme.InfoIcon())
			default:
				icon.SetResource(theme.MailComposeIcon())
			}
			when.SetText(shownAt(s.Time, now))
			title.TextStyle.Bold = !s.Read
			title.SetText(s.Title)
			body.SetText(firstLine(s.Body))
			body.Hidden = s.Body == ""
		})
	list.OnSelected = func(id widget.ListItemID) {
		list.UnselectAll()
		if id >= 0 && id < len(items) {
			open(items[id])
		}
	}
	return list
}

// shownAt is the time of day for today's notifications, else the date too.
func shownAt(t, now time.Time) string {
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04:05")
	}
	return t.Format("2 Jan 15:04")
}

func firstLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i] + " …"
		}
	}
	return s
}
