package ui

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/heraldhq/herald/app/model"
)

// portWidth fits "65535" with room to spare.
const portWidth = 110

// HubPanel controls the embedded hub and shows how teammates reach it.
type HubPanel struct {
	hub  HubControl
	win  fyne.Window
	root fyne.CanvasObject

	// The settings form, exposed for tests.
	Enabled, LAN, Demo *widget.Check
	Port, Redis        *widget.Entry
	Err                *widget.Label
	ApplyButton        *widget.Button

	// OnApplied, when set, is called on the UI goroutine after each restart finished.
	OnApplied func(error)

	busy    bool           // a restart runs in the background (UI goroutine only)
	after   func(error)    // one-shot: told when the running restart is done (UI goroutine)
	pending sync.WaitGroup // the background restart, for Wait

	state, counts *widget.Label
	urls          *fyne.Container
	qr            *canvas.Image
	shownURLs     string
	lastInvite    *widget.Button  // the open invite dialog's button, for tests
	lastWarn      *fyne.Container // the open invite dialog's "sharing is off" notice, for tests
}

// NewHubPanel returns the hub panel; call Refresh every second or so for live counts.
func NewHubPanel(hub HubControl, win fyne.Window) *HubPanel {
	p := &HubPanel{hub: hub, win: win}
	p.Enabled = widget.NewCheck("Run the hub", nil)
	p.LAN = widget.NewCheck("Share on the local network (otherwise this computer only)", nil)
	p.Demo = widget.NewCheck("Demo feeds (stocks, time, notifications, system metrics)", nil)
	p.Port = widget.NewEntry()
	p.Redis = widget.NewEntry()
	p.Redis.SetPlaceHolder("optional: redis://host:6379/0 to share channels between hubs")
	p.Err = widget.NewLabel("")
	p.Err.Importance = widget.DangerImportance
	p.Err.Wrapping = fyne.TextWrapWord
	p.load(hub.HubSettings())
	p.ApplyButton = widget.NewButtonWithIcon("Apply", theme.ConfirmIcon(), func() { p.Apply() })
	p.ApplyButton.Importance = widget.HighImportance
	form := widget.NewForm(
		// A port has five digits: a field as wide as the form would look like it wants a URL.
		widget.NewFormItem("", p.Enabled), widget.NewFormItem("Port", container.NewHBox(container.NewGridWrap(fyne.NewSize(portWidth, p.Port.MinSize().Height), p.Port))),
		widget.NewFormItem("", p.LAN), widget.NewFormItem("", p.Demo),
		widget.NewFormItem("Redis", p.Redis),
	)

	p.state = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	p.state.Wrapping = fyne.TextWrapWord
	p.counts = widget.NewLabel("")
	p.urls = container.NewVBox()
	p.qr = canvas.NewImageFromResource(nil)
	p.qr.FillMode = canvas.ImageFillContain
	p.qr.SetMinSize(fyne.NewSize(168, 168))
	p.qr.Hide() // until there is an address to show
	invite := widget.NewButtonWithIcon("Invite teammate…", theme.MailSendIcon(), p.inviteDialog)

	settings := widget.NewCard("Hub", "An SSE hub on this computer that teammates can subscribe to",
		container.NewVBox(form, p.Err, container.NewHBox(layout.NewSpacer(), p.ApplyButton)))
	reach := widget.NewCard("Reach it", "",
		container.NewBorder(nil, nil, nil, p.qr, container.NewVBox(p.state, p.counts, p.urls, container.NewHBox(invite))))
	p.root = container.NewVScroll(container.NewVBox(settings, reach))
	p.Refresh()
	return p
}

// Object returns the panel's canvas object.
func (p *HubPanel) Object() fyne.CanvasObject { return p.root }

func (p *HubPanel) load(s model.HubSettings) {
	p.Enabled.SetChecked(s.Enabled)
	p.LAN.SetChecked(s.LAN)
	p.Demo.SetChecked(s.Demo)
	p.Port.SetText(strconv.Itoa(s.Port))
	p.Redis.SetText(s.RedisURL)
}

// Settings reads the form; the error says what to fix.
func (p *HubPanel) Settings() (model.HubSettings, error) {
	port, err := strconv.Atoi(strings.TrimSpace(p.Port.Text))
	if err != nil || port < 1 || port > 65535 {
		return model.HubSettings{}, fmt.Errorf("port %q is not a number from 1 to 65535: try %d", p.Port.Text, model.DefaultHubPort)
	}
	r := strings.TrimSpace(p.Redis.Text)
	if r != "" && !strings.HasPrefix(r, "redis://") && !strings.HasPrefix(r, "rediss://") {
		return model.HubSettings{}, fmt.Errorf("redis URL %q must start with redis:// (or rediss:// for TLS), e.g. redis://127.0.0.1:6379/0", r)
	}
	return model.HubSettings{Enabled: p.Enabled.Checked, Port: port, LAN: p.LAN.Checked, Demo: p.Demo.Checked, RedisURL: r}, nil
}

// Apply validates the form and restarts the hub in the background; a form error shows at
// once and is returned, the hub's own error shows in the panel when the restart is done.
func (p *HubPanel) Apply() error {
	s, err := p.Settings()
	if err != nil {
		p.Err.SetText(err.Error())
		return err
	}
	p.restart(s)
	return nil
}

// ApplySettings shows s in the form and restarts the hub with it in the background (the
// tray's hub switch). It does nothing while a restart runs, and reports whether it started.
func (p *HubPanel) ApplySettings(s model.HubSettings) bool {
	if p.busy {
		return false
	}
	p.load(s)
	p.restart(s)
	return true
}

// restart applies s off the UI goroutine: stopping the old hub can take seconds (its
// subscribers are told to leave), and the window must keep drawing meanwhile. The button
// stays disabled and the state reads "Restarting…" until the result comes back by fyne.Do.
func (p *HubPanel) restart(s model.HubSettings) {
	if p.busy {
		return
	}
	p.busy = true
	p.ApplyButton.Disable()
	p.Err.SetText("")
	p.Refresh()
	p.pending.Add(1)
	go func() {
		defer p.pending.Done()
		err := p.hub.ApplyHub(s)
		fyne.Do(func() {
			p.busy = false
			p.ApplyButton.Enable()
			if err != nil {
				p.Err.SetText(err.Error())
			}
			p.Refresh()
			if after := p.after; after != nil {
				p.after = nil
				after(err)
			}
			if p.OnApplied != nil {
				p.OnApplied(err)
			}
		})
	}()
}

// Wait waits until a restart started by Apply is done (tests; the result shows by then on
// Fyne's test driver, which runs fyne.Do at once).
func (p *HubPanel) Wait() { p.pending.Wait() }

// Reload shows the hub's current settings.
func (p *HubPanel) Reload() { p.load(p.hub.HubSettings()); p.Refresh() }

// Refresh updates the live state, counts and addresses, redrawing only what changed; it
// reports whether anything did.
func (p *HubPanel) Refresh() bool {
	st := p.hub.HubStatus()
	text, imp := "● Off", widget.LowImportance
	switch {
	case p.busy || st.Restarting:
		text, imp = "● Restarting…", widget.WarningImportance
	case st.Running:
		text, imp = "● Running", widget.SuccessImportance
	case st.Err != "":
		text, imp = "● Not running: "+st.Err, widget.DangerImportance
	}
	redrew := false
	if text != p.state.Text || imp != p.state.Importance { // unchanged: no redraw (the one-second tick)
		p.state.Text, p.state.Importance, redrew = text, imp, true
		p.state.Refresh()
	}
	if SetText(p.counts, fmt.Sprintf("%s · %s · %s published", Plural(st.Connections, "connection"), Plural(st.Channels, "channel"), Plural(int(st.Published), "event"))) {
		redrew = true
	}
	key := strings.Join(st.URLs, " ") + " " + st.Announced
	if key == p.shownURLs {
		return redrew
	}
	p.shownURLs = key
	p.urls.RemoveAll()
	if st.Running && !p.hub.HubSettings().LAN {
		tip := widget.NewLabel("This computer only: teammates cannot reach 127.0.0.1 (nor its QR code).")
		tip.Importance = widget.WarningImportance
		tip.Wrapping = fyne.TextWrapWord
		p.urls.Add(tip)
		p.urls.Add(container.NewHBox(p.shareButton(nil)))
	}
	for _, u := range st.URLs {
		u := u
		lb := widget.NewLabel(u)
		lb.TextStyle = fyne.TextStyle{Monospace: true}
		cp := widget.NewButtonWithIcon("", theme.ContentCopyIcon(), func() { fyne.CurrentApp().Clipboard().SetContent(u) })
		qr := widget.NewButtonWithIcon("", theme.ViewFullScreenIcon(), func() { p.showQR(u) })
		p.urls.Add(container.NewHBox(lb, cp, qr))
	}
	if st.Announced != "" {
		p.urls.Add(announcedNote(st.Announced)) // discovered.go
	}
	if len(st.URLs) > 0 {
		p.showQR(st.URLs[len(st.URLs)-1]) // the LAN address when shared, else loopback
	} else {
		// Hidden, not just emptied: an image whose resource went nil keeps drawing the old
		// texture, and a QR code of an address that no longer answers misleads.
		p.qr.Resource = nil
		p.qr.Hide()
	}
	return true
}

// QRFor returns a PNG QR code of text as a Fyne resource.
func QRFor(text string, px int) (fyne.Resource, error) {
	png, err := qrcode.Encode(text, qrcode.Medium, px)
	if err != nil {
		return nil, fmt.Errorf("QR code for %q: %w", text, err)
	}
	return fyne.NewStaticResource("qr.png", png), nil
}

func (p *HubPanel) showQR(u string) {
	res, err := QRFor(u, 256)
	if err != nil {
		p.Err.SetText(err.Error())
		return
	}
	p.qr.Resource = res
	p.qr.Show()
	p.qr.Refresh()
}

// ShareOnLAN turns local network sharing on (the hub restarts in the background); then, when
// set, done is told the result. It reports whether a restart started.
func (p *HubPanel) ShareOnLAN(done func(error)) bool {
	s, err := p.Settings()
	if err != nil {
		p.Err.SetText(err.Error())
		return false
	}
	s.LAN = true
	if p.busy {
		return false
	}
	p.load(s)
	p.after = done
	p.restart(s)
	return true
}

// shareButton offers to turn sharing on wherever a loopback-only address is shown.
func (p *HubPanel) shareButton(done func(error)) *widget.Button {
	b := widget.NewButtonWithIcon("Turn on sharing", theme.ComputerIcon(), nil)
	b.Importance = widget.HighImportance
	b.OnTapped = func() {
		if p.ShareOnLAN(done) {
			b.Disable()
		}
	}
	return b
}

// Invite mints a link; exposed for tests.
func (p *HubPanel) Invite(publish, subscribe string, ttl time.Duration) (string, error) {
	return p.hub.Invite(model.ParseChannels(publish), model.ParseChannels(subscribe), ttl)
}

func (p *HubPanel) inviteDialog() {
	pub, sub, ttl := widget.NewEntry(), widget.NewEntry(), widget.NewSelect([]string{"1h", "24h", "168h", "720h"}, nil)
	pub.SetText("alerts, chat")
	sub.SetText("*")
	ttl.SetSelected("24h")
	intro := widget.NewLabel("The link opens this hub's dashboard with a token; in Herald, paste it into Add feed.")
	intro.Wrapping = fyne.TextWrapWord
	intro.Importance = widget.LowImportance
	link := widget.NewLabel("")
	link.Selectable = true
	link.Wrapping = fyne.TextWrapBreak
	link.TextStyle = fyne.TextStyle{Monospace: true}
	qr := canvas.NewImageFromResource(nil)
	qr.FillMode = canvas.ImageFillContain
	qr.SetMinSize(fyne.NewSize(150, 150))
	errL := widget.NewLabel("")
	errL.Importance = widget.DangerImportance
	errL.Wrapping = fyne.TextWrapWord
	copyBtn := widget.NewButtonWithIcon("Copy link", theme.ContentCopyIcon(), func() { fyne.CurrentApp().Clipboard().SetContent(link.Text) })
	result := container.NewBorder(nil, nil, nil, qr, container.NewVBox(link, container.NewHBox(copyBtn)))
	result.Hide()
	mint := widget.NewButtonWithIcon("Create link", theme.MailSendIcon(), nil)
	mint.Importance = widget.HighImportance
	var content *fyne.Container
	// Without LAN sharing the link can only name 127.0.0.1: say so, and offer the fix
	// (the link is made again once the hub listens on the network).
	local := widget.NewLabel("Local network sharing is off, so the link and QR code point at 127.0.0.1 and work only on this computer.")
	local.Importance = widget.WarningImportance
	local.Wrapping = fyne.TextWrapWord
	var warn *fyne.Container
	warn = container.NewVBox(local, container.NewHBox(p.shareButton(func(err error) {
		if err != nil {
			errL.SetText(err.Error())
			return
		}
		warn.Hide()
		if result.Visible() {
			mint.OnTapped()
		}
		content.Refresh()
	})))
	if p.hub.HubSettings().LAN {
		warn.Hide()
	}
	p.lastWarn = warn
	mint.OnTapped = func() {
		d, _ := time.ParseDuration(ttl.Selected)
		l, err := p.Invite(pub.Text, sub.Text, d)
		if err != nil {
			errL.SetText(err.Error())
			return
		}
		errL.SetText("")
		link.SetText(l)
		if res, err := QRFor(l, 320); err == nil {
			qr.Resource = res
			qr.Refresh()
		}
		result.Show()
		content.Refresh() // lay the parent out again now that the link has room
	}
	form := widget.NewForm(widget.NewFormItem("May publish to", pub), widget.NewFormItem("May read", sub), widget.NewFormItem("Valid for", ttl))
	content = container.NewVBox(intro, form, warn, container.NewHBox(layout.NewSpacer(), mint), errL, result)
	d := dialog.NewCustom("Invite a teammate", "Close", content, p.win)
	d.Resize(fyne.NewSize(560, 600))
	d.Show()
	p.lastInvite = mint
}

// Plural formats n with its noun, e.g. "1 connection", "3 connections".
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
