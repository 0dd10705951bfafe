package ui

import (
	"fmt"
	"io"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldhq/herald/app/model"
)

const (
	allFeeds = "All feeds"
	allTypes = "All types"
)

// columns of the event table: title and width. Data takes what the others leave (at least
// its width here), so a narrow window cuts off the ID, not the data.
var columns = []struct {
	title string
	width float32
}{{"Time", 116}, {"Feed", 150}, {"Event", 150}, {"Data", 300}, {"ID", 172}}

// The columns' positions, by name.
const (
	colTime = iota
	colFeed
	colEvent
	colData
	colID
)

// EventLog is the virtualised event table with its filter bar.
type EventLog struct {
	log    *model.Log
	win    fyne.Window
	filter model.Filter
	rows   []model.Event
	seen   uint64 // log sequence shown
	dirty  bool
	table  *widget.Table
	// tableObj is the table as it sits in the window (an enterTable), so keys typed while
	// it has the focus reach its TypedKey.
	tableObj fyne.CanvasObject
	feedSel  *widget.Select
	typeSel  *widget.Select
	search   *widget.Entry
	pause    *widget.Button
	status   *widget.Label
	root     fyne.CanvasObject
	// detailLines is the open detail dialog's text, for tests.
	detailLines *widget.List

	// filterBar shows, while a filter is on, what it keeps and how much it hides, with a
	// button to clear it: a filter kept from the last run must not look like an empty log.
	filterBar   *fyne.Container
	filterText  *widget.Label
	ClearFilter *widget.Button

	// OnFilterChanged, when set, is told the filter the user picked (to keep it).
	OnFilterChanged func(model.Filter)
}

// NewEventLog returns the event log panel; win hosts its dialogs.
func NewEventLog(log *model.Log, win fyne.Window, initial model.Filter) *EventLog {
	l := &EventLog{log: log, win: win, filter: initial, dirty: true}
	keyed := &enterTable{}
	keyed.Length = func() (int, int) { return len(l.rows), len(columns) }
	keyed.CreateCell = func() fyne.CanvasObject {
		lb := widget.NewLabel("")
		lb.Truncation = fyne.TextTruncateEllipsis
		return lb
	}
	keyed.UpdateCell = l.updateCell
	keyed.ShowHeaderRow = true
	keyed.ExtendBaseWidget(keyed)
	l.table, l.tableObj = &keyed.Table, keyed
	l.table.CreateHeader = func() fyne.CanvasObject {
		lb := widget.NewLabel("")
		lb.TextStyle = fyne.TextStyle{Bold: true}
		return lb
	}
	l.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 {
			o.(*widget.Label).SetText(columns[id.Col].title)
		}
	}
	for i, c := range columns {
		l.table.SetColumnWidth(i, c.width)
	}
	l.table.OnSelected = func(id widget.TableCellID) {
		if id.Row >= 0 && id.Row < len(l.rows) {
			l.ShowEvent(l.rows[id.Row])
		}
		l.table.UnselectAll()
	}

	l.feedSel = widget.NewSelect([]string{allFeeds}, func(s string) { l.setFilter(func(f *model.Filter) { f.Feed = unAll(s, allFeeds) }) })
	l.typeSel = widget.NewSelect([]string{allTypes}, func(s string) { l.setFilter(func(f *model.Filter) { f.Type = unAll(s, allTypes) }) })
	l.selectIn(l.feedSel, initial.Feed, allFeeds)
	l.selectIn(l.typeSel, initial.Type, allTypes)
	l.search = widget.NewEntry()
	l.search.SetPlaceHolder("Search feed, event, id or data…")
	l.search.ActionItem = widget.NewIcon(theme.SearchIcon())
	l.search.SetText(initial.Text)
	l.search.OnChanged = func(s string) { l.setFilter(func(f *model.Filter) { f.Text = s }) }
	l.pause = widget.NewButtonWithIcon("Pause", theme.MediaPauseIcon(), l.TogglePause)
	clearBtn := widget.NewButtonWithIcon("Clear", theme.DeleteIcon(), l.Clear)
	export := widget.NewButtonWithIcon("Export", theme.DocumentSaveIcon(), l.exportDialog)
	l.status = widget.NewLabel("")
	l.status.Importance = widget.LowImportance
	l.filterText = widget.NewLabel("")
	l.filterText.Importance = widget.WarningImportance
	l.filterText.Truncation = fyne.TextTruncateEllipsis
	l.ClearFilter = widget.NewButtonWithIcon("Show all", theme.ContentClearIcon(), func() { l.SetFilter(model.Filter{}) })
	l.filterBar = container.NewBorder(nil, nil, widget.NewIcon(theme.NewWarningThemedResource(theme.SearchIcon())), l.ClearFilter, l.filterText)

	filters := container.NewBorder(nil, nil,
		container.NewHBox(l.feedSel, l.typeSel), container.NewHBox(l.pause, clearBtn, export), l.search)
	l.root = container.NewBorder(container.NewVBox(filters, l.filterBar), l.status, nil, nil, newFitColumns(l.table, l.tableObj))
	l.Refresh()
	return l
}

// Object returns the panel's canvas object.
func (l *EventLog) Object() fyne.CanvasObject { return l.root }

// Rows returns the events the table shows now, newest first (for tests and export).
func (l *EventLog) Rows() []model.Event { return l.rows }

// Filter returns the filter in effect.
func (l *EventLog) Filter() model.Filter { return l.filter }

func unAll(s, all string) string {
	if s == all {
		return ""
	}
	return s
}

func orAll(s, all string) string {
	if s == "" {
		return all
	}
	return s
}

func (l *EventLog) setFilter(change func(*model.Filter)) {
	old := l.filter
	change(&l.filter)
	if l.filter == old {
		return
	}
	l.dirty = true
	l.Refresh()
	if l.OnFilterChanged != nil {
		l.OnFilterChanged(l.filter)
	}
}

// SetFilter applies a filter as if the user had picked it.
func (l *EventLog) SetFilter(f model.Filter) {
	l.selectIn(l.feedSel, f.Feed, allFeeds)
	l.selectIn(l.typeSel, f.Type, allTypes)
	l.search.SetText(f.Text)
}

// selectIn selects v (all when empty), adding it to the choices first: a kept filter may
// name a feed or type that has not sent anything yet in this run.
func (l *EventLog) selectIn(s *widget.Select, v, all string) {
	s.SetOptions(withChoice(s.Options, orAll(v, all)))
	s.SetSelected(orAll(v, all))
}

func withChoice(opts []string, v string) []string {
	for _, o := range opts {
		if o == v {
			return opts
		}
	}
	return append(opts, v)
}

// TogglePause freezes or unfreezes the table; events keep arriving in the log meanwhile.
func (l *EventLog) TogglePause() {
	p, _ := l.log.Paused()
	l.log.SetPaused(!p)
	if p {
		l.pause.SetText("Pause")
		l.pause.SetIcon(theme.MediaPauseIcon())
		l.pause.Importance = widget.MediumImportance
	} else {
		l.pause.SetText("Resume")
		l.pause.SetIcon(theme.MediaPlayIcon())
		l.pause.Importance = widget.WarningImportance
	}
	l.pause.Refresh()
	l.dirty = true
	l.Refresh()
}

// Clear empties the log.
func (l *EventLog) Clear() {
	l.log.Clear()
	l.dirty = true
	l.Refresh()
}

// Refresh re-reads the log when it changed; the app calls it once per batch and each second
// (the paused count). It redraws only what changed and reports whether it redrew anything.
func (l *EventLog) Refresh() bool {
	seq := l.log.Seq()
	paused, pending := l.log.Paused()
	if !l.dirty && (seq == l.seen || paused) {
		return l.updateStatus(paused, pending)
	}
	l.dirty = false
	l.seen = seq
	l.rows = l.log.View(l.filter, 0)
	feeds, types := l.log.Facets()
	setOptions(l.feedSel, withChoice(append([]string{allFeeds}, feeds...), orAll(l.filter.Feed, allFeeds)))
	setOptions(l.typeSel, withChoice(append([]string{allTypes}, types...), orAll(l.filter.Type, allTypes)))
	l.table.Refresh()
	l.updateStatus(paused, pending)
	return true
}

func (l *EventLog) updateStatus(paused bool, pending uint64) bool {
	s := fmt.Sprintf("%s shown · %d kept (newest %d)", Plural(len(l.rows), "event"), l.log.Len(), l.log.Cap())
	if paused {
		s = fmt.Sprintf("Paused · %d new events waiting · ", pending) + s
	}
	redrew := SetText(l.status, s)
	if !l.filter.Active() {
		if l.filterBar.Visible() {
			l.filterBar.Hide()
			redrew = true
		}
		return redrew
	}
	if SetText(l.filterText, fmt.Sprintf("Filtered: only %s · %d of %d events shown", l.filter.Describe(), len(l.rows), l.log.Len())) {
		redrew = true
	}
	if !l.filterBar.Visible() {
		l.filterBar.Show()
		redrew = true
	}
	return redrew
}

// FilterBanner returns the filter bar's text, or "" while it is hidden (tests).
func (l *EventLog) FilterBanner() string {
	if !l.filterBar.Visible() {
		return ""
	}
	return l.filterText.Text
}

func (l *EventLog) updateCell(id widget.TableCellID, o fyne.CanvasObject) {
	lb := o.(*widget.Label)
	if id.Row >= len(l.rows) {
		lb.SetText("")
		return
	}
	e := l.rows[id.Row]
	lb.Importance = widget.MediumImportance
	lb.TextStyle = fyne.TextStyle{}
	var text string
	switch id.Col {
	case colTime:
		text = RowTime(e.Time, time.Now())
		lb.Importance = widget.LowImportance
		if e.Replayed { // from the hub's history, published while the app was closed: at its stored time
			text = "↺ " + text
			lb.TextStyle.Italic = true
		}
	case colFeed:
		text = e.Feed
		if e.Simulated() { // the demo's made-up quotes and alarms say so
			text += " · simulated"
			lb.TextStyle.Italic = true
		}
	case colEvent:
		text = e.Type
		lb.Importance = KindImportance(model.Kind(e.Type), e.Level())
		lb.TextStyle.Bold = true
	case colID:
		text = e.ID
		lb.Importance = widget.LowImportance
	case colData:
		text = e.Preview(160)
		lb.TextStyle.Monospace = true
	}
	if model.IsControl(e) {
		text, lb.Importance, lb.TextStyle = controlCell(e, id.Col, text)
	}
	lb.Text = text
	lb.Refresh()
}

// controlCell styles a row of the hub's own connection events: italic, a symbol for the
// state instead of the raw type, the app's note instead of the JSON, amber for a gap.
func controlCell(e model.Event, col int, text string) (string, widget.Importance, fyne.TextStyle) {
	imp, style := widget.LowImportance, fyne.TextStyle{Italic: true}
	if e.Type == model.ControlGap {
		imp = widget.WarningImportance
	}
	switch col {
	case colEvent:
		style.Bold = true
		switch e.Type {
		case model.ControlConnected:
			text = "● connected"
		case model.ControlShutdown:
			text = "○ hub stopping"
		case model.ControlGap:
			text = "⚠ gap"
		}
	case colData:
		if e.Note != "" {
			text = e.Note
		}
	case colTime:
		return text, widget.LowImportance, fyne.TextStyle{}
	case colID:
		text = "" // the hub sends none; a client repeats the last event's (the SSE rule)
	}
	return text, imp, style
}

// fitColumns holds the event table and widens its Data column to whatever the other
// columns leave, so a wide window shows more data and a narrow one stays readable.
type fitColumns struct {
	widget.BaseWidget
	table *widget.Table
	obj   fyne.CanvasObject // the table as placed in the tree (it may extend widget.Table)
	data  float32
}

func newFitColumns(t *widget.Table, obj fyne.CanvasObject) *fitColumns {
	f := &fitColumns{table: t, obj: obj}
	f.ExtendBaseWidget(f) // before any Resize: a bare BaseWidget skips its layout
	return f
}

func (f *fitColumns) CreateRenderer() fyne.WidgetRenderer { return &fitRenderer{f: f} }

type fitRenderer struct{ f *fitColumns }

func (r *fitRenderer) Layout(size fyne.Size) {
	others := float32(0)
	for i, c := range columns {
		if i != colData {
			others += c.width
		}
	}
	// Past its minimum, Data shrinks no further and the ID column goes off the right edge
	// (the table scrolls sideways) instead.
	w := max(columns[colData].width, size.Width-others-theme.Padding()*4)
	if w != r.f.data {
		r.f.data = w
		r.f.table.SetColumnWidth(colData, w)
	}
	r.f.obj.Resize(size)
}
func (r *fitRenderer) MinSize() fyne.Size           { return r.f.table.MinSize() }
func (r *fitRenderer) Refresh()                     { r.f.table.Refresh() }
func (r *fitRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.f.obj} }
func (r *fitRenderer) Destroy()                     {}

// KindImportance picks the colour of an event type: alerts red (orange below error),
// notifications orange, stock quotes green, the hub's own events grey, messages blue.
func KindImportance(kind, level string) widget.Importance {
	switch kind {
	case "alert":
		if level == "info" || level == "warning" || level == "warn" {
			return widget.WarningImportance
		}
		return widget.DangerImportance
	case "notification":
		return widget.WarningImportance
	case "stock":
		return widget.SuccessImportance
	case "system":
		return widget.LowImportance
	}
	return widget.HighImportance
}

// detailColumns is how many monospace characters a line of the detail view holds before it
// continues on the next line.
const detailColumns = 96

// ShowEvent opens a dialog with the event pretty-printed and copy buttons. The text is a
// virtualised list of lines (wrapped in model.DetailLines), so the dialog draws only what is
// in sight and opens at once even for the largest event the hub accepts.
func (l *EventLog) ShowEvent(e model.Event) {
	lines := e.DetailLines(detailColumns)
	meta := widget.NewLabel(fmt.Sprintf("%s%s · feed %s · id %s · %s, %s", e.Time.Format("2006-01-02 15:04:05.000"),
		arrivedNote(e), e.Feed, orDash(e.ID), formatBytes(len(e.Data)), Plural(len(lines), "line")))
	meta.Importance = widget.LowImportance
	meta.Truncation = fyne.TextTruncateEllipsis
	body := widget.NewList(func() int { return len(lines) },
		func() fyne.CanvasObject {
			lb := widget.NewLabel("")
			lb.TextStyle = fyne.TextStyle{Monospace: true}
			return lb
		},
		func(id widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(lines[id]) })
	body.HideSeparators = true
	body.OnSelected = func(widget.ListItemID) { body.UnselectAll() }
	l.detailLines = body
	// "Copy all" copies the indented text itself, not the drawn lines: those are cut at
	// detailColumns for the screen, and a copy must not gain line breaks inside a value.
	cpAll := widget.NewButtonWithIcon("Copy all", theme.ContentCopyIcon(), func() {
		fyne.CurrentApp().Clipboard().SetContent(e.Pretty())
	})
	cpRaw := widget.NewButtonWithIcon("Copy raw data", theme.ContentCopyIcon(), func() {
		fyne.CurrentApp().Clipboard().SetContent(e.Data)
	})
	content := container.NewBorder(meta, container.NewHBox(cpAll, cpRaw), nil, nil, body)
	d := dialog.NewCustom(e.Type+" from "+e.Feed, "Close", content, l.win)
	d.Resize(fyne.NewSize(900, 560))
	d.Show()
}

// RowTime is a row's time as the log's Time column shows it: "14:03:05" today, "Sun 14:03"
// within the week, "6 Dec 14:03" before (a replayed event may be from days ago).
func RowTime(t, now time.Time) string {
	y, m, d := t.Date()
	if y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04:05")
	}
	if now.Sub(t) < 6*24*time.Hour && t.Before(now) {
		return t.Format("Mon 15:04")
	}
	return t.Format("2 Jan 15:04")
}

// arrivedNote says, in the detail, that an event was replayed and when it arrived here,
// when that differs from the time the hub stored it.
func arrivedNote(e model.Event) string {
	var s string
	if e.Replayed {
		s = " (stored by the hub; replayed"
	} else if !e.Received.IsZero() {
		s = " (stored by the hub"
	} else {
		return ""
	}
	if !e.Received.IsZero() {
		s += ", received " + e.Received.Format("15:04:05")
	}
	return s + ")"
}

// formatBytes says how big data is, e.g. "812 bytes", "62.1 KB".
func formatBytes(n int) string {
	if n < 1000 {
		return Plural(n, "byte")
	}
	return fmt.Sprintf("%.1f KB", float64(n)/1000)
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// Export writes the events the table shows (filter applied) as JSON lines, oldest first.
func (l *EventLog) Export(w io.Writer) error { return model.WriteJSONLines(w, l.rows) }

func (l *EventLog) exportDialog() {
	d := dialog.NewFileSave(func(wc fyne.URIWriteCloser, err error) {
		if err != nil {
			dialog.ShowError(err, l.win)
			return
		}
		if wc == nil {
			return // cancelled
		}
		err = l.Export(wc)
		if cerr := wc.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			dialog.ShowError(fmt.Errorf("could not write %s: %w; pick another folder", wc.URI().Name(), err), l.win)
		}
	}, l.win)
	d.SetFileName("herald-events.jsonl")
	d.Show()
}

// setOptions replaces a select's choices only when they changed (a refresh per batch would
// otherwise redraw both selects 20 times a second).
func setOptions(s *widget.Select, opts []string) {
	if len(opts) == len(s.Options) {
		same := true
		for i := range opts {
			if opts[i] != s.Options[i] {
				same = false
				break
			}
		}
		if same {
			return
		}
	}
	s.SetOptions(opts)
}

// enterTable is the event table with Enter (and keypad Enter) opening the focused row, as
// Space does in Fyne's table: people expect Enter to open what the arrows moved to.
type enterTable struct{ widget.Table }

// TypedKey opens the focused row on Enter and hands every other key to the table.
func (t *enterTable) TypedKey(e *fyne.KeyEvent) {
	if e.Name == fyne.KeyReturn || e.Name == fyne.KeyEnter {
		e = &fyne.KeyEvent{Name: fyne.KeySpace, Physical: e.Physical}
	}
	t.Table.TypedKey(e)
}
