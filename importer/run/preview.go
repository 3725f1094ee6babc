package run

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"time"

	"leadsheet/importer"
	"leadsheet/marketo"
)

// PreviewKind is what sending a row would do to its person in Marketo.
type PreviewKind uint8

// Preview kinds.
const (
	WillCreate     PreviewKind = iota // no lead matches: a new one is created
	WillUpdate                        // one lead matches; Changes lists what changes
	WillNotChange                     // one lead matches and already holds the row's values
	WillLeaveAlone                    // the import's mode keeps Marketo from touching it
	Ambiguous                         // several leads match the key: Marketo refuses the row
	NotFound                          // no lead has the row's Marketo Id: Marketo refuses the row
	Repeats                           // the key repeats an earlier row: this row goes to the same lead
	CannotLookUp                      // the key holds a comma, which Marketo's lookup cannot search for
)

func (k PreviewKind) String() string {
	switch k {
	case WillCreate:
		return "will create"
	case WillUpdate:
		return "will update"
	case WillNotChange:
		return "no change"
	case WillLeaveAlone:
		return "left alone"
	case Ambiguous:
		return "ambiguous"
	case NotFound:
		return "not found"
	case Repeats:
		return "repeats a row"
	case CannotLookUp:
		return "cannot look up"
	}
	return "unknown"
}

// FieldChange is one mapped field whose value a row would change.
type FieldChange struct {
	Field    string // REST name
	Old, New string // "" is empty
}

// RowPreview is what sending one row would do.
type RowPreview struct {
	Row     int
	Key     string // the value the row is matched on (email, id, person id)
	Kind    PreviewKind
	LeadID  int           // the matching lead, when one matches
	First   int           // the earlier row with the same key, for Repeats
	Matches int           // leads matching the key, for Ambiguous
	Changes []FieldChange // for WillUpdate, in the row's attribute order
}

// PreviewTotals counts rows by PreviewKind, and the calls the preview made.
type PreviewTotals struct {
	Create, Update, NoChange, LeaveAlone, Ambiguous, NotFound, Repeats int
	CannotLookUp                                                       int
	Calls                                                              int
}

func (t *PreviewTotals) add(k PreviewKind) {
	switch k {
	case WillCreate:
		t.Create++
	case WillUpdate:
		t.Update++
	case WillNotChange:
		t.NoChange++
	case WillLeaveAlone:
		t.LeaveAlone++
	case Ambiguous:
		t.Ambiguous++
	case NotFound:
		t.NotFound++
	case Repeats:
		t.Repeats++
	case CannotLookUp:
		t.CannotLookUp++
	}
}

// PreviewOptions tune a [Preview]. Run's limits (Concurrency,
// CallsPerWindow, Window, MaxAttempts, Backoff*, CallTimeout) are used as a
// sync would use them; Dedup and Mode say what the sync would be asked to do.
type PreviewOptions struct {
	Run RunOptions
	// Fields are the instance's fields, so values are compared by type
	// (a datetime in another zone, 1.50 and 1.5 are the same value).
	Fields []marketo.Field
}

// PreviewCost is the number of lookup calls a preview of these batches
// makes: one per batch (at most [marketo.MaxFindValues] keys), none with
// dedup off, where every row creates a lead.
func PreviewCost(batches int, dedup bool) int {
	if !dedup {
		return 0
	}
	return batches
}

// Preview looks up the key of every row src produces, without changing
// anything in Marketo, and reports through emit, in sheet order, what a
// sync with opts would do to each row's person. Lookups run concurrently
// within opts.Run's budget and retry passing failures as a sync does.
func Preview(ctx context.Context, finder marketo.LeadFinder, src BatchSource, opts PreviewOptions, emit func(RowPreview)) (PreviewTotals, error) {
	if opts.Run.Partition != "" || opts.Run.ListOnly {
		// A lookup across partitions cannot tell a person Marketo refuses
		// (1010) or creates again from one it updates; list-only changes
		// nobody.
		return PreviewTotals{}, errors.New("a preview cannot yet foresee an import into a lead partition, or a list-only one")
	}
	ro := opts.Run.withDefaults()
	r := &runner{opts: ro, budget: newBudget(ro.CallsPerWindow, ro.Window, ro.Concurrency), stop: make(chan struct{})}
	p := &previewer{opts: opts, types: fieldTypes(opts.Fields), seed: maphash.MakeSeed(), seen: map[uint64]int{}}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type lookup struct {
		b     importer.Batch
		found []marketo.FoundLead
		err   error
		done  chan struct{}
	}
	queue := make(chan *lookup, ro.Concurrency)
	slots := make(chan struct{}, ro.Concurrency)
	var srcErr error
	var wg sync.WaitGroup
	go func() {
		defer close(queue)
		srcErr = src(func(b importer.Batch) {
			l := &lookup{b: b, done: make(chan struct{})}
			select {
			case queue <- l:
			case <-ctx.Done():
				close(l.done)
				return
			}
			if !ro.Dedup {
				close(l.done)
				return
			}
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				l.err = ctx.Err()
				close(l.done)
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-slots }()
				defer close(l.done)
				l.found, l.err = p.lookup(ctx, r, finder, &l.b)
			}()
		})
	}()
	var tot PreviewTotals
	var err error
	for l := range queue {
		<-l.done
		if err == nil && l.err != nil {
			err = fmt.Errorf("look up rows %d–%d in Marketo: %w", l.b.Rows[0], l.b.Rows[len(l.b.Rows)-1], l.err)
			cancel()
		}
		if err != nil {
			continue
		}
		if ro.Dedup {
			tot.Calls++
		}
		for i := range l.b.Leads {
			rp := p.classify(&l.b, i, l.found)
			tot.add(rp.Kind)
			if emit != nil {
				emit(rp)
			}
		}
	}
	wg.Wait()
	if err == nil && srcErr != nil {
		err = srcErr
	}
	if err == nil {
		err = ctx.Err()
	}
	return tot, err
}

type previewer struct {
	opts  PreviewOptions
	types map[string]string // lower-case REST name -> data type
	seed  maphash.Seed
	seen  map[uint64]int // key hash -> first row, with dedup on
}

func fieldTypes(fs []marketo.Field) map[string]string {
	m := make(map[string]string, len(fs))
	for _, f := range fs {
		m[strings.ToLower(f.Name)] = strings.ToLower(f.Type)
	}
	return m
}

// lookupField is the REST field a batch's rows are matched on.
func (p *previewer) lookupField(k marketo.KeyKind) (string, error) {
	switch k {
	case marketo.KeyID:
		return "id", nil
	case marketo.KeyEmail:
		return "email", nil
	case marketo.KeyForeignSysPersonID:
		if p.opts.Run.ForeignKeyField == "" {
			return "", marketo.ErrNoForeignKeyField
		}
		return p.opts.Run.ForeignKeyField, nil
	}
	return "", marketo.ErrNoKey
}

// keyValue is a lead's value of its batch's lookup field.
func keyValue(l *marketo.Lead, k marketo.KeyKind) string {
	switch k {
	case marketo.KeyID:
		return strconv.Itoa(l.ID)
	case marketo.KeyForeignSysPersonID:
		return l.ForeignSysPersonID
	}
	return l.Email
}

func (p *previewer) lookup(ctx context.Context, r *runner, finder marketo.LeadFinder, b *importer.Batch) ([]marketo.FoundLead, error) {
	field, err := p.lookupField(b.Key)
	if err != nil {
		return nil, err
	}
	var values, fields []string
	seenValue, seenField := map[string]bool{}, map[string]bool{}
	for i := range b.Leads {
		l := &b.Leads[i]
		if v := keyValue(l, b.Key); lookable(v) && !seenValue[strings.ToLower(v)] {
			seenValue[strings.ToLower(v)] = true
			values = append(values, v)
		}
		for _, a := range l.Attributes {
			if n := strings.ToLower(a.Name); !seenField[n] {
				seenField[n] = true
				fields = append(fields, a.Name)
			}
		}
	}
	if b.Key == marketo.KeyForeignSysPersonID && !seenField[strings.ToLower(field)] {
		fields = append(fields, field)
	}
	if len(values) == 0 {
		return nil, nil
	}
	return r.find(ctx, finder, field, values, fields)
}

// lookable reports whether a key can be looked up: Get Leads by Filter
// Type takes its values as one comma-separated list, so a value holding a
// comma would be searched for as two.
func lookable(v string) bool { return !strings.Contains(v, ",") }

// matches are the found leads whose lookup field equals the lead's key.
func (p *previewer) matches(l *marketo.Lead, k marketo.KeyKind, found []marketo.FoundLead) []*marketo.FoundLead {
	var out []*marketo.FoundLead
	for i := range found {
		f := &found[i]
		var hit bool
		switch k {
		case marketo.KeyID:
			hit = f.ID == l.ID
		case marketo.KeyEmail:
			hit = strings.EqualFold(f.Email, l.Email)
		case marketo.KeyForeignSysPersonID:
			// As Marketo matches it: without regard to case, and by value
			// for a number field ("007" finds 7).
			v := fieldValue(f, p.opts.Run.ForeignKeyField)
			hit = strings.EqualFold(v, l.ForeignSysPersonID) || p.same(p.opts.Run.ForeignKeyField, v, l.ForeignSysPersonID)
		}
		if hit {
			out = append(out, f)
		}
	}
	return out
}

func fieldValue(f *marketo.FoundLead, name string) string {
	if v, ok := f.Fields[name]; ok {
		return v
	}
	for k, v := range f.Fields {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

func (p *previewer) classify(b *importer.Batch, i int, found []marketo.FoundLead) RowPreview {
	l := &b.Leads[i]
	rp := RowPreview{Row: b.Rows[i], Key: keyValue(l, b.Key)}
	opts := p.opts.Run
	if !opts.Dedup {
		rp.Kind = WillCreate // createDuplicate: every row is a new lead
		return rp
	}
	key := strings.ToLower(keyValue(l, b.Key))
	h := maphash.String(p.seed, strconv.Itoa(int(b.Key))+"\x00"+key)
	if first, dup := p.seen[h]; dup {
		rp.Kind, rp.First = Repeats, first
		return rp
	}
	p.seen[h] = rp.Row
	if !lookable(key) {
		rp.Kind = CannotLookUp
		return rp
	}

	m := p.matches(l, b.Key, found)
	switch {
	case len(m) > 1:
		rp.Kind, rp.Matches = Ambiguous, len(m)
		if opts.Mode == marketo.CreateOnly {
			rp.Kind, rp.LeadID = WillLeaveAlone, m[0].ID
		}
		return rp
	case len(m) == 0:
		switch {
		case opts.Mode == marketo.UpdateOnly:
			rp.Kind = WillLeaveAlone
		case b.Key == marketo.KeyID:
			rp.Kind = NotFound
		default:
			rp.Kind = WillCreate
		}
		return rp
	}
	rp.LeadID = m[0].ID
	if opts.Mode == marketo.CreateOnly {
		rp.Kind = WillLeaveAlone
		return rp
	}
	for _, a := range l.Attributes {
		old := fieldValue(m[0], a.Name)
		if opts.FillEmpty && strings.TrimSpace(old) != "" {
			continue // the sync leaves values Marketo has alone
		}
		if !p.same(a.Name, old, a.Value) {
			rp.Changes = append(rp.Changes, FieldChange{Field: a.Name, Old: old, New: a.Value})
		}
	}
	rp.Kind = WillNotChange
	if len(rp.Changes) > 0 {
		rp.Kind = WillUpdate
	}
	return rp
}

// same reports whether Marketo's value old and the value a row sends are
// the same value of the field's type. Marketo answers datetimes in UTC and
// numbers as JSON numbers, so text alone would call them changes.
func (p *previewer) same(field, old, sent string) bool {
	if old == sent {
		return true
	}
	if old == "" || sent == "" {
		return false
	}
	switch p.types[strings.ToLower(field)] {
	case "datetime":
		a, err1 := time.Parse(time.RFC3339, old)
		b, err2 := time.Parse(time.RFC3339, sent)
		return err1 == nil && err2 == nil && a.Equal(b)
	case "integer", "float", "currency", "percent", "score":
		a, ok1 := new(big.Rat).SetString(old)
		b, ok2 := new(big.Rat).SetString(sent)
		return ok1 && ok2 && a.Cmp(b) == 0
	case "boolean":
		a, err1 := strconv.ParseBool(old)
		b, err2 := strconv.ParseBool(sent)
		return err1 == nil && err2 == nil && a == b
	case "email":
		return strings.EqualFold(old, sent)
	}
	return false
}
