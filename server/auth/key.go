// Package auth holds the hub's secret key, the scoped tokens signed with it, and the policy
// that decides who may publish to and subscribe to which channels.
package auth

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// MinKeyLen is the shortest key the hub accepts: a shorter secret is guessable.
const MinKeyLen = 16

// ErrShortKey matches (errors.Is) every refusal of a key shorter than MinKeyLen.
var ErrShortKey = fmt.Errorf("the hub key is too short; it needs at least %d characters", MinKeyLen)

// ErrNoConfigDir is DefaultKeyPath's error when the system names no user config folder
// (callers say how else to give the key).
var ErrNoConfigDir = errors.New("cannot find the user config folder for the hub key")

// DefaultKeyPath returns where the hub keeps its key: herald/key in the user's config folder
// ($XDG_CONFIG_HOME or ~/.config on Linux, ~/Library/Application Support on macOS,
// %AppData% on Windows), as os.UserConfigDir defines it.
func DefaultKeyPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("%w (%v)", ErrNoConfigDir, err)
	}
	return filepath.Join(dir, "herald", "key"), nil
}

// NewKey returns a fresh key: 32 random bytes, base64url without padding (43 characters).
func NewKey() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("reading random bytes for a new key: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// LoadOrCreateKey reads the key kept at path, or makes a new one there when the file does not
// exist (folder mode 0700, file mode 0600). An existing key file that others may read or write
// (any group/other permission bit) is refused rather than silently fixed: the key may already
// have leaked, so the user should decide whether to tighten it (chmod 600) or rotate it
// (delete the file). Surrounding whitespace in the file is ignored.
func LoadOrCreateKey(path string) (string, error) {
	key, err := readKey(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("creating the folder for the hub key: %w", err)
	}
	key, err = NewKey()
	if err != nil {
		return "", err
	}
	if err := writeNew(path, key+"\n"); err != nil {
		if errors.Is(err, fs.ErrExist) {
			// Another process made the key between our read and our write: use theirs.
			return readKey(path)
		}
		return "", fmt.Errorf("saving the new hub key to %s: %w", path, err)
	}
	return key, nil
}

// readKey reads and checks an existing key file.
func readKey(path string) (string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if !info.Mode().IsRegular() {
		return "", fmt.Errorf("hub key %s is not a regular file; remove it so a new key is made", path)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("hub key %s has mode %#o, so other users may read it; run 'chmod 600 %s', or delete it to make a new key (which invalidates every token)",
			path, info.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("reading the hub key: %w", err)
	}
	key := strings.TrimSpace(string(b))
	if len(key) < MinKeyLen {
		return "", fmt.Errorf("hub key in %s is %d characters long; it needs at least %d (delete the file to make a new one)", path, len(key), MinKeyLen)
	}
	return key, nil
}

// writeNew writes content to path only if path does not exist yet, atomically: the content
// goes to a temporary file first and is hard-linked into place, so a concurrent reader never
// sees a half-written key and a concurrent writer never overwrites ours.
func writeNew(path, content string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".key-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		tmp.Close()
		return err
	}
	if _, err := tmp.WriteString(content); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return err
		}
		// Some file systems cannot hard-link; fall back to an exclusive create.
		f, err2 := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err2 != nil {
			return err2
		}
		if _, err2 = f.WriteString(content); err2 != nil {
			f.Close()
			return err2
		}
		return f.Close()
	}
	return nil
}
