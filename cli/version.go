package cli

import (
	"errors"
	"flag"
	"fmt"
	"runtime"
	"strings"
)

// What the build stamps into the binary with -ldflags "-X github.com/heraldhq/herald/cli.NAME=...":
// scripts/package.sh and the Makefile set all three (scripts/package.sh ldflags prints the
// flags). GOFLAGS=-buildvcs=false is common in CI, so the commit cannot come from the Go
// toolchain's own VCS stamp.
var (
	// Version is Herald's version (FyneApp.toml's Version); "dev" in an unstamped build.
	Version = "dev"
	// Commit is the git commit the binary was built from; "" when unknown.
	Commit = ""
	// Date is the commit's date (YYYY-MM-DD), also the man page's date; "" when unknown.
	Date = ""
)

func init() {
	register("version", "print Herald's version, the commit it was built from and the Go version", runVersion)
}

const versionUsage = `Usage: herald version [--short]

Prints the version, the git commit and its date the binary was built from, and the Go
version and platform it was built with. herald --version does the same.

Flags:
`

func runVersion(env *Env, args []string) int {
	fs := flag.NewFlagSet("herald version", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() { fmt.Fprint(env.Stderr, versionUsage); fs.PrintDefaults() }
	short := fs.Bool("short", false, "print only the version number")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "herald version: unexpected argument %q (see herald version -h)\n", fs.Arg(0))
		return 2
	}
	if *short {
		fmt.Fprintln(env.Stdout, Version)
		return 0
	}
	fmt.Fprintln(env.Stdout, versionLine())
	return 0
}

// versionLine is what `herald version` prints, e.g.
// "herald 0.1.0 (commit 6e85959, 2026-12-07; go1.26.8 linux/amd64)".
func versionLine() string {
	commit := Commit
	if commit == "" {
		commit = "unknown"
	}
	build := []string{"commit " + commit}
	if Date != "" {
		build = append(build, Date)
	}
	return fmt.Sprintf("herald %s (%s; %s %s/%s)", Version, strings.Join(build, ", "), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
