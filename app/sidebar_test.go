package app

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// TestSidebarReachableByTab: Tab walks the window's focus onto the side bar's buttons (Fyne's
// AppTabs took none), and Space on one shows its panel and keeps the choice.
func TestSidebarReachableByTab(t *testing.T) {
	d, _, _, _, ui := trayDesktop(t)
	ui(func() {
		c := d.win.Canvas()
		c.Unfocus()
		var reached []string
		for range 200 { // every focusable object of the window, at most
			c.FocusNext()
			b, ok := c.Focused().(*widget.Button)
			if !ok {
				continue
			}
			for i, sb := range d.tabs.buttons {
				if b == sb {
					reached = append(reached, d.tabs.Items[i].Text)
				}
			}
			if b == d.tabs.buttons[3] {
				b.TypedKey(&fyne.KeyEvent{Name: fyne.KeySpace})
				break
			}
		}
		if len(reached) < 4 || reached[0] != "Live" || reached[3] != "Broadcast" {
			t.Fatalf("Tab reached the side bar's buttons %v; want Live, Feeds, Hub, Broadcast in order", reached)
		}
		if got := d.tabs.Selected().Text; got != "Broadcast" {
			t.Fatalf("Space on the Broadcast button shows %s", got)
		}
		if !d.tabs.Items[3].Content.Visible() || d.tabs.Items[0].Content.Visible() {
			t.Fatal("the Broadcast panel should be the only one shown")
		}
	})
	if got := d.prefs.get().Tab; got != "Broadcast" {
		t.Errorf("kept tab %q, want Broadcast", got)
	}
}
