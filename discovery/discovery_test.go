package discovery

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/heraldhq/herald/internal/netns"
	"github.com/miekg/dns"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// watch browses in the background and returns a function that waits until the list
// satisfies ok (failing the test after within).
func watch(t *testing.T) func(what string, within time.Duration, ok func([]Hub) bool) []Hub {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	lists := make(chan []Hub, 100)
	done := make(chan error, 1)
	go func() {
		done <- Browse(ctx, Options{Logger: quiet()}, func(hs []Hub) { lists <- hs })
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Browse: %v", err)
		}
	})
	var cur []Hub
	return func(what string, within time.Duration, ok func([]Hub) bool) []Hub {
		t.Helper()
		deadline := time.After(within)
		for !ok(cur) {
			select {
			case cur = <-lists:
			case err := <-done:
				t.Fatalf("Browse ended while waiting for %s: %v", what, err)
			case <-deadline:
				t.Fatalf("waited %v for %s; the browser lists %+v", within, what, cur)
			}
		}
		return cur
	}
}

func named(name string) func([]Hub) bool {
	return func(hs []Hub) bool {
		for _, h := range hs {
			if h.Instance == name {
				return true
			}
		}
		return false
	}
}

func advertise(t *testing.T, s Service) *Advertiser {
	t.Helper()
	a, err := Advertise(s, Options{Logger: quiet()})
	if err != nil {
		t.Fatalf("Advertise(%+v): %v", s, err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// A hub advertised on the namespace's loopback is found with every TXT field, its address
// and port; after Close (goodbye) it leaves the list long before its TTL would run out.
func TestAdvertiseBrowseGoodbye(t *testing.T) {
	if !netns.Isolate(t) {
		return
	}
	wait := watch(t)
	svc := Service{Name: "José's hub. On \"lo\"", Port: 7878, Version: "1.2.3", Scheme: "https", TokenRequired: true}
	a := advertise(t, svc)
	hs := wait("the hub to appear", 10*time.Second, named(svc.Name))
	if len(hs) != 1 {
		t.Fatalf("want one hub, got %+v", hs)
	}
	want := Hub{Instance: svc.Name, Name: svc.Name, URL: "https://127.0.0.1:7878", Version: "1.2.3", TokenRequired: true,
		Port: 7878, Addrs: []string{"127.0.0.1"}}
	got := hs[0]
	got.Host = ""
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("found\n %+v\nwant\n %+v", got, want)
	}

	start := time.Now()
	if err := a.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	wait("the goodbye to remove the hub", 5*time.Second, func(hs []Hub) bool { return len(hs) == 0 })
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the hub left the list after %v: the goodbye was not heard (TTL is %d s)", d, ttl)
	}
}

// Two hubs that want one name: the second to start probes, hears the first defend the name
// and takes "name (2)"; both are listed with their own ports.
func TestNameConflictRenames(t *testing.T) {
	if !netns.Isolate(t) {
		return
	}
	wait := watch(t)
	first := advertise(t, Service{Name: "team hub", Port: 7001, Version: "1", Scheme: "http"})
	<-first.Ready()
	second := advertise(t, Service{Name: "team hub", Port: 7002, Version: "1", Scheme: "http"})
	select {
	case <-second.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("the second advertiser never finished probing")
	}
	if first.Name() != "team hub" || second.Name() != "team hub (2)" {
		t.Fatalf("names after the conflict: %q and %q, want %q and %q", first.Name(), second.Name(), "team hub", "team hub (2)")
	}
	hs := wait("both hubs", 10*time.Second, func(hs []Hub) bool { return named("team hub")(hs) && named("team hub (2)")(hs) })
	ports := map[string]int{}
	for _, h := range hs {
		ports[h.Instance] = h.Port
	}
	if ports["team hub"] != 7001 || ports["team hub (2)"] != 7002 {
		t.Errorf("ports %v, want team hub on 7001 and team hub (2) on 7002", ports)
	}
}

// Lookup returns an empty list, not an error, when no hub answers.
func TestLookupNone(t *testing.T) {
	if !netns.Isolate(t) {
		return
	}
	hs, err := Lookup(context.Background(), 1500*time.Millisecond, Options{Logger: quiet()})
	if err != nil || hs == nil || len(hs) != 0 {
		t.Fatalf("Lookup = %+v, %v; want an empty list and no error", hs, err)
	}
}

// A one-shot resolver (not on port 5353, like dig) gets a unicast answer with its query id.
func TestLegacyUnicastQuery(t *testing.T) {
	if !netns.Isolate(t) {
		return
	}
	a := advertise(t, Service{Name: "legacy", Port: 7100, Version: "1", Scheme: "http"})
	<-a.Ready()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	q := new(dns.Msg)
	q.SetQuestion(serviceName, dns.TypePTR)
	b, _ := q.Pack()
	if _, err := c.WriteTo(b, mdnsAddr); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	buf := make([]byte, 9000)
	n, _, err := c.ReadFrom(buf)
	if err != nil {
		t.Fatalf("no unicast answer: %v", err)
	}
	var r dns.Msg
	if err := r.Unpack(buf[:n]); err != nil {
		t.Fatal(err)
	}
	if r.Id != q.Id || len(r.Answer) != 1 || r.Answer[0].(*dns.PTR).Ptr != "legacy._herald._tcp.local." || r.Answer[0].Header().Ttl > 10 {
		t.Errorf("answer %v", &r)
	}
}

// An interface that comes up after the start (a laptop joining Wi-Fi) is joined and
// announced on: the hub's address there reaches the browser.
func TestNewInterfaceJoined(t *testing.T) {
	if !netns.Isolate(t) {
		return
	}
	defer func(d time.Duration) { rescanEvery = d }(rescanEvery)
	rescanEvery = 200 * time.Millisecond
	wait := watch(t)
	a := advertise(t, Service{Name: "roaming", Port: 7200, Version: "1", Scheme: "http"})
	wait("the hub on loopback", 10*time.Second, named("roaming"))
	for _, args := range [][]string{
		{"link", "add", "wifi0", "type", "veth", "peer", "name", "wifi1"}, // both ends in this namespace
		{"addr", "add", "10.9.9.9/24", "dev", "wifi0"},
		{"link", "set", "wifi1", "up"},
		{"link", "set", "wifi0", "multicast", "on", "up"},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %v: %v %s", args, err, out)
		}
	}
	wait("the hub's address on the new interface", 10*time.Second, func(hs []Hub) bool {
		return len(hs) == 1 && slices.Contains(hs[0].Addrs, "10.9.9.9")
	})
	if n := len(a.c.interfaces()); n != 2 {
		t.Errorf("the advertiser uses %d interfaces, want lo and wifi0", n)
	}
}
