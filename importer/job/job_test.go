package job

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"leadsheet/importer"
	"leadsheet/importer/journal"
	"leadsheet/marketo"
	"leadsheet/marketo/marketotest"
	"leadsheet/marketo/marketotest/sandboxtest"
)

// writeWorkbook writes n lead rows under a title row, optionally
// encrypted; the emails of the rows listed in bad are broken.
func writeWorkbook(t testing.TB, path string, n int, bad map[int]bool, opts ...excelize.Options) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetRow("Sheet1", "A1", &[]any{"Leads from the fair"}))
	must(f.SetSheetRow("Sheet1", "A2", &[]any{"E-mail", "First Name", "Company"}))
	for i := 0; i < n; i++ {
		email := fmt.Sprintf("lead%05d@example.com", i)
		if bad[i] {
			email = fmt.Sprintf("lead%05d-at-example.com", i)
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+3)
		must(f.SetSheetRow("Sheet1", cell, &[]any{email, fmt.Sprintf("Name%d", i), "Acme"}))
	}
	must(f.SaveAs(path, opts...))
}

func soapClient(t testing.TB, srv *marketotest.Server) marketo.Client {
	t.Helper()
	c, err := marketo.NewSOAPClient(marketo.SOAPCredentials{Endpoint: srv.SOAPEndpoint(), UserID: marketotest.DefaultUserID,
		EncryptionKey: marketotest.DefaultEncryptionKey}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checked opens a fresh workbook of n rows (row 7 of the data invalid) and
// runs pre-flight on it, as both front ends do before sending.
func checked(t *testing.T, n int, opts ...excelize.Options) (*Job, *Report) {
	t.Helper()
	in := filepath.Join(t.TempDir(), "fair.xlsx")
	writeWorkbook(t, in, n, map[int]bool{7: true}, opts...)
	pw := ""
	if len(opts) > 0 {
		pw = opts[0].Password
	}
	ctx := context.Background()
	j, err := Open(ctx, in, Options{Password: pw, Recheck: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	pr, err := Propose(j.Header(), nil, marketo.ProfileSOAP, "")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := j.Check(ctx, Settings{Mapping: pr.Mapping, Origins: pr.Origins, Dedup: true, BatchSize: 50, API: marketo.ProfileSOAP}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return j, rep
}

// TestRereadMatchesPreflight: the send step's second read yields exactly
// the batches pre-flight checked, and stops at the first batch that
// differs.
func TestRereadMatchesPreflight(t *testing.T) {
	j, rep := checked(t, 500)
	if rep.Rows != 500 || rep.Valid != 499 || rep.Batches() != 10 || len(rep.Skipped) != 1 || rep.First == nil || len(rep.First.Leads) != 50 {
		t.Fatalf("report: %d rows, %d valid, %d batches, %d skipped", rep.Rows, rep.Valid, rep.Batches(), len(rep.Skipped))
	}
	var got []int
	if err := j.reread(context.Background(), rep, SendOptions{}, true)(func(b importer.Batch) { got = append(got, b.Rows...) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 499 || got[0] != 3 || got[len(got)-1] != 502 {
		t.Errorf("re-read %d rows (%v ... %v)", len(got), got[:1], got[len(got)-1:])
	}

	var only []int
	if err := j.reread(context.Background(), rep, SendOptions{Only: []int{502, 4, 300}}, true)(func(b importer.Batch) { only = append(only, b.Rows...) }); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(only) != "[4 300 502]" {
		t.Errorf("re-read of three rows sent %v", only)
	}

	rep.digests[3][0] ^= 1
	batches := 0
	err := j.reread(context.Background(), rep, SendOptions{}, true)(func(importer.Batch) { batches++ })
	var je *Error
	if !errors.As(err, &je) || je.Kind != Changed {
		t.Fatalf("err = %v, want the file-changed stop", err)
	}
	if batches != 3 {
		t.Errorf("yielded %d batches before the changed one, want 3", batches)
	}
}

// TestChangedFileStopsSendAndResults: a file saved again after pre-flight
// is neither sent nor given a results copy: the copy would put answers
// beside rows they do not belong to. The window had neither guard (issue
// 12); both front ends now go through these.
func TestChangedFileStopsSendAndResults(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	j, rep := checked(t, 20)
	dirs := Dirs{Root: t.TempDir()}
	out := j.Outputs("", time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	writeWorkbook(t, j.Path(), 21, nil)
	_, err := j.Send(context.Background(), rep, SendOptions{Client: soapClient(t, srv), Dirs: dirs, Account: Account{API: "soap", Endpoint: srv.SOAPEndpoint()}}, func(importer.Event) {})
	var je *Error
	if !errors.As(err, &je) || je.Kind != Changed || !strings.Contains(err.Error(), "changed while Leadsheet was working with it") {
		t.Fatalf("send: err = %v, want the file-changed stop", err)
	}
	if n := len(srv.Leads()); n != 0 {
		t.Errorf("%d leads sent from a changed file", n)
	}
	if _, err := j.WriteResults(context.Background(), out, nil); !errors.As(err, &je) || je.Kind != Changed {
		t.Errorf("results: err = %v, want the file-changed stop", err)
	}
	if _, err := os.Stat(out.Results); err == nil {
		t.Errorf("results written against a changed file: %s", out.Results)
	}
}

// TestResultsOfEncryptedWorkbook: the results of a password-protected
// workbook are written, protected with the same password (the window
// could not: issue 12).
func TestResultsOfEncryptedWorkbook(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	j, rep := checked(t, 12, excelize.Options{Password: "pw"})
	dirs := Dirs{Root: t.TempDir()}
	out := j.Outputs("", time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	if err := j.CheckOutputs(out); err != nil {
		t.Fatal(err)
	}
	run, err := j.Send(context.Background(), rep, SendOptions{Client: soapClient(t, srv), Dirs: dirs, Account: Account{API: "soap", Endpoint: srv.SOAPEndpoint()}}, func(importer.Event) {})
	if err != nil {
		t.Fatal(err)
	}
	files, err := j.WriteResults(context.Background(), out, run.Results)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := excelize.OpenFile(files.Results); err == nil {
		t.Errorf("results of an encrypted workbook open without its password")
	}
	f, err := excelize.OpenFile(files.Results, excelize.Options{Password: "pw"})
	if err != nil {
		t.Fatalf("results do not open with the workbook's password: %v", err)
	}
	defer f.Close()
	if v, _ := f.GetCellValue("Sheet1", "D3"); v != "Created" {
		t.Errorf("first row's status = %q, want Created", v)
	}
}

// TestJournalKeptWhileRowsFailed: a run that ends with rows Marketo refused
// keeps its journal open, so the next run of the file sends only the rows
// not confirmed (issue 11, defect 3); a run that confirms every valid row
// finishes it.
func TestJournalKeptWhileRowsFailed(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	j, rep := checked(t, 30)
	dirs := Dirs{Root: t.TempDir()}
	acct := Account{API: "soap", Endpoint: srv.SOAPEndpoint()}
	// Company sent as an integer field: Marketo refuses every row, while
	// pre-flight, without the field list, could not tell.
	s := rep.Settings()
	s.Mapping.Columns = append([]importer.Target(nil), s.Mapping.Columns...)
	s.Mapping.Columns[2] = importer.Target{Kind: importer.ToAttribute, Field: "NumberOfEmployees"}
	bad, err := j.Check(context.Background(), s, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := j.Send(context.Background(), bad, SendOptions{Client: soapClient(t, srv), Dirs: dirs, Account: acct}, func(importer.Event) {})
	if err != nil || out.Totals.Failed != 29 {
		t.Fatalf("run with refused rows: %v, %+v", err, out.Totals)
	}
	if _, open, _ := journal.PeekJournal(dirs.Journals(), j.journalKey(bad, acct)); !open {
		t.Errorf("journal finished although 29 rows were refused: a rerun would send every row again")
	}
	good, err := j.Send(context.Background(), rep, SendOptions{Client: soapClient(t, srv), Dirs: dirs, Account: acct}, func(importer.Event) {})
	if err != nil || good.Totals.Created != 29 {
		t.Fatalf("clean run: %v, %+v", err, good.Totals)
	}
	if n, open, _ := journal.PeekJournal(dirs.Journals(), j.journalKey(rep, acct)); open {
		t.Errorf("journal still open (%d confirmed) after every row was created", n)
	}
}

func TestConnectAdviceNetwork(t *testing.T) {
	dnsErr := &marketo.TransportError{Op: "describeMObject", Err: &url.Error{Op: "Post", URL: "https://typo.mktoapi.invalid/soap/mktows/2_2",
		Err: &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "typo.mktoapi.invalid", IsNotFound: true}}}}
	dialErr := &marketo.TransportError{Op: "describeMObject", Err: &url.Error{Op: "Post", URL: "http://127.0.0.1:1/soap/mktows/2_2",
		Err: &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, Err: syscall.ECONNREFUSED}}}
	gateway := &marketo.TransportError{Op: "describeMObject", HTTPStatus: http.StatusBadGateway, Err: errors.New("502 Bad Gateway")}
	for _, tc := range []struct {
		name  string
		err   error
		tries int
		want  string
	}{
		{"name not found", dnsErr, 1, "The address typo.mktoapi.invalid could not be found. Check the endpoint for typos"},
		{"nothing listens", dialErr, 1, "Nothing answered at 127.0.0.1:1. Check the address and your network or proxy"},
		{"tried several times", gateway, 3, "did not answer properly 3 times in a row"},
		{"tried once", gateway, 1, "Marketo did not answer properly (HTTP 502)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ConnectAdvice(tc.err, tc.tries)
			if !strings.Contains(got, tc.want) {
				t.Errorf("ConnectAdvice = %q, want %q", got, tc.want)
			}
			for _, raw := range []string{"describeMObject", "dial tcp", "lookup", "connection refused"} {
				if strings.Contains(got, raw) {
					t.Errorf("ConnectAdvice = %q shows %q to the operator", got, raw)
				}
			}
		})
	}
}

func TestChangedWhileSending(t *testing.T) {
	for _, tc := range []struct {
		name  string
		dedup bool
		want  []string
	}{
		{"dedup on", true, []string{"Marketo had already confirmed 7 rows", "sends every row again", "put back the original list.xlsx", "No results file"}},
		{"dedup off", false, []string{"Marketo had already confirmed 7 rows", "as new leads", "duplicates"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ChangedWhileSending("list.xlsx", importer.Totals{Created: 4, Updated: 3, NotSent: 10}, tc.dedup)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("message %q lacks %q", got, w)
				}
			}
			if strings.Contains(got, "will not be sent twice") {
				t.Errorf("message %q promises what a changed file cannot keep", got)
			}
		})
	}
}

// TestCheckFromCacheMatchesFile: a second pre-flight, served from the
// sheet cache, finds exactly what reading the file found, down to every
// batch's digest, and a changed header row is read from the file again.
func TestCheckFromCacheMatchesFile(t *testing.T) {
	j, first := checked(t, 700)
	if j.cache.Load() == nil {
		t.Fatal("a 700-row sheet was not cached")
	}
	again, err := j.Check(context.Background(), first.Settings(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.Rows != first.Rows || again.Valid != first.Valid || fmt.Sprint(again.digests) != fmt.Sprint(first.digests) ||
		fmt.Sprint(again.Skipped) != fmt.Sprint(first.Skipped) || fmt.Sprint(again.Notes) != fmt.Sprint(first.Notes) {
		t.Errorf("cached check differs: %d/%d rows, %d/%d valid, %d/%d batches", again.Rows, first.Rows, again.Valid, first.Valid, again.Batches(), first.Batches())
	}
	if err := j.Select(context.Background(), "", 1); err != nil {
		t.Fatal(err)
	}
	if j.cache.Load() != nil {
		t.Error("the cache survived a change of header row")
	}
	once, err := Open(context.Background(), j.Path(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer once.Close()
	if _, err := once.Check(context.Background(), first.Settings(), nil); err != nil || once.cache.Load() != nil {
		t.Errorf("a one-pass job (leadsheet sync) kept the sheet in memory (err %v)", err)
	}
}

// TestSendFreesCache: a send gives the cached cells back (it reads the
// file itself, and the window's run needs the memory), and the next check
// reads the file again to the same result and caches it anew.
func TestSendFreesCache(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	j, first := checked(t, 40)
	if j.cache.Load() == nil {
		t.Fatal("a 40-row sheet was not cached")
	}
	_, err := j.Send(context.Background(), first, SendOptions{Client: soapClient(t, srv), Dirs: Dirs{Root: t.TempDir()}, Account: Account{API: "soap", Endpoint: srv.SOAPEndpoint()}}, func(importer.Event) {})
	if err != nil {
		t.Fatal(err)
	}
	if j.cache.Load() != nil {
		t.Error("the sheet's cells stayed cached through the send")
	}
	again, err := j.Check(context.Background(), first.Settings(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(again.digests) != fmt.Sprint(first.digests) || again.Valid != first.Valid {
		t.Errorf("check after the send differs: %d/%d valid, %d/%d batches", again.Valid, first.Valid, again.Batches(), first.Batches())
	}
	if j.cache.Load() == nil {
		t.Error("the check after the send did not cache the sheet again")
	}
}

// TestAdoptMovesOldFolderOnce: journals and presets the window kept in its
// old folder move to the shared one; a file already there wins, and the
// old copy is left, so nothing is lost either way.
func TestAdoptMovesOldFolderOnce(t *testing.T) {
	old, shared := t.TempDir(), Dirs{Root: t.TempDir()}
	write := func(path, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(old, "journals", "abc.journal"), "old journal")
	write(filepath.Join(old, "presets", "fair.json"), "old preset")
	write(filepath.Join(shared.Presets(), "fair.json"), "new preset")
	if err := shared.Adopt(old); err != nil {
		t.Fatal(err)
	}
	read := func(path string) string {
		b, _ := os.ReadFile(path)
		return string(b)
	}
	if got := read(filepath.Join(shared.Journals(), "abc.journal")); got != "old journal" {
		t.Errorf("journal not moved: %q", got)
	}
	if _, err := os.Stat(filepath.Join(old, "journals", "abc.journal")); err == nil {
		t.Error("the moved journal is still in the old folder too")
	}
	if got := read(filepath.Join(shared.Presets(), "fair.json")); got != "new preset" {
		t.Errorf("the shared preset was overwritten: %q", got)
	}
	if got := read(filepath.Join(old, "presets", "fair.json")); got != "old preset" {
		t.Errorf("the old preset that could not move was lost: %q", got)
	}
}

// TestReportKeepsItsMapping: a mapping edited after pre-flight (the
// window's choosers write into the mapping they hold) changes neither the
// report nor what its send step will read.
func TestReportKeepsItsMapping(t *testing.T) {
	j, rep := checked(t, 20)
	s := rep.Settings()
	caller := Settings{Mapping: importer.Mapping{Headers: s.Mapping.Headers, Columns: append([]importer.Target(nil), s.Mapping.Columns...)},
		Origins: s.Origins, Dedup: true, BatchSize: 50, API: marketo.ProfileSOAP}
	again, err := j.Check(context.Background(), caller, nil)
	if err != nil {
		t.Fatal(err)
	}
	before := fmt.Sprint(again.Settings().Mapping.Columns)
	caller.Mapping.Columns[1] = importer.Target{Kind: importer.ToAttribute, Field: "Company"}
	if after := fmt.Sprint(again.Settings().Mapping.Columns); after != before {
		t.Errorf("editing the caller's mapping changed the report's: %s -> %s", before, after)
	}
}
