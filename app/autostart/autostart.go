// Package autostart starts the desktop app when the user logs in: an XDG autostart entry on
// Linux and the BSDs, a LaunchAgent on macOS, the Run registry key on Windows. Each OS's
// way is in its own file; this one holds what they share.
package autostart

import (
	"fmt"
	"os"
	"path/filepath"
)

// Entry is what starts at login: a name and the program with its arguments.
type Entry struct {
	Name string   // shown by the OS ("Herald"); also names the file or registry value
	Exec string   // absolute path of the program
	Args []string // its arguments
}

// Self is the running program as an entry named name, with args.
func Self(name string, args ...string) (Entry, error) {
	exe, err := os.Executable()
	if err != nil {
		return Entry{}, fmt.Errorf("cannot tell where the running program is: %w", err)
	}
	if p, err := filepath.EvalSymlinks(exe); err == nil {
		exe = p
	}
	return Entry{Name: name, Exec: exe, Args: args}, nil
}
