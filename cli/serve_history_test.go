package cli

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/server/journal"
	"github.com/heraldhq/herald/server/node"
)

// TestServeHistoryStore: the durable store is the default and lives in the config folder;
// --history-file moves it, --history-store memory (or HERALD_HISTORY_STORE) writes no file,
// and a wrong store name or a file held by a running hub is a clear error.
func TestServeHistoryStore(t *testing.T) {
	tests := []struct {
		name     string
		env      string // HERALD_HISTORY_STORE
		args     func(dir string) []string
		wantFile func(cfg, dir string) string // "" when no file may appear
	}{
		{"durable by default, in the config folder", "", func(string) []string { return nil },
			func(cfg, _ string) string { return filepath.Join(cfg, "herald", "history.db") }},
		{"--history-file", "", func(dir string) []string { return []string{"--history-file", filepath.Join(dir, "h.db")} },
			func(_, dir string) string { return filepath.Join(dir, "h.db") }},
		{"--history-store memory", "", func(string) []string { return []string{"--history-store", "memory"} },
			func(string, string) string { return "" }},
		{"HERALD_HISTORY_STORE=memory", "memory", func(string) []string { return nil },
			func(string, string) string { return "" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.env != "" {
				t.Setenv("HERALD_HISTORY_STORE", tc.env)
			}
			_, stop := startServe(t, tc.args(dir)...)
			cfg := os.Getenv("XDG_CONFIG_HOME")
			want := tc.wantFile(cfg, dir)
			if want != "" {
				if _, err := os.Stat(want); err != nil {
					t.Fatalf("the history file: %v", err)
				}
			} else if _, err := os.Stat(filepath.Join(cfg, "herald", "history.db")); err == nil {
				t.Fatal("memory mode wrote a history file")
			}
			stop()
		})
	}
}

func TestServeHistoryErrors(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	file := filepath.Join(t.TempDir(), "held.db")
	startServe(t, "--history-file", file) // holds the file until the test ends
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown store", []string{"--history-store", "disk"}, `--history-store "disk": use durable or memory`},
		{"file held by a running hub", []string{"--history-file", file}, "in use by another running hub"},
		{"the hint names the flags", []string{"--history-file", file}, "use --history-file PATH for another file, or --history-store memory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			errOut := &syncBuffer{}
			code := Run(append([]string{"serve", "--addr", "127.0.0.1:0"}, tc.args...), strings.NewReader(""), &syncBuffer{}, errOut)
			if code == 0 || !strings.Contains(errOut.String(), tc.want) {
				t.Fatalf("exit %d, stderr %q; want an error saying %q", code, errOut.String(), tc.want)
			}
		})
	}
}

// TestHistoryFsyncFlags is the policy table: what each combination of the fsync flags
// (and their HERALD_ variables, which set the same flags) gives the journal, and the
// errors that say what to fix.
func TestHistoryFsyncFlags(t *testing.T) {
	tests := []struct {
		name         string
		args         []string
		want         journal.Fsync
		wantInterval time.Duration
		wantErr      string
	}{
		{"the default is interval, every second", nil, journal.FsyncInterval, time.Second, ""},
		{"always", []string{"--history-fsync", "always"}, journal.FsyncAlways, time.Second, ""},
		{"never", []string{"--history-fsync", "never"}, journal.FsyncNever, time.Second, ""},
		{"interval with its period", []string{"--history-fsync", "interval", "--history-fsync-interval", "250ms"}, journal.FsyncInterval, 250 * time.Millisecond, ""},
		{"--history-no-fsync is never (deprecated)", []string{"--history-no-fsync"}, journal.FsyncNever, time.Second, ""},
		{"--history-no-fsync with never agrees", []string{"--history-no-fsync", "--history-fsync", "never"}, journal.FsyncNever, time.Second, ""},
		{"--history-no-fsync contradicts always", []string{"--history-no-fsync", "--history-fsync", "always"}, "", 0, "contradicts --history-fsync always"},
		{"an unknown policy", []string{"--history-fsync", "sometimes"}, "", 0, `--history-fsync "sometimes": use always, interval or never`},
		{"a zero interval", []string{"--history-fsync-interval", "0s"}, "", 0, "--history-fsync-interval 0s: use a positive duration"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var h historyFlags
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			h.register(fs)
			if err := fs.Parse(append([]string{"--history-file", filepath.Join(t.TempDir(), "h")}, tc.args...)); err != nil {
				t.Fatal(err)
			}
			var cfg node.Config
			_, err := h.apply(&cfg)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.History.Fsync != tc.want || cfg.History.FsyncInterval != tc.wantInterval {
				t.Fatalf("fsync %q every %s, want %q every %s", cfg.History.Fsync, cfg.History.FsyncInterval, tc.want, tc.wantInterval)
			}
		})
	}
	// HERALD_HISTORY_FSYNC sets the flag like every HERALD_ variable does.
	t.Setenv("HERALD_HISTORY_FSYNC", "always")
	var o serveFlags
	if err := applyEnv(o.flagSet()); err != nil {
		t.Fatal(err)
	}
	if o.hist.fsync != "always" {
		t.Fatalf("HERALD_HISTORY_FSYNC=always gave --history-fsync %q", o.hist.fsync)
	}
}
