package cli

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// cmdDoc is what `herald COMMAND -h` says about one command, split into its parts. The shell
// completions (completion.go) and the man page (manpage.go) are made from it, so they say
// what the help says and cannot drift from the flags a command really has.
type cmdDoc struct {
	Name     string
	Summary  string    // the one line of `herald help`
	Synopsis []string  // the "Usage:" lines, without "Usage: "
	Text     string    // the paragraphs between the synopsis and the flags
	Flags    []flagDoc // in the order -h lists them (by name)
}

// flagDoc is one flag as flag.PrintDefaults prints it.
type flagDoc struct {
	Name  string // without dashes
	Arg   string // the value's name (`address`, duration, value, ...); "" for a boolean
	Usage string // may hold several lines
}

// Long is the flag as users type it: --name, or -n for one letter (-H, -X, -d).
func (f flagDoc) Long() string {
	if len(f.Name) == 1 {
		return "-" + f.Name
	}
	return "--" + f.Name
}

// TakesFile tells whether the flag's value is a file name, so shells may complete paths.
func (f flagDoc) TakesFile() bool {
	a := strings.ToLower(f.Arg)
	return a == "file" || a == "path" || strings.HasSuffix(f.Name, "-file") || f.Name == "tls-cert" || f.Name == "tls-key"
}

// Summary line: the first sentence or line of the usage, for completion menus.
func (f flagDoc) short() string {
	s, _, _ := strings.Cut(f.Usage, "\n")
	if i := strings.Index(s, " (default "); i > 0 {
		s = s[:i]
	}
	return s
}

// commandNames returns the registered commands, sorted.
func commandNames() []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// describe runs every command's -h and parses what it prints.
func describe() ([]cmdDoc, error) {
	var docs []cmdDoc
	for _, name := range commandNames() {
		d, err := describeCommand(name)
		if err != nil {
			return nil, err
		}
		docs = append(docs, d)
	}
	return docs, nil
}

// describeCommand runs `herald NAME -h` in memory and parses its help.
func describeCommand(name string) (cmdDoc, error) {
	var out bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out}
	if code := commands[name].run(env, []string{"-h"}); code != 0 {
		return cmdDoc{}, fmt.Errorf("herald %s -h exited %d: %s", name, code, strings.TrimSpace(out.String()))
	}
	d, err := parseHelp(out.String())
	if err != nil {
		return cmdDoc{}, fmt.Errorf("herald %s -h: %w", name, err)
	}
	d.Name, d.Summary = name, commands[name].summary
	return d, nil
}

// flagLine is the first line flag.PrintDefaults writes for a flag: "  -name", then the
// value's name after a space, then the usage after a tab when the name is short enough
// (else the usage follows on lines starting with four spaces and a tab).
var flagLine = regexp.MustCompile(`^  -([A-Za-z0-9][A-Za-z0-9._-]*)(?: ([^\t]+))?(?:\t(.*))?$`)

const flagCont = "    \t"

// parseHelp splits a command's help into synopsis, text and flags. The flags are the
// trailing block of PrintDefaults lines, so a text line that happens to start with "  -"
// is not mistaken for one.
func parseHelp(help string) (cmdDoc, error) {
	lines := strings.Split(strings.TrimRight(help, "\n"), "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "Usage: ") {
		return cmdDoc{}, fmt.Errorf("the help does not start with \"Usage: \": %.60q", help)
	}
	var d cmdDoc
	d.Synopsis = append(d.Synopsis, strings.TrimPrefix(lines[0], "Usage: "))
	i := 1
	for ; i < len(lines) && strings.HasPrefix(lines[i], " ") && strings.TrimSpace(lines[i]) != ""; i++ {
		d.Synopsis = append(d.Synopsis, strings.TrimSpace(lines[i]))
	}
	// The flag block: from the end back over continuation and flag lines.
	start := len(lines)
	for j := len(lines) - 1; j >= i; j-- {
		if flagLine.MatchString(lines[j]) {
			start = j
		} else if !strings.HasPrefix(lines[j], flagCont) {
			break
		}
	}
	for j := start; j < len(lines); j++ {
		if m := flagLine.FindStringSubmatch(lines[j]); m != nil {
			d.Flags = append(d.Flags, flagDoc{Name: m[1], Arg: m[2], Usage: m[3]})
			continue
		}
		f := &d.Flags[len(d.Flags)-1]
		if f.Usage != "" {
			f.Usage += "\n"
		}
		f.Usage += strings.TrimPrefix(lines[j], flagCont)
	}
	text := strings.TrimSpace(strings.Join(lines[i:start], "\n"))
	d.Text = strings.TrimSpace(strings.TrimSuffix(text, "Flags:"))
	return d, nil
}
