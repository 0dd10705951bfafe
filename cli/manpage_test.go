package cli

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestManPage renders herald(1) with groff, warnings all on (-ww), the way man does: not one
// warning, and the text names every command and every serve flag.
func TestManPage(t *testing.T) {
	var page, errOut bytes.Buffer
	if code := Run([]string{"man"}, nil, &page, &errOut); code != 0 {
		t.Fatalf("herald man: exit %d: %s", code, errOut.String())
	}
	if _, err := exec.LookPath("groff"); err != nil {
		t.Fatal("groff is missing: run scripts/setup.sh (Debian package groff-base)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "groff", "-man", "-Tutf8", "-ww", "-rLL=100n")
	cmd.Stdin = bytes.NewReader(page.Bytes())
	var text, warnings bytes.Buffer
	cmd.Stdout, cmd.Stderr = &text, &warnings
	if err := cmd.Run(); err != nil {
		t.Fatalf("groff: %v\n%s", err, warnings.String())
	}
	if warnings.Len() > 0 {
		t.Errorf("groff warns:\n%s", warnings.String())
	}
	// Plain text: drop the overstrikes (bold, underline) and the hyphens of wrapped words.
	plain := regexp.MustCompile(".\b").ReplaceAllString(text.String(), "")
	plain = strings.NewReplacer("\u2010\n", "", "\u2212", "-").Replace(plain)
	for name := range commands {
		if !strings.Contains(plain, "herald "+name) {
			t.Errorf("the man page has no section for herald %s", name)
		}
	}
	(&serveFlags{}).flagSet().VisitAll(func(f *flag.Flag) {
		if !regexp.MustCompile(`(?m)^\s+--` + regexp.QuoteMeta(f.Name) + `\b`).MatchString(plain) {
			t.Errorf("the man page does not list serve's --%s", f.Name)
		}
	})
	for _, want := range []string{"NAME", "SYNOPSIS", "EXIT STATUS", "ENVIRONMENT", "FILES", "HERALD_<FLAG>"} {
		if !strings.Contains(plain, want) {
			t.Errorf("the man page lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("the page as groff renders it:\n%s", plain)
	}

	// man itself reads the file (man-db's own pipeline: preconv, tbl, groff).
	if _, err := exec.LookPath("man"); err != nil {
		t.Fatal("man is missing: run scripts/setup.sh (Debian package man-db)")
	}
	file := filepath.Join(t.TempDir(), "herald.1")
	if err := os.WriteFile(file, page.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd = exec.CommandContext(ctx, "man", "-l", file)
	cmd.Env = append(os.Environ(), "MANPAGER=cat", "PAGER=cat", "MANWIDTH=100", "LC_ALL=C.UTF-8", "MAN_KEEP_STDERR=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "HERALD(1)") {
		t.Errorf("man -l: %v\n%.400s", err, out)
	}
}

func TestRoffEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"--addr", `\-\-addr`},
		{".hidden", `\&.hidden`},
		{"'quoted'", `\&'quoted'`},
		{`a\b`, `a\eb`},
		{"caf\u00e9 \u2192", `caf\[u00E9] \[u2192]`},
	} {
		if got := roffEscape(tc.in); got != tc.want {
			t.Errorf("roffEscape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestVersion: the stamped version, commit and date and the Go version all show, and an
// unstamped build says so rather than inventing a commit.
func TestVersion(t *testing.T) {
	defer func(v, c, d string) { Version, Commit, Date = v, c, d }(Version, Commit, Date)
	Version, Commit, Date = "1.2.3", "abc1234", "2026-12-07"
	for _, args := range [][]string{{"version"}, {"--version"}} {
		var out bytes.Buffer
		if code := Run(args, nil, &out, &out); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, out.String())
		}
		if want := regexp.MustCompile(`^herald 1\.2\.3 \(commit abc1234, 2026-12-07; go1\.\d+\S* \w+/\w+\)\n$`); !want.MatchString(out.String()) {
			t.Errorf("%v printed %q", args, out.String())
		}
	}
	var out bytes.Buffer
	Run([]string{"version", "--short"}, nil, &out, &out)
	if out.String() != "1.2.3\n" {
		t.Errorf("version --short printed %q", out.String())
	}
	Commit, Date = "", ""
	if got := versionLine(); !strings.Contains(got, "commit unknown;") {
		t.Errorf("unstamped: %q", got)
	}
	out.Reset()
	if code := Run([]string{"version", "extra"}, nil, &out, &out); code != 2 {
		t.Errorf("version extra: exit %d, want 2", code)
	}
}
