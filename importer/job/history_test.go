package job

import (
	"strings"
	"testing"

	"leadsheet/importer/history"
	"leadsheet/importer/run"
)

func TestUndoPlanWords(t *testing.T) {
	leads := func(n int, del bool) []run.UndoLead {
		out := make([]run.UndoLead, n)
		for i := range out {
			out[i] = run.UndoLead{ID: 1000 + i, Delete: del}
		}
		return out
	}
	plan := run.UndoPlan{Restore: leads(301, false), Delete: leads(2, true), Remove: map[int][]int{7: {1000, 1001, 5000}},
		Changed:  []run.UndoLead{{ID: 5000}},
		Programs: []history.ProgramSet{{Program: 9, Status: "Registered", Leads: []int{1, 2}}}}
	for _, tc := range []struct {
		name  string
		plan  run.UndoPlan
		force bool
		want  []string
	}{
		{"as planned", plan, false, []string{
			"301 leads set back to the values it had before the import",
			"2 leads the import created will be deleted",
			"2 list memberships the import added will be removed", // not the changed lead's
			"1 lead changed in Marketo since the import will be left alone",
			"2 program statuses cannot be moved back",
			"about 6 API calls"}}, // 304 leads read again, 301 restores, 2 deletes, a list
		{"forced", plan, true, []string{
			"3 list memberships",
			"1 lead changed in Marketo since the import will be taken back too, losing those changes",
			"about 6 API calls"}}, // 302 restores: two calls
		{"nothing", run.UndoPlan{}, false, []string{"Nothing to take back"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := strings.Join(UndoPlanWords(tc.plan, tc.force), "\n")
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("missing %q in:\n%s", w, got)
				}
			}
		})
	}
}

func TestCheckUndoable(t *testing.T) {
	a := Account{API: "rest", Endpoint: "https://123-ABC-456.mktorest.com/rest"}
	for _, tc := range []struct {
		name string
		run  history.Run
		want string
	}{
		{"an import", history.Run{ID: "a", Kind: history.KindImport, Undoable: true, Endpoint: a.Endpoint + "/"}, ""},
		{"an undo", history.Run{ID: "a-undo", Kind: history.KindUndo, UndoOf: "a", Undoable: true, Endpoint: a.Endpoint}, "an undo is not undone"},
		{"bulk or soap", history.Run{ID: "a", Kind: history.KindImport, Endpoint: a.Endpoint}, "Bulk Import or SOAP"},
		{"another account", history.Run{ID: "a", Kind: history.KindImport, Undoable: true, Endpoint: "https://999-XYZ-000.mktorest.com/rest"}, "Choose the account it went to"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkUndoable(tc.run, a)
			if got := ""; err != nil {
				got = err.Error()
				if tc.want == "" || !strings.Contains(got, tc.want) {
					t.Fatalf("%q, want %q", got, tc.want)
				}
			} else if tc.want != "" {
				t.Fatalf("allowed, want %q", tc.want)
			}
		})
	}
}
