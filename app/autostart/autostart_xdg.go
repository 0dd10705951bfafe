//go:build !windows && !darwin

package autostart

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Dir is where XDG autostart entries go: $XDG_CONFIG_HOME/autostart, ~/.config/autostart.
func Dir() (string, error) {
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no folder for autostart entries: %w", err)
	}
	return filepath.Join(base, "autostart"), nil
}

func (e Entry) path() (string, error) {
	dir, err := Dir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, strings.ToLower(e.Name)+".desktop"), nil
}

// Enable writes the entry's autostart file (herald.desktop).
func Enable(e Entry) error {
	p, err := e.path()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("start at login: %w", err)
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, []byte(DesktopEntry(e)), 0o644); err != nil {
		return fmt.Errorf("start at login: %w", err)
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("start at login: %w", err)
	}
	return nil
}

// Disable removes the entry's autostart file; there being none is not an error.
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

// Enabled reports whether the entry's autostart file exists.
func Enabled(e Entry) bool {
	p, err := e.path()
	if err != nil {
		return false
	}
	_, err = os.Stat(p)
	return err == nil
}

// DesktopEntry is the autostart file's text (Desktop Entry Specification): Exec quotes
// every argument, so a path with spaces survives.
func DesktopEntry(e Entry) string {
	args := []string{quoteExec(e.Exec)}
	for _, a := range e.Args {
		args = append(args, quoteExec(a))
	}
	return "[Desktop Entry]\n" +
		"Type=Application\n" +
		"Version=1.0\n" +
		"Name=" + e.Name + "\n" +
		"Comment=Watch live event feeds from the tray\n" +
		"Exec=" + strings.Join(args, " ") + "\n" +
		"Icon=" + strings.ToLower(e.Name) + "\n" +
		"Terminal=false\n" +
		"X-GNOME-Autostart-enabled=true\n"
}

// quoteExec quotes one Exec argument as the spec asks: inside double quotes, backslash
// before `"`, "`", "$" and "\"; "%" doubled (field codes), and the backslashes doubled once
// more because the value itself is an escaped string.
func quoteExec(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n\"'\\><~|&;$*?#()`%=") {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '`', '$':
			b.WriteString(`\\`)
		case '\\':
			b.WriteString(`\\\`)
		case '%':
			b.WriteByte('%')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}
