package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldhq/herald/app/model"
	"github.com/heraldhq/herald/server/topic"
)

// NotifySettings is what the settings panel edits.
type NotifySettings struct {
	Rules       []model.Rule
	PriceAlerts []model.PriceAlert
	DND         bool
	Theme       string // "", "light" or "dark"
	DemoNotify  bool   // the demo's simulated notifications reach the desktop too
	StartHidden bool   // started at login, the app opens in the tray (the window hidden)
}

var themeNames = []string{"Follow the system", "Light", "Dark"}

// SettingsPanel edits notification rules, price alerts, do not disturb and the theme.
type SettingsPanel struct {
	s    NotifySettings
	root fyne.CanvasObject

	// The controls, exposed for tests.
	DND, DemoNotify   *widget.Check
	StartHidden       *widget.Check
	Theme             *widget.Select
	RuleFeed          *widget.Select // "any feed" or one of the feeds (SetFeeds)
	RuleEvent         *widget.Entry
	Symbol, Threshold *widget.Entry
	Direction         *widget.Select
	Err               *widget.Label
	TestButton        *widget.Button
	TestResult        *widget.Label
	feeds             []string
	rules, alerts     *fyne.Container
	OnChange          func(NotifySettings)
	OnTest            func()
}

// NewSettingsPanel returns the panel showing s.
func NewSettingsPanel(s NotifySettings) *SettingsPanel {
	p := &SettingsPanel{s: s}
	p.DND = widget.NewCheck("Do not disturb (no notifications at all)", func(on bool) {
		if on != p.s.DND {
			p.s.DND = on
			p.changed()
		}
	})
	p.DND.SetChecked(s.DND)
	p.DemoNotify = widget.NewCheck("Notify me about the demo's simulated events too", func(on bool) {
		if on != p.s.DemoNotify {
			p.s.DemoNotify = on
			p.changed()
		}
	})
	p.DemoNotify.SetChecked(s.DemoNotify)
	p.StartHidden = widget.NewCheck("Start hidden (in the tray) when started at login", func(on bool) {
		if on != p.s.StartHidden {
			p.s.StartHidden = on
			p.changed()
		}
	})
	p.StartHidden.SetChecked(s.StartHidden)
	p.Theme = widget.NewSelect(themeNames, func(n string) {
		v := map[string]string{"Light": "light", "Dark": "dark"}[n]
		if v != p.s.Theme {
			p.s.Theme = v
			p.changed()
		}
	})
	p.Theme.SetSelected(map[string]string{"light": "Light", "dark": "Dark"}[s.Theme])
	if p.Theme.Selected == "" {
		p.Theme.SetSelected(themeNames[0])
	}
	p.Err = widget.NewLabel("")
	p.Err.Importance = widget.DangerImportance
	p.Err.Wrapping = fyne.TextWrapWord

	p.RuleFeed, p.RuleEvent = widget.NewSelect([]string{anyFeed}, nil), widget.NewEntry()
	p.RuleFeed.SetSelected(anyFeed)
	p.RuleEvent.SetPlaceHolder("event type, e.g. deploy or ci.*")
	addRule := widget.NewButtonWithIcon("Add rule", theme.ContentAddIcon(), func() { p.AddRule() })
	p.rules = container.NewVBox()

	p.Symbol, p.Threshold = widget.NewEntry(), widget.NewEntry()
	p.Symbol.SetPlaceHolder("AAPL")
	p.Threshold.SetPlaceHolder("200")
	p.Direction = widget.NewSelect([]string{"above", "below"}, nil)
	p.Direction.SetSelected("above")
	addAlert := widget.NewButtonWithIcon("Add alert", theme.ContentAddIcon(), func() { p.AddPriceAlert() })
	p.alerts = container.NewVBox()

	p.TestButton = widget.NewButtonWithIcon("Send a test notification", theme.InfoIcon(), p.SendTest)
	p.TestResult = widget.NewLabel("")
	p.TestResult.Importance = widget.LowImportance
	p.TestResult.Wrapping = fyne.TextWrapWord
	general := widget.NewCard("General", "", container.NewVBox(p.DND, p.DemoNotify, p.StartHidden,
		container.NewBorder(nil, nil, widget.NewLabel("Appearance"), nil, p.Theme),
		container.NewBorder(nil, nil, p.TestButton, nil, p.TestResult)))
	rules := widget.NewCard("Notify me about", "Events of these types raise a native notification; a burst becomes one with a count",
		container.NewVBox(p.rules, container.NewBorder(nil, nil, nil, addRule, container.NewGridWithColumns(2, p.RuleFeed, p.RuleEvent))))
	alerts := widget.NewCard("Price alerts", "Notify once when a symbol crosses a price",
		container.NewVBox(p.alerts, container.NewBorder(nil, nil, nil, addAlert, container.NewGridWithColumns(3, p.Symbol, p.Direction, p.Threshold))))
	p.root = container.NewVScroll(container.NewVBox(general, rules, alerts, p.Err))
	p.rebuild()
	return p
}

// Object returns the panel's canvas object.
func (p *SettingsPanel) Object() fyne.CanvasObject { return p.root }

// anyFeed is the rule feed choice that matches every feed.
const anyFeed = "any feed"

// SetFeeds offers these feed names for new rules (rules can only name feeds that exist).
func (p *SettingsPanel) SetFeeds(names []string) {
	if slices.Equal(names, p.feeds) {
		return
	}
	p.feeds = append([]string(nil), names...)
	p.RuleFeed.SetOptions(append([]string{anyFeed}, names...))
	if !slices.Contains(names, p.RuleFeed.Selected) {
		p.RuleFeed.SetSelected(anyFeed)
	}
	p.rebuild() // a rule may name a feed that is gone
}

// SendTest sends the test notification, unless do not disturb is on: then it says why
// nothing will appear instead of breaking the promise of silence.
func (p *SettingsPanel) SendTest() {
	if p.s.DND {
		p.TestResult.SetText("Do not disturb is on, so nothing was sent. Turn it off to try.")
		return
	}
	if p.OnTest != nil {
		p.OnTest()
	}
	p.TestResult.SetText("Sent: it should show on your desktop now.")
}

// Settings returns what the panel holds now.
func (p *SettingsPanel) Settings() NotifySettings { return p.s }

// SetDND reflects a change made elsewhere (the tray).
// It goes through the check box, so OnChange reports it like a click.
func (p *SettingsPanel) SetDND(on bool) { p.DND.SetChecked(on) }

func (p *SettingsPanel) changed() {
	p.rebuild()
	if p.OnChange != nil {
		p.OnChange(p.s)
	}
}

// AddRule adds the rule typed into the form.
func (p *SettingsPanel) AddRule() error {
	ev := strings.TrimSpace(p.RuleEvent.Text)
	if ev == "" {
		return p.fail(fmt.Errorf("type the event type to be notified about, e.g. deploy"))
	}
	if strings.Contains(ev, "*") {
		if err := topic.ValidPattern(ev); err != nil {
			return p.fail(fmt.Errorf("event pattern: %v", err))
		}
	}
	feed := p.RuleFeed.Selected
	if feed == anyFeed {
		feed = ""
	} else if !slices.Contains(p.feeds, feed) {
		return p.fail(fmt.Errorf("there is no feed named %q: pick one from the list", feed))
	}
	p.s.Rules = append(p.s.Rules, model.Rule{Feed: feed, Event: ev, Enabled: true})
	p.RuleEvent.SetText("")
	p.Err.SetText("")
	p.changed()
	return nil
}

// AddPriceAlert adds the alert typed into the form.
func (p *SettingsPanel) AddPriceAlert() error {
	sym := strings.ToUpper(strings.TrimSpace(p.Symbol.Text))
	if sym == "" {
		return p.fail(fmt.Errorf("type the symbol to watch, e.g. AAPL"))
	}
	th, err := strconv.ParseFloat(strings.TrimSpace(p.Threshold.Text), 64)
	if err != nil {
		return p.fail(fmt.Errorf("price %q is not a number: type e.g. 199.5", p.Threshold.Text))
	}
	p.s.PriceAlerts = append(p.s.PriceAlerts, model.PriceAlert{Symbol: sym, Above: p.Direction.Selected != "below", Threshold: th})
	p.Symbol.SetText("")
	p.Threshold.SetText("")
	p.Err.SetText("")
	p.changed()
	return nil
}

func (p *SettingsPanel) fail(err error) error {
	p.Err.SetText(err.Error())
	return err
}

func (p *SettingsPanel) rebuild() {
	p.rules.RemoveAll()
	for i, r := range p.s.Rules {
		i := i
		feed := r.Feed
		if feed == "" || feed == "*" {
			feed = "any feed"
		}
		on := widget.NewCheck("", func(b bool) {
			if p.s.Rules[i].Enabled != b {
				p.s.Rules[i].Enabled = b
				p.changed()
			}
		})
		on.SetChecked(r.Enabled)
		del := widget.NewButtonWithIcon("", theme.DeleteIcon(), func() {
			p.s.Rules = append(p.s.Rules[:i:i], p.s.Rules[i+1:]...)
			p.changed()
		})
		label := widget.NewLabel(fmt.Sprintf("%s  ·  from %s", r.Event, feed))
		if r.Feed != "" && r.Feed != "*" && p.feeds != nil && !slices.Contains(p.feeds, r.Feed) {
			label.SetText(label.Text + "  ·  no such feed now")
			label.Importance = widget.WarningImportance
		}
		p.rules.Add(container.NewBorder(nil, nil, on, del, label))
	}
	p.alerts.RemoveAll()
	if len(p.s.PriceAlerts) == 0 {
		none := widget.NewLabel("No price alerts yet.")
		none.Importance = widget.LowImportance
		p.alerts.Add(none)
	}
	for i, a := range p.s.PriceAlerts {
		i := i
		del := widget.NewButtonWithIcon("", theme.DeleteIcon(), func() {
			p.s.PriceAlerts = append(p.s.PriceAlerts[:i:i], p.s.PriceAlerts[i+1:]...)
			p.changed()
		})
		p.alerts.Add(container.NewBorder(nil, nil, nil, del, widget.NewLabel(a.String())))
	}
}
