package marketotest

import (
	"context"
	"maps"
	"sort"
	"strings"
	"sync"
	"time"
)

// Lead is a snapshot of one stored lead.
type Lead struct {
	ID                 int               `json:"id"`
	Email              string            `json:"email"`
	ForeignSysPersonID string            `json:"foreignSysPersonId,omitempty"`
	ForeignSysType     string            `json:"foreignSysType,omitempty"`
	Fields             map[string]string `json:"fields"` // by SOAP name; Email, Id and timestamps are not repeated here
	CreatedAt          time.Time         `json:"createdAt"`
	UpdatedAt          time.Time         `json:"updatedAt"`
}

// fieldSet indexes the fields an instance knows by their SOAP and REST names.
type fieldSet struct {
	list   []FieldDef
	bySOAP map[string]*FieldDef
	byREST map[string]*FieldDef
}

func newFieldSet(custom []FieldDef) *fieldSet {
	fs := &fieldSet{bySOAP: map[string]*FieldDef{}, byREST: map[string]*FieldDef{}}
	for _, f := range StandardFields() {
		fs.add(f)
	}
	for _, f := range custom {
		f.Custom = true
		if f.SOAPName == "" {
			f.SOAPName = f.RESTName
		}
		if f.RESTName == "" {
			f.RESTName = f.SOAPName
		}
		if f.DisplayName == "" {
			f.DisplayName = f.SOAPName
		}
		if f.DataType == "" {
			f.DataType = TypeString
		}
		switch {
		case f.Length != 0:
		case f.DataType == TypeString || f.DataType == TypeEmail || f.DataType == TypePhone || f.DataType == TypeURL:
			f.Length = 255
		case f.DataType == TypeText:
			f.Length = 30000
		}
		if f.DataType == TypeFormula {
			f.ReadOnly = true // Marketo computes it; nothing writes it
		}
		if f.SOAPName == "" || fs.bySOAP[f.SOAPName] != nil || fs.byREST[f.RESTName] != nil {
			continue // a custom field cannot shadow a known one
		}
		fs.add(f)
	}
	return fs
}

// updateable reports whether Sync Leads may write f: describe2's
// updateable, false for read-only and CRM-managed fields.
func (f *FieldDef) updateable() bool { return !f.ReadOnly && !f.CRMManaged }

func (fs *fieldSet) add(f FieldDef) {
	fs.list = append(fs.list, f)
	// Re-point the maps: append may have moved the backing array.
	for i := range fs.list {
		fs.bySOAP[fs.list[i].SOAPName] = &fs.list[i]
		fs.byREST[fs.list[i].RESTName] = &fs.list[i]
	}
}

// lead is the stored form; values are already validated and normalised.
type lead struct {
	id        int
	email     string
	fspi      string
	fsType    string
	fields    map[string]string
	createdAt time.Time
	updatedAt time.Time
}

// store is the lead database shared by SOAP and REST. Callers hold mu for
// a whole call so the records of one call are applied in order, atomically
// with respect to other calls; only the UpsertRace emulation
// ([store.lockForUpsert]) lets calls overlap. Leads are never deleted, and
// ids only grow, which that emulation relies on.
type store struct {
	mu      sync.Mutex
	nextID  int
	leads   map[int]*lead
	byEmail map[string][]int // lower-cased email -> ids, oldest first
	byFSPI  map[string]int
	// byField indexes searchable custom fields: SOAP name -> normalised value -> ids.
	byField map[string]map[string][]int
}

func newStore() *store {
	return &store{
		nextID:  1001,
		leads:   map[int]*lead{},
		byEmail: map[string][]int{},
		byFSPI:  map[string]int{},
		byField: map[string]map[string][]int{},
	}
}

func indexKey(v string) string { return strings.ToLower(v) }

func removeID(ids []int, id int) []int {
	for i, x := range ids {
		if x == id {
			return append(ids[:i:i], ids[i+1:]...)
		}
	}
	return ids
}

func (st *store) findEmail(email string) []int {
	if email == "" {
		return nil
	}
	return st.byEmail[indexKey(email)]
}

func (st *store) findField(f *FieldDef, value string) []int {
	switch {
	case f.SOAPName == "Email":
		return st.findEmail(value)
	case f.SOAPName == "Id":
		var id int
		for _, c := range value {
			if c < '0' || c > '9' || id > 1<<40 {
				return nil
			}
			id = id*10 + int(c-'0')
		}
		if st.leads[id] != nil {
			return []int{id}
		}
		return nil
	}
	return st.byField[f.SOAPName][indexKey(value)]
}

// mostRecent picks the lead Marketo would match when several share a key:
// the most recently updated one (an inference; Marketo does not document it).
func (st *store) mostRecent(ids []int) *lead {
	var best *lead
	for _, id := range ids {
		l := st.leads[id]
		if best == nil || l.updatedAt.After(best.updatedAt) || (l.updatedAt.Equal(best.updatedAt) && l.id > best.id) {
			best = l
		}
	}
	return best
}

// idRange is the lead ids from up to, not including, to; the zero value is
// empty.
type idRange struct{ from, to int }

func (r idRange) has(id int) bool { return r.from <= id && id < r.to }

// without returns ids minus those in r, leaving ids itself untouched: it is
// an index slice.
func (r idRange) without(ids []int) []int {
	if r.from == r.to {
		return ids
	}
	var out []int
	for _, id := range ids {
		if !r.has(id) {
			out = append(out, id)
		}
	}
	return out
}

// lockForUpsert takes mu to apply a call's records. With race > 0 it
// emulates Marketo's duplicates from closely timed upserts: it notes which
// leads exist, waits race without the lock, then takes it and returns the
// ids of the leads other calls created meanwhile, which the call must not
// match, as if it had looked its keys up before they existed. Looking up
// after the wait rather than before keeps the records of one call seeing
// each other's leads, as they do without the race. It returns false, not
// holding mu, if ctx ends while waiting: the client went away, so nothing
// is written.
func (st *store) lockForUpsert(ctx context.Context, race time.Duration) (idRange, bool) {
	if race <= 0 {
		st.mu.Lock()
		return idRange{}, true
	}
	st.mu.Lock()
	from := st.nextID
	st.mu.Unlock()
	if sleepCtx(ctx, race) != nil {
		return idRange{}, false
	}
	st.mu.Lock()
	return idRange{from, st.nextID}, true
}

func (st *store) create(now time.Time) *lead {
	l := &lead{id: st.nextID, fields: map[string]string{}, createdAt: now, updatedAt: now}
	st.nextID++
	st.leads[l.id] = l
	return l
}

func (st *store) setEmail(l *lead, email string) {
	if l.email != "" {
		k := indexKey(l.email)
		st.byEmail[k] = removeID(st.byEmail[k], l.id)
		if len(st.byEmail[k]) == 0 {
			delete(st.byEmail, k)
		}
	}
	l.email = email
	if email != "" {
		k := indexKey(email)
		st.byEmail[k] = append(st.byEmail[k], l.id)
	}
}

// setFSPI gives l the foreign system id, taking it from any lead that had
// it: Marketo documents that a ForeignSysPersonId "cannot be updated or
// deleted, but can be reassigned to another record".
func (st *store) setFSPI(l *lead, fspi, fsType string) {
	if fspi == "" || l.fspi == fspi {
		if fsType != "" {
			l.fsType = fsType
		}
		return
	}
	if other, ok := st.byFSPI[fspi]; ok && other != l.id {
		st.leads[other].fspi, st.leads[other].fsType = "", ""
	}
	if l.fspi != "" {
		delete(st.byFSPI, l.fspi)
	}
	l.fspi, l.fsType = fspi, fsType
	st.byFSPI[fspi] = l.id
}

func (st *store) setField(l *lead, f *FieldDef, value string) {
	if f.Searchable {
		idx := st.byField[f.SOAPName]
		if idx == nil {
			idx = map[string][]int{}
			st.byField[f.SOAPName] = idx
		}
		if old, ok := l.fields[f.SOAPName]; ok && old != "" {
			k := indexKey(old)
			idx[k] = removeID(idx[k], l.id)
			if len(idx[k]) == 0 {
				delete(idx, k)
			}
		}
		if value != "" {
			k := indexKey(value)
			idx[k] = append(idx[k], l.id)
		}
	}
	if value == "" {
		delete(l.fields, f.SOAPName)
		return
	}
	l.fields[f.SOAPName] = value
}

func (l *lead) snapshot() Lead {
	return Lead{
		ID:                 l.id,
		Email:              l.email,
		ForeignSysPersonID: l.fspi,
		ForeignSysType:     l.fsType,
		Fields:             maps.Clone(l.fields),
		CreatedAt:          l.createdAt,
		UpdatedAt:          l.updatedAt,
	}
}

func (st *store) snapshot() []Lead {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make([]Lead, 0, len(st.leads))
	for _, l := range st.leads {
		out = append(out, l.snapshot())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
