//go:build !windows

package autostart

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Where login starts a program from a file (an XDG autostart entry, a LaunchAgent), the
// OS's file decides only the path and the text (path and text in its own file).

// Enable writes the entry's file (herald.desktop on Linux and the BSDs,
// ~/Library/LaunchAgents/dev.herald.herald.plist on macOS), through a temporary file so a
// crash never leaves half of one.
func Enable(e Entry) error {
	p, err := e.path()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("start at login: %w", err)
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, []byte(e.text()), 0o644); err != nil {
		return fmt.Errorf("start at login: %w", err)
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("start at login: %w", err)
	}
	return nil
}

// Disable removes the entry's file; there being none is not an error.
func Disable(e Entry) error {
	p, err := e.path()
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("stop starting at login: %w", err)
	}
	return nil
}

// Enabled reports whether the entry's file exists.
func Enabled(e Entry) bool {
	p, err := e.path()
	if err != nil {
		return false
	}
	_, err = os.Stat(p)
	return err == nil
}
