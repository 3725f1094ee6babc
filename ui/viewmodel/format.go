package viewmodel

import (
	"fmt"
	"strconv"
	"time"
)

// Count formats n with thousands separators, the way an operator reads a
// row count ("9,812").
func Count(n int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3+1)
	if neg {
		out = append(out, '-')
	}
	for i, c := range []byte(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, c)
	}
	return string(out)
}

// Plural picks the singular or plural noun for n.
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Clock formats a duration as m:ss, or h:mm:ss past an hour.
func Clock(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
