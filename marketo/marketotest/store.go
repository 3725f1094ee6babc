package marketotest

import (
	"context"
	"encoding/binary"
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
	PartitionID        int               `json:"leadPartitionId"` // 1 is Default
	Fields             map[string]string `json:"fields"`          // by SOAP name; Email, Id and timestamps are not repeated here
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
// A million of them must fit without the garbage collector's work, which
// grows with the number of pointers it has to follow, slowing every call:
// leads live in chunks rather than one allocation each, timestamps are
// Unix nanoseconds rather than time.Time (which holds a *Location), and
// the field values are packed into one string (see [packValues]) rather
// than a map of strings.
type lead struct {
	id      int
	email   string
	fspi    string
	fsType  string
	values  string // packed: see packValues
	created int64  // Unix nanoseconds
	updated int64
}

// leadChunk is how many leads one allocation holds. Chunks never grow, so
// a *lead stays valid while later leads are added.
const leadChunk = 1 << 12

// firstLeadID is the id of the first lead a sandbox creates.
const firstLeadID = 1001

// store is the lead database shared by SOAP, REST and Bulk. Callers hold
// mu for a whole call (a bulk import, for the rows one catch-up applies)
// so the records of one call are applied in order, atomically with respect
// to other calls; only the UpsertRace emulation
// ([store.lockForUpsert]) lets calls overlap. Ids only grow and are never
// reused, which that emulation and the chunked storage rely on: a deleted
// lead keeps its slot as a tombstone (gone), out of every index, list and
// program, and [store.lead] no longer finds it.
type store struct {
	mu     sync.Mutex
	nextID int
	chunks [][]lead // lead id firstLeadID+i is chunks[i/leadChunk][i%leadChunk]
	// gone marks the deleted leads, one bit a lead.
	gone idSet
	// names numbers the SOAP names of the fields leads have values in,
	// for packed values; a number is never reused, so a Configure that
	// drops or reorders custom fields leaves stored values readable.
	names   map[string]int
	nameOf  []string
	byEmail idIndex // by lower-cased email
	byFSPI  map[string]int
	// byField indexes searchable custom fields: SOAP name -> lower-cased
	// normalised value -> ids.
	byField map[string]*idIndex
	// parts holds each lead's partition, as an index into the server's
	// partitions (0 is Default), one byte a lead in chunks that parallel
	// chunks: partitions are few, and a byte keeps the lead itself as
	// small as it was.
	parts [][]uint8
	// cat is the instance's static lists and programs, with their
	// members; it is guarded by mu too, so a bulk import adds the leads
	// it writes to its list in the same step.
	cat *catalog
}

// idIndex finds leads by a key. Most keys belong to one lead: the map one
// keeps those without an allocation per key, so a million of them give
// the collector little to follow. A key several leads share keeps their
// ids in many, oldest first.
type idIndex struct {
	one  map[string]int
	many map[string][]int
}

func newIDIndex() idIndex { return idIndex{one: map[string]int{}, many: map[string][]int{}} }

// get returns the ids with key k; the caller must not change the slice.
func (x *idIndex) get(k string) []int {
	if ids, ok := x.many[k]; ok {
		return ids
	}
	if id, ok := x.one[k]; ok {
		return []int{id}
	}
	return nil
}

func (x *idIndex) add(k string, id int) {
	if ids, ok := x.many[k]; ok {
		x.many[k] = append(ids, id)
		return
	}
	if first, ok := x.one[k]; ok {
		delete(x.one, k)
		x.many[k] = []int{first, id}
		return
	}
	x.one[k] = id
}

func (x *idIndex) remove(k string, id int) {
	if ids, ok := x.many[k]; ok {
		switch ids = removeID(ids, id); len(ids) {
		case 1:
			delete(x.many, k)
			x.one[k] = ids[0]
		default:
			x.many[k] = ids
		}
		return
	}
	if x.one[k] == id {
		delete(x.one, k)
	}
}

func newStore() *store {
	return &store{
		nextID:  firstLeadID,
		names:   map[string]int{},
		byEmail: newIDIndex(),
		byFSPI:  map[string]int{},
		byField: map[string]*idIndex{},
	}
}

// lead returns the lead with id, or nil, also for a deleted one.
func (st *store) lead(id int) *lead {
	if id < firstLeadID || id >= st.nextID || st.gone.has(id) {
		return nil
	}
	i := id - firstLeadID
	return &st.chunks[i/leadChunk][i%leadChunk]
}

// count is the number of stored leads, deleted ones left out.
func (st *store) count() int { return st.nextID - firstLeadID - st.gone.n }

// remove deletes lead id, which must exist: it leaves every index (email,
// foreign id, searchable fields), static list and program, and its slot
// keeps only its id, so a later sync with its keys creates a new lead
// with a new id.
func (st *store) remove(id int) {
	l := st.lead(id)
	st.setEmail(l, "")
	if l.fspi != "" {
		delete(st.byFSPI, l.fspi)
	}
	for rest := l.values; rest != ""; {
		var v packedValue
		v, rest = nextPackedValue(rest)
		if idx := st.byField[st.nameOf[v.name]]; idx != nil {
			idx.remove(indexKey(v.value), id)
		}
	}
	for _, list := range st.cat.lists {
		list.members.remove(id)
	}
	for _, p := range st.cat.programs {
		delete(p.members, id)
	}
	*l = lead{id: id, created: l.created, updated: l.updated}
	st.gone.add(id)
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
	return st.byEmail.get(indexKey(email))
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
		if st.lead(id) != nil {
			return []int{id}
		}
		return nil
	}
	if idx := st.byField[f.SOAPName]; idx != nil {
		return idx.get(indexKey(value))
	}
	return nil
}

// mostRecent picks the lead Marketo would match when several share a key:
// the most recently updated one (an inference; Marketo does not document it).
func (st *store) mostRecent(ids []int) *lead {
	var best *lead
	for _, id := range ids {
		l := st.lead(id)
		if best == nil || l.updated > best.updated || (l.updated == best.updated && l.id > best.id) {
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

// touch stamps l as changed at now. Get Leads answers updatedAt to the
// second, so a change within the second of l's previous one (or before
// it, on a clock set back) takes the next second instead: two changes of
// one lead never read the same updatedAt, and a client comparing the
// updatedAt it read at two moments sees any change in between. Marketo
// documents no such guarantee; a live instance may well give two changes
// in one second the same updatedAt.
func (st *store) touch(l *lead, now time.Time) {
	const second = int64(time.Second)
	t := now.UnixNano()
	if next := (l.updated/second + 1) * second; t < next {
		t = next
	}
	l.updated = t
}

// create adds a lead in the Default partition.
func (st *store) create(now time.Time) *lead {
	i := st.nextID - firstLeadID
	if i%leadChunk == 0 {
		st.chunks = append(st.chunks, make([]lead, 0, leadChunk))
		st.parts = append(st.parts, make([]uint8, leadChunk))
	}
	c := &st.chunks[len(st.chunks)-1]
	*c = append(*c, lead{id: st.nextID, created: now.UnixNano(), updated: now.UnixNano()})
	st.nextID++
	return &(*c)[len(*c)-1]
}

// partition is the index of the partition lead id is in.
func (st *store) partition(id int) int {
	i := id - firstLeadID
	return int(st.parts[i/leadChunk][i%leadChunk])
}

func (st *store) setPartition(id, p int) {
	i := id - firstLeadID
	st.parts[i/leadChunk][i%leadChunk] = uint8(p)
}

func (st *store) setEmail(l *lead, email string) {
	if l.email != "" {
		st.byEmail.remove(indexKey(l.email), l.id)
	}
	l.email = email
	if email != "" {
		st.byEmail.add(indexKey(email), l.id)
	}
}

// setFSPI gives l the foreign system id, taking it from any lead that had
// it: Marketo documents that a ForeignSysPersonId "cannot be updated or
// deleted, but can be reassigned to another record". The lead it is taken
// from has changed too, at now.
func (st *store) setFSPI(l *lead, fspi, fsType string, now time.Time) {
	if fspi == "" || l.fspi == fspi {
		if fsType != "" {
			l.fsType = fsType
		}
		return
	}
	if other, ok := st.byFSPI[fspi]; ok && other != l.id {
		o := st.lead(other)
		o.fspi, o.fsType = "", ""
		st.touch(o, now)
	}
	if l.fspi != "" {
		delete(st.byFSPI, l.fspi)
	}
	l.fspi, l.fsType = fspi, fsType
	st.byFSPI[fspi] = l.id
}

// fieldChange is one value a sync call writes; "" clears the field.
type fieldChange struct {
	f     *FieldDef
	value string
}

// setFields writes a record's values to l, keeping the index of
// searchable fields. A value the lead already has costs nothing, so a
// sheet imported twice does not churn the index.
func (st *store) setFields(l *lead, changes []fieldChange) {
	if len(changes) == 0 {
		return
	}
	vals := unpackValues(l.values, make([]packedValue, 0, 16))
	changed := false
	for _, c := range changes {
		id, ok := st.names[c.f.SOAPName]
		if !ok {
			id = len(st.nameOf)
			st.names[c.f.SOAPName] = id
			st.nameOf = append(st.nameOf, c.f.SOAPName)
		}
		at := -1
		for i, v := range vals {
			if v.name == id {
				at = i
				break
			}
		}
		old := ""
		if at >= 0 {
			old = vals[at].value
		}
		if old == c.value {
			continue
		}
		changed = true
		if c.f.Searchable {
			st.reindex(l.id, c.f.SOAPName, old, c.value)
		}
		switch {
		case c.value == "" && at >= 0:
			vals = append(vals[:at], vals[at+1:]...)
		case at >= 0:
			vals[at].value = c.value
		default:
			vals = append(vals, packedValue{id, c.value})
		}
	}
	if changed {
		l.values = packValues(vals)
	}
}

// reindex moves lead id from old to value in the index of a searchable
// field.
func (st *store) reindex(id int, field, old, value string) {
	idx := st.byField[field]
	if idx == nil {
		x := newIDIndex()
		idx = &x
		st.byField[field] = idx
	}
	if old != "" {
		idx.remove(indexKey(old), id)
	}
	if value != "" {
		idx.add(indexKey(value), id)
	}
}

// value is l's value in the field with SOAP name field.
func (st *store) value(l *lead, field string) (string, bool) {
	id, ok := st.names[field]
	if !ok {
		return "", false
	}
	for rest := l.values; rest != ""; {
		var v packedValue
		v, rest = nextPackedValue(rest)
		if v.name == id {
			return v.value, true
		}
	}
	return "", false
}

// packedValue is one entry of a lead's packed values: the store's number
// for the field's SOAP name and the value.
type packedValue struct {
	name  int
	value string
}

// packValues encodes a lead's values as one string: per value, the name's
// number and the value's length as uvarints, then the value. A string's
// bytes hold no pointers, so the collector does not scan them, and one
// allocation replaces a map and a string per value.
func packValues(vals []packedValue) string {
	n := 0
	for _, v := range vals {
		n += 2*binary.MaxVarintLen64 + len(v.value)
	}
	b := make([]byte, 0, n)
	for _, v := range vals {
		b = binary.AppendUvarint(b, uint64(v.name))
		b = binary.AppendUvarint(b, uint64(len(v.value)))
		b = append(b, v.value...)
	}
	return string(b)
}

// nextPackedValue decodes the first value of packed and returns the rest.
// packed was made by packValues, so it is well formed.
func nextPackedValue(packed string) (packedValue, string) {
	name, n := uvarint(packed)
	packed = packed[n:]
	size, n := uvarint(packed)
	packed = packed[n:]
	return packedValue{int(name), packed[:size]}, packed[size:]
}

func unpackValues(packed string, into []packedValue) []packedValue {
	for packed != "" {
		var v packedValue
		v, packed = nextPackedValue(packed)
		into = append(into, v)
	}
	return into
}

// uvarint is binary.Uvarint over a string, without copying it.
func uvarint(s string) (uint64, int) {
	var x uint64
	for i := 0; i < len(s) && i < binary.MaxVarintLen64; i++ {
		c := s[i]
		if c < 0x80 {
			return x | uint64(c)<<(7*i), i + 1
		}
		x |= uint64(c&0x7f) << (7 * i)
	}
	panic("marketotest: corrupt packed lead values") // only packValues writes them
}

func (st *store) snapshotLead(l *lead) Lead {
	fields := make(map[string]string)
	for rest := l.values; rest != ""; {
		var v packedValue
		v, rest = nextPackedValue(rest)
		fields[st.nameOf[v.name]] = v.value
	}
	return Lead{
		ID:                 l.id,
		Email:              l.email,
		ForeignSysPersonID: l.fspi,
		ForeignSysType:     l.fsType,
		PartitionID:        st.partition(l.id) + 1,
		Fields:             fields,
		CreatedAt:          time.Unix(0, l.created).UTC(),
		UpdatedAt:          time.Unix(0, l.updated).UTC(),
	}
}

func (st *store) snapshot() []Lead {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make([]Lead, 0, st.count())
	for _, c := range st.chunks {
		for i := range c {
			if !st.gone.has(c[i].id) {
				out = append(out, st.snapshotLead(&c[i]))
			}
		}
	}
	return out
}
