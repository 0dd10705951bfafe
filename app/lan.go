package app

import (
	"context"
	"os"
	"os/user"
	"strings"

	"github.com/heraldhq/herald/app/backend"
	"github.com/heraldhq/herald/cli"
	"github.com/heraldhq/herald/discovery"
)

// startDiscovery makes the hub announce itself while it is shared on the LAN and fills the
// Feeds panel's "Hubs on your network". Call it before the hub starts; the panel part needs
// the window built, so it returns a function to call after.
func (d *desktop) startDiscovery() (showInPanel func()) {
	d.hub.Advertise = &discovery.Service{Name: lanHubName(), Version: cli.Version}
	lan := &backend.LANHubs{Logger: d.log, Own: d.hub.AdvertisedName, Changed: func() { onUI(func() { d.feedsP.Refresh() }) }}
	return func() {
		d.feedsP.ShowLANHubs(lan)
		ctx, cancel := context.WithCancel(d.ctx)
		done := make(chan struct{})
		go func() { defer close(done); lan.Run(ctx) }()
		// Browsing stops before the hub does, so the hub's goodbye cannot reach a window
		// that is already gone.
		d.stopLAN = func() { cancel(); <-done }
	}
}

// lanHubName is what teammates see in their lists: "ana on lab-3".
func lanHubName() string {
	who := os.Getenv("USER")
	if u, err := user.Current(); err == nil && u.Username != "" {
		who = u.Username
	}
	host, _ := os.Hostname()
	host, _, _ = strings.Cut(host, ".")
	switch {
	case who != "" && host != "":
		return who + " on " + host
	case host != "":
		return "Herald on " + host
	}
	return "Herald"
}
