package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldhq/herald/app/model"
	"github.com/heraldhq/herald/server/topic"
)

const (
	targetOwn    = "This computer's hub"
	targetRemote = "A remote hub"
	formatText   = "Text"
	formatJSON   = "JSON"
)

// BroadcastPanel composes and sends one event.
type BroadcastPanel struct {
	pub  Publisher
	root fyne.CanvasObject

	// The form, exposed for tests.
	Target                         *widget.RadioGroup
	RemoteURL, Token               *widget.Entry
	Channel, Event, Title, Message *widget.Entry
	Level                          *widget.Select
	Format                         *widget.RadioGroup
	Send                           *widget.Button
	Result                         *widget.Label

	remote *fyne.Container
	body   *fyne.Container
	level  *widget.FormItem
}

// NewBroadcastPanel returns the broadcast form.
func NewBroadcastPanel(pub Publisher) *BroadcastPanel {
	p := &BroadcastPanel{pub: pub}
	p.RemoteURL, p.Token = widget.NewEntry(), widget.NewPasswordEntry()
	p.RemoteURL.SetPlaceHolder("http://192.168.1.20:7878")
	p.Token.SetPlaceHolder("a token with the right to publish (herald token / Invite teammate)")
	p.remote = container.NewVBox(widget.NewForm(widget.NewFormItem("Hub URL", p.RemoteURL), widget.NewFormItem("Token", p.Token)))
	p.Target = widget.NewRadioGroup([]string{targetOwn, targetRemote}, func(s string) {
		if s == targetRemote {
			p.remote.Show()
		} else {
			p.remote.Hide()
		}
		if p.body != nil {
			p.body.Refresh() // lay the form out again around the shown or hidden rows
		}
	})
	p.Target.Horizontal = true
	p.Target.SetSelected(targetOwn)
	p.Channel = widget.NewEntry()
	p.Channel.SetText("default")
	se := widget.NewSelectEntry([]string{"message", "notification", "alert"})
	se.SetText("notification")
	p.Event = &se.Entry
	p.Level = widget.NewSelect([]string{"info", "warning", "error", "critical"}, nil)
	p.Level.SetSelected("info")
	p.Title = widget.NewEntry()
	p.Title.SetPlaceHolder("optional title")
	p.Message = widget.NewMultiLineEntry()
	p.Message.SetPlaceHolder("What happened?")
	p.Message.SetMinRowsVisible(5)
	p.Format = widget.NewRadioGroup([]string{formatText, formatJSON}, nil)
	p.Format.Horizontal = true
	p.Format.SetSelected(formatText)
	p.Result = widget.NewLabel("")
	p.Result.Wrapping = fyne.TextWrapWord
	p.Send = widget.NewButtonWithIcon("Send", theme.MailSendIcon(), func() { p.send(true) })
	p.Send.Importance = widget.HighImportance

	p.level = widget.NewFormItem("Level", p.Level)
	form := widget.NewForm(
		widget.NewFormItem("Channel", p.Channel), widget.NewFormItem("Event", se), p.level,
		widget.NewFormItem("Title", p.Title), widget.NewFormItem("Data", p.Format),
		widget.NewFormItem("", p.Message))
	p.body = container.NewVBox(p.Target, p.remote, form, container.NewHBox(layout.NewSpacer(), p.Send), p.Result)
	card := widget.NewCard("Broadcast", "Send an event to everyone subscribed to a channel", p.body)
	p.root = container.NewVScroll(card)
	p.remote.Hide()
	return p
}

// Object returns the panel's canvas object.
func (p *BroadcastPanel) Object() fyne.CanvasObject { return p.root }

// Compose validates the form and returns where to send what; the error names the field and
// the fix.
func (p *BroadcastPanel) Compose() (model.Target, model.Outgoing, error) {
	var to model.Target
	if p.Target.Selected == targetRemote {
		u, err := url.Parse(strings.TrimSpace(p.RemoteURL.Text))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return to, model.Outgoing{}, fmt.Errorf("hub URL %q is not an http(s) address: use e.g. http://192.168.1.20:7878", p.RemoteURL.Text)
		}
		to = model.Target{URL: strings.TrimRight(u.String(), "/"), Token: strings.TrimSpace(p.Token.Text)}
		if to.Token == "" {
			return to, model.Outgoing{}, fmt.Errorf("a remote hub needs a token to publish: ask its owner for one (Invite teammate)")
		}
	}
	ch := strings.TrimSpace(p.Channel.Text)
	if err := topic.ValidName(ch); err != nil {
		return to, model.Outgoing{}, fmt.Errorf("channel: %v", err)
	}
	ev := strings.TrimSpace(p.Event.Text)
	switch {
	case ev == "":
		return to, model.Outgoing{}, fmt.Errorf("event type is empty: pick message, notification or alert")
	case strings.HasPrefix(ev, "herald."):
		return to, model.Outgoing{}, fmt.Errorf("event types starting with herald. are reserved for the hub: pick another name")
	case strings.ContainsAny(ev, "\r\n\x00"):
		return to, model.Outgoing{}, fmt.Errorf("event type may not contain line breaks")
	}
	data, err := p.data(ev)
	if err != nil {
		return to, model.Outgoing{}, err
	}
	return to, model.Outgoing{Channel: ch, Event: ev, Data: data}, nil
}

func (p *BroadcastPanel) data(ev string) (string, error) {
	msg := p.Message.Text
	if p.Format.Selected == formatJSON {
		if !json.Valid([]byte(msg)) {
			var v any
			err := json.Unmarshal([]byte(msg), &v)
			return "", fmt.Errorf("data is not valid JSON (%v): fix it or switch to Text", err)
		}
		return msg, nil
	}
	if strings.TrimSpace(msg) == "" && strings.TrimSpace(p.Title.Text) == "" {
		return "", fmt.Errorf("nothing to send: write a message")
	}
	if ev == "message" && p.Title.Text == "" {
		return msg, nil
	}
	obj := map[string]string{"message": msg}
	if t := strings.TrimSpace(p.Title.Text); t != "" {
		obj["title"] = t
	}
	if ev == "notification" || ev == "alert" {
		obj["level"] = p.Level.Selected
	}
	b, _ := json.Marshal(obj)
	return string(b), nil
}

// SendNow validates and publishes, waiting for the answer; success or the error shows under
// the form.
func (p *BroadcastPanel) SendNow() error { return p.send(false) }

// send publishes in the background when async (so a slow remote hub never freezes the
// window) and reports through fyne.Do.
func (p *BroadcastPanel) send(async bool) error {
	to, out, err := p.Compose()
	if err != nil {
		p.show("", "", err)
		return err
	}
	p.Send.Disable()
	do := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		id, err := p.pub.Publish(ctx, to, out)
		fyne.Do(func() { p.Send.Enable(); p.show(out.Channel, id, err) })
		return err
	}
	if async {
		go do()
		return nil
	}
	return do()
}

func (p *BroadcastPanel) show(channel, id string, err error) {
	if err != nil {
		p.Result.Importance = widget.DangerImportance
		p.Result.SetText(err.Error())
		return
	}
	p.Result.Importance = widget.SuccessImportance
	p.Result.SetText(fmt.Sprintf("Sent to %s as id %s", channel, id))
}
