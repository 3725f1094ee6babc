package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"leadsheet/marketo/marketotest"
	"leadsheet/marketo/marketotest/sandboxtest"
)

func restArgs(srv *marketotest.Server, file string, extra ...string) []string {
	return append([]string{"sync", file, "--api", "rest", "--rest-url", srv.RESTBaseURL(), "--identity-url", srv.IdentityURL(),
		"--client-id", marketotest.DefaultClientID}, extra...)
}

func restEnv(dir string) Env {
	return Env{ConfigDir: dir, Getenv: func(k string) string {
		if k == EnvClientSecret {
			return marketotest.DefaultClientSecret
		}
		return ""
	}}
}

// writeSheet writes rows (the first is the header) to an xlsx file.
func writeSheet(t *testing.T, path string, rows [][]any) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

// pythonCSV reads a CSV with Python's csv module, as a reader nobody here
// wrote.
func pythonCSV(t *testing.T, path string) [][]string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		t.Skip("python3 not installed (apt-get install python3)")
	}
	out, err := exec.Command("/usr/bin/python3", "-c",
		`import csv, json, sys; json.dump(list(csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline=""))), sys.stdout)`, path).Output()
	if err != nil {
		t.Fatalf("python3 csv: %v", err)
	}
	var rows [][]string
	if err := json.Unmarshal(out, &rows); err != nil {
		t.Fatal(err)
	}
	return rows
}

var previewRE = regexp.MustCompile(`(?m)^Preview: (.+\.csv)$`)

// TestSyncPreviewThenCreateOnly previews a sheet against leads already in
// the sandbox, checks that the preview changed nothing and says per row
// what will happen, then imports it with --mode create-only and checks the
// store against the preview: the known people untouched, the new one made.
func TestSyncPreviewThenCreateOnly(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	dir := t.TempDir()
	env := restEnv(dir)
	seed := filepath.Join(dir, "seed.xlsx")
	writeSheet(t, seed, [][]any{{"Email", "City", "Title"}, {"ann@example.com", "Lyon", "CEO"}, {"bob@example.com", "Nice", "CTO"}})
	if r := runMain(t, env, restArgs(srv, seed)...); r.code != ExitOK {
		t.Fatalf("seed: exit %d\n%s", r.code, r.stderr)
	}
	in := filepath.Join(dir, "fair.xlsx")
	writeSheet(t, in, [][]any{{"Email", "City", "Title"}, {"ann@example.com", "Lyon", "CEO"}, {"BOB@example.com", "Paris", ""}, {"cy@example.com", "Metz", "CFO"}})
	before := srv.Leads()

	r := runMain(t, env, restArgs(srv, in, "--preview", "--clear-blanks")...)
	if r.code != ExitOK {
		t.Fatalf("preview: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "Preview: 1 to create, 1 to update, 1 unchanged, 0 left alone (1 call)") {
		t.Errorf("preview summary:\n%s", r.stdout)
	}
	if after := srv.Leads(); len(after) != len(before) || after[1].Fields["City"] != "Nice" {
		t.Fatalf("the preview changed the store: %+v", after)
	}
	m := previewRE.FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no preview file named:\n%s", r.stdout)
	}
	got := pythonCSV(t, m[1])
	want := [][]string{
		{"Row", "Matched on", "What the import would do", "Lead Id", "Field", "In Marketo now", "After the import"},
		{"2", "ann@example.com", "Update lead 1001: nothing changes", "1001", "", "", ""},
		{"3", "BOB@example.com", "Update lead 1002: 2 field(s) change", "1002", "city", "Nice", "Paris"},
		{"3", "BOB@example.com", "Update lead 1002: 2 field(s) change", "1002", "title", "CTO", ""},
		{"4", "cy@example.com", "Create a new lead", "", "", "", ""},
	}
	if js, wjs := mustJSON(got), mustJSON(want); js != wjs {
		t.Errorf("preview CSV (read by Python):\n got %s\nwant %s", js, wjs)
	}

	r = runMain(t, env, restArgs(srv, in, "--mode", "create-only")...)
	if r.code != ExitOK || !strings.Contains(r.stdout, "3 rows: 1 created, 0 updated, 0 failed, 0 invalid, 0 not sent, 2 left alone") {
		t.Fatalf("create only: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	leads := srv.Leads()
	if len(leads) != 3 || leads[1].Fields["City"] != "Nice" || leads[1].Fields["Title"] != "CTO" || leads[2].Email != "cy@example.com" {
		t.Errorf("store after create only: %+v", leads)
	}

	r = runMain(t, env, restArgs(srv, in, "--clear-blanks")...)
	if r.code != ExitOK {
		t.Fatalf("clear blanks: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if l := srv.Leads()[1]; l.Fields["City"] != "Paris" || l.Fields["Title"] != "" {
		t.Errorf("after --clear-blanks, bob is %+v; the preview promised city Paris and no title", l.Fields)
	}
}

func TestSyncModeRefusals(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	dir := t.TempDir()
	in := filepath.Join(dir, "fair.xlsx")
	writeSheet(t, in, [][]any{{"Email", "City"}, {"ann@example.com", "Lyon"}})
	for _, tc := range []struct {
		args []string
		want string
	}{
		{soapArgs(srv, in, "--mode", "update-only"), "needs a REST account"},
		{soapArgs(srv, in, "--clear-blanks"), "needs a REST account"},
		{restArgs(srv, in, "--mode", "create-only", "--dedup=false"), "needs dedup on"},
		{soapArgs(srv, in, "--preview"), "preview needs a REST account"},
		{restArgs(srv, in, "--mode", "sideways"), "--mode must be"},
		{restArgs(srv, in, "--tick-columns", "City"), "city is a string field, not a yes/no one"},
		{restArgs(srv, in, "--tick-columns", "Nope"), "the sheet has no column \"Nope\""},
	} {
		env := restEnv(dir)
		env.Getenv = func(k string) string {
			switch k {
			case EnvClientSecret:
				return marketotest.DefaultClientSecret
			case EnvEncryptionKey:
				return marketotest.DefaultEncryptionKey
			}
			return ""
		}
		r := runMain(t, env, tc.args...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, want %d with %q:\n%s", tc.args[2:], r.code, ExitUsage, tc.want, r.stderr)
		}
	}
	if n := len(srv.Leads()); n != 0 {
		t.Errorf("refused runs stored %d leads", n)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestSyncRefusesWhatTheQuotaCannotHold: an import bigger than what is
// left of today's quota is refused before its first sync call, saying how
// many rows fit; one that fits says its cost and its share of the
// instance's budget.
func TestSyncRefusesWhatTheQuotaCannotHold(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	dir := t.TempDir()
	in := filepath.Join(dir, "fair.xlsx")
	writeWorkbook(t, in, 5000, nil)
	r := runMain(t, restEnv(dir), restArgs(srv, in, "--daily-quota", "10")...)
	m := regexp.MustCompile(`([0-9,]+) of its 5,000 rows fit`).FindStringSubmatch(r.stderr)
	if r.code != ExitConnect || m == nil || !strings.Contains(r.stderr, "Nothing was sent") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	// 10 calls less 2 for connecting leave 8: two batches of at most
	// 300 rows, at three calls a batch (the sync and the undo record's
	// reads before and after).
	if fit, _ := strconv.Atoi(strings.ReplaceAll(m[1], ",", "")); fit <= 0 || fit > 2*300 {
		t.Errorf("%d rows said to fit in 8 calls", fit)
	}
	if n := srv.Stats().Calls["REST leads.json"]; n != 0 || len(srv.Leads()) != 0 {
		t.Errorf("%d sync calls and %d leads after the refusal", n, len(srv.Leads()))
	}
	r = runMain(t, restEnv(dir), restArgs(srv, in)...)
	if r.code != ExitOK || !strings.Contains(r.stderr, "This import takes about 53 API calls") || !strings.Contains(r.stderr, "Using half of your instance's API budget") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if st := srv.Stats(); st.MaxConcurrent > 5 {
		t.Errorf("%d calls at once; the fair share is 5", st.MaxConcurrent)
	}
}

// TestSyncRefusesOtherSettingsOverAnUnfinishedRun: a run that left a row
// to send again, run again with other settings, is refused rather than
// started afresh beside the first (which, dedup off, would create its
// confirmed rows again); --start-over does start afresh.
func TestSyncRefusesOtherSettingsOverAnUnfinishedRun(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	dir := t.TempDir()
	in := filepath.Join(dir, "fair.xlsx")
	// Marketo has no lead 999999: that row fails, so the run stays open.
	writeSheet(t, in, [][]any{{"Marketo Id", "Email", "City"}, {"999999", "", "Oslo"}, {"", "a@example.com", "Lyon"}, {"", "b@example.com", "Nice"}})
	args := func(extra ...string) []string {
		return restArgs(srv, in, append([]string{"--map", "Marketo Id=id", "--dedup=false"}, extra...)...)
	}
	if r := runMain(t, restEnv(dir), args()...); r.code != ExitRows || !strings.Contains(r.stdout, "3 rows: 2 created, 0 updated, 1 failed") {
		t.Fatalf("first run: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r := runMain(t, restEnv(dir), args("--clear-blanks")...)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "used other settings (then: the default settings") || !strings.Contains(r.stderr, "--start-over") {
		t.Fatalf("other settings: exit %d\n%s", r.code, r.stderr)
	}
	if n := len(srv.Leads()); n != 2 {
		t.Errorf("%d leads after the refused run, want the first run's 2", n)
	}
	r = runMain(t, restEnv(dir), args("--clear-blanks", "--start-over")...)
	if r.code != ExitRows || !strings.Contains(r.stdout, "3 rows: 2 created") || len(srv.Leads()) != 4 {
		t.Errorf("--start-over: exit %d, %d leads (dedup off: the confirmed rows again)\n%s\n%s", r.code, len(srv.Leads()), r.stdout, r.stderr)
	}
}
