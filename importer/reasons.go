package importer

import "maps"

// Reasons keeps each distinct reason once and names it by a small number:
// a million rows sharing a handful of reasons hold each text once. Number 0
// is "". The zero value is empty and ready to use. Not safe for concurrent
// use.
type Reasons struct {
	list  []string // list[0] is ""
	index map[string]uint32
}

// Intern returns s's number, adding s when it is new.
func (r *Reasons) Intern(s string) uint32 {
	if s == "" {
		return 0
	}
	if r.index == nil {
		r.index, r.list = map[string]uint32{}, []string{""}
	}
	if i, ok := r.index[s]; ok {
		return i
	}
	i := uint32(len(r.list))
	r.list = append(r.list, s)
	r.index[s] = i
	return i
}

// Text is the reason numbered i by [Reasons.Intern].
func (r *Reasons) Text(i uint32) string {
	if i == 0 {
		return ""
	}
	return r.list[i]
}

// Len is how many texts are kept, "" included once any reason was added.
func (r *Reasons) Len() int { return len(r.list) }

// Clone returns a copy that shares nothing mutable with r.
func (r *Reasons) Clone() Reasons {
	return Reasons{list: append([]string(nil), r.list...), index: maps.Clone(r.index)}
}
