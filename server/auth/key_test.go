package auth

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func TestDefaultKeyPathHonoursXDG(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("XDG_CONFIG_HOME is a Linux convention")
	}
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	got, err := DefaultKeyPath()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "herald", "key"); got != want {
		t.Fatalf("DefaultKeyPath = %q, want %q", got, want)
	}
}

func TestLoadOrCreateKeyCreatesAndReuses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cfg", "herald", "key")
	k1, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(k1) != 43 {
		t.Fatalf("new key %q has length %d, want 43 (32 bytes base64url)", k1, len(k1))
	}
	k2, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if k1 != k2 {
		t.Fatalf("second load gave a different key")
	}
	if runtime.GOOS == "windows" {
		return
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %#o, want 0600", fi.Mode().Perm())
	}
	di, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm() != 0o700 {
		t.Fatalf("key folder mode %#o, want 0700", di.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("key folder holds %d entries, want only the key (temp file left behind?)", len(entries))
	}
}

func TestLoadOrCreateKeyConcurrentAgree(t *testing.T) {
	path := filepath.Join(t.TempDir(), "key")
	const n = 8
	keys := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { keys[i], errs[i] = LoadOrCreateKey(path) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("goroutine %d: %v", i, errs[i])
		}
		if keys[i] != keys[0] {
			t.Fatalf("goroutine %d got key %q, goroutine 0 got %q", i, keys[i], keys[0])
		}
	}
}

func TestLoadOrCreateKeyRejects(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("file modes are not enforced on Windows")
	}
	tests := []struct {
		name    string
		content string
		mode    os.FileMode
		wantErr string
	}{
		{"group readable", "0123456789abcdef0123", 0o640, "chmod 600"},
		{"world readable", "0123456789abcdef0123", 0o644, "other users may read"},
		{"too short", "short", 0o600, "at least 16"},
		{"only whitespace", " \n\t", 0o600, "at least 16"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "key")
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tc.mode); err != nil {
				t.Fatal(err)
			}
			key, err := LoadOrCreateKey(path)
			if err == nil {
				t.Fatalf("got key %q, want error containing %q", key, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %q does not contain %q", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), "0123456789abcdef") {
				t.Fatalf("error echoes the key: %q", err)
			}
		})
	}
}

func TestLoadOrCreateKeyTrimsWhitespace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(path, []byte("  my-long-enough-secret-key\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	key, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if key != "my-long-enough-secret-key" {
		t.Fatalf("key = %q", key)
	}
}

func TestLoadOrCreateKeyDirectory(t *testing.T) {
	path := t.TempDir()
	if _, err := LoadOrCreateKey(path); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("err = %v, want 'not a regular file'", err)
	}
}

// TestTypedErrors: refusals callers branch on are errors.Is-able and name no flag.
func TestTypedErrors(t *testing.T) {
	_, short := Mint("short", []string{"a"}, nil, 0)
	_, none := Mint("a-long-enough-hub-key-0123", nil, nil, 0)
	for _, tc := range []struct {
		err, want error
	}{{short, ErrShortKey}, {none, ErrNoScope}} {
		if !errors.Is(tc.err, tc.want) || strings.Contains(tc.err.Error(), "--") {
			t.Errorf("err = %v, want %v without a flag name", tc.err, tc.want)
		}
	}
}
