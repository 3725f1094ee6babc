package history

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"leadsheet/importer"
)

func str(s string) *string { return &s }

func TestStoreSaveListGet(t *testing.T) {
	s := Store{Dir: filepath.Join(t.TempDir(), "history")}
	base := time.Date(2026, 12, 3, 5, 0, 0, 0, time.UTC)
	runs := []Run{
		{ID: "aaaa000001", Kind: KindImport, File: "/in/leads.xlsx", Account: "Prod", Started: base},
		{ID: "aaaa000002", Kind: KindImport, File: "/in/other.csv", Account: "Sandbox", Endpoint: "http://127.0.0.1/rest", Started: base.Add(time.Hour)},
		{ID: "aaaa000001-undo", Kind: KindUndo, UndoOf: "aaaa000001", File: "/in/leads.xlsx", Account: "Prod", Started: base.Add(2 * time.Hour)},
	}
	for _, r := range runs {
		if err := s.Save(r); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name string
		f    Filter
		want []string
	}{
		{"all, newest first", Filter{}, []string{"aaaa000001-undo", "aaaa000002", "aaaa000001"}},
		{"by file, capitals aside", Filter{File: "LEADS"}, []string{"aaaa000001-undo", "aaaa000001"}},
		{"by account name", Filter{Account: "sand"}, []string{"aaaa000002"}},
		{"by endpoint", Filter{Account: "127.0.0.1"}, []string{"aaaa000002"}},
		{"either, by file", Filter{Either: "other"}, []string{"aaaa000002"}},
		{"either, by account", Filter{Either: "prod"}, []string{"aaaa000001-undo", "aaaa000001"}},
		{"none", Filter{File: "nothing"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.List(tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, r := range got {
				ids = append(ids, r.ID)
			}
			if !slices.Equal(ids, tc.want) {
				t.Fatalf("got %v, want %v", ids, tc.want)
			}
		})
	}
	if _, err := s.Get("../../etc/passwd"); err == nil {
		t.Fatal("a path outside the history was read")
	}
	if _, err := s.Get("ffffffffff"); err == nil {
		t.Fatal("a missing run was found")
	}
	// A damaged record is reported, and the others still listed.
	if err := os.WriteFile(filepath.Join(s.Dir, "bbbb000001.json"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := s.List(Filter{})
	if err == nil || len(got) != 3 {
		t.Fatalf("damaged record: got %d runs, err %v; want 3 and an error", len(got), err)
	}
}

func TestRollbackWorksOut(t *testing.T) {
	type step func(r *Recorder) error
	prior := func(m map[int][]int, leads ...LeadValues) step {
		return func(r *Recorder) error { return r.Prior(Prior{Field: "email", Rows: m, Leads: leads}) }
	}
	touched := func(rs ...importer.RowResult) step {
		return func(r *Recorder) error { return r.Touched(rs, "email", nil) }
	}
	lv := func(id int, at string, kv ...string) LeadValues {
		v := map[string]*string{}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "<nil>" {
				v[kv[i]] = nil
			} else {
				v[kv[i]] = str(kv[i+1])
			}
		}
		return LeadValues{ID: id, UpdatedAt: at, Values: v}
	}
	row := func(r int, st importer.RowState, lead int) importer.RowResult {
		return importer.RowResult{Row: r, State: st, LeadID: lead}
	}
	for _, tc := range []struct {
		name             string
		steps            []step
		existing         map[int]map[string]string // lead -> field -> value ("<nil>" for empty)
		created, unknown []int
	}{
		{
			name:     "updated and created",
			steps:    []step{prior(map[int][]int{2: {7}, 3: {}}, lv(7, "t0", "company", "Old", "title", "<nil>")), touched(row(2, importer.Updated, 7), row(3, importer.Created, 8))},
			existing: map[int]map[string]string{7: {"company": "Old", "title": "<nil>"}},
			created:  []int{8},
		},
		{
			// Killed after Marketo created the lead: the resume's lookup
			// found it and Marketo said updated, but the row's first
			// lookup found nobody.
			name: "created by a killed try, updated by the resume",
			steps: []step{prior(map[int][]int{2: {}}), prior(map[int][]int{2: {9}}, lv(9, "t1", "company", "Mine")),
				touched(row(2, importer.Updated, 9))},
			created: []int{9},
		},
		{
			// The resume's lookup reads the values the killed try wrote;
			// the first lookup's values are the ones to restore.
			name: "the earliest values win",
			steps: []step{prior(map[int][]int{2: {7}}, lv(7, "t0", "company", "Old")), prior(map[int][]int{2: {7}}, lv(7, "t1", "company", "New")),
				touched(row(2, importer.CreatedOrUpdated, 7))},
			existing: map[int]map[string]string{7: {"company": "Old"}},
		},
		{
			// One person on two rows in two batches, each writing another
			// field: each field's value is from the first lookup that read it.
			name: "fields from two batches",
			steps: []step{prior(map[int][]int{2: {7}}, lv(7, "t0", "company", "Old")), touched(row(2, importer.Updated, 7)),
				prior(map[int][]int{40: {7}}, lv(7, "t1", "company", "New", "title", "Boss")), touched(row(40, importer.Updated, 7))},
			existing: map[int]map[string]string{7: {"company": "Old", "title": "Boss"}},
		},
		{
			name:    "no lookup (dedup off, lost answer)",
			steps:   []step{touched(row(2, importer.CreatedOrUpdated, 5), row(3, importer.Created, 6), row(4, importer.Failed, 0))},
			created: []int{6},
			unknown: []int{5},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Store{Dir: t.TempDir()}
			r, err := s.OpenRecorder("abcdef0123")
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range tc.steps {
				if err := st(r); err != nil {
					t.Fatal(err)
				}
			}
			r.Close()
			rb, err := s.ReadRollback("abcdef0123")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(rb.Created, tc.created) || !slices.Equal(rb.Unknown, tc.unknown) {
				t.Errorf("created %v unknown %v, want %v and %v", rb.Created, rb.Unknown, tc.created, tc.unknown)
			}
			if len(rb.Existing) != len(tc.existing) {
				t.Fatalf("existing %v, want %v", rb.Existing, tc.existing)
			}
			for id, want := range tc.existing {
				got := rb.Existing[id].Values
				if len(got) != len(want) {
					t.Fatalf("lead %d: %d values, want %d", id, len(got), len(want))
				}
				for f, w := range want {
					v, ok := got[f]
					switch {
					case !ok:
						t.Errorf("lead %d: no %s", id, f)
					case w == "<nil>" && v != nil, w != "<nil>" && (v == nil || *v != w):
						t.Errorf("lead %d %s = %v, want %s", id, f, v, w)
					}
				}
			}
		})
	}
}

func TestRollbackTornTail(t *testing.T) {
	s := Store{Dir: t.TempDir()}
	r, err := s.OpenRecorder("abcdef0123")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Touched([]importer.RowResult{{Row: 2, State: importer.Created, LeadID: 5}}, "email", nil); err != nil {
		t.Fatal(err)
	}
	r.Close()
	path := filepath.Join(s.Dir, "abcdef0123.rollback")
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"k":"done","res":[[3,6,"cre`) // a crash mid-write
	f.Close()
	rb, err := s.ReadRollback("abcdef0123")
	if err != nil || !slices.Equal(rb.Created, []int{5}) {
		t.Fatalf("torn tail: created %v, err %v", rb.Created, err)
	}
	// Reopening cuts the torn line, so the next record starts a line of its own.
	r, err = s.OpenRecorder("abcdef0123")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Touched([]importer.RowResult{{Row: 3, State: importer.Created, LeadID: 6}}, "email", nil); err != nil {
		t.Fatal(err)
	}
	r.Close()
	rb, err = s.ReadRollback("abcdef0123")
	if err != nil || !slices.Equal(rb.Created, []int{5, 6}) {
		t.Fatalf("after reopen: created %v, err %v", rb.Created, err)
	}
}

func TestUndoLogResumes(t *testing.T) {
	s := Store{Dir: t.TempDir()}
	l, err := s.OpenUndoLog("abcdef0123")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct {
		step string
		list int
		ids  []int
	}{{StepRestoring, 0, []int{1, 2}}, {StepRestored, 0, []int{1}}, {StepRemoving, 44, []int{3}}} {
		if err := l.Mark(m.step, m.list, m.ids); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	l, err = s.OpenUndoLog("abcdef0123")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	st := l.State()
	if !st.Has(StepRestoring, 2) || st.Has(StepRestored, 2) || !st.Has(StepRestored, 1) || !st.HasList(StepRemoving, 44, 3) || st.HasList(StepRemoving, 45, 3) || st.Finished {
		t.Fatalf("state after reopen: %+v", st)
	}
}

// TestRollbackMaybeAndVoid: rows sent without Marketo's word are left
// for an undo to look up, with what their lookup found; a lookup whose
// try Marketo applied nothing of gives way to the next one.
func TestRollbackMaybeAndVoid(t *testing.T) {
	s := Store{Dir: t.TempDir()}
	r, err := s.OpenRecorder("abcdef0123")
	if err != nil {
		t.Fatal(err)
	}
	old := LeadValues{ID: 7, Values: map[string]*string{"company": str("Stale")}}
	fresh := LeadValues{ID: 7, Values: map[string]*string{"company": str("Typed since")}}
	for _, step := range []func() error{
		// Rows 2 (lead 7) and 3 (nobody) are tried; nothing applied.
		func() error {
			return r.Prior(Prior{Field: "email", Rows: map[int][]int{2: {7}, 3: {}}, Keys: map[int]string{3: "new@example.com"}, Leads: []LeadValues{old}})
		},
		func() error {
			return r.Touched([]importer.RowResult{{Row: 2, State: importer.NotSent}, {Row: 3, State: importer.NotSent}}, "email", nil)
		},
		// The next run looks again: row 3's person exists by now.
		func() error {
			return r.Prior(Prior{Field: "email", Rows: map[int][]int{2: {7}, 3: {9}, 4: {}}, Keys: map[int]string{4: "lost@example.com"},
				Leads: []LeadValues{fresh, {ID: 9, Values: map[string]*string{"company": nil}}}})
		},
		func() error {
			return r.Touched([]importer.RowResult{{Row: 2, State: importer.Updated, LeadID: 7}, {Row: 3, State: importer.Updated, LeadID: 9}}, "email", nil)
		},
		// Row 4's answer is lost for good.
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	r.Close()
	rb, err := s.ReadRollback("abcdef0123")
	if err != nil {
		t.Fatal(err)
	}
	if v := rb.Existing[7].Values["company"]; v == nil || *v != "Typed since" {
		t.Errorf("lead 7 restores to %v, want the value of the lookup before the send that applied", v)
	}
	if _, ok := rb.Existing[9]; !ok || len(rb.Created) != 0 {
		t.Errorf("lead 9 (there by the second lookup): existing %v, created %v", rb.Existing, rb.Created)
	}
	if len(rb.Maybe) != 1 || rb.Maybe[0].Row != 4 || rb.Maybe[0].Key != "lost@example.com" || rb.Maybe[0].Field != "email" {
		t.Fatalf("maybe rows %+v, want row 4 with its key", rb.Maybe)
	}
}
