// Package cli implements Herald's headless subcommands (serve, subscribe, publish, token,
// version). It never touches a display, so it builds into the nogui binary too.
package cli

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// command is one subcommand: its one-line summary and the function that runs it.
type command struct {
	summary string
	run     func(env *Env, args []string) int
}

// Env is what a subcommand may touch: its standard streams. Tests pass buffers.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// commands is filled by each subcommand's file in its init function.
var commands = map[string]command{}

func register(name, summary string, run func(env *Env, args []string) int) {
	commands[name] = command{summary: summary, run: run}
}

// Run runs the subcommand named by args[0] and returns the process exit code: 0 on success,
// 1 when the work failed, 2 on bad usage.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	env := &Env{Stdin: stdin, Stdout: stdout, Stderr: stderr}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	if args[0] == "--version" || args[0] == "-V" {
		args = []string{"version"} // the convention of most tools (version.go)
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "herald: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	return cmd.run(env, args[1:])
}

func usage(w io.Writer) {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("Usage: herald [command] [flags]\n\nWith no command, herald opens the desktop app.\n\nCommands:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %-10s %s\n", n, commands[n].summary)
	}
	b.WriteString("\nRun 'herald COMMAND -h' for a command's flags.\n")
	io.WriteString(w, b.String())
}
