package ui

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldhq/herald/app/model"
)

// FeedsPanel lists the subscriptions with their live state and lets the user edit them.
type FeedsPanel struct {
	mgr   FeedManager
	win   fyne.Window
	feeds []model.FeedInfo
	list  *widget.List
	root  fyne.CanvasObject
	empty *widget.Label
	now   func() time.Time
	shown string // what the rows show (shownKey), so an unchanged list is not redrawn
	// lan and lanBox hold "Hubs on your network" (discovered.go).
	lan    *lanSection
	lanBox *fyne.Container
	// lastForm is the open add/edit dialog's form, lastPicker its channel picker, for tests.
	lastForm   *FeedForm
	lastPicker *widget.CheckGroup
	picking    sync.WaitGroup // a PickChannels waiting for the hub
}

// NewFeedsPanel returns the feeds panel; call Refresh to update the states.
func NewFeedsPanel(mgr FeedManager, win fyne.Window) *FeedsPanel {
	p := &FeedsPanel{mgr: mgr, win: win, now: time.Now}
	p.list = widget.NewList(
		func() int { return len(p.feeds) },
		p.createRow,
		func(id widget.ListItemID, o fyne.CanvasObject) { p.updateRow(id, o) })
	p.list.OnSelected = func(id widget.ListItemID) {
		p.list.UnselectAll()
		if id < len(p.feeds) && !p.feeds[id].Own {
			p.EditDialog(p.feeds[id].Config)
		}
	}
	add := widget.NewButtonWithIcon("Add feed", theme.ContentAddIcon(), func() { p.EditDialog(model.FeedConfig{Enabled: true}) })
	add.Importance = widget.HighImportance
	title := widget.NewLabelWithStyle("Subscriptions", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	hint := widget.NewLabel("Remote hubs and any SSE endpoint. Tap a feed to edit it.")
	hint.Importance = widget.LowImportance
	p.empty = widget.NewLabel("No remote feeds yet. Add a teammate's hub, a CI server or any SSE endpoint.")
	p.empty.Importance = widget.LowImportance
	head := container.NewBorder(nil, nil, container.NewVBox(title, hint), container.NewVBox(add))
	p.empty.Alignment = fyne.TextAlignCenter
	p.lanBox = container.NewVBox()
	p.root = container.NewBorder(head, p.lanBox, nil, nil, container.NewStack(p.list, container.NewCenter(p.empty)))
	p.Refresh()
	return p
}

// Object returns the panel's canvas object.
func (p *FeedsPanel) Object() fyne.CanvasObject { return p.root }

// Refresh re-reads the feeds and their states, and redraws the list only when what it shows
// changed (the app calls it every second while the panel shows); it reports whether it did.
func (p *FeedsPanel) Refresh() bool {
	p.feeds = p.mgr.Feeds()
	redrew := false
	if k := p.shownKey(); k != p.shown {
		p.shown, redrew = k, true
		p.list.Refresh()
	}
	own := 0
	for _, f := range p.feeds {
		if f.Own {
			own++
		}
	}
	if len(p.feeds) > own {
		p.empty.Hide()
	} else {
		p.empty.Show()
	}
	p.refreshLAN()
	return redrew
}

// Row returns the texts shown for feed i (name, state, counters), for tests.
func (p *FeedsPanel) Row(i int) (name, state, counters string) {
	f := p.feeds[i]
	return f.Config.Name, f.Status.Text(p.now()), p.counters(f)
}

// shownKey is everything updateRow draws from, as one string: the same key, the same rows.
func (p *FeedsPanel) shownKey() string {
	var b strings.Builder
	now := p.now()
	for _, f := range p.feeds {
		fmt.Fprintf(&b, "%q %q %q %q %q %d %q %d %t;", f.Config.Name, f.Config.EventsURL(), f.Source,
			f.Status.Text(now), p.counters(f), f.Status.Phase, f.Status.Gap, f.Status.GapAt.Unix(), f.Own)
	}
	return b.String()
}

func (p *FeedsPanel) counters(f model.FeedInfo) string {
	if f.Status.Events == 0 {
		return "no events yet"
	}
	return fmt.Sprintf("%s · last %s", Plural(int(f.Status.Events), "event"), model.Ago(f.Status.LastEvent, p.now()))
}

// feedRow is one list row; a widget so updateRow finds its parts without walking a tree.
type feedRow struct {
	widget.BaseWidget
	content  fyne.CanvasObject
	dot      *widget.Icon
	name     *widget.Label
	url      *widget.Label
	state    *widget.Label
	counters *widget.Label
	remove   *widget.Button
	retry    *widget.Button // "Retry now", while retrying or failed
}

func (p *FeedsPanel) createRow() fyne.CanvasObject {
	r := &feedRow{
		dot:      widget.NewIcon(theme.MediaRecordIcon()),
		name:     widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		url:      widget.NewLabel(""),
		state:    widget.NewLabel(""),
		counters: widget.NewLabel(""),
		remove:   widget.NewButtonWithIcon("", theme.DeleteIcon(), nil),
		retry:    widget.NewButtonWithIcon("Retry now", theme.ViewRefreshIcon(), nil),
	}
	r.retry.Importance = widget.LowImportance
	r.url.Importance = widget.LowImportance
	r.url.Truncation = fyne.TextTruncateEllipsis
	r.state.Truncation = fyne.TextTruncateEllipsis
	r.counters.Importance = widget.LowImportance
	left := container.NewVBox(container.NewHBox(r.dot, r.name), r.url)
	// Trailing alignment, not a spacer: an HBox would keep the width the template's empty
	// text had.
	r.counters.Alignment = fyne.TextAlignTrailing
	right := container.NewVBox(r.state, r.counters)
	r.content = container.NewBorder(nil, nil, nil, container.NewHBox(r.retry, r.remove), container.NewGridWithColumns(2, left, right))
	r.ExtendBaseWidget(r)
	return r
}

// CreateRenderer implements fyne.Widget.
func (r *feedRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.content) }

func (p *FeedsPanel) updateRow(id widget.ListItemID, o fyne.CanvasObject) {
	if id >= len(p.feeds) {
		return
	}
	f := p.feeds[id]
	r := o.(*feedRow)
	r.name.SetText(f.Config.Name)
	u := f.Config.EventsURL()
	if un, err := url.QueryUnescape(u); err == nil {
		u = un // "channel=*" reads better than "channel=%2A"
	}
	if f.Source != "" {
		u = f.Source // a service the app knows, as such: "ntfy topic alerts on ntfy.example"
	}
	r.url.SetText(u)
	r.state.SetText(f.Status.Text(p.now()))
	r.state.Importance = phaseImportance(f.Status.Phase)
	r.counters.SetText(p.counters(f))
	r.dot.SetResource(phaseIcon(f.Status.Phase))
	if f.Status.Gap != "" && f.Status.Phase == model.PhaseLive {
		// Amber: live again, but the hub said events are gone (the log's gap row has it too).
		r.state.SetText("live · events may be missing")
		r.state.Importance = widget.WarningImportance
		r.counters.SetText("since " + f.Status.GapAt.Format("15:04") + ": " + f.Status.Gap)
		r.dot.SetResource(theme.NewWarningThemedResource(theme.MediaRecordIcon()))
	}
	r.state.Refresh()
	if ph := f.Status.Phase; !f.Own && (ph == model.PhaseRetrying || ph == model.PhaseFailed) {
		name := f.Config.Name
		r.retry.OnTapped = func() { p.Retry(name) }
		r.retry.Show()
	} else {
		r.retry.Hide()
	}
	if f.Own {
		r.remove.Hide()
	} else {
		r.remove.Show()
		name := f.Config.Name
		r.remove.OnTapped = func() {
			dialog.ShowConfirm("Remove feed", "Stop following "+name+" and forget it?", func(ok bool) {
				if ok {
					p.showErr(p.mgr.RemoveFeed(name))
					p.Refresh()
				}
			}, p.win)
		}
	}
}

// Retry reconnects a feed now instead of waiting (and starts a failed one again).
func (p *FeedsPanel) Retry(name string) {
	p.showErr(p.mgr.RetryFeed(name))
	p.Refresh()
}

func phaseImportance(ph model.Phase) widget.Importance {
	switch ph {
	case model.PhaseLive:
		return widget.SuccessImportance
	case model.PhaseRetrying, model.PhaseConnecting:
		return widget.WarningImportance
	case model.PhaseFailed:
		return widget.DangerImportance
	}
	return widget.LowImportance
}

func phaseIcon(ph model.Phase) fyne.Resource {
	switch ph {
	case model.PhaseLive:
		return theme.NewSuccessThemedResource(theme.MediaRecordIcon())
	case model.PhaseRetrying, model.PhaseConnecting:
		return theme.NewWarningThemedResource(theme.MediaRecordIcon())
	case model.PhaseFailed:
		return theme.NewErrorThemedResource(theme.MediaRecordIcon())
	}
	return theme.NewDisabledResource(theme.MediaRecordIcon())
}

func (p *FeedsPanel) showErr(err error) {
	if err != nil {
		dialog.ShowError(err, p.win)
	}
}

// FeedForm is the add/edit form's fields, exposed so tests can fill them in.
type FeedForm struct {
	Name, URL, Token, Channels, Headers *widget.Entry
	Enabled                             *widget.Check
	Err                                 *widget.Label
	// Pick lists the hub's channels to choose from (set by the feeds panel).
	Pick *widget.Button
}

// NewFeedForm returns the form filled from cfg.
func NewFeedForm(cfg model.FeedConfig) *FeedForm {
	f := &FeedForm{
		Name: widget.NewEntry(), URL: widget.NewEntry(), Token: widget.NewPasswordEntry(),
		Channels: widget.NewEntry(), Headers: widget.NewMultiLineEntry(),
		Enabled: widget.NewCheck("Connected", nil), Err: widget.NewLabel(""),
	}
	f.Name.SetText(cfg.Name)
	f.Name.SetPlaceHolder("CI server")
	f.URL.SetText(cfg.URL)
	f.URL.SetPlaceHolder("http://192.168.1.20:7878 or a teammate's invite link")
	f.URL.OnChanged = func(string) { f.takeFromURL() }
	f.Token.SetText(cfg.Token)
	f.Token.SetPlaceHolder("optional bearer token")
	f.Channels.SetText(strings.Join(cfg.Channels, ", "))
	f.Channels.SetPlaceHolder("all channels (*)   or e.g. stocks.*, alerts")
	f.Headers.SetText(model.FormatHeaders(cfg.Headers))
	f.Headers.SetPlaceHolder("X-Api-Key: …")
	f.Headers.SetMinRowsVisible(2)
	f.Enabled.SetChecked(cfg.Enabled)
	f.Err.Importance = widget.DangerImportance
	f.Err.Wrapping = fyne.TextWrapWord
	return f
}

// takeFromURL moves what a pasted invite link or /events address carries (a token,
// channels) out of the URL into their own fields, so the token is never kept in the URL.
func (f *FeedForm) takeFromURL() {
	raw := f.URL.Text
	if !strings.Contains(raw, "?") {
		return
	}
	n := model.FeedConfig{URL: raw, Token: strings.TrimSpace(f.Token.Text), Channels: model.ParseChannels(f.Channels.Text)}.Normalize()
	if n.URL == strings.TrimSpace(raw) {
		return
	}
	f.URL.SetText(n.URL) // calls takeFromURL again: nothing left to take
	f.Token.SetText(n.Token)
	f.Channels.SetText(strings.Join(n.Channels, ", "))
}

// channelsRow is the Channels entry with its "Pick…" button (when the form has a picker).
func (f *FeedForm) channelsRow() fyne.CanvasObject {
	if f.Pick == nil {
		return f.Channels
	}
	return container.NewBorder(nil, nil, nil, f.Pick, f.Channels)
}

// Config reads the form; the error says which field is wrong and how to fix it.
func (f *FeedForm) Config() (model.FeedConfig, error) {
	h, err := model.ParseHeaders(f.Headers.Text)
	if err != nil {
		return model.FeedConfig{}, err
	}
	cfg := model.FeedConfig{
		Name: strings.TrimSpace(f.Name.Text), URL: strings.TrimSpace(f.URL.Text),
		Token: strings.TrimSpace(f.Token.Text), Channels: model.ParseChannels(f.Channels.Text),
		Enabled: f.Enabled.Checked,
	}.Normalize()
	if len(h) > 0 {
		cfg.Headers = h
	}
	return cfg, cfg.Validate()
}

// Items returns the form's rows.
func (f *FeedForm) Items() []*widget.FormItem {
	return []*widget.FormItem{
		widget.NewFormItem("Name", f.Name), widget.NewFormItem("URL", f.URL),
		widget.NewFormItem("Channels", f.channelsRow()), widget.NewFormItem("Token", f.Token),
		widget.NewFormItem("Headers", f.Headers), widget.NewFormItem("", f.Enabled),
		widget.NewFormItem("", f.Err),
	}
}

// Save validates the form and hands it to the manager; it reports success and shows the
// error in the form otherwise.
func (p *FeedsPanel) Save(oldName string, f *FeedForm) bool {
	cfg, err := f.Config()
	if err == nil {
		err = p.mgr.PutFeed(oldName, cfg)
	}
	if err != nil {
		f.Err.SetText(err.Error())
		return false
	}
	f.Err.SetText("")
	p.Refresh()
	return true
}

// EditDialog opens the add/edit form for cfg (a new feed when cfg.Name is empty).
func (p *FeedsPanel) EditDialog(cfg model.FeedConfig) {
	f := NewFeedForm(cfg)
	p.lastForm = f
	f.Pick = widget.NewButtonWithIcon("Pick…", theme.ListIcon(), func() { p.PickChannels(f) })
	// An existing feed's state with its whole reason (the list cuts it), and Retry now.
	var status fyne.CanvasObject = layout.NewSpacer()
	for _, fi := range p.feeds {
		if cfg.Name != "" && fi.Config.Name == cfg.Name && !fi.Own && fi.Status.Err != "" {
			st := widget.NewLabel(fi.Status.Text(p.now()))
			st.Wrapping = fyne.TextWrapWord
			st.Importance = phaseImportance(fi.Status.Phase)
			name := cfg.Name
			retry := widget.NewButtonWithIcon("Retry now", theme.ViewRefreshIcon(), func() { p.Retry(name) })
			status = container.NewBorder(nil, nil, nil, container.NewVBox(retry), st)
		}
	}
	title := "Edit feed"
	if cfg.Name == "" {
		title = "Add feed"
	}
	var d *dialog.CustomDialog
	save := widget.NewButtonWithIcon("Save", theme.ConfirmIcon(), func() {
		if p.Save(cfg.Name, f) {
			d.Hide()
		}
	})
	save.Importance = widget.HighImportance
	cancel := widget.NewButton("Cancel", func() { d.Hide() })
	form := widget.NewForm(f.Items()...)
	d = dialog.NewCustomWithoutButtons(title, container.NewBorder(status, container.NewHBox(layout.NewSpacer(), cancel, save), nil, nil, form), p.win)
	d.Resize(fyne.NewSize(560, 460))
	d.Show()
}

// PickChannels asks the hub in f's URL for its channels (off the UI goroutine) and offers
// them to tick; the choice goes into f's Channels field. WaitPick waits for the answer.
func (p *FeedsPanel) PickChannels(f *FeedForm) {
	h, err := model.ParseHeaders(f.Headers.Text)
	if err != nil {
		f.Err.SetText(err.Error())
		return
	}
	cfg := model.FeedConfig{URL: strings.TrimSpace(f.URL.Text), Token: strings.TrimSpace(f.Token.Text), Headers: h}
	f.Err.SetText("Asking the hub for its channels…")
	p.picking.Add(1)
	go func() {
		defer p.picking.Done()
		names, err := p.mgr.HubChannels(context.Background(), cfg)
		fyne.Do(func() {
			if err != nil {
				f.Err.SetText(err.Error())
				return
			}
			f.Err.SetText("")
			p.showPicker(f, names)
		})
	}()
}

// WaitPick waits for the hub's answer to PickChannels (tests).
func (p *FeedsPanel) WaitPick() { p.picking.Wait() }

func (p *FeedsPanel) showPicker(f *FeedForm, names []string) {
	opts := append([]string{model.AllChannels}, names...)
	cg := widget.NewCheckGroup(opts, nil)
	for _, c := range model.ParseChannels(f.Channels.Text) {
		if slices.Contains(opts, c) {
			cg.Selected = append(cg.Selected, c)
		}
	}
	note := "* is every channel, now and later. The hub lists these channels:"
	if len(names) == 0 {
		note = "The hub lists no channels yet (none subscribed or published since it started); * follows every one."
	}
	intro := widget.NewLabel(note)
	intro.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm("Channels on this hub", "Use", "Cancel",
		container.NewBorder(intro, nil, nil, nil, container.NewVScroll(cg)), func(ok bool) {
			if ok {
				sel := cg.Selected
				if slices.Contains(sel, model.AllChannels) {
					sel = []string{model.AllChannels}
				}
				f.Channels.SetText(strings.Join(sel, ", "))
			}
		}, p.win)
	d.Resize(fyne.NewSize(420, 420))
	d.Show()
	p.lastPicker = cg
}
