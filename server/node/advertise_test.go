package node

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/heraldhq/herald/discovery"
	"github.com/heraldhq/herald/internal/netns"
	"github.com/heraldhq/herald/server/auth"
)

// A node on every interface is announced with its port, scheme and token need, and leaves
// the network's lists when it stops; one on loopback is never announced.
func TestNodeAdvertises(t *testing.T) {
	if !netns.Isolate(t) {
		return
	}
	lookup := func() []discovery.Hub {
		t.Helper()
		hs, err := discovery.Lookup(context.Background(), 1500*time.Millisecond, discovery.Options{Logger: quiet()})
		if err != nil {
			t.Fatal(err)
		}
		return hs
	}
	local, err := Start(context.Background(), Config{Addr: "127.0.0.1:0", Key: testKey, Logger: quiet(),
		Advertise: &discovery.Service{Name: "loopback hub", Version: "1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer local.Shutdown(context.Background())
	if hs := lookup(); len(hs) != 0 || local.AdvertisedName() != "" {
		t.Fatalf("a node on 127.0.0.1 was advertised: %+v (name %q)", hs, local.AdvertisedName())
	}

	n, err := Start(context.Background(), Config{Addr: "0.0.0.0:0", Key: testKey, Logger: quiet(),
		Access:    auth.Options{Private: true},
		Advertise: &discovery.Service{Name: "shared hub", Version: "2.0"}})
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("[{shared hub http://127.0.0.1:%d 2.0 true}]", n.Port())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	found, gone := make(chan struct{}), make(chan struct{})
	browsed := make(chan error, 1)
	go func() {
		seen := false
		browsed <- discovery.Browse(ctx, discovery.Options{Logger: quiet()}, func(hs []discovery.Hub) {
			if !seen && summary(hs) == want {
				seen = true
				close(found)
			} else if seen && len(hs) == 0 {
				seen = false
				close(gone)
			}
		})
	}()
	select {
	case <-found:
	case err := <-browsed:
		t.Fatalf("browse: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatalf("the shared node was not found within 10 s, want %s", want)
	}
	if n.AdvertisedName() != "shared hub" {
		t.Errorf("AdvertisedName %q, want shared hub", n.AdvertisedName())
	}
	if err := n.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-gone:
	case <-time.After(3 * time.Second):
		t.Fatal("the stopped node is still listed 3 s later: no goodbye")
	}
}

func summary(hs []discovery.Hub) string {
	out := "["
	for i, h := range hs {
		if i > 0 {
			out += " "
		}
		out += fmt.Sprintf("{%s %s %s %v}", h.Name, h.URL, h.Version, h.TokenRequired)
	}
	return out + "]"
}
