package cli

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseHelp(t *testing.T) {
	help := "Usage: herald x [--a A] [-b]\n       [--long-one]\n\nText line one,\n  -not a flag: an example in the text\n\nFlags:\n" +
		"  -a address\n    \tlisten `here`\n    \tsecond line (default \"x\")\n" +
		"  -b\tshort bool\n" +
		"  -long-one duration\n    \thow long (default 3s)\n"
	d, err := parseHelp(help)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"herald x [--a A] [-b]", "[--long-one]"}; strings.Join(d.Synopsis, "|") != strings.Join(want, "|") {
		t.Errorf("synopsis %q, want %q", d.Synopsis, want)
	}
	if want := "Text line one,\n  -not a flag: an example in the text"; d.Text != want {
		t.Errorf("text %q, want %q", d.Text, want)
	}
	want := []flagDoc{
		{Name: "a", Arg: "address", Usage: "listen `here`\nsecond line (default \"x\")"},
		{Name: "b", Usage: "short bool"},
		{Name: "long-one", Arg: "duration", Usage: "how long (default 3s)"},
	}
	if len(d.Flags) != len(want) {
		t.Fatalf("flags %+v, want %+v", d.Flags, want)
	}
	for i := range want {
		if d.Flags[i] != want[i] {
			t.Errorf("flag %d: %+v, want %+v", i, d.Flags[i], want[i])
		}
	}
	if _, err := parseHelp("no usage here"); err == nil {
		t.Error("a help without Usage: parsed")
	}
}

// TestDescribeMatchesFlagSets checks the parsed help against the flag set itself: every
// command is described, and every flag of herald serve (the biggest table) with its kind.
func TestDescribeMatchesFlagSets(t *testing.T) {
	docs, err := describe()
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != len(commands) {
		t.Fatalf("described %d commands, %d are registered", len(docs), len(commands))
	}
	var serve cmdDoc
	for _, d := range docs {
		if len(d.Synopsis) == 0 || !strings.HasPrefix(d.Synopsis[0], "herald "+d.Name) {
			t.Errorf("%s: synopsis %q does not start with the command", d.Name, d.Synopsis)
		}
		if d.Name == "serve" {
			serve = d
		}
	}
	got := map[string]flagDoc{}
	for _, f := range serve.Flags {
		got[f.Name] = f
	}
	n := 0
	(&serveFlags{}).flagSet().VisitAll(func(f *flag.Flag) {
		n++
		d, ok := got[f.Name]
		if !ok {
			t.Errorf("serve flag --%s is missing from the parsed help", f.Name)
			return
		}
		isBool := false
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok {
			isBool = b.IsBoolFlag()
		}
		if isBool != (d.Arg == "") {
			t.Errorf("--%s: parsed as taking a value %v, the flag is boolean %v", f.Name, d.Arg != "", isBool)
		}
	})
	if n != len(serve.Flags) {
		t.Errorf("serve has %d flags, the parsed help %d", n, len(serve.Flags))
	}
}

// script runs `herald completion SHELL` in memory.
func script(t *testing.T, shell string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := Run([]string{"completion", shell}, nil, &out, &errOut); code != 0 {
		t.Fatalf("herald completion %s: exit %d: %s", shell, code, errOut.String())
	}
	return out.String()
}

// TestCompletionNamesEverything: each script names every command and every serve flag.
func TestCompletionNamesEverything(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		s := script(t, shell)
		for name := range commands {
			if !strings.Contains(s, name) {
				t.Errorf("%s completion lacks the command %s", shell, name)
			}
		}
		(&serveFlags{}).flagSet().VisitAll(func(f *flag.Flag) {
			word := "--" + f.Name
			if shell == "fish" {
				word = "-l " + f.Name + " "
			}
			if !strings.Contains(s, word) {
				t.Errorf("%s completion lacks serve's %q", shell, word)
			}
		})
	}
	var out, errOut bytes.Buffer
	if code := Run([]string{"completion", "tcsh"}, nil, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "bash, zsh or fish") {
		t.Errorf("completion tcsh: exit %d, %q; want 2 and the shells to choose from", code, errOut.String())
	}
}

// runShell runs a shell script with the completion file at $1, bounded in time.
func runShell(t *testing.T, shell, file, code string, args ...string) string {
	t.Helper()
	path, err := exec.LookPath(shell)
	if err != nil {
		t.Fatalf("%s is missing: run scripts/setup.sh (Debian package %s)", shell, shell)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var cmd *exec.Cmd
	switch shell {
	case "bash":
		cmd = exec.CommandContext(ctx, path, append([]string{"--norc", "--noprofile", "-c", code, "bash", file}, args...)...)
	case "zsh":
		cmd = exec.CommandContext(ctx, path, append([]string{"-f", "-c", code, "zsh", file}, args...)...)
	default:
		cmd = exec.CommandContext(ctx, path, append([]string{"--no-config", "-c", code, file}, args...)...)
	}
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir(), "XDG_DATA_HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s\nscript:\n%s", shell, err, out, code)
	}
	return string(out)
}

func writeScript(t *testing.T, shell string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "herald."+shell)
	if err := os.WriteFile(file, []byte(script(t, shell)), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestBashCompletion sources the script in a real bash and completes command lines.
func TestBashCompletion(t *testing.T) {
	file := writeScript(t, "bash")
	if got := runShell(t, "bash", file, `source "$1" && complete -p herald`); strings.TrimSpace(got) != "complete -F _herald herald" {
		t.Fatalf("complete -p herald = %q", got)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "history.db"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	complete := `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _herald; printf '%s\n' "${COMPREPLY[@]}"`
	for _, tc := range []struct {
		words []string
		want  []string
	}{
		{[]string{"herald", "se"}, []string{"serve"}},
		{[]string{"herald", ""}, topWords(must(describe()))},
		{[]string{"herald", "serve", "--history-"}, []string{"--history-bytes", "--history-file", "--history-fsync", "--history-fsync-interval", "--history-no-fsync", "--history-store"}},
		{[]string{"herald", "serve", "--history-file", dir + "/hist"}, []string{dir + "/history.db"}},
		{[]string{"herald", "serve", "--addr", ""}, nil}, // a value to type: nothing offered
		{[]string{"herald", "subscribe", "-"}, nil},      // checked below: has -H and --last-event-id
		{[]string{"herald", "completion", ""}, []string{"bash", "zsh", "fish"}},
	} {
		got := strings.Fields(runShell(t, "bash", file, complete, tc.words...))
		if tc.words[1] == "subscribe" {
			if !contains(got, "-H") || !contains(got, "--last-event-id") {
				t.Errorf("%q: %q lacks -H or --last-event-id", tc.words, got)
			}
			continue
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%q completes to %q, want %q", tc.words, got, tc.want)
		}
	}
}

// TestZshCompletion loads the script the two ways zsh does: sourced after compinit (it must
// register _herald for herald) and autoloaded from $fpath as _herald.
func TestZshCompletion(t *testing.T) {
	file := writeScript(t, "zsh")
	runShell(t, "zsh", file, `zsh -n "$1"`)
	dump := filepath.Join(t.TempDir(), "zcompdump")
	got := runShell(t, "zsh", file, `autoload -U compinit && compinit -u -d `+dump+` && source "$1" && print -r -- $_comps[herald]`)
	if strings.TrimSpace(got) != "_herald" {
		t.Errorf("sourced: $_comps[herald] = %q, want _herald", got)
	}
	fp := t.TempDir()
	if err := os.Rename(file, filepath.Join(fp, "_herald")); err != nil {
		t.Fatal(err)
	}
	got = runShell(t, "zsh", fp, `fpath=("$1" $fpath) && autoload -U compinit && compinit -u -d `+dump+`2 && print -r -- $_comps[herald]`)
	if strings.TrimSpace(got) != "_herald" {
		t.Errorf("from $fpath: $_comps[herald] = %q, want _herald", got)
	}
}

// TestFishCompletion asks a real fish what it would complete (complete -C).
func TestFishCompletion(t *testing.T) {
	file := writeScript(t, "fish")
	for _, tc := range []struct{ line, want string }{
		{"herald se", "serve"},
		{"herald serve --history-f", "--history-file"},
		{"herald serve --tls-self", "--tls-self-signed"},
		{"herald completion ", "zsh"},
		{"herald subscribe -", "-H"},
	} {
		out := runShell(t, "fish", file, `source $argv[1]; complete -C $argv[2]`, tc.line)
		var words []string
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			w, _, _ := strings.Cut(l, "\t")
			words = append(words, w)
		}
		if !contains(words, tc.want) {
			t.Errorf("fish completes %q to %q, want %q among them", tc.line, words, tc.want)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
