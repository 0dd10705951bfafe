package cli

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
)

// DefaultConfigFile is the config file `herald serve` reads when neither --config nor
// HERALD_CONFIG names one and it exists (the Debian package installs a commented one). A
// variable so tests can point it elsewhere.
var DefaultConfigFile = "/etc/herald/herald.conf"

// The config file format (docs/operations.md#the-config-file):
//
//	# a comment, on its own line
//	name = value          # the flag's name without the dashes; a comment may follow
//	public = news.*       # repeatable flags: one line per value, or comma-separated
//	cors-origin = "https://a.example:8443"   # double quotes keep spaces and '#'
//
// Blank lines are ignored. Names are those of `herald serve -h`; values are what the flag
// takes on the command line (durations such as 30s, sizes in bytes, true or false).

// setting is one `name = value` line of a config file.
type setting struct {
	name, value string
	line        int
}

// parseConfig reads a config file's settings; file names it in errors.
func parseConfig(file string, r io.Reader) ([]setting, error) {
	var out []setting
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if n == 1 {
			line = strings.TrimPrefix(line, "\uFEFF")
		}
		if line == "" || line[0] == '#' {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return nil, fmt.Errorf("%s:%d: %q is not a setting; write name = value (e.g. addr = 127.0.0.1:7878) or start a comment with #", file, n, clip(line))
		}
		if strings.HasPrefix(name, "-") {
			return nil, fmt.Errorf("%s:%d: write the setting as %s = ..., without the dashes of the flag", file, n, strings.TrimLeft(name, "-"))
		}
		v, err := configValue(strings.TrimSpace(value))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %s: %v", file, n, name, err)
		}
		out = append(out, setting{name: name, value: v, line: n})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	return out, nil
}

// configValue unquotes a double-quoted value, or cuts an unquoted one at a " #" comment.
func configValue(v string) (string, error) {
	if strings.HasPrefix(v, `"`) {
		end := closingQuote(v)
		if end < 0 {
			return "", fmt.Errorf("the value %s has no closing quote", clip(v))
		}
		rest := strings.TrimSpace(v[end+1:])
		if rest != "" && rest[0] != '#' {
			return "", fmt.Errorf("unexpected %q after the quoted value", clip(rest))
		}
		u, err := strconv.Unquote(v[:end+1])
		if err != nil {
			return "", fmt.Errorf("the quoted value %s is not valid (use \\\" for a quote, \\\\ for a backslash)", clip(v[:end+1]))
		}
		return u, nil
	}
	for i := 0; i < len(v); i++ {
		if v[i] == '#' && i > 0 && (v[i-1] == ' ' || v[i-1] == '\t') {
			return strings.TrimSpace(v[:i]), nil
		}
	}
	return v, nil
}

// closingQuote returns the index of the quote that ends the quoted string v starts with.
func closingQuote(v string) int {
	for i := 1; i < len(v); i++ {
		switch v[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

// applyConfig sets the flags of fs that settings name, except those skip says are set by a
// stronger source (the command line, HERALD_*). Every setting is checked, skipped or not: an
// unknown name or a bad value is an error naming file:line and the flag.
func applyConfig(fs *flag.FlagSet, file string, settings []setting, skip func(name string) bool) error {
	probe := (&serveFlags{}).flagSet() // checks the values of skipped settings too
	probe.SetOutput(io.Discard)
	for _, s := range settings {
		if s.name == "config" {
			return fmt.Errorf("%s:%d: config cannot be set inside a config file", file, s.line)
		}
		f := fs.Lookup(s.name)
		if f == nil {
			hint := ""
			if near := nearestFlag(fs, s.name); near != "" {
				hint = fmt.Sprintf("did you mean %s? ", near)
			}
			return fmt.Errorf("%s:%d: unknown setting %q (%sthe names are herald serve's flags without the dashes; see herald serve -h)", file, s.line, s.name, hint)
		}
		target := fs
		if skip(s.name) {
			target = probe
		}
		if err := target.Set(s.name, s.value); err != nil {
			return fmt.Errorf("%s:%d: %s = %q: %v (--%s takes %s)", file, s.line, s.name, s.value, err, s.name, valueKind(f))
		}
	}
	return nil
}

// valueKind says in words what a flag takes.
func valueKind(f *flag.Flag) string {
	if g, ok := f.Value.(flag.Getter); ok {
		switch g.Get().(type) {
		case bool:
			return "true or false"
		case int, int64:
			return "a whole number"
		case float64:
			return "a number"
		case interface{ Seconds() float64 }:
			return "a duration such as 500ms, 30s or 1h"
		}
	}
	return "a text value"
}

// nearestFlag returns the flag whose name is closest to name (a typo), or "".
func nearestFlag(fs *flag.FlagSet, name string) string {
	best, bestD := "", 3
	fs.VisitAll(func(f *flag.Flag) {
		if d := editDistance(name, f.Name); d < bestD {
			best, bestD = f.Name, d
		}
	})
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}

// envName is the environment twin of a flag: HERALD_<NAME>, upper case, '-' as '_'.
func envName(flagName string) string {
	return "HERALD_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// serveSource is where `herald serve`'s settings come from, kept so SIGHUP can read them
// again: the command line and the environment (fixed for the process) and the config file
// (read anew each time).
type serveSource struct {
	args      []string
	lookupEnv func(string) (string, bool)
}

// loaded is one reading of serve's settings.
type loaded struct {
	o      *serveFlags
	fs     *flag.FlagSet
	config string // the config file read, "" when none
}

// load reads serve's settings: the defaults, overridden by the config file, overridden by
// HERALD_* variables, overridden by the command line. Parse errors of the command line are
// printed to out by the flag package (out may be io.Discard on a reload).
func (src serveSource) load(out io.Writer) (*loaded, error) {
	lookup := src.lookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	o := &serveFlags{}
	fs := o.flagSet()
	fs.SetOutput(out)
	fs.Usage = func() { fmt.Fprint(out, serveUsage); fs.PrintDefaults() }
	if err := fs.Parse(src.args); err != nil {
		return nil, &flagParseError{err} // the flag package has printed it, with the usage
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (flags only; see herald serve -h)", fs.Arg(0))
	}
	onLine := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { onLine[f.Name] = true })
	inEnv := func(name string) bool { _, ok := lookup(envName(name)); return ok }

	path, explicit := o.configFile, onLine["config"]
	if !explicit {
		if v, ok := lookup(envName("config")); ok {
			path, explicit = v, true
		}
	}
	if !explicit {
		if _, err := os.Stat(DefaultConfigFile); err == nil {
			path = DefaultConfigFile
		} else {
			path = ""
		}
	}
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("config file %s does not exist (check --config or HERALD_CONFIG)", path)
			}
			return nil, fmt.Errorf("reading the config file: %v (pass --config '' to read none)", err)
		}
		settings, err := parseConfig(path, strings.NewReader(string(b)))
		if err != nil {
			return nil, err
		}
		if err := applyConfig(fs, path, settings, func(n string) bool { return onLine[n] || inEnv(n) }); err != nil {
			return nil, err
		}
	}
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if err != nil || onLine[f.Name] || f.Name == "config" {
			return
		}
		if v, ok := lookup(envName(f.Name)); ok {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s=%q: %v (--%s takes %s)", envName(f.Name), v, e, f.Name, valueKind(f))
			}
		}
	})
	if err != nil {
		return nil, err
	}
	o.configFile = path
	return &loaded{o: o, fs: fs, config: path}, nil
}

// exampleConfig writes the example config file: every setting of serve, commented out at its
// default, with its help text. packaging/herald.conf is this text (a test keeps them equal).
func exampleConfig(w io.Writer) {
	var o serveFlags
	fs := o.flagSet()
	var names []string
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name != "config" {
			names = append(names, f.Name)
		}
	})
	sort.Strings(names)
	fmt.Fprint(w, exampleHeader)
	for _, n := range names {
		f := fs.Lookup(n)
		_, usage := flag.UnquoteUsage(f)
		for _, l := range wrap(usage, 88) {
			fmt.Fprintf(w, "# %s\n", l)
		}
		def := f.DefValue
		if d, ok := machineDefaults[n]; ok {
			def = d
		}
		if strings.Contains(def, "#") {
			def = strconv.Quote(def)
		}
		fmt.Fprintf(w, "#%s\n\n", strings.TrimSpace(n+" = "+def)) // "#public =" when empty
	}
}

// machineDefaults are defaults that depend on the machine, shown as what they stand for.
var machineDefaults = map[string]string{
	"advertise-name": "herald on <hostname>",
}

const exampleHeader = `# herald serve's settings (/etc/herald/herald.conf, or the file given with --config).
#
# One setting per line: name = value, with the names of herald serve's flags (herald serve -h)
# without the dashes. A flag on the command line beats the environment (HERALD_<NAME>), which
# beats this file, which beats the defaults below. '#' starts a comment (at the start of a line,
# or after a space); put a value in double quotes to keep spaces or '#'. Repeatable settings
# (public, cors-origin, trusted-proxy) take one line per value or a comma-separated list.
#
# systemctl reload herald (SIGHUP) reads this file and the key file again: the key, public,
# private, cors-origin, trusted-proxy, the rate limits, max-subscribers, max-per-ip,
# max-event-bytes, max-body-bytes, max-batch, read-timeout and log-level change at once, open
# streams stay open; the others are logged as needing a restart. See docs/operations.md.
#
# Every line below is commented out at its default. Generated from the flags by
# 'go test ./cli -run TestExampleConfig -update-example'.

`

// wrap splits s into lines of at most width bytes, at spaces.
func wrap(s string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// flagParseError is a command-line error the flag package has already printed.
type flagParseError struct{ err error }

func (e *flagParseError) Error() string { return e.err.Error() }
func (e *flagParseError) Unwrap() error { return e.err }

// isFlagParseError reports whether err was printed by the flag package already.
func isFlagParseError(err error) bool {
	var pe *flagParseError
	return errors.As(err, &pe)
}
