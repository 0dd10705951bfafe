package cli

import (
	"encoding/json"
	"io"
	"log/slog"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/discovery"
	"github.com/heraldhq/herald/internal/netns"
)

// Bad usage exits 2 with a message that says what to change.
func TestDiscoverUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"discover", "--timeout", "0s"}, "give a positive duration"},
		{[]string{"discover", "extra"}, `unexpected argument "extra"`},
		{[]string{"discover", "--timeout", "soon"}, "invalid value"},
	} {
		code, _, errs := runCLI(t, tt.args...)
		if code != 2 || !strings.Contains(errs, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, errs, tt.want)
		}
	}
}

// In a private network namespace: no hub gives "no hubs found" and exit 0; an advertised
// hub is listed as a table and as JSON with its TXT fields.
func TestDiscoverLists(t *testing.T) {
	if !netns.Isolate(t) {
		return
	}
	code, out, errs := runCLI(t, "discover", "--timeout", "1s")
	if code != 0 || !strings.HasPrefix(out, "no hubs found") {
		t.Fatalf("with no hub: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	code, out, _ = runCLI(t, "discover", "--json", "--timeout", "1s")
	if code != 0 || strings.TrimSpace(out) != "[]" {
		t.Fatalf("with no hub, --json: exit %d, %q; want []", code, out)
	}

	a, err := discovery.Advertise(discovery.Service{Name: "ops hub", Port: 7979, Version: "9.9.9", Scheme: "http", TokenRequired: true},
		discovery.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	select {
	case <-a.Ready():
	case <-time.After(5 * time.Second):
		t.Fatal("the advertiser never announced")
	}
	code, out, errs = runCLI(t, "discover", "--json", "--timeout", "2s")
	var hubs []discovery.Hub
	if code != 0 || json.Unmarshal([]byte(out), &hubs) != nil || len(hubs) != 1 {
		t.Fatalf("--json: exit %d, stdout %q, stderr %q; want one hub", code, out, errs)
	}
	if h := hubs[0]; h.Name != "ops hub" || h.URL != "http://127.0.0.1:7979" || h.Version != "9.9.9" || !h.TokenRequired {
		t.Errorf("found %+v", h)
	}
	code, out, _ = runCLI(t, "discover", "--timeout", "2s")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 2 || strings.Fields(lines[0])[0] != "NAME" ||
		strings.Join(strings.Fields(lines[1]), " ") != "ops hub http://127.0.0.1:7979 9.9.9 needed" {
		t.Errorf("table: exit %d\n%s", code, out)
	}
}

// With no interface that carries multicast, discover exits 1 and says what to do.
func TestDiscoverNoNetwork(t *testing.T) {
	if !netns.Isolate(t) {
		return
	}
	if out, err := exec.Command("ip", "link", "set", "lo", "multicast", "off").CombinedOutput(); err != nil {
		t.Fatalf("ip link set lo multicast off: %v %s", err, out)
	}
	code, out, errs := runCLI(t, "discover", "--timeout", "1s")
	if code != 1 || out != "" || !strings.Contains(errs, "no network interface is up with multicast") {
		t.Errorf("exit %d, stdout %q, stderr %q; want 1 and a message about the network", code, out, errs)
	}
}
