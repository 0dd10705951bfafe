//go:build nogui

package main

import (
	"fmt"
	"os"
)

// runGUI explains why there is no window: this binary was built for servers and containers.
func runGUI(args []string) int {
	fmt.Fprintln(os.Stderr, "herald: this build has no desktop app (built with -tags nogui); run 'herald help' for the headless commands")
	return 2
}
