package journal

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"leadsheet/importer"
)

func testKey(dedup bool) JournalKey {
	return JournalKey{FileSHA256: "abc", Sheet: "Leads", HeaderRow: 1, API: "SOAP", Endpoint: "http://127.0.0.1/soap", Dedup: dedup,
		Mapping: importer.Mapping{Headers: []string{"Email"}, Columns: []importer.Target{{Kind: importer.ToEmail}}}}
}

func TestJournalKey(t *testing.T) {
	a := testKey(true)
	if a.ID() != testKey(true).ID() {
		t.Fatal("same key, different IDs")
	}
	for name, change := range map[string]func(*JournalKey){
		"file":   func(k *JournalKey) { k.FileSHA256 = "abd" },
		"sheet":  func(k *JournalKey) { k.Sheet = "Other" },
		"header": func(k *JournalKey) { k.HeaderRow = 2 },
		"mapping": func(k *JournalKey) {
			k.Mapping.Columns[0] = importer.Target{Kind: importer.ToAttribute, Field: "Email"}
		},
		"api":      func(k *JournalKey) { k.API = "REST" },
		"endpoint": func(k *JournalKey) { k.Endpoint = "http://127.0.0.1/other" },
		"dedup":    func(k *JournalKey) { k.Dedup = false },
	} {
		k := testKey(true)
		change(&k)
		if k.ID() == a.ID() {
			t.Errorf("changing the %s keeps the journal ID", name)
		}
	}
}

// TestJournalSettingsChanged: an unfinished run is not taken over, nor
// silently left behind, by a run of the same import with other settings.
func TestJournalSettingsChanged(t *testing.T) {
	dir := t.TempDir()
	withSettings := func(s string) JournalKey { k := testKey(false); k.Settings = s; return k }
	open := func(s string) (*Journal, error) { return OpenJournal(dir, withSettings(s)) }

	j, err := open("mode=create only")
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	// Nothing was sent: new settings simply start over.
	if j, err = open("blanks=clear"); err != nil {
		t.Fatalf("an empty journal with other settings: %v", err)
	}
	if err := j.Sent([]int{2}, false); err != nil {
		t.Fatal(err)
	}
	if err := j.Confirm([]importer.RowResult{{Row: 2, State: importer.Created, LeadID: 7}}); err != nil {
		t.Fatal(err)
	}
	j.Close()

	var sc *SettingsChangedError
	if _, err := open(""); !errors.As(err, &sc) || sc.Was != "blanks=clear" || sc.Now != "" {
		t.Fatalf("other settings over an unfinished run: %v", err)
	}
	if n, open, err := PeekJournal(dir, withSettings("")); err != nil || !open || n != 1 {
		t.Errorf("peek: %d %v %v", n, open, err)
	}
	if j, err = open("blanks=clear"); err != nil || j.Confirmed() != 1 {
		t.Fatalf("the same settings resume: %v", err)
	}
	j.Close()

	if err := StartOver(dir, withSettings("")); err != nil {
		t.Fatal(err)
	}
	if j, err = open(""); err != nil || j.Confirmed() != 0 {
		t.Fatalf("after StartOver: %v", err)
	}
	j.Close()
	kept, _ := filepath.Glob(filepath.Join(dir, "*.set-aside-*"))
	if len(kept) != 1 {
		t.Errorf("the old journal is not kept beside: %v", kept)
	}
}

// TestJournalReplay writes a journal as a crash leaves it (a batch sent but
// not answered, a torn last line) and checks what a reopen makes of it.
func TestJournalReplay(t *testing.T) {
	dir := t.TempDir()
	j, err := OpenJournal(dir, testKey(true))
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(j.Sent([]int{2, 3}, false))
	must(j.Confirm([]importer.RowResult{{Row: 2, State: importer.Created, LeadID: 10}, {Row: 3, State: importer.Failed, Reason: "bad \"value\"\n"}}))
	must(j.Sent([]int{4, 5}, false))
	must(j.Sent([]int{6}, false))
	must(j.Clear([]int{6}))
	must(j.Close())
	// A crash mid-write leaves half a line.
	f, err := os.OpenFile(j.Path(), os.O_APPEND|os.O_WRONLY, 0)
	must(err)
	_, err = f.WriteString(`{"k":"done","res":[[4,"crea`)
	must(err)
	must(f.Close())

	j2, err := OpenJournal(dir, testKey(true))
	must(err)
	confirmed, inFlight := j2.ResumeState()
	// Row 3 Marketo refused: it changed nothing, so it is sent again.
	if got, _ := confirmed.Get(2); confirmed.Len() != 1 || got != (importer.RowResult{Row: 2, State: importer.Created, LeadID: 10}) {
		t.Errorf("confirmed = %+v", confirmed)
	}
	if len(inFlight) != 2 || inFlight[4].IsZero() || inFlight[5].IsZero() {
		t.Errorf("in flight = %v", inFlight)
	}
	// The torn tail is cut, so the next record starts on its own line.
	// Row 5's first answer was lost; the retry found its lead: confirmed,
	// with what is known kept.
	must(j2.Confirm([]importer.RowResult{{Row: 4, State: importer.Updated, LeadID: 11}, {Row: 5, State: importer.CreatedOrUpdated, LeadID: 12}}))
	must(j2.Close())
	j3, err := OpenJournal(dir, testKey(true))
	must(err)
	if j3.Confirmed() != 3 || j3.InFlight() != 0 {
		t.Errorf("after repair: %d confirmed, %d in flight", j3.Confirmed(), j3.InFlight())
	}
	c, _ := j3.ResumeState()
	if r5, _ := c.Get(5); r5.State != importer.CreatedOrUpdated {
		t.Errorf("row 5 read back as %v, want CreatedOrUpdated", r5.State)
	}
	// A finished run is set aside; the next run starts afresh.
	must(j3.Finish())
	must(j3.Close())
	j4, err := OpenJournal(dir, testKey(true))
	must(err)
	defer j4.Close()
	if j4.Confirmed() != 0 {
		t.Errorf("a finished journal was resumed")
	}
	if _, err := os.Stat(filepath.Join(dir, testKey(true).ID()+".finished")); err != nil {
		t.Errorf("finished journal not kept: %v", err)
	}
}

func TestJournalDamaged(t *testing.T) {
	dir := t.TempDir()
	k := testKey(true)
	if err := os.WriteFile(filepath.Join(dir, k.ID()+".journal"), []byte("{\"k\":\"start\"}\nnot json\n{\"k\":\"sent\",\"rows\":[1]}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := OpenJournal(dir, k)
	if err == nil || !strings.Contains(err.Error(), "damaged at line 2") {
		t.Fatalf("err = %v", err)
	}
}

// TestPeekJournal: peeking neither creates a journal nor sets a finished
// one aside.
func TestPeekJournal(t *testing.T) {
	dir := t.TempDir()
	k := testKey(true)
	if _, ok, err := PeekJournal(dir, k); ok || err != nil {
		t.Fatalf("empty dir: ok %v err %v", ok, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("peek created %v", entries)
	}
	j, err := OpenJournal(dir, k)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Confirm([]importer.RowResult{{Row: 2, State: importer.Updated, LeadID: 1}, {Row: 3, State: importer.Failed, Reason: "no"}}); err != nil {
		t.Fatal(err)
	}
	if n, ok, err := PeekJournal(dir, k); n != 1 || !ok || err != nil {
		t.Errorf("open journal: peek = %d, %v, %v; want 1, true", n, ok, err)
	}
	if err := j.Finish(); err != nil {
		t.Fatal(err)
	}
	j.Close()
	if n, ok, err := PeekJournal(dir, k); ok || err != nil {
		t.Errorf("finished journal: peek = %d, %v, %v", n, ok, err)
	}
	if _, err := os.Stat(filepath.Join(dir, k.ID()+".journal")); err != nil {
		t.Errorf("peek moved the finished journal: %v", err)
	}
}

// TestJournalKeyAPISpelling: the CLI says "soap", the window "SOAP"; both
// must find the same journal, or a run stopped in one cannot be resumed in
// the other.
func TestJournalKeyAPISpelling(t *testing.T) {
	for _, pair := range [][2]string{{"SOAP", "soap"}, {"REST", "rest"}, {"Rest", "rest"}} {
		a, b := testKey(true), testKey(true)
		a.API, b.API = pair[0], pair[1]
		if a.ID() != b.ID() {
			t.Errorf("API %q and %q give different journal IDs", pair[0], pair[1])
		}
	}
}

// TestJournalBusySameProcess: a second open of a journal that is open
// fails at once, so two runs of one import cannot resend each other's rows;
// the refusal names the holder. Close lets the next run in.
func TestJournalBusySameProcess(t *testing.T) {
	dir := t.TempDir()
	j, err := OpenJournalAs(dir, testKey(false), "the Leadsheet window")
	if err != nil {
		t.Fatal(err)
	}
	// The same import spelled as the other front end spells it.
	k := testKey(false)
	k.API = "soap"
	j2, err := OpenJournalAs(dir, k, "leadsheet sync")
	if err == nil {
		j2.Close()
		t.Fatal("a second open of an open journal succeeded")
	}
	var busy *JournalBusyError
	if !errors.Is(err, ErrJournalBusy) || !errors.As(err, &busy) {
		t.Fatalf("err = %v, want a JournalBusyError", err)
	}
	if busy.PID != os.Getpid() || busy.Holder != "the Leadsheet window" || busy.Since.IsZero() {
		t.Errorf("busy = %+v, want this process, the window, a start time", busy)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	j3, err := OpenJournal(dir, testKey(false))
	if err != nil {
		t.Fatalf("open after close: %v", err)
	}
	j3.Close()
}

func TestJournalBusyMessage(t *testing.T) {
	since := time.Date(2026, 3, 4, 14, 5, 0, 0, time.Local)
	for _, c := range []struct {
		err  JournalBusyError
		want string
	}{
		{JournalBusyError{PID: 4242, Holder: "leadsheet sync", Since: since},
			"This import is already running in leadsheet sync (process 4242, started 4 Mar 2026 14:05). Let it finish, or stop it there, then try again."},
		{JournalBusyError{PID: 4242},
			"This import is already running in another Leadsheet (process 4242). Let it finish, or stop it there, then try again."},
		{JournalBusyError{},
			"This import is already running in another Leadsheet window or leadsheet sync. Let it finish, or stop it there, then try again."},
	} {
		if got := c.err.Error(); got != c.want {
			t.Errorf("%+v:\n got %s\nwant %s", c.err, got, c.want)
		}
	}
}

// journalChildEnv, when set, makes TestJournalLockChild the child process
// of TestJournalLockAcrossProcesses: it holds the journal in the folder
// named by the variable until it is killed.
const journalChildEnv = "LEADSHEET_JOURNAL_TEST_CHILD_DIR"

// TestJournalLockChild is the child of TestJournalLockAcrossProcesses and
// does nothing in a normal run.
func TestJournalLockChild(t *testing.T) {
	dir := os.Getenv(journalChildEnv)
	if dir == "" {
		return
	}
	j, err := OpenJournalAs(dir, testKey(false), "leadsheet sync")
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("held")
	// Hold the journal until killed; the parent never closes stdin.
	io.Copy(io.Discard, os.Stdin)
	j.Close()
	os.Exit(0)
}

// TestJournalLockAcrossProcesses: while another process has the journal
// open, an open here is refused and names that process, and a peek still
// reads it; once that process dies without closing it, the journal opens
// (the lock file it left behind blocks nothing) and resumes.
func TestJournalLockAcrossProcesses(t *testing.T) {
	dir := t.TempDir()
	k := testKey(false)
	j, err := OpenJournal(dir, k)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Confirm([]importer.RowResult{{Row: 2, State: importer.Created, LeadID: 7}}); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestJournalLockChild$")
	cmd.Env = append(os.Environ(), journalChildEnv+"="+dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := false
	defer func() {
		if !exited {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	sc := bufio.NewScanner(out)
	for sc.Scan() && sc.Text() != "held" {
		if strings.HasPrefix(sc.Text(), "error:") {
			t.Fatalf("child: %s", sc.Text())
		}
	}
	if sc.Text() != "held" {
		t.Fatalf("child ended without taking the journal: %v", sc.Err())
	}

	_, err = OpenJournalAs(dir, k, "the Leadsheet window")
	var busy *JournalBusyError
	if !errors.As(err, &busy) || !errors.Is(err, ErrJournalBusy) {
		t.Fatalf("open while the child holds it: err = %v, want a JournalBusyError", err)
	}
	if busy.PID != cmd.Process.Pid || busy.Holder != "leadsheet sync" {
		t.Errorf("busy = %+v, want process %d, leadsheet sync", busy, cmd.Process.Pid)
	}
	if want := fmt.Sprintf("in leadsheet sync (process %d, started ", cmd.Process.Pid); !strings.Contains(err.Error(), want) {
		t.Errorf("message %q does not say %q", err, want)
	}
	if n, ok, err := PeekJournal(dir, k); n != 1 || !ok || err != nil {
		t.Errorf("peek while the child holds it = %d, %v, %v; want 1, true", n, ok, err)
	}

	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	exited = true
	if note, err := os.ReadFile(filepath.Join(dir, k.ID()+".lock")); err != nil || !strings.Contains(string(note), fmt.Sprint(cmd.Process.Pid)) {
		t.Fatalf("the dead child's lock note = %q, %v; the test needs it left behind", note, err)
	}
	j, err = OpenJournal(dir, k)
	if err != nil {
		t.Fatalf("open after the child died: %v", err)
	}
	defer j.Close()
	if j.Confirmed() != 1 {
		t.Errorf("resumed %d confirmed rows, want 1", j.Confirmed())
	}
}

// TestJournalStaleLockNote: a lock file whose note is stale or unreadable
// blocks nothing; only the OS lock counts.
func TestJournalStaleLockNote(t *testing.T) {
	for name, note := range map[string]string{
		"dead process": `{"pid":999999,"holder":"leadsheet sync","since":"2020-01-01T00:00:00Z"}`,
		"garbage":      "\x00not json",
		"longer":       strings.Repeat(" ", 10000),
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, testKey(true).ID()+".lock"), []byte(note), 0o600); err != nil {
			t.Fatal(err)
		}
		j, err := OpenJournalAs(dir, testKey(true), "leadsheet sync")
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		j.Close()
	}
}

func TestJournalKeyAPIChecked(t *testing.T) {
	for _, api := range []string{"", "ftp", "soap-rest"} {
		k := testKey(true)
		k.API = api
		if j, err := OpenJournal(t.TempDir(), k); err == nil {
			j.Close()
			t.Errorf("API %q: opened", api)
		}
	}
}

// TestJournalKeyGolden pins the IDs of known keys: an ID that changes
// orphans every interrupted run, so a change must be a new key version.
// The legacy IDs are those the unversioned scheme gave these keys.
func TestJournalKeyGolden(t *testing.T) {
	rich := JournalKey{FileSHA256: "f00", HeaderRow: 3, API: "rest", Endpoint: "https://x.mktorest.com", Mapping: importer.Mapping{
		Headers:        []string{"Id", "Mail", "Firma <&>", ""},
		Columns:        []importer.Target{{Kind: importer.ToID}, {Kind: importer.ToEmail}, {Kind: importer.ToAttribute, Field: "company"}, {}},
		ForeignSysType: "SFDC"}}
	empty := rich
	empty.Mapping.Headers, empty.Mapping.Columns = []string{}, []importer.Target{}
	for _, c := range []struct {
		name       string
		key        JournalKey
		id, legacy string
	}{
		{"test key", testKey(true), "418c3e8b8ccc3c20d60774acbd04491a7856aa63caf61711d702f0bc8bcdfcbd", "4a41ed03e8a99100449fafc6218609c57c496b003e755b6ffe242e86e8d346d8"},
		{"rich", rich, "80039042400d57c62d377846e61e392a26220bd18b0850ed2dc9afce79b91637", "74519ceb62f1bb00a3c94b7e77d566492e55997dda31183c3d816da8eebc2111"},
		{"empty mapping", empty, "280c18e0dbfbdf591a0ae4d400a68f3df07b8b0f8b4cb6ba13e38c69703f07ed", "5e1c07f05a0b155331c72207f11fbc87f69d72a8ae0ca220dc983504199c0633"},
		{"zero", JournalKey{}, "b2cc14cbd3b90fcab2eac0f53c43e8e294bebdd723639dcb6fb8b52986c48f50", "042ae043eecd135cbb7240b54153ae03db4237d34560cccaa4883992dd40d85f"},
	} {
		if got := c.key.ID(); got != c.id {
			t.Errorf("%s: ID = %s, want %s", c.name, got, c.id)
		}
		if got := c.key.LegacyID(); got != c.legacy {
			t.Errorf("%s: LegacyID = %s, want %s", c.name, got, c.legacy)
		}
	}
	const canon = `{"v":1,"file_sha256":"abc","sheet":"Leads","header_row":1,"columns":[["Email","email",""]],` +
		`"foreign_sys_type":"","api":"soap","endpoint":"http://127.0.0.1/soap","dedup":true}`
	if got := string(testKey(true).canonical()); got != canon {
		t.Errorf("canonical key:\n got %s\nwant %s", got, canon)
	}
	// A trailing slash on the endpoint is the same account.
	slash := rich
	slash.Endpoint += "/"
	if slash.ID() != rich.ID() {
		t.Error("a trailing slash on the endpoint changes the ID")
	}
}

// TestJournalAdoptsLegacy: a run interrupted before keys were versioned
// is found by a peek and resumed by an open, under the new name; a journal
// under the new name is never overwritten by a legacy one.
func TestJournalAdoptsLegacy(t *testing.T) {
	dir := t.TempDir()
	k := testKey(false)
	legacy := filepath.Join(dir, k.LegacyID()+".journal")
	old := `{"k":"start","key":"` + k.LegacyID() + `","at":"2026-01-05T10:00:00Z"}` + "\n" +
		`{"k":"sent","rows":[2,3,4]}` + "\n" +
		`{"k":"done","res":[[2,"created",10,""],[3,"updated",11,""]]}` + "\n"
	if err := os.WriteFile(legacy, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	if n, ok, err := PeekJournal(dir, k); n != 2 || !ok || err != nil {
		t.Errorf("peek of a legacy journal = %d, %v, %v; want 2, true", n, ok, err)
	}
	j, err := OpenJournal(dir, k)
	if err != nil {
		t.Fatal(err)
	}
	confirmed, inFlight := j.ResumeState()
	j.Close()
	if got, _ := confirmed.Get(3); confirmed.Len() != 2 || got != (importer.RowResult{Row: 3, State: importer.Updated, LeadID: 11}) || len(inFlight) != 1 || !hasRow(inFlight, 4) {
		t.Errorf("resumed confirmed %+v, in flight %v", confirmed, inFlight)
	}
	if _, err := os.Stat(legacy); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("legacy journal still there: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, k.ID()+".journal")); err != nil {
		t.Errorf("journal not under its new name: %v", err)
	}

	// A legacy journal beside a current one is left alone.
	if err := os.WriteFile(legacy, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	j, err = OpenJournal(dir, k)
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	if b, err := os.ReadFile(legacy); err != nil || string(b) != old {
		t.Errorf("legacy journal beside a current one changed: %v", err)
	}
}

func hasRow(m map[int]time.Time, row int) bool {
	_, ok := m[row]
	return ok
}

// TestInFlightKeepsFirstSend: a row sent twice without an answer is in
// flight since the first send (a lead created after it may be the row's),
// and a row cleared and sent again since the second.
func TestInFlightKeepsFirstSend(t *testing.T) {
	dir := t.TempDir()
	j, err := OpenJournal(dir, testKey(false))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for _, step := range []func() error{
		func() error { return j.Sent([]int{2, 3}, true) },
		func() error { time.Sleep(5 * time.Millisecond); return j.Clear([]int{3}) },
		func() error { return j.Sent([]int{2, 3}, true) },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	j, err = OpenJournal(dir, testKey(false))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	_, in := j.ResumeState()
	if len(in) != 2 || in[2].Before(start) || !in[2].Before(in[3]) {
		t.Errorf("in flight since %v, want row 2 since the first send, row 3 since the second", in)
	}
}
