//go:build !windows && !darwin

package autostart

import (
	"fmt"
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

// text is the autostart file's content.
func (e Entry) text() string { return DesktopEntry(e) }

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
