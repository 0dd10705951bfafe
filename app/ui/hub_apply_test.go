package ui

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldhq/herald/app/model"
)

// slowHub's ApplyHub waits for release, like a hub whose subscribers take seconds to leave.
type slowHub struct {
	mu      sync.Mutex
	s       model.HubSettings
	applied int
	fail    error
	err     string
	release chan struct{}
}

func (h *slowHub) HubSettings() model.HubSettings { h.mu.Lock(); defer h.mu.Unlock(); return h.s }
func (h *slowHub) ApplyHub(s model.HubSettings) error {
	h.mu.Lock()
	h.applied++
	wait, fail := h.release, h.fail
	h.mu.Unlock()
	<-wait
	h.mu.Lock()
	defer h.mu.Unlock()
	h.s = s
	if fail != nil {
		h.s.Enabled = false // as the real hub: the settings stay, the hub is not running
		h.err = fail.Error()
	}
	return fail
}
func (h *slowHub) HubStatus() model.HubStatus {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.s.Enabled {
		return model.HubStatus{Err: h.err}
	}
	return model.HubStatus{Running: true, URLs: []string{"http://127.0.0.1:7878"}}
}
func (h *slowHub) Invite([]string, []string, time.Duration) (string, error) { return "", nil }

// Tapping Apply returns at once: the restart runs in the background with the button
// disabled and the state "Restarting…"; the result (or the error) shows when it is done.
func TestHubApplyRunsOffTheUIThread(t *testing.T) {
	test.NewTempApp(t)
	for _, tt := range []struct {
		name      string
		fail      error
		wantState string
	}{
		{"ok", nil, "● Running"},
		{"fails", errors.New("port 7878 is in use by another program: pick another port"), "● Not running: port 7878 is in use by another program: pick another port"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			hub := &slowHub{release: make(chan struct{}), fail: tt.fail}
			w := test.NewTempWindow(t, widget.NewLabel(""))
			p := NewHubPanel(hub, w)
			w.SetContent(p.Object())
			p.Enabled.SetChecked(true)
			p.Port.SetText("7878")

			tapped := make(chan struct{})
			go func() { test.Tap(p.ApplyButton); close(tapped) }()
			select {
			case <-tapped:
			case <-time.After(10 * time.Second):
				close(hub.release)
				t.Fatal("Apply waited for the hub to restart on the UI thread")
			}
			if !p.ApplyButton.Disabled() || !strings.Contains(p.state.Text, "Restarting") {
				t.Errorf("during the restart: button disabled %v, state %q; want disabled, Restarting…", p.ApplyButton.Disabled(), p.state.Text)
			}
			test.Tap(p.ApplyButton) // disabled: no second restart
			close(hub.release)
			p.Wait()
			if hub.applied != 1 {
				t.Errorf("ApplyHub ran %d times, want 1", hub.applied)
			}
			if p.ApplyButton.Disabled() || p.state.Text != tt.wantState {
				t.Errorf("after the restart: button disabled %v, state %q; want enabled, %q", p.ApplyButton.Disabled(), p.state.Text, tt.wantState)
			}
			want := ""
			if tt.fail != nil {
				want = tt.fail.Error()
			}
			if p.Err.Text != want {
				t.Errorf("error shown %q, want %q", p.Err.Text, want)
			}
			if running := tt.fail == nil; p.qr.Visible() != running {
				t.Errorf("QR code visible %v with the hub running %v", p.qr.Visible(), running)
			}
		})
	}
}
