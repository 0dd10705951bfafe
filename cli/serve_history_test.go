package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
