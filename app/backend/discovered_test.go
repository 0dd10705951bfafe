package backend

import (
	"context"
	"testing"
	"time"

	"github.com/heraldhq/herald/app/model"
	"github.com/heraldhq/herald/discovery"
	"github.com/heraldhq/herald/internal/netns"
)

// The app's hub is announced only while LAN sharing is on: off, a teammate's browser finds
// nothing; on, it finds the hub; off again, the goodbye removes it. The app's own list
// leaves its own hub out.
func TestHubAdvertisedOnlyWhileShared(t *testing.T) {
	if !netns.Isolate(t) {
		return
	}
	h := &Hub{Key: testKey, Logger: quiet(), Advertise: &discovery.Service{Name: "Ana's desktop", Version: "0.1.0"}}
	defer h.Stop()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changed := make(chan struct{}, 100)
	teammate := &LANHubs{Logger: quiet(), Changed: func() { changed <- struct{}{} }} // sees every hub
	own := &LANHubs{Logger: quiet(), Own: h.AdvertisedName}                          // this app's list
	go teammate.Run(ctx)
	go own.Run(ctx)
	waitFor := func(what string, within time.Duration, ok func([]discovery.Hub) bool) {
		t.Helper()
		deadline := time.After(within)
		for {
			hs, err := teammate.LANHubs()
			if err != nil {
				t.Fatalf("browsing: %v", err)
			}
			if ok(hs) {
				return
			}
			select {
			case <-changed:
			case <-deadline:
				t.Fatalf("waited %v for %s; listed %+v", within, what, hs)
			}
		}
	}

	if err := h.ApplyHub(model.HubSettings{Enabled: true, Port: 0}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second) // longer than probing and announcing take
	if hs, _ := teammate.LANHubs(); len(hs) != 0 || h.AdvertisedName() != "" {
		t.Fatalf("sharing off, yet advertised: %+v (name %q)", hs, h.AdvertisedName())
	}

	if err := h.ApplyHub(model.HubSettings{Enabled: true, LAN: true, Port: 0}); err != nil {
		t.Fatal(err)
	}
	waitFor("the shared hub", 10*time.Second, func(hs []discovery.Hub) bool {
		return len(hs) == 1 && hs[0].Name == "Ana's desktop" && hs[0].URL == h.LocalURL() && hs[0].Version == "0.1.0" && !hs[0].TokenRequired
	})
	if hs, _ := own.LANHubs(); len(hs) != 0 {
		t.Errorf("the app lists its own hub: %+v", hs)
	}

	if err := h.ApplyHub(model.HubSettings{Enabled: true, Port: 0}); err != nil {
		t.Fatal(err)
	}
	waitFor("the goodbye", 3*time.Second, func(hs []discovery.Hub) bool { return len(hs) == 0 })
}
