package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"leadsheet/importer/journal"
	"leadsheet/marketo/marketotest"
	"leadsheet/marketo/marketotest/sandboxtest"
)

// A test binary started with childEnv set runs Main with the arguments in
// childArgs instead of the tests: the crash test kills such a child.
const (
	childEnv    = "LEADSHEET_CLI_TEST_CHILD"
	childArgs   = "LEADSHEET_CLI_TEST_ARGS"
	childConfig = "LEADSHEET_CLI_TEST_CONFIG"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		args := strings.Split(os.Getenv(childArgs), "\x1f")
		env := Env{Stdout: os.Stdout, Stderr: os.Stderr, ConfigDir: os.Getenv(childConfig)}
		switch args[0] {
		case "undo":
			os.Exit(Undo(context.Background(), args[1:], env))
		case "history":
			os.Exit(History(context.Background(), args[1:], env))
		}
		os.Exit(Main(context.Background(), args, env))
	}
	os.Exit(m.Run())
}

// writeWorkbook writes n lead rows under a title row; the emails of the
// rows listed in bad are broken.
func writeWorkbook(t testing.TB, path string, n int, bad map[int]bool) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(sw.SetRow("A1", []any{"Leads from the fair"}))
	must(sw.SetRow("A2", []any{"E-mail", "First Name", "Company"}))
	for i := 0; i < n; i++ {
		email := fmt.Sprintf("lead%05d@example.com", i)
		if bad[i] {
			email = fmt.Sprintf("lead%05d-at-example.com", i)
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+3)
		must(sw.SetRow(cell, []any{email, fmt.Sprintf("Name%d", i), "Acme"}))
	}
	must(sw.Flush())
	must(f.SaveAs(path))
}

type result struct {
	code           int
	stdout, stderr string
}

func runMain(t *testing.T, env Env, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	env.Stdout, env.Stderr = &out, &errb
	code := Main(context.Background(), args, env)
	return result{code, out.String(), errb.String()}
}

func soapArgs(srv *marketotest.Server, file string, extra ...string) []string {
	return append([]string{"sync", file, "--endpoint", srv.SOAPEndpoint(), "--user-id", marketotest.DefaultUserID}, extra...)
}

func keyEnv(key string) func(string) string {
	return func(k string) string {
		if k == EnvEncryptionKey {
			return key
		}
		return ""
	}
}

var resultsRE = regexp.MustCompile(`(?m)^Results: (.+)$`)

func readResults(t *testing.T, stdout string) map[string]string {
	t.Helper()
	m := resultsRE.FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no results path in output:\n%s", stdout)
	}
	f, err := excelize.OpenFile(m[1])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	if got := rows[1]; len(got) < 6 || got[3] != "Status" || got[4] != "Marketo Lead ID" || got[5] != "Error" {
		t.Fatalf("results header %q", got)
	}
	status := map[string]string{}
	for _, r := range rows[2:] {
		for len(r) < 6 {
			r = append(r, "")
		}
		status[strings.TrimSuffix(strings.TrimSuffix(r[0], "@example.com"), "-at-example.com")] = r[3]
	}
	return status
}

func TestSync(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	dir := t.TempDir()
	in := filepath.Join(dir, "fair.xlsx")
	writeWorkbook(t, in, 1000, map[int]bool{10: true, 500: true})
	before, _ := journal.HashFile(in)
	env := Env{Getenv: keyEnv(marketotest.DefaultEncryptionKey), ConfigDir: filepath.Join(dir, "config")}

	r := runMain(t, env, soapArgs(srv, in, "--batch-size", "100")...)
	if r.code != ExitRows {
		t.Fatalf("exit %d, want %d (two invalid rows)\nstdout:%s\nstderr:%s", r.code, ExitRows, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "1000 rows: 998 created, 0 updated, 0 failed, 2 invalid, 0 not sent\n") {
		t.Errorf("summary missing:\n%s", r.stdout)
	}
	st := readResults(t, r.stdout)
	if st["lead00010"] != "Invalid (not sent)" || st["lead00011"] != "Created" || len(st) != 1000 {
		t.Errorf("results: row 10 %q, row 11 %q, %d rows", st["lead00010"], st["lead00011"], len(st))
	}
	if got := len(srv.Leads()); got != 998 {
		t.Errorf("store has %d leads", got)
	}
	if !strings.Contains(r.stdout, "Rows to fix and send again: ") {
		t.Errorf("no failures file named:\n%s", r.stdout)
	}
	if after, _ := journal.HashFile(in); after != before {
		t.Fatal("input file changed")
	}

	// The same file again is a new run: everything was confirmed and the
	// journal finished, so the rows are sent again and now update.
	r = runMain(t, env, soapArgs(srv, in, "--results", filepath.Join(dir, "again.xlsx"))...)
	if !strings.Contains(r.stdout, "1000 rows: 0 created, 998 updated, 0 failed, 2 invalid, 0 not sent\n") || r.code != ExitRows {
		t.Errorf("second run exit %d:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

func TestSyncAllGood(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	dir := t.TempDir()
	in := filepath.Join(dir, "ok.xlsx")
	writeWorkbook(t, in, 50, nil)
	r := runMain(t, Env{Getenv: keyEnv(marketotest.DefaultEncryptionKey), ConfigDir: dir}, soapArgs(srv, in)...)
	if r.code != ExitOK || !strings.Contains(r.stdout, "50 rows: 50 created, 0 updated, 0 failed, 0 invalid, 0 not sent\n") {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout, "Rows to fix") {
		t.Errorf("a failures file for a clean run:\n%s", r.stdout)
	}
}

func TestSyncDryRun(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	dir := t.TempDir()
	in := filepath.Join(dir, "fair.xlsx")
	writeWorkbook(t, in, 20, map[int]bool{3: true})
	// The account is complete, so the dry run fetches the field list (and
	// only that) to check names, types and lengths as the real run would.
	secret := marketotest.DefaultEncryptionKey
	r := runMain(t, Env{Getenv: keyEnv(secret), ConfigDir: dir}, soapArgs(srv, in, "--dry-run", "--map", "Company=skip")...)
	// An invalid row makes a dry run exit as a sync would: some rows invalid.
	if r.code != ExitRows || !strings.Contains(r.stderr, "1 invalid row would not be sent") {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	all := r.stdout + r.stderr
	for _, want := range []string{"19 to send", "1 invalid", "Row 6", "<ns1:paramsSyncMultipleLeads>", "<Email>lead00000@example.com</Email>",
		"<dedupEnabled>true</dedupEnabled>", "(signature: ", "Company", "(not sent)"} {
		if !strings.Contains(all, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, all)
		}
	}
	if strings.Contains(all, secret) || strings.Contains(r.stdout, "<attrName>Company</attrName>") {
		t.Errorf("dry run shows the secret or a skipped column:\n%s", all)
	}
	if n := len(srv.Leads()); n != 0 {
		t.Errorf("dry run sent %d leads", n)
	}
	if st := srv.Stats(); st.Calls["SOAP syncMultipleLeads"] != 0 || st.Calls["SOAP describeMObject"] != 1 {
		t.Errorf("dry run calls: %v, want the field list only", st.Calls)
	}
}

func TestSyncUsage(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "fair.xlsx")
	writeWorkbook(t, in, 5, nil)
	bogus := filepath.Join(dir, "bogus.xlsx")
	if err := os.WriteFile(bogus, []byte("this is not a workbook\x00\x01\x02"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"secret flag", []string{in, "--encryption-key", "x"}, "not accepted"},
		{"client secret flag", []string{in, "--client-secret=x"}, "LEADSHEET_CLIENT_SECRET"},
		{"no file", nil, "Name the file"},
		{"missing file", []string{filepath.Join(dir, "nope.xlsx")}, "could not read"},
		{"not a workbook", []string{bogus}, "could not read"},
		{"bad batch", []string{in, "--batch-size", "301"}, "between 1 and 300"},
		{"bad sheet", []string{in, "--sheet", "Nope"}, `no sheet "Nope"`},
		{"bad map", []string{in, "--map", "Nope=email", "--dry-run"}, `no column "Nope"`},
		{"no endpoint", []string{in}, "--endpoint URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runMain(t, Env{Getenv: keyEnv(""), ConfigDir: dir}, tc.args...)
			if r.code != ExitUsage || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", r.code, r.stderr, ExitUsage, tc.want)
			}
		})
	}
}

func TestSyncStops(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  func(*marketotest.Config)
		key  string
		want string
	}{
		{"auth", nil, "wrong", "refused the login"},
		{"quota", func(c *marketotest.Config) { c.DailyQuota = 3 }, marketotest.DefaultEncryptionKey, "daily API quota is used up"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := marketotest.DefaultConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			srv := sandboxtest.Start(t, cfg)
			dir := t.TempDir()
			in := filepath.Join(dir, "fair.xlsx")
			writeWorkbook(t, in, 500, nil)
			r := runMain(t, Env{Getenv: keyEnv(tc.key), ConfigDir: dir}, soapArgs(srv, in, "--batch-size", "50", "--concurrency", "1")...)
			if r.code != ExitConnect || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", r.code, r.stderr, ExitConnect, tc.want)
			}
		})
	}
}

// TestSyncKilledAndResumed kills a sync with SIGKILL mid-run, runs it
// again, and checks that no lead is lost and none is created twice.
func TestSyncKilledAndResumed(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	for _, dedup := range []bool{true, false} {
		t.Run(fmt.Sprintf("dedup=%v", dedup), func(t *testing.T) {
			cfg := marketotest.DefaultConfig()
			// Long calls next to the 100 calls/20 s pace keep about three
			// batches on the wire at any moment, so the kill catches some.
			cfg.Latency = 600 * time.Millisecond
			srv := sandboxtest.Start(t, cfg)
			dir := t.TempDir()
			in := filepath.Join(dir, "fair.xlsx")
			const rows = 2000
			writeWorkbook(t, in, rows, nil)
			config := filepath.Join(dir, "config")
			args := soapArgs(srv, in, "--batch-size", "50", "--concurrency", "4", fmt.Sprintf("--dedup=%v", dedup))

			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), childEnv+"=1", childArgs+"="+strings.Join(args, "\x1f"), childConfig+"="+config,
				EnvEncryptionKey+"="+marketotest.DefaultEncryptionKey)
			var childErr bytes.Buffer
			cmd.Stderr = &childErr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(60 * time.Second)
			for len(srv.Leads()) < rows/4 {
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					t.Fatalf("child made no progress; stderr:\n%s", childErr.String())
				}
				time.Sleep(5 * time.Millisecond)
			}
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
				t.Fatalf("child was not killed (it finished first: %v); stderr:\n%s", err, childErr.String())
			}
			atKill := len(srv.Leads())
			if atKill >= rows {
				t.Fatalf("child sent everything before the kill")
			}

			r := runMain(t, Env{Getenv: keyEnv(marketotest.DefaultEncryptionKey), ConfigDir: config}, append(args, "--resume")...)
			if !strings.Contains(r.stderr, "Resuming: ") || !strings.Contains(r.stderr, " of 2,000 rows already confirmed") {
				t.Errorf("no resume message:\n%s", r.stderr)
			}
			status := readResults(t, r.stdout)
			byEmail := map[string]int{}
			for _, l := range srv.Leads() {
				byEmail[l.Email]++
			}
			unknown := 0
			for i := range rows {
				name := fmt.Sprintf("lead%05d", i)
				n := byEmail[name+"@example.com"]
				if n > 1 {
					t.Errorf("%s created %d times", name, n)
				}
				switch st := status[name]; {
				case st == "Created" || st == "Updated":
					if n != 1 {
						t.Errorf("%s is %s but the store has it %d times", name, st, n)
					}
				case st == "Unknown (check in Marketo)" && !dedup:
					unknown++
				default:
					t.Errorf("%s ended %q", name, st)
				}
			}
			if dedup && (r.code != ExitOK || len(byEmail) != rows) {
				t.Errorf("dedup on: exit %d, store has %d of %d leads\n%s", r.code, len(byEmail), rows, r.stderr)
			}
			if !dedup && unknown > 4*50 {
				t.Errorf("%d rows unknown; at most the 4 batches in flight can be", unknown)
			}
			t.Logf("killed with %d of %d leads stored; %d rows in flight ended unknown", atKill, rows, unknown)
		})
	}
}

func TestSyncREST(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	dir := t.TempDir()
	in := filepath.Join(dir, "fair.xlsx")
	writeWorkbook(t, in, 400, nil)
	env := Env{ConfigDir: dir, Getenv: func(k string) string {
		if k == EnvClientSecret {
			return marketotest.DefaultClientSecret
		}
		return ""
	}}
	r := runMain(t, env, "sync", in, "--api", "rest", "--rest-url", srv.RESTBaseURL(), "--identity-url", srv.IdentityURL(),
		"--client-id", marketotest.DefaultClientID, "--dedup=false")
	if r.code != ExitOK || !strings.Contains(r.stdout, "400 rows: 400 created, 0 updated, 0 failed, 0 invalid, 0 not sent\n") {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	leads := srv.Leads()
	if len(leads) != 400 || leads[0].Fields["FirstName"] == "" || leads[0].Fields["Company"] != "Acme" {
		t.Errorf("store: %d leads, first %+v", len(leads), leads[0])
	}
}

func TestSyncDryRunREST(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	dir := t.TempDir()
	in := filepath.Join(dir, "fair.xlsx")
	writeWorkbook(t, in, 5, nil)
	env := Env{ConfigDir: dir, Getenv: func(k string) string {
		if k == EnvClientSecret {
			return marketotest.DefaultClientSecret
		}
		return ""
	}}
	r := runMain(t, env, "sync", in, "--dry-run", "--api", "rest", "--rest-url", srv.RESTBaseURL(), "--identity-url", srv.IdentityURL(),
		"--client-id", marketotest.DefaultClientID, "--dedup=false")
	all := r.stdout + r.stderr
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, all)
	}
	for _, want := range []string{"REST leads.json request body", `"action": "createDuplicate"`, `"input": [`, `"email": "lead00000@example.com"`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, all)
		}
	}
	for _, leak := range []string{"<ns1:", marketotest.DefaultClientSecret, "dry-run-token", "access_token"} {
		if strings.Contains(all, leak) {
			t.Errorf("dry run output shows %q:\n%s", leak, all)
		}
	}
	if st := srv.Stats(); st.Calls["REST leads.json"] != 0 || st.Calls["REST describe2.json"] != 1 {
		t.Errorf("dry run calls: %v, want the field list only", st.Calls)
	}
}

// TestSyncPlainFileErrors: a file or folder Leadsheet cannot use is
// reported in plain words, without Go's error text.
func TestSyncPlainFileErrors(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	dir := t.TempDir()
	in := filepath.Join(dir, "fair.xlsx")
	writeWorkbook(t, in, 5, nil)
	// A file where the config folder should be: the journal folder
	// beneath it cannot be made.
	notADir := filepath.Join(dir, "config-is-a-file")
	mustNil(t, os.WriteFile(notADir, []byte("x"), 0o600))
	for _, tc := range []struct {
		name   string
		config string
		args   []string
		want   string
	}{
		{"missing file, dry run", dir, []string{"sync", filepath.Join(dir, "nope.xlsx"), "--dry-run"}, "could not read"},
		{"missing file", dir, soapArgs(srv, filepath.Join(dir, "nope.xlsx")), "there is no such file"},
		{"a folder, not a file", dir, soapArgs(srv, dir), dir + " is a folder or a device, not a spreadsheet file."},
		{"journal folder", notADir, soapArgs(srv, in), "in the folder " + filepath.Join(notADir, "journals")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runMain(t, Env{Getenv: keyEnv(marketotest.DefaultEncryptionKey), ConfigDir: tc.config}, tc.args...)
			if r.code != ExitUsage || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", r.code, r.stderr, ExitUsage, tc.want)
			}
			for _, raw := range []string{"(open ", "no such file or directory", "permission denied", "not a directory", "hash input file", "mkdir", "is a directory"} {
				if strings.Contains(r.stderr, raw) {
					t.Errorf("stderr shows Go's error text %q: %q", raw, r.stderr)
				}
			}
		})
	}
	if n := len(srv.Leads()); n != 0 {
		t.Errorf("%d leads were sent", n)
	}
}
