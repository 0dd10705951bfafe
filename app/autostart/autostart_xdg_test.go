//go:build !windows && !darwin

package autostart

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Enable writes an autostart entry that desktop-file-validate accepts, whose Exec runs the
// program that wrote it; Disable removes it, twice without error.
func TestXDGAutostart(t *testing.T) {
	validate, err := exec.LookPath("desktop-file-validate")
	if err != nil {
		t.Fatal("desktop-file-validate is missing: run scripts/setup.sh (apt package desktop-file-utils)")
	}
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	e, err := Self("Herald")
	if err != nil {
		t.Fatal(err)
	}
	if Enabled(e) {
		t.Fatal("enabled before Enable")
	}
	if err := Enable(e); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "autostart", "herald.desktop")
	text, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("no entry at %s: %v", p, err)
	}
	if out, err := exec.Command(validate, p).CombinedOutput(); err != nil || len(out) > 0 {
		t.Fatalf("desktop-file-validate: %v\n%s\n%s", err, out, text)
	}
	exe, _ := os.Executable()
	exe, _ = filepath.EvalSymlinks(exe)
	if !strings.Contains(string(text), "\nExec="+exe+"\n") {
		t.Errorf("Exec does not run %s:\n%s", exe, text)
	}
	if !Enabled(e) {
		t.Error("not enabled after Enable")
	}
	for range 2 {
		if err := Disable(e); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) || Enabled(e) {
		t.Errorf("entry still there after Disable: %v", err)
	}
}

// Exec arguments are quoted by the Desktop Entry rules, so odd paths start the right file.
func TestQuoteExec(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"/usr/bin/herald", "/usr/bin/herald"},
		{"/opt/My Apps/herald", `"/opt/My Apps/herald"`},
		{`/a"b`, `"/a\\"b"`},
		{`/a\b`, `"/a\\\\b"`},
		{"/a$b", `"/a\\$b"`},
		{"--tab=Live", `"--tab=Live"`},
		{"100%", `"100%%"`},
	} {
		if got := quoteExec(tt.in); got != tt.want {
			t.Errorf("quoteExec(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
