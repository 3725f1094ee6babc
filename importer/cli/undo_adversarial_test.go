package cli_test

import (
	"context"
	"strings"
	"testing"

	"leadsheet/importer/cli"
	"leadsheet/marketo/marketotest"
)

// undoThenResume: an import is killed halfway and undone. Syncing the
// same file again would resume that import (its journal is still open)
// and send the rows the killed run did not, beside an import that was
// taken back, where a second undo could not tell them from the first: it
// is refused, changing nothing. Started over, it is a new import, and
// its undo gives the store back. The first undo is forced, so that leads
// the kill left without a read-back are taken back too.
func undoThenResume(t *testing.T, s *suite) {
	h := newHarness(t, s, "rest", "--latency", "20ms")
	seed := h.path("seed.csv")
	writeCSV(t, seed, undoSheet(0, 3000, "Before", "Old Co"))
	if r := h.sync(t, seed); r.code != cli.ExitOK {
		t.Fatalf("seeding: %s", r)
	}
	before := h.sb.leads(t)
	file := h.path("people.csv")
	records := undoSheet(0, 3000, "After", "New Co")
	records = append(records, []string{"back00000@example.com", "Last row", "Last row Co"})
	writeCSV(t, file, records)
	updated := h.sb.stats(t).LeadsUpdated
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	h.killWhen(t, h.command(ctx, file, "--concurrency", "1"), "600 leads were updated", func(st marketotest.Stats) bool {
		return st.LeadsUpdated >= updated+600
	})
	id := h.runOf(t, "people.csv")
	if r := h.leadsheet(t, "", "undo", id, "--yes", "--force"); r.code != cli.ExitOK {
		t.Fatalf("the first undo: %s", r)
	}

	if diff := sameFields(before, h.sb.leads(t)); diff != "" {
		t.Fatalf("after the first undo: %s", diff)
	}
	r := h.sync(t, file)
	if r.code != cli.ExitUsage || !strings.Contains(r.stderr, "was undone") || !strings.Contains(r.stderr, "--start-over") {
		t.Fatalf("the same file again, after its undo: %s", r)
	}
	if diff := sameFields(before, h.sb.leads(t)); diff != "" {
		t.Fatalf("the refused resume changed Marketo: %s", diff)
	}
	if r := h.sync(t, file, "--start-over"); r.code != cli.ExitOK {
		t.Fatalf("started over: %s", r)
	}
	again := h.runOf(t, "people.csv")
	if again == id {
		t.Fatalf("started over, the import is still %s", id)
	}
	r = h.leadsheet(t, "", "undo", again, "--yes")
	if diff := sameFields(before, h.sb.leads(t)); r.code != cli.ExitOK || diff != "" {
		t.Errorf("after the undo of the import started over (exit %d: %q): %s", r.code, strings.ReplaceAll(strings.TrimSpace(r.stdout), "\n", " / "), diff)
	}
	h.compared.Add(int64(len(records) - 1))
}
