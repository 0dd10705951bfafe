// Package locale fixes up the process's locale variables before Fyne reads them. Fyne's
// translation package parses the user's locale while the program initialises; under the
// "C.UTF-8" locale of most containers and servers it cannot parse "C" and logs "Fyne error:
// Error parsing user locale C" on every run, headless commands included. Importing this
// package first (main does, blank) sets LANGUAGE=en in exactly that case, which names the
// language C stands for; a real locale or an explicit LANGUAGE is left alone.
//
// It imports only the standard library, so Go's initialisation order (dependencies first,
// then by import path) runs it before github.com/jeandeaual/go-locale and hence before
// fyne.io/fyne/v2/lang.
package locale

import (
	"os"
	"strings"
)

func init() { Fix(os.Getenv, os.Setenv) }

// Fix sets LANGUAGE to "en" when the locale in effect (LC_ALL, LC_MESSAGES, then LANG, as
// gettext reads them) is C or POSIX with a codeset, such as "C.UTF-8", and LANGUAGE is empty.
// Plain "C" and "POSIX" need nothing: Fyne's locale library reads them as English already.
func Fix(getenv func(string) string, setenv func(string, string) error) {
	if getenv("LANGUAGE") != "" {
		return
	}
	loc := ""
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if loc = getenv(k); loc != "" {
			break
		}
	}
	base, _, hasCodeset := strings.Cut(loc, ".")
	if !hasCodeset {
		base, _, hasCodeset = strings.Cut(loc, "@")
	}
	if hasCodeset && (base == "C" || base == "POSIX") {
		_ = setenv("LANGUAGE", "en")
	}
}
