package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestDesktopBinaryHeadlessIsQuiet runs the headless commands of the desktop binary (the
// one that links Fyne) under the locales of servers and containers: Fyne must not say a
// word on stderr ("Fyne error: Error parsing user locale C" was printed on every run).
func TestDesktopBinaryHeadlessIsQuiet(t *testing.T) {
	var base []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k != "LANG" && k != "LANGUAGE" && !strings.HasPrefix(k, "LC_") {
			base = append(base, kv)
		}
	}
	for _, lang := range []string{"C.UTF-8", "C", "POSIX", "en_US.UTF-8"} {
		for _, args := range [][]string{
			{"token", "--help"}, {"serve", "--help"}, {"subscribe", "--help"}, {"publish", "--help"}, {"version"},
			{"token", "--publish", "a", "--subscribe", "a", "--key", "quiet-test-key-0123456789abcdef"},
		} {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			cmd := exec.CommandContext(ctx, heraldGUI(), args...)
			cmd.Env = append(base, "LANG="+lang, "HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir())
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			timedOut := ctx.Err() != nil
			cancel()
			if timedOut {
				t.Fatalf("LANG=%s herald %v did not finish within 30 s", lang, args)
			}
			if _, exited := err.(*exec.ExitError); err != nil && !exited {
				t.Fatalf("LANG=%s herald %v: %v", lang, args, err)
			}
			if strings.Contains(stderr.String(), "Fyne") {
				t.Errorf("LANG=%s herald %v printed Fyne output on stderr:\n%s", lang, args, stderr.String())
			}
		}
	}
}
