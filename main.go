// Command herald is a desktop app and a set of headless commands for live Server-Sent Events
// streams. With no arguments (or "gui") it opens the desktop app; "serve", "subscribe",
// "publish", "token" and "version" run without a display.
package main

import (
	"os"

	"github.com/heraldhq/herald/cli"
	// First, before Fyne reads the locale: no "Fyne error" under LANG=C.UTF-8.
	_ "github.com/heraldhq/herald/internal/locale"
)

func main() {
	if len(os.Args) < 2 || os.Args[1] == "gui" {
		os.Exit(runGUI(os.Args[1:]))
	}
	os.Exit(cli.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
