// Package fynelocale stops Fyne from logging "Fyne error: Error parsing user
// locale C" at every start on systems whose locale is C.UTF-8 or POSIX.UTF-8
// (minimal Debian and Ubuntu installs, containers, CI).
//
// Fyne's lang package reads the locale in its package init, through
// github.com/jeandeaual/go-locale: the first of LC_ALL, LC_MESSAGES and LANG
// that is set, or LANGUAGE unless that value is exactly C or POSIX. It strips
// the encoding, so C.UTF-8 becomes the language "C", which is not a language
// tag, and Fyne logs the parse error (plain C and POSIX it skips). Fyne then
// falls back to English anyway, so the message only alarms operators.
//
// Importing this package from main sets LANGUAGE=en in that case, before
// Fyne's init reads it. LANGUAGE rather than LANG or LC_*: LANGUAGE only picks
// the language of translated messages (English is what C means), while LANG
// and LC_* also choose the character set that C code in the process (GLFW's
// X11 input) asks setlocale for, and en_US.UTF-8 is often not installed where
// C.UTF-8 is.
//
// Why the init runs before Fyne's: Go initializes, at each step, the first
// package in import-path order whose imports are all initialized. This package
// imports only os and strings. Fyne's lang imports text/template, which
// imports os and strings itself and sorts after "leadsheet/...": when
// text/template is ready this package is ready too and comes first, so it is
// initialized before text/template and therefore before lang.
// TestBinaryStartsQuietlyUnderCLocale checks this on the real binary.
package fynelocale

import (
	"os"
	"strings"
)

func init() {
	if fallbackNeeded(os.Getenv) {
		// Setenv fails only for malformed names; the worst case is the
		// message this package exists to avoid.
		_ = os.Setenv("LANGUAGE", "en")
	}
}

// fallbackNeeded reports whether go-locale would hand Fyne the language "C"
// or "POSIX": the locale in force names one of them with an encoding or
// modifier, and LANGUAGE does not say otherwise.
func fallbackNeeded(getenv func(string) string) bool {
	if getenv("LANGUAGE") != "" {
		return false
	}
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := getenv(name)
		if v == "" {
			continue
		}
		if v == "C" || v == "POSIX" {
			return false
		}
		base, _, _ := strings.Cut(v, ".")
		base, _, _ = strings.Cut(base, "@")
		return base == "C" || base == "POSIX"
	}
	return false
}
