package backend

import (
	"context"
	"testing"
	"time"

	"github.com/heraldhq/herald/app/model"
	"github.com/heraldhq/herald/server"
)

// While ApplyHub waits for the old hub to stop, the window's status reads answer at once and
// say that the hub is restarting (the window calls them every second on its UI goroutine).
func TestHubStatusDuringSlowRestart(t *testing.T) {
	stopping, release := make(chan struct{}), make(chan struct{})
	h := &Hub{Key: testKey, Logger: quiet(), RunDemo: func(ctx context.Context, _ *server.Hub) {
		<-ctx.Done()
		close(stopping)
		<-release // a demo that takes its time to stop, as the hub's shutdown can
	}}
	if err := h.ApplyHub(model.HubSettings{Enabled: true, Demo: true, Port: 0}); err != nil {
		t.Fatal(err)
	}
	defer h.Stop()
	applied := make(chan error, 1)
	go func() { applied <- h.ApplyHub(model.HubSettings{Enabled: true, Port: 0}) }()
	select {
	case <-stopping:
	case <-time.After(10 * time.Second):
		close(release)
		t.Fatal("ApplyHub never stopped the old hub's demo")
	}

	reads := make(chan model.HubStatus, 1)
	go func() {
		_ = h.HubSettings()
		_ = h.LocalURL()
		_ = h.Server()
		reads <- h.HubStatus()
	}()
	select {
	case st := <-reads:
		if !st.Restarting || st.Running {
			t.Errorf("status during the restart %+v, want restarting and not running", st)
		}
	case <-time.After(10 * time.Second):
		close(release)
		t.Fatal("status reads waited for the old hub to stop")
	}
	close(release)
	if err := <-applied; err != nil {
		t.Fatal(err)
	}
	if st := h.HubStatus(); st.Restarting || !st.Running {
		t.Errorf("status after the restart %+v, want running", st)
	}
}
