package app

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --hidden (or HERALD_HIDDEN=true) asks for a start in the tray.
func TestHiddenOption(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  string
		want bool
	}{
		{[]string{"gui"}, "", false},
		{[]string{"gui", "--hidden"}, "", true},
		{[]string{"--hidden"}, "", true},
		{nil, "true", true},
		{[]string{"--hidden=false"}, "true", false},
	} {
		t.Setenv("HERALD_HIDDEN", c.env)
		o, err := parseOptions(c.args, io.Discard)
		if err != nil || o.hidden != c.want {
			t.Errorf("%q with HERALD_HIDDEN=%q: hidden %v, err %v; want %v", c.args, c.env, o.hidden, err, c.want)
		}
	}
}

// "Start hidden" in Settings puts --hidden into the start-at-login entry's command (also
// into an entry written before), and taking it back takes the flag out again.
func TestStartHiddenGoesIntoTheLoginEntry(t *testing.T) {
	d, a, _, _, ui := trayDesktop(t)
	entry := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "autostart", "herald.desktop")
	execLine := func() string {
		b, err := os.ReadFile(entry)
		if err != nil {
			t.Fatalf("no start-at-login entry: %v", err)
		}
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "Exec=") {
				return l
			}
		}
		t.Fatalf("the entry has no Exec line:\n%s", b)
		return ""
	}
	ui(func() {
		d.settingsP.StartHidden.SetChecked(true)
		for _, it := range a.menu.Items {
			if it.Label == "Start at login" {
				it.Action()
			}
		}
		if l := execLine(); !strings.HasSuffix(l, " --hidden") {
			t.Errorf("Start hidden on, then Start at login: %s, want it to end in --hidden", l)
		}
		if !d.prefs.get().StartHidden {
			t.Error("the Start hidden choice is not kept")
		}
		d.settingsP.StartHidden.SetChecked(false)
		if l := execLine(); strings.Contains(l, "--hidden") {
			t.Errorf("Start hidden off: %s still says --hidden", l)
		}
		d.settingsP.StartHidden.SetChecked(true)
		if l := execLine(); !strings.HasSuffix(l, " --hidden") {
			t.Errorf("Start hidden on again with the entry there: %s, want --hidden", l)
		}
	})
}

// Started hidden, the window stays hidden and the tray offers "Show window"; without a
// tray host the window shows anyway, or nothing could bring it back.
func TestStartHiddenNeedsATrayHost(t *testing.T) {
	d, _, _, _, ui := trayDesktop(t)
	ui(func() {
		trayHost = func() bool { return false }
		if d.startHidden(true) || !d.visible.Load() {
			t.Fatal("no tray host: started hidden anyway")
		}
		trayHost = func() bool { return true }
		if d.startHidden(false) || !d.visible.Load() {
			t.Fatal("not asked to: started hidden anyway")
		}
		if !d.startHidden(true) || d.visible.Load() {
			t.Fatal("asked to, with a tray host: the window is not hidden")
		}
		if d.tray.show.Label != "Show window" {
			t.Errorf("the tray says %q, want Show window", d.tray.show.Label)
		}
	})
}
