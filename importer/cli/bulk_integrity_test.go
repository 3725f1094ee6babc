package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"leadsheet/importer/cli"
	"leadsheet/marketo/marketotest"
)

// TestBulkImport drives `leadsheet sync --engine bulk` against a
// `leadsheet sandbox` process and judges every run by the sandbox's store
// (issue 16, item 3).
func TestBulkImport(t *testing.T) {
	s := &suite{bin: buildBinary(t, t.TempDir()), compared: new(atomic.Int64)}
	t.Run("failures-and-warnings", func(t *testing.T) { t.Parallel(); bulkMatchesStore(t, s) })
	t.Run("killed-while-queued", func(t *testing.T) { t.Parallel(); bulkKilledWhileQueued(t, s) })
	t.Run("quota-too-small", func(t *testing.T) { t.Parallel(); bulkQuotaTooSmall(t, s) })
}

// bulkQuotaTooSmall: a bulk import whose files do not fit in what is left
// of the day's quota is refused before its first upload, saying how many
// rows would fit.
func bulkQuotaTooSmall(t *testing.T, s *suite) {
	h := newHarness(t, s, "rest")
	records, _ := bulkSheet(2000)
	file := h.path("quota.csv")
	writeCSV(t, file, records)
	// Four files of 20 kB at 23 calls each do not fit in 60 calls.
	r := h.sync(t, file, append(bulkFlags, "--daily-quota", "60")...)
	m := regexp.MustCompile(`([0-9,]+) of its ([0-9,]+) rows fit`).FindStringSubmatch(r.stderr)
	if r.code != cli.ExitConnect || m == nil {
		t.Fatalf("want exit %d saying how many rows fit: %s", cli.ExitConnect, r)
	}
	if fit, _ := strconv.Atoi(strings.ReplaceAll(m[1], ",", "")); fit <= 0 || fit >= 2000 {
		t.Errorf("%s rows said to fit", m[1])
	}
	st := h.sb.stats(t)
	if n := st.Calls["BULK import leads"] + st.Calls["REST leads.json"]; n != 0 || len(h.sb.leads(t)) != 0 {
		t.Errorf("%d import calls and %d leads after the refusal", n, len(h.sb.leads(t)))
	}
}

// Bulk runs use small files so a few thousand rows make several jobs, and
// read the status often; the sandbox's jobs run fast.
var bulkFlags = []string{"--engine", "bulk", "--bulk-file-bytes", "20000", "--bulk-poll", "20ms", "--map", "Lead Score=leadScore"}

// bulkSheet is n rows: every 50th has an email two leads in Marketo
// share (see seedTwins), which bulk import refuses ("Multiple leads
// match"), a check pre-flight cannot make; every 70th has a score
// pre-flight refuses; names carry commas and quotes.
func bulkSheet(n int) (records [][]string, want map[string]string) {
	records = [][]string{{"Email", "First Name", "Lead Score"}}
	want = map[string]string{}
	for k := range n {
		email, score, st := fmt.Sprintf("bulk%05d@example.com", k), fmt.Sprint(k%100), "Imported"
		switch {
		case k%50 == 7:
			email, st = fmt.Sprintf("twin%05d@example.com", k), "Failed"
		case k%70 == 3:
			score, st = "lots", "Invalid"
		}
		records = append(records, []string{email, fmt.Sprintf("Ann, \"%d\"", k), score})
		want[strings.ToLower(email)] = st
	}
	return records, want
}

// seedTwins stores two leads for each twin address of records, as an
// earlier import with dedup off would have.
func seedTwins(t *testing.T, h *harness, records [][]string) {
	t.Helper()
	twins := [][]string{{"Email", "First Name"}}
	for _, rec := range records[1:] {
		if strings.HasPrefix(rec[0], "twin") {
			twins = append(twins, []string{rec[0], "Twin"}, []string{rec[0], "Twin"})
		}
	}
	file := h.path("twins.csv")
	writeCSV(t, file, twins)
	if r := h.sync(t, file, "--dedup=false"); r.code != cli.ExitOK {
		t.Fatalf("seed the twins: %s", r)
	}
}

// checkBulk compares the results file and the store with the sheet: each
// row's status is the one expected, each imported row's lead is stored
// once with the row's values, and no failed row made a lead.
func checkBulk(t *testing.T, h *harness, r run, records [][]string, want map[string]string) {
	t.Helper()
	m := resultsLine.FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no results file:\n%s", r)
	}
	res := readResults(t, strings.TrimSpace(m[1]), "Email")
	byEmail := map[string][]marketotest.Lead{}
	for _, l := range h.sb.leads(t) {
		byEmail[strings.ToLower(l.Email)] = append(byEmail[strings.ToLower(l.Email)], l)
	}
	bad := 0
	for _, rec := range records[1:] {
		email := strings.ToLower(rec[0])
		got, stored := res[email], byEmail[email]
		switch {
		case !strings.HasPrefix(got.status, want[email]):
			t.Errorf("%s: results say %q (%s), want %q", email, got.status, got.errText, want[email])
		case want[email] == "Failed" && (len(stored) != 2 || stored[0].Fields["FirstName"] != "Twin" || stored[1].Fields["FirstName"] != "Twin"):
			t.Errorf("%s: failed, yet the store changed: %v", email, stored)
		case want[email] == "Failed" && !strings.Contains(got.errText, "Multiple leads"):
			t.Errorf("%s: failed with %q, not Marketo's reason", email, got.errText)
		case want[email] == "Invalid" && len(stored) != 0:
			t.Errorf("%s: invalid, yet stored", email)
		case want[email] == "Imported" && len(stored) != 1:
			t.Errorf("%s: imported, stored %d times", email, len(stored))
		case want[email] == "Imported" && (stored[0].Fields["FirstName"] != rec[1] || stored[0].Fields["LeadScore"] != rec[2]):
			t.Errorf("%s: stored %v, the sheet says %q", email, stored[0].Fields, rec[1:])
		default:
			h.compared.Add(1)
			continue
		}
		if bad++; bad > maxShown {
			t.FailNow()
		}
	}
	if len(res) != len(records)-1 {
		t.Errorf("the results list %d rows, the sheet has %d", len(res), len(records)-1)
	}
}

func bulkMatchesStore(t *testing.T, s *suite) {
	h := newHarness(t, s, "rest", "--bulk-delay", "20ms", "--bulk-row-time", "20us")
	records, want := bulkSheet(3000)
	seedTwins(t, h, records)
	file := h.path("bulk.csv")
	writeCSV(t, file, records)
	seeded := h.sb.stats(t).Calls["REST leads.json"]
	r := h.sync(t, file, append(bulkFlags, "--results", h.out("bulk-results.csv"))...)
	if r.code != cli.ExitRows || !strings.Contains(r.stderr, "Bulk Import sends a file") {
		t.Fatalf("want exit %d (rows failed) and bulk's limits said:\n%s", cli.ExitRows, r)
	}
	checkBulk(t, h, r, records, want)
	if n := h.sb.stats(t).Calls["REST leads.json"] - seeded; n != 0 {
		t.Errorf("%d Sync Leads calls in a bulk run", n)
	}

	// Running it again sends the failed rows again (they are not
	// confirmed), in one file, and nothing else.
	before := h.sb.stats(t).Calls["BULK import leads"]
	r = h.sync(t, file, append(bulkFlags, "--results", h.out("bulk-results-2.csv"))...)
	if r.code != cli.ExitRows {
		t.Fatalf("rerun: %s", r)
	}
	if after := h.sb.stats(t).Calls["BULK import leads"]; after-before != 1 {
		t.Errorf("the rerun of the failed rows made %d uploads, want 1", after-before)
	}
}

// bulkKilledWhileQueued: a run SIGKILLed while two of its files wait in
// Marketo's queue is run again; the rerun reads those jobs back instead of
// uploading their files again, and the store ends as an uninterrupted
// run leaves it.
func bulkKilledWhileQueued(t *testing.T, s *suite) {
	h := newHarness(t, s, "rest", "--bulk-delay", "1500ms", "--bulk-row-time", "20us")
	records, want := bulkSheet(2000)
	seedTwins(t, h, records)
	file := h.path("queued.csv")
	writeCSV(t, file, records)

	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	cmd := h.command(ctx, file, bulkFlags...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }() //nolint:errcheck // the exit status is read below
	// Killed once the journal records two files Marketo accepted: the
	// files are then queued in the sandbox and the journal knows it.
	for killed := false; !killed; {
		select {
		case <-exited:
			t.Fatalf("the sync ended before two files were queued:\n%s\n%s", out.String(), tail(errb.String(), 30))
		case <-time.After(5 * time.Millisecond):
			if journalBulkRecords(t, h.home) >= 2 {
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				<-exited
				killed = true
			}
		}
	}
	if q := h.sb.stats(t).Bulk["Queued"]; q == 0 {
		t.Fatalf("no job is queued after the kill (the sandbox's delay is too short)")
	}
	r := h.sync(t, file, bulkFlags...)
	if r.code != cli.ExitRows || !strings.Contains(r.stderr, "already in Marketo's import queue") {
		t.Fatalf("rerun after the kill: %s", r)
	}
	checkBulk(t, h, r, records, want)

	whole := newHarness(t, s, "rest", "--bulk-delay", "20ms", "--bulk-row-time", "20us")
	seedTwins(t, whole, records)
	wr := whole.sync(t, file, bulkFlags...)
	if wr.code != cli.ExitRows {
		t.Fatalf("uninterrupted run: %s", wr)
	}
	if got, want := h.sb.stats(t).Calls["BULK import leads"], whole.sb.stats(t).Calls["BULK import leads"]; got != want {
		t.Errorf("killed + rerun uploaded %d files, an uninterrupted run %d", got, want)
	}
}

// journalBulkRecords counts the files Marketo accepted in the journals
// under home.
func journalBulkRecords(t *testing.T, home string) int {
	t.Helper()
	n := 0
	_ = filepath.WalkDir(home, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".journal") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err == nil {
			n += bytes.Count(data, []byte(`"k":"bulk"`))
		}
		return nil
	})
	return n
}
