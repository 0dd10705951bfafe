// Package netns runs a test inside a private network namespace, so multicast DNS (and any
// other traffic the test makes) can never reach the machine's real interfaces.
//
// Isolate re-runs the calling test's binary under `unshare -n` with only the loopback
// interface, brought up with multicast on; the parent test passes or fails with the child.
// A test that cannot create the namespace fails with a message saying why: the discovery
// tests must never fall back to the real network.
package netns

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// childEnv names the test that a re-executed binary runs inside the namespace.
const childEnv = "HERALD_NETNS_TEST"

// setup brings the namespace's loopback up with multicast and routes the multicast range
// through it, then runs the test binary.
const setup = `set -e
ip link set lo up multicast on
ip route add 224.0.0.0/4 dev lo
exec "$@"`

// Isolate returns true when the test already runs inside its private namespace and should
// go on. Otherwise it runs the test again inside a new namespace, reports that run's
// outcome as this test's, and returns false: the caller returns at once.
//
//	func TestX(t *testing.T) {
//		if !netns.Isolate(t) {
//			return
//		}
//		... multicast is safe here ...
//	}
func Isolate(t *testing.T) bool {
	t.Helper()
	if os.Getenv(childEnv) == t.Name() {
		if err := Check(); err != nil {
			t.Fatalf("refusing to run outside a private network namespace: %v", err)
		}
		return true
	}
	args := append([]string{"-n", "--", "sh", "-c", setup, "sh", os.Args[0],
		"-test.run", RunPattern(t.Name()), "-test.count=1", "-test.v"}, passFlags()...)
	for _, tool := range []string{"unshare", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("cannot create a network namespace: %s is not installed (util-linux, iproute2: scripts/setup.sh installs them): %v", tool, err)
		}
	}
	cmd := exec.Command("unshare", args...)
	cmd.Env = append(os.Environ(), childEnv+"="+t.Name())
	out, err := cmd.CombinedOutput()
	if err != nil {
		if !strings.Contains(string(out), "=== RUN") {
			t.Fatalf("cannot create a network namespace for this test (unshare -n and ip need root or CAP_SYS_ADMIN+CAP_NET_ADMIN; this test never uses the real network): %v\n%s", err, out)
		}
		t.Fatalf("the test failed inside its network namespace:\n%s", out)
	}
	if testing.Verbose() {
		t.Logf("inside the network namespace:\n%s", out)
	}
	return false
}

// Child reports whether this process is a namespaced re-run (of any test). Test mains use
// it to keep per-process setup (like building binaries) from running twice.
func Child() bool { return os.Getenv(childEnv) != "" }

// RunPattern is the -test.run pattern that selects exactly the test (or subtest) name.
func RunPattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}

// passFlags carries the flags that change what a test does over to the re-run.
func passFlags() []string {
	var out []string
	for _, a := range os.Args[1:] {
		for _, f := range []string{"-test.timeout=", "-test.short"} {
			if strings.HasPrefix(a, f) {
				out = append(out, a)
			}
		}
	}
	return out
}

// Check returns an error unless the only network interface is a loopback with multicast
// on: the state Isolate leaves, in which nothing sent can leave the machine.
func Check() error {
	ifs, err := net.Interfaces()
	if err != nil {
		return err
	}
	for _, i := range ifs {
		if i.Flags&net.FlagLoopback == 0 {
			return fmt.Errorf("interface %s is not loopback", i.Name)
		}
		if i.Flags&net.FlagUp == 0 || i.Flags&net.FlagMulticast == 0 {
			return fmt.Errorf("loopback %s is not up with multicast on", i.Name)
		}
	}
	if len(ifs) == 0 {
		return fmt.Errorf("no interfaces")
	}
	return nil
}
