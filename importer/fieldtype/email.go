package fieldtype

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// checkEmail returns a plain-words problem with an email address, or ""
// when it is well-formed. The rules are the common subset every mail
// system takes, plus Marketo's own: ASCII only (Marketo refuses addresses
// with accented or non-Latin letters), exactly one @, and a domain with a
// dot whose last part is not all digits.
func checkEmail(s string) string {
	for _, r := range s {
		if r >= utf8.RuneSelf {
			return fmt.Sprintf("%s has a character Marketo does not accept in email addresses (%q); Marketo takes only plain letters a-z, digits and . _ %% + - in them. Correct the address.", quote(s), r)
		}
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 || strings.Count(s, "@") != 1 {
		return fmt.Sprintf("%s is not an email address (it needs exactly one @).", quote(s))
	}
	local, domain := s[:at], s[at+1:]
	if local == "" || len(local) > 64 || local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return fmt.Sprintf("%s is not a valid email address (check the part before the @).", quote(s))
	}
	for i := 0; i < len(local); i++ {
		c := local[i]
		if c <= ' ' || strings.IndexByte("\"(),:;<>[\\]", c) >= 0 {
			return fmt.Sprintf("%s is not a valid email address (it contains %q before the @).", quote(s), string(c))
		}
	}
	if len(domain) > 253 || !strings.Contains(domain, ".") {
		return fmt.Sprintf("%s is not a valid email address (the part after the @ needs a dot, like example.com).", quote(s))
	}
	for rest := domain; ; {
		l, after, more := strings.Cut(rest, ".")
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return fmt.Sprintf("%s is not a valid email address (check the part after the @).", quote(s))
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Sprintf("%s is not a valid email address (%q is not allowed after the @).", quote(s), string(c))
			}
		}
		if !more {
			if len(l) < 2 || strings.Trim(l, "0123456789") == "" {
				return fmt.Sprintf("%s is not a valid email address (it does not end in a domain like .com).", quote(s))
			}
			break
		}
		rest = after
	}
	return ""
}
