package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os/exec"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"leadsheet/importer/cli"
	"leadsheet/importer/history"
	"leadsheet/marketo/marketotest"
)

// TestUndoAnImport drives `leadsheet sync`, `leadsheet history` and
// `leadsheet undo` against a `leadsheet sandbox` process and judges by the
// sandbox's store and by list membership read through the REST API
// (issue 15).
func TestUndoAnImport(t *testing.T) {
	s := &suite{bin: buildBinary(t, t.TempDir()), compared: new(atomic.Int64)}
	t.Run("undo-gives-the-store-back", func(t *testing.T) { t.Parallel(); undoGivesTheStoreBack(t, s) })
	t.Run("undo-killed-and-resumed", func(t *testing.T) { t.Parallel(); undoKilled(t, s) })
	t.Run("undo-then-resume", func(t *testing.T) { t.Parallel(); undoThenResume(t, s) })
}

// leadsheet runs the binary with args (REST flags and secret added for
// sync and undo) and stdin.
func (h *harness) leadsheet(t *testing.T, stdin string, args ...string) run {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	cmd := h.leadsheetCmd(ctx, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if cmd.ProcessState == nil {
		t.Fatalf("leadsheet %s did not run: %v", args[0], err)
	}
	r := run{code: cmd.ProcessState.ExitCode(), stdout: out.String(), stderr: errb.String()}
	if strings.Contains(r.stderr, "panic:") {
		t.Errorf("leadsheet %s panicked:\n%s", args[0], r)
	}
	return r
}

func (h *harness) leadsheetCmd(ctx context.Context, args ...string) *exec.Cmd {
	if args[0] == "undo" {
		args = append(args, "--rest-url", h.sb.root+marketotest.RESTPath, "--client-id", marketotest.DefaultClientID)
	}
	cmd := exec.CommandContext(ctx, h.bin, args...)
	cmd.Env = childEnv(h.home, cli.EnvClientSecret+"="+marketotest.DefaultClientSecret)
	cmd.Dir = h.dir
	return cmd
}

// history is `leadsheet history --json`, one run a line.
func (h *harness) history(t *testing.T) []history.Run {
	t.Helper()
	r := h.leadsheet(t, "", "history", "--json")
	if r.code != cli.ExitOK {
		t.Fatalf("history: %s", r)
	}
	var runs []history.Run
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	for sc.Scan() {
		var hr history.Run
		if err := json.Unmarshal(sc.Bytes(), &hr); err != nil {
			t.Fatalf("history --json line %q: %v", sc.Text(), err)
		}
		runs = append(runs, hr)
	}
	return runs
}

// runOf is the id of the newest import of the file named name.
func (h *harness) runOf(t *testing.T, name string) string {
	t.Helper()
	for _, r := range h.history(t) {
		if r.Kind == history.KindImport && r.Name() == name {
			return r.ID
		}
	}
	t.Fatalf("no import of %s in the history", name)
	return ""
}

// undoSheet is people k0..k1-1 with a first name and a company.
func undoSheet(k0, k1 int, first, company string) [][]string {
	records := [][]string{{"Email", "First Name", "Company"}}
	for k := k0; k < k1; k++ {
		records = append(records, []string{fmt.Sprintf("back%05d@example.com", k), fmt.Sprintf("%s %d", first, k), company})
	}
	return records
}

// sameFields reports the first lead whose id, email or fields differ.
func sameFields(before, after []marketotest.Lead) string {
	if len(before) != len(after) {
		return fmt.Sprintf("%d leads before, %d after", len(before), len(after))
	}
	for i := range before {
		if before[i].ID != after[i].ID || before[i].Email != after[i].Email || !maps.Equal(before[i].Fields, after[i].Fields) {
			return fmt.Sprintf("lead %d was %s, is %s", before[i].ID, describe(before[i]), describe(after[i]))
		}
	}
	return ""
}

// undoGivesTheStoreBack: an import that updates 250 people (some of them
// members of the list already), creates 150 and adds them all to the
// list is undone. A wrong confirm changes nothing; the undo leaves alone
// the lead edited in Marketo after the import and says so; forced, it
// takes that one back too, and the store and the list are as they were
// before the import, field for field.
func undoGivesTheStoreBack(t *testing.T, s *suite) {
	h := newHarness(t, s, "rest")
	seed := h.path("seed.csv")
	seedRecords := undoSheet(0, 250, "Before", "Old Co")
	seedRecords[3][2] = "" // an empty company the import fills, and the undo empties again
	writeCSV(t, seed, seedRecords)
	if r := h.sync(t, seed); r.code != cli.ExitOK {
		t.Fatalf("seeding: %s", r)
	}
	members0 := undoSheet(0, 40, "x", "x")
	writeCSV(t, h.path("members.csv"), members0)
	if r := h.sync(t, h.path("members.csv"), "--list-only", "--list", "Newsletter Subscribers"); r.code != cli.ExitOK {
		t.Fatalf("making 40 members: %s", r)
	}
	before, listBefore := h.sb.leads(t), members(t, h, marketotest.SeedListID)

	file := h.path("people.csv")
	writeCSV(t, file, undoSheet(0, 400, "After", "New Co"))
	if r := h.sync(t, file, "--list", "Newsletter Subscribers"); r.code != cli.ExitOK || !strings.Contains(r.stdout, "150 created") {
		t.Fatalf("the import: %s", r)
	}
	id := h.runOf(t, "people.csv")

	// Someone edits one of the imported people in Marketo afterwards.
	edit := h.path("edit.csv")
	writeCSV(t, edit, [][]string{{"Email", "Company"}, {"back00100@example.com", "Typed in Marketo"}})
	if r := h.sync(t, edit); r.code != cli.ExitOK {
		t.Fatalf("the edit: %s", r)
	}
	edited := h.sb.leads(t)

	if r := h.leadsheet(t, "not the id\n", "undo", id); r.code != cli.ExitUsage || !strings.Contains(r.stdout, "249 leads set back") ||
		!strings.Contains(r.stdout, "150 leads the import created will be deleted") || !strings.Contains(r.stdout, "209 list memberships") {
		t.Fatalf("undo with a wrong confirm: %s", r)
	}
	if diff := sameFields(edited, h.sb.leads(t)); diff != "" {
		t.Fatalf("a refused confirm changed Marketo: %s", diff)
	}

	r := h.leadsheet(t, id+"\n", "undo", id)
	if r.code != cli.ExitRows || !strings.Contains(r.stdout, "1 lead changed in Marketo since the import will be left alone") ||
		!strings.Contains(r.stdout, "sheet rows [102]") {
		t.Fatalf("undo: %s", r)
	}
	after := h.sb.leads(t)
	if len(after) != len(before) {
		t.Fatalf("%d leads before the import, %d after its undo", len(before), len(after))
	}
	for i := range before {
		want := before[i].Fields
		if before[i].Email == "back00100@example.com" {
			want = maps.Clone(want)
			want["Company"] = "Typed in Marketo"
			want["FirstName"] = "After 100"
		}
		if before[i].ID != after[i].ID || !maps.Equal(want, after[i].Fields) {
			t.Fatalf("lead %d was %s before the import, is %s after its undo", before[i].ID, describe(before[i]), describe(after[i]))
		}
	}
	if got := members(t, h, marketotest.SeedListID); len(got) != len(listBefore)+1 {
		t.Fatalf("the list holds %d after the undo, %d before the import (+1 for the edited lead)", len(got), len(listBefore))
	}

	if r := h.leadsheet(t, "", "undo", id, "--yes", "--force"); r.code != cli.ExitOK || !strings.Contains(r.stdout, "1 restored") {
		t.Fatalf("the forced undo: %s", r)
	}
	if diff := sameFields(before, h.sb.leads(t)); diff != "" {
		t.Fatalf("after the forced undo: %s", diff)
	}
	if got := members(t, h, marketotest.SeedListID); !slices.Equal(got, listBefore) {
		t.Fatalf("the list holds %d after the forced undo, %d before the import", len(got), len(listBefore))
	}
	h.compared.Add(400)

	ls := h.leadsheet(t, "", "history")
	if ls.code != cli.ExitOK || !strings.Contains(ls.stdout, id+"-undo") || !strings.Contains(ls.stdout, "(undone: "+id+"-undo)") {
		t.Fatalf("history after the undo: %s", ls)
	}
	if r := h.leadsheet(t, "", "undo", id+"-undo", "--yes"); r.code != cli.ExitUsage || !strings.Contains(r.stderr, "an undo is not undone") {
		t.Fatalf("undo of an undo: %s", r)
	}
}

// undoKilled: an undo SIGKILLed mid-run and run again ends with the store
// as before the import, and the second run does not take the leads the
// first one restored for leads changed since.
func undoKilled(t *testing.T, s *suite) {
	h := newHarness(t, s, "rest", "--latency", "40ms")
	seed := h.path("seed.csv")
	writeCSV(t, seed, undoSheet(0, 3000, "Before", "Old Co"))
	if r := h.sync(t, seed); r.code != cli.ExitOK {
		t.Fatalf("seeding: %s", r)
	}
	before := h.sb.leads(t)
	file := h.path("people.csv")
	writeCSV(t, file, undoSheet(0, 4500, "After", "New Co"))
	if r := h.sync(t, file); r.code != cli.ExitOK {
		t.Fatalf("the import: %s", r)
	}
	id := h.runOf(t, "people.csv")
	updated := h.sb.stats(t).LeadsUpdated

	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	h.killWhen(t, h.leadsheetCmd(ctx, "undo", id, "--yes", "--concurrency", "1"), "900 leads were restored", func(st marketotest.Stats) bool {
		return st.LeadsUpdated >= updated+900
	})
	if got := h.sb.stats(t).LeadsUpdated - updated; got >= 3000 {
		t.Fatalf("the undo restored all %d leads before it was killed", got)
	}
	r := h.leadsheet(t, "", "undo", id, "--yes")
	if r.code != cli.ExitOK || strings.Contains(r.stdout, "changed in Marketo") {
		t.Fatalf("the resumed undo: %s", r)
	}
	if diff := sameFields(before, h.sb.leads(t)); diff != "" {
		t.Fatalf("after the resumed undo: %s", diff)
	}
	h.compared.Add(4500)
}
