package ui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldhq/herald/app/model"
	"github.com/heraldhq/herald/discovery"
)

// LANHubs is what "Hubs on your network" needs: the hubs advertising themselves on the
// local network now, or why the network cannot be searched.
type LANHubs interface {
	LANHubs() ([]discovery.Hub, error)
}

// maxLANRows is how many hubs show without scrolling.
const maxLANRows = 3

// lanSection is the Feeds panel's "Hubs on your network": each hub found with one click to
// follow all of its channels.
type lanSection struct {
	src  LANHubs
	note *widget.Label
	rows *fyne.Container
	// scroll holds rows: at most maxLANRows show at once, so a busy network cannot push
	// the feeds out of the panel.
	scroll *container.Scroll
	hubs   []discovery.Hub
	box    *fyne.Container
}

// ShowLANHubs adds "Hubs on your network" under the feeds, fed by src; Refresh updates it.
func (p *FeedsPanel) ShowLANHubs(src LANHubs) {
	title := widget.NewLabelWithStyle("Hubs on your network", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s := &lanSection{src: src, note: widget.NewLabel(""), rows: container.NewVBox()}
	s.note.Importance = widget.LowImportance
	s.note.Wrapping = fyne.TextWrapWord
	s.scroll = container.NewVScroll(s.rows)
	s.box = container.NewVBox(widget.NewSeparator(), title, s.note, s.scroll)
	p.lan = s
	p.lanBox.Objects = []fyne.CanvasObject{s.box}
	p.refreshLAN()
	p.root.Refresh() // the section's height changed: lay the panel out again
}

// LANHubRows returns the names and button labels of the hubs listed, for tests.
func (p *FeedsPanel) LANHubRows() (names, buttons []string) {
	if p.lan == nil {
		return nil, nil
	}
	for _, h := range p.lan.hubs {
		names = append(names, h.Name)
		buttons = append(buttons, p.followLabel(h))
	}
	return names, buttons
}

// LANNote returns the line above the hubs ("Looking…", or why the network cannot be searched).
func (p *FeedsPanel) LANNote() string {
	if p.lan == nil {
		return ""
	}
	return p.lan.note.Text
}

// refreshLAN redraws the list when the hubs found changed.
func (p *FeedsPanel) refreshLAN() {
	s := p.lan
	if s == nil {
		return
	}
	hubs, err := s.src.LANHubs()
	switch {
	case err != nil:
		SetText(s.note, "Cannot look for hubs: "+err.Error())
	case len(hubs) == 0:
		SetText(s.note, "Looking for Herald hubs shared on this network… none so far.")
	default:
		SetText(s.note, "Herald hubs shared on this network. Follow one to see all of its channels.")
	}
	if sameHubs(hubs, s.hubs) && len(s.rows.Objects) == len(hubs) {
		for i, h := range hubs { // a feed added or removed changes the buttons
			s.rows.Objects[i].(*lanRow).setFollow(p.followLabel(h), p.following(h))
		}
		return
	}
	s.hubs = hubs
	s.rows.Objects = s.rows.Objects[:0]
	for _, h := range hubs {
		s.rows.Add(p.newLANRow(h))
	}
	var height float32
	for i, o := range s.rows.Objects {
		if i < maxLANRows {
			height += o.MinSize().Height + theme.Padding()
		}
	}
	s.scroll.SetMinSize(fyne.NewSize(0, height))
	p.root.Refresh()
}

func sameHubs(a, b []discovery.Hub) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Instance != b[i].Instance || a[i].URL != b[i].URL || a[i].Version != b[i].Version || a[i].TokenRequired != b[i].TokenRequired {
			return false
		}
	}
	return true
}

// lanRow is one hub found: name, address and version, and the follow button.
type lanRow struct {
	widget.BaseWidget
	content fyne.CanvasObject
	follow  *widget.Button
}

func (r *lanRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.content) }

func (r *lanRow) setFollow(label string, done bool) {
	if label == r.follow.Text && done == r.follow.Disabled() {
		return // as shown: no redraw on the one-second tick
	}
	r.follow.SetText(label)
	if done {
		r.follow.SetIcon(theme.ConfirmIcon())
		r.follow.Disable()
	} else {
		r.follow.SetIcon(theme.ContentAddIcon())
		r.follow.Enable()
	}
}

func (p *FeedsPanel) newLANRow(h discovery.Hub) *lanRow {
	name := widget.NewLabelWithStyle(h.Name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	name.Truncation = fyne.TextTruncateEllipsis
	detail := h.URL
	if h.Version != "" {
		detail += " · Herald " + h.Version
	}
	if h.TokenRequired {
		detail += " · needs a token"
	}
	info := widget.NewLabel(detail)
	info.Importance = widget.LowImportance
	info.Truncation = fyne.TextTruncateEllipsis
	r := &lanRow{follow: widget.NewButtonWithIcon("", theme.ContentAddIcon(), func() { p.FollowLANHub(h) })}
	r.follow.Importance = widget.HighImportance
	r.setFollow(p.followLabel(h), p.following(h))
	r.content = container.NewBorder(nil, nil, widget.NewIcon(theme.ComputerIcon()), container.NewCenter(r.follow), container.NewVBox(name, info))
	r.ExtendBaseWidget(r)
	return r
}

func (p *FeedsPanel) followLabel(h discovery.Hub) string {
	switch {
	case p.following(h):
		return "Following"
	case h.TokenRequired:
		return "Follow with token…"
	}
	return "Follow"
}

// following says whether a feed already reads from the hub's address.
func (p *FeedsPanel) following(h discovery.Hub) bool {
	for _, f := range p.feeds {
		if !f.Own && baseURL(f.Config.URL) == baseURL(h.URL) {
			return true
		}
	}
	return false
}

func baseURL(u string) string {
	u = strings.TrimSpace(u)
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	return strings.TrimSuffix(strings.TrimSuffix(u, "/"), "/events")
}

// FollowLANHub adds a feed for every channel of h. A hub that needs a token opens the
// feed form filled in instead, so the user pastes the token the hub's owner gave them.
func (p *FeedsPanel) FollowLANHub(h discovery.Hub) {
	cfg := model.FeedConfig{Name: p.freeName(h.Name), URL: h.URL, Channels: []string{"*"}, Enabled: true}
	if h.TokenRequired {
		p.EditDialog(cfg)
		return
	}
	p.showErr(p.mgr.PutFeed("", cfg))
	p.Refresh()
}

// freeName returns name, or "name (2)", ... when a feed already has it.
func (p *FeedsPanel) freeName(name string) string {
	taken := map[string]bool{}
	for _, f := range p.feeds {
		taken[f.Config.Name] = true
	}
	out := name
	for n := 2; taken[out]; n++ {
		out = fmt.Sprintf("%s (%d)", name, n)
	}
	return out
}

// announcedNote tells, under the hub's addresses, how teammates find the hub on the LAN.
func announcedNote(name string) fyne.CanvasObject {
	l := widget.NewLabel(fmt.Sprintf("Announced on this network as \u201c%s\u201d: teammates find it under Hubs on your network in their Feeds panel, or with herald discover.", name))
	l.Importance = widget.LowImportance
	l.Wrapping = fyne.TextWrapWord
	return l
}
