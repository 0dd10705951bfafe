package systemd

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// readUnit returns herald.service as the package installs it.
func readUnit(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("herald.service")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// verifiable writes the unit into a temporary folder with its ExecStart pointing at an
// executable that exists here (the package installs /usr/bin/herald; systemd-analyze
// refuses a command it cannot find), and returns its path.
func verifiable(t *testing.T) string {
	t.Helper()
	unit := readUnit(t)
	if !strings.Contains(unit, "\nExecStart=/usr/bin/herald serve\n") {
		t.Fatal("herald.service must start /usr/bin/herald serve, where the Debian package installs it")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "herald.service")
	if err := os.WriteFile(path, []byte(strings.Replace(unit, "ExecStart=/usr/bin/herald", "ExecStart="+self, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestUnitVerifies: systemd-analyze verify accepts the unit without a single warning (it
// prints unknown options, bad values and missing commands, and still exits 0 for some).
func TestUnitVerifies(t *testing.T) {
	path := verifiable(t)
	var out bytes.Buffer
	cmd := exec.Command("systemd-analyze", "verify", "--man=no", path)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out.String())
	}
	if s := strings.TrimSpace(out.String()); s != "" {
		t.Fatalf("systemd-analyze verify warns about herald.service:\n%s", s)
	}
}

// TestUnitIsHardened: systemd's own exposure score (0 is locked down, 10 is root with
// everything) stays below 2.0, "OK"; and the settings the service relies on are there.
func TestUnitIsHardened(t *testing.T) {
	path := verifiable(t)
	out, err := exec.Command("systemd-analyze", "security", "--offline=yes", "--man=no", "--threshold=20", path).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze security: %v (exposure above 2.0?)\n%s", err, out)
	}
	if !strings.Contains(string(out), "Overall exposure level for herald.service") {
		t.Fatalf("no exposure level in systemd-analyze security's output:\n%s", out)
	}
	unit := readUnit(t)
	for _, want := range []string{
		"DynamicUser=yes", "StateDirectory=herald", "ProtectSystem=strict", "NoNewPrivileges=yes",
		"ExecReload=/bin/kill -HUP $MAINPID", "Restart=on-failure", "CapabilityBoundingSet=\n",
		"Environment=XDG_CONFIG_HOME=%S",
		"RestrictAddressFamilies=AF_INET AF_INET6 AF_NETLINK AF_UNIX", "SystemCallFilter=@system-service",
	} {
		if !strings.Contains(unit, want) {
			t.Errorf("herald.service lacks %q", want)
		}
	}
}
