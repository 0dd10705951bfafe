package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

func init() {
	register("man", "print the manual page herald(1), made from the commands' help (roff)", runMan)
}

const manUsage = `Usage: herald man

Prints the manual page herald(1) in roff, made from the help of every command (the same text
as herald COMMAND -h). Read it with: herald man | man -l -
The Debian package and the portable archive install it as herald.1.

Flags:
`

func runMan(env *Env, args []string) int {
	fs := flag.NewFlagSet("herald man", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() { fmt.Fprint(env.Stderr, manUsage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "herald man: unexpected argument %q (it takes none)\n", fs.Arg(0))
		return 2
	}
	docs, err := describe()
	if err != nil {
		fmt.Fprintln(env.Stderr, "herald man:", err)
		return 1
	}
	writeMan(env.Stdout, docs)
	return 0
}

// The parts of the page that no command's help holds.
const (
	manName = "herald \\- live Server\\-Sent Events streams: a hub, a feed watcher and a desktop dashboard"
	manDesc = `Herald is a desktop app and a set of headless commands for live event streams over
Server-Sent Events (SSE), in one binary. With no command (or gui) it opens the desktop app:
an SSE hub on the LAN, a reconnecting feed watcher, a stock panel, an event log and native
notifications, with a tray icon. The commands below run without a display, for servers,
scripts and tests.`
	manExit = `0 on success, 1 when the work failed (the hub could not start, a stream failed for
good, a publish was refused), 2 on bad usage (an unknown command or flag, a bad value).`
	manEnv = `Every flag of herald serve can also be set as HERALD_<FLAG> (upper case, - as _),
e.g. HERALD_ADDR=127.0.0.1:7878; a flag on the command line wins. herald publish reads
HERALD_URL and HERALD_TOKEN; herald token and the desktop app read HERALD_KEY.`
	manFiles = `~/.config/herald/key (or $XDG_CONFIG_HOME/herald/key): the hub key, made on first
run with mode 0600; it signs every token. ~/.config/herald/history.db: the durable replay
history of herald serve. As a system service (herald.service) both live in /var/lib/herald.`
)

// writeMan writes herald(1): the overview, then a section per command with its synopsis,
// its text and its flags, as -h prints them.
func writeMan(w io.Writer, docs []cmdDoc) {
	var b strings.Builder
	fmt.Fprintf(&b, ".TH HERALD 1 %s %s \"User Commands\"\n", roffQuote(Date), roffQuote("herald "+Version))
	b.WriteString(".SH NAME\n" + manName + "\n")
	b.WriteString(".SH SYNOPSIS\n.B herald\n.RI [ command ]\n.RI [ flags ]\n")
	for _, d := range docs {
		b.WriteString(".br\n.B herald " + d.Name + "\n")
		if len(d.Flags) > 0 {
			b.WriteString(".RI [ flags ]\n")
		}
	}
	b.WriteString(".SH DESCRIPTION\n")
	roffText(&b, manDesc)
	b.WriteString(".SH COMMANDS\n")
	roffText(&b, "With no command, or with gui, herald opens the desktop app; herald gui -h lists its options.")
	for _, d := range docs {
		b.WriteString(".SS " + roffQuote("herald "+d.Name) + "\n")
		roffText(&b, strings.ToUpper(d.Summary[:1])+d.Summary[1:]+".")
		// The synopsis is filled, so a long one wraps at the page's width.
		b.WriteString(".PP\n")
		for i, s := range d.Synopsis {
			if i > 0 {
				b.WriteString(".br\n")
			}
			b.WriteString(roffEscape(s) + "\n")
		}
		roffText(&b, d.Text)
		for _, f := range d.Flags {
			b.WriteString(".TP\n.B " + roffEscape(f.Long()))
			if f.Arg != "" {
				b.WriteString(" " + roffEscape(f.Arg))
			}
			b.WriteString("\n" + roffEscape(strings.ReplaceAll(f.Usage, "\n", " ")) + "\n")
		}
	}
	b.WriteString(".SH \"EXIT STATUS\"\n")
	roffText(&b, manExit)
	b.WriteString(".SH ENVIRONMENT\n")
	roffText(&b, manEnv)
	b.WriteString(".SH FILES\n")
	roffText(&b, manFiles)
	b.WriteString(".SH \"SEE ALSO\"\n")
	roffText(&b, "The HTTP API, the security model and running a cluster: https://github.com/heraldhq/herald (docs/api.md, docs/security.md, docs/scaling.md).")
	io.WriteString(w, b.String())
}

// roffText writes text as paragraphs (split at blank lines). Lines that start with a space
// (examples, lists) keep their lines as they are, indented; the others are filled.
func roffText(b *strings.Builder, text string) {
	for _, para := range strings.Split(strings.TrimSpace(text), "\n\n") {
		b.WriteString(".PP\n")
		verbatim := false
		for _, l := range strings.Split(strings.Trim(para, "\n"), "\n") {
			if strings.TrimSpace(l) == "" {
				continue
			}
			if indented := strings.HasPrefix(l, " "); indented != verbatim {
				if indented {
					b.WriteString(".RS 2\n.nf\n")
				} else {
					b.WriteString(".fi\n.RE\n")
				}
				verbatim = indented
			}
			if verbatim {
				l = strings.TrimPrefix(l, "  ")
			} else {
				l = strings.TrimSpace(l)
			}
			b.WriteString(roffEscape(l) + "\n")
		}
		if verbatim {
			b.WriteString(".fi\n.RE\n")
		}
	}
}

// roffEscape makes s safe as a line of roff text: backslashes, a leading . or ' (which would
// start a request), '-' (a minus, so a flag copied from the page works) and non-ASCII
// characters (as \[uXXXX], for groff without preconv).
func roffEscape(s string) string {
	var b strings.Builder
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		b.WriteString(`\&`)
	}
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\e`)
		case r == '-':
			b.WriteString(`\-`)
		case r > 127:
			fmt.Fprintf(&b, `\[u%04X]`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// roffQuote is a macro argument in double quotes ("" inside stands for one quote).
func roffQuote(s string) string {
	return `"` + strings.ReplaceAll(roffEscape(s), `"`, `""`) + `"`
}
