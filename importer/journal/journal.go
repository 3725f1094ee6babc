package journal

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"leadsheet/importer"
	"leadsheet/marketo"
)

// JournalKey is everything that makes two runs the same run: the input's
// bytes, what was read from it, how it was mapped, and where it went. A
// journal holds no secrets, and neither does its key.
type JournalKey struct {
	FileSHA256 string           // hex SHA-256 of the input file's bytes; see [HashFile]
	Sheet      string           // empty for CSV
	HeaderRow  int              // sheet row of the header
	Mapping    importer.Mapping // the column mapping
	API        string           // marketo.ProfileSOAP or marketo.ProfileREST, in any case
	Endpoint   string           // SOAP endpoint or REST base URL
	Dedup      bool
	// Settings spells out the other settings that change what a row sends
	// or how Marketo treats it (sync mode, blank cells, date order, time
	// zone), canonically; empty for the defaults. It is not part of the
	// ID: it is written in the journal, and an unfinished run with other
	// settings is refused ([SettingsChangedError]) rather than left behind
	// for a fresh journal that would send its confirmed rows again.
	Settings string
}

// journalKeyV1 is what [JournalKey.ID] hashes, spelled out field by field
// so that a field added to Mapping or Target later does not change the ID
// of every journal an interrupted run left behind. Change what goes in
// only with a new V (and a new golden ID in the tests).
type journalKeyV1 struct {
	V              int         `json:"v"`
	FileSHA256     string      `json:"file_sha256"`
	Sheet          string      `json:"sheet"`
	HeaderRow      int         `json:"header_row"`
	Columns        [][3]string `json:"columns"` // header, kind word, field
	ForeignSysType string      `json:"foreign_sys_type"`
	API            string      `json:"api"`
	Endpoint       string      `json:"endpoint"`
	Dedup          bool        `json:"dedup"`
}

// ID is the key's fingerprint, used as the journal's file name. The CLI
// and the window spell the API differently ("soap", "SOAP") and may keep a
// trailing slash on the endpoint; neither changes the ID, so a run stopped
// in one resumes in the other.
func (k JournalKey) ID() string {
	sum := sha256.Sum256(k.canonical())
	return hex.EncodeToString(sum[:])
}

// canonical is the encoding of the key that ID hashes.
func (k JournalKey) canonical() []byte {
	n := max(len(k.Mapping.Headers), len(k.Mapping.Columns))
	cols := make([][3]string, n)
	for i := range cols {
		if i < len(k.Mapping.Headers) {
			cols[i][0] = k.Mapping.Headers[i]
		}
		if i < len(k.Mapping.Columns) {
			t := k.Mapping.Columns[i]
			cols[i][1], cols[i][2] = kindWord(t.Kind), t.Field
		}
	}
	return marshalKey(journalKeyV1{
		V: 1, FileSHA256: k.FileSHA256, Sheet: k.Sheet, HeaderRow: k.HeaderRow,
		Columns: cols, ForeignSysType: k.Mapping.ForeignSysType,
		API: canonicalAPI(k.API), Endpoint: strings.TrimRight(strings.TrimSpace(k.Endpoint), "/"), Dedup: k.Dedup,
	})
}

// LegacyID is the ID journals had before keys were versioned: a hash of
// the key as the whole struct marshalled then, with the API spelled as the
// caller spelled it. [OpenJournal] adopts a journal found under it, so an
// upgrade does not orphan an interrupted run.
func (k JournalKey) LegacyID() string {
	// The struct shapes of JournalKey, Mapping and Target when IDs were
	// made this way, frozen: field names and order are the JSON.
	type target struct {
		Kind  int
		Field string
	}
	type mapping struct {
		Headers        []string
		Columns        []target
		ForeignSysType string
	}
	old := struct {
		FileSHA256 string
		Sheet      string
		HeaderRow  int
		Mapping    mapping
		API        string
		Endpoint   string
		Dedup      bool
	}{FileSHA256: k.FileSHA256, Sheet: k.Sheet, HeaderRow: k.HeaderRow, API: k.API, Endpoint: k.Endpoint, Dedup: k.Dedup,
		Mapping: mapping{Headers: k.Mapping.Headers, ForeignSysType: k.Mapping.ForeignSysType}}
	if k.Mapping.Columns != nil {
		old.Mapping.Columns = make([]target, len(k.Mapping.Columns))
		for i, t := range k.Mapping.Columns {
			old.Mapping.Columns[i] = target{Kind: int(t.Kind), Field: t.Field}
		}
	}
	sum := sha256.Sum256(marshalKey(old))
	return hex.EncodeToString(sum[:])
}

func marshalKey(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Strings, ints and bools only; this cannot happen.
		panic(fmt.Sprintf("importer: marshal journal key: %v", err))
	}
	return b
}

// canonicalAPI is the one spelling of an API in a journal key.
func canonicalAPI(api string) string { return strings.ToLower(strings.TrimSpace(api)) }

func (k JournalKey) check() error {
	switch canonicalAPI(k.API) {
	case marketo.ProfileSOAP, marketo.ProfileREST:
		return nil
	}
	return fmt.Errorf("journal key: API %q is neither %q nor %q", k.API, marketo.ProfileSOAP, marketo.ProfileREST)
}

// kindWord names a target kind in a journal key. The words are part of
// every journal's ID: never change one.
func kindWord(k importer.TargetKind) string {
	switch k {
	case importer.Skip:
		return "skip"
	case importer.ToID:
		return "id"
	case importer.ToEmail:
		return "email"
	case importer.ToForeignSysPersonID:
		return "foreign_sys_person_id"
	case importer.ToForeignSysType:
		return "foreign_sys_type"
	case importer.ToAttribute:
		return "attribute"
	}
	return fmt.Sprintf("kind%d", k)
}

// HashFile returns the hex SHA-256 of the file at path.
func HashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("hash input file: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash input file %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Journal is an append-only record of one run, one JSON object a line:
// the run starting, each batch's rows just before they are sent, and each
// batch's answer once Marketo gave it. Answers are fsync'd before the run
// goes on, so after a crash a new run with the same key sends no confirmed
// row again and knows which rows were on the wire.
//
// A Journal is safe for concurrent use.
type Journal struct {
	path     string
	lock     *journalLock // held from open until Close
	settings string       // as the run that started the journal had them
	runID    string       // see [Journal.RunID]

	mu        sync.Mutex
	f         *os.File
	confirmed importer.RowTable
	inFlight  map[int]time.Time // when each row was first sent; zero from journals before v2 of the records
	finished  bool
	bulk      []BulkChunk // every bulk file recorded, in order
}

// journal record kinds
const (
	recStart  = "start"
	recSent   = "sent"    // rows about to be sent
	recDone   = "done"    // Marketo's answer for rows
	recClear  = "clear"   // rows known not to have reached Marketo: free to send again
	recFinish = "finish"  // the run ended with nothing left to resume
	recBulk   = "bulk"    // a bulk import file Marketo accepted, with its batchId
	recList   = "list"    // what became of confirmed rows' leads in the import's static list
	recProg   = "program" // the same for the import's program and member status
)

type record struct {
	Kind     string      `json:"k"`
	Key      string      `json:"key,omitempty"`
	Settings string      `json:"settings,omitempty"` // start: the run's JournalKey.Settings
	At       string      `json:"at,omitempty"`
	Rows     []int       `json:"rows,omitempty"`
	Res      []resultRec `json:"res,omitempty"`
	Bulk     *BulkChunk  `json:"bulk,omitempty"`
	List     string      `json:"list,omitempty"`    // list: the outcome of Rows
	Program  string      `json:"program,omitempty"` // program: the outcome of Rows
}

// resultRec is a RowResult as [row, state, lead id, reason].
type resultRec struct {
	Row    int
	State  importer.RowState
	LeadID int
	Reason string
}

func (r resultRec) MarshalJSON() ([]byte, error) {
	return json.Marshal([]any{r.Row, stateWord(r.State), r.LeadID, r.Reason})
}

func (r *resultRec) UnmarshalJSON(b []byte) error {
	var a []json.RawMessage
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	if len(a) != 4 {
		return fmt.Errorf("result has %d fields, want 4", len(a))
	}
	var word string
	for i, dst := range []any{&r.Row, &word, &r.LeadID, &r.Reason} {
		if err := json.Unmarshal(a[i], dst); err != nil {
			return err
		}
	}
	st, ok := stateOfWord(word)
	if !ok {
		return fmt.Errorf("unknown row state %q", word)
	}
	r.State = st
	return nil
}

func stateWord(s importer.RowState) string {
	switch s {
	case importer.Created:
		return "created"
	case importer.Updated:
		return "updated"
	case importer.Failed:
		return "failed"
	case importer.CreatedOrUpdated:
		return "created-or-updated"
	case importer.LeftAlone:
		return "left-alone"
	case importer.Imported:
		return "imported"
	case importer.ImportedWithWarning:
		return "imported-with-warning"
	case importer.InMarketo:
		return "in-marketo"
	default:
		return fmt.Sprintf("state%d", s)
	}
}

func stateOfWord(w string) (importer.RowState, bool) {
	switch w {
	case "created":
		return importer.Created, true
	case "updated":
		return importer.Updated, true
	case "failed":
		return importer.Failed, true
	case "created-or-updated":
		return importer.CreatedOrUpdated, true
	case "left-alone":
		return importer.LeftAlone, true
	case "imported":
		return importer.Imported, true
	case "imported-with-warning":
		return importer.ImportedWithWarning, true
	case "in-marketo":
		return importer.InMarketo, true
	}
	return 0, false
}

// OpenJournal is [OpenJournalAs] for a holder with no name.
func OpenJournal(dir string, key JournalKey) (*Journal, error) {
	return OpenJournalAs(dir, key, "")
}

// OpenJournalAs opens the journal for key in dir (created if missing),
// reading what an earlier run with the same key left, and locks it until
// [Journal.Close]. While it is locked, another open of it, from this
// process or another, fails at once with a [*JournalBusyError] naming
// holder (a few words, such as "leadsheet sync" or "the Leadsheet
// window"). A journal whose run finished is set aside and a new one
// begins. A last line torn by a crash is dropped. A journal left under the
// key's [JournalKey.LegacyID] is taken over.
func OpenJournalAs(dir string, key JournalKey, holder string) (*Journal, error) {
	if err := key.check(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create journal folder: %w", err)
	}
	id := key.ID()
	// The lock has a file of its own: the journal file is renamed when a
	// finished run is set aside, and a lock must outlive that.
	lock, err := lockJournal(filepath.Join(dir, id+".lock"), holder)
	if err != nil {
		return nil, err
	}
	j, err := openLocked(dir, key, id)
	if err != nil {
		lock.release()
		return nil, err
	}
	j.lock = lock
	return j, nil
}

func openLocked(dir string, key JournalKey, id string) (*Journal, error) {
	path := filepath.Join(dir, id+".journal")
	if err := adoptLegacy(path, filepath.Join(dir, key.LegacyID()+".journal")); err != nil {
		return nil, err
	}
	j := &Journal{path: path, inFlight: make(map[int]time.Time)}
	good, err := j.load()
	if err != nil {
		return nil, err
	}
	if j.finished {
		if err := os.Rename(path, filepath.Join(dir, id+".finished")); err != nil {
			return nil, fmt.Errorf("set aside finished journal: %w", err)
		}
		j.confirmed, j.inFlight, j.finished, j.bulk, good = importer.RowTable{}, make(map[int]time.Time), false, nil, 0
	}
	if good > 0 && j.settings != key.Settings {
		if j.confirmed.Len() > 0 || len(j.inFlight) > 0 {
			return nil, &SettingsChangedError{Was: j.settings, Now: key.Settings}
		}
		good = 0 // nothing was sent: start over with the new settings
	}
	j.settings = key.Settings
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open journal: %w", err)
	}
	// Cut a torn tail so new records start on a line of their own.
	if err := f.Truncate(good); err != nil {
		f.Close()
		return nil, fmt.Errorf("repair journal: %w", err)
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("repair journal: %w", err)
	}
	j.f = f
	if good == 0 {
		if err := j.append(record{Kind: recStart, Key: id, Settings: key.Settings, At: time.Now().UTC().Format(time.RFC3339)}, true); err != nil {
			f.Close()
			return nil, err
		}
	}
	return j, nil
}

// SettingsChangedError: an unfinished run of the same import used other
// settings. Carrying on with new ones would treat rows confirmed under
// the old settings as done; starting afresh would send them again (with
// dedup off, as new leads). The caller says which, or sets the old run
// aside with [StartOver].
type SettingsChangedError struct {
	Was, Now string // JournalKey.Settings of the unfinished run and of this one
}

func (e *SettingsChangedError) Error() string {
	return fmt.Sprintf("an unfinished run of this import used other settings (%q, now %q)", e.Was, e.Now)
}

// StartOver sets aside the unfinished journal of key, if any, so that the
// next open starts a fresh one: the operator's choice after a
// [SettingsChangedError], knowing that rows it confirmed may be sent
// again. The old journal is kept beside, renamed.
func StartOver(dir string, key JournalKey) error {
	if err := key.check(); err != nil {
		return err
	}
	id := key.ID()
	lock, err := lockJournal(filepath.Join(dir, id+".lock"), "")
	if err != nil {
		return err
	}
	defer lock.release()
	for _, old := range []string{id, key.LegacyID()} {
		p := filepath.Join(dir, old+".journal")
		err := os.Rename(p, filepath.Join(dir, fmt.Sprintf("%s.set-aside-%s", old, time.Now().UTC().Format("20060102-150405"))))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("set the unfinished run aside: %w", err)
		}
	}
	// The files a bulk run kept for its resume are of no use to a fresh
	// start, and they hold the operator's data.
	return (&Journal{path: filepath.Join(dir, id+".journal")}).RemoveBulkFiles()
}

// adoptLegacy gives the journal at legacy, if any, the name path, unless a
// journal is at path already.
func adoptLegacy(path, legacy string) error {
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		if err != nil {
			return fmt.Errorf("open journal: %w", err)
		}
		return nil
	}
	if err := os.Rename(legacy, path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("take over journal %s: %w", legacy, err)
	}
	return nil
}

// PeekJournal reports whether dir holds an unfinished journal for key and
// how many rows it holds as created or updated, without creating,
// repairing, locking or setting aside anything: safe while another run
// has the same journal open and is appending to it. A journal left under
// the key's [JournalKey.LegacyID], which the next open takes over, counts.
func PeekJournal(dir string, key JournalKey) (confirmed int, exists bool, err error) {
	if err := key.check(); err != nil {
		return 0, false, err
	}
	j := &Journal{inFlight: make(map[int]time.Time)}
	for _, id := range []string{key.ID(), key.LegacyID()} {
		p := filepath.Join(dir, id+".journal")
		if _, err := os.Stat(p); err == nil {
			j.path = p
			break
		} else if !errors.Is(err, os.ErrNotExist) {
			return 0, false, fmt.Errorf("read journal: %w", err)
		}
	}
	if j.path == "" {
		return 0, false, nil
	}
	if _, err := j.load(); err != nil {
		return 0, false, err
	}
	if j.finished {
		return 0, false, nil
	}
	return j.confirmed.Len(), true, nil
}

// load replays the journal file, if any, and returns the length of its
// intact prefix.
func (j *Journal) load() (int64, error) {
	data, err := os.ReadFile(j.path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read journal: %w", err)
	}
	var good int64
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), len(data)+1)
	line := 0
	for sc.Scan() {
		line++
		raw := sc.Bytes()
		end := good + int64(len(raw)) + 1
		complete := end <= int64(len(data)) && data[end-1] == '\n'
		var rec record
		if err := json.Unmarshal(raw, &rec); err != nil || !complete {
			if end >= int64(len(data)) {
				break // the torn last line of a crash
			}
			return 0, fmt.Errorf("journal %s is damaged at line %d; delete it to start this file over", j.path, line)
		}
		j.replay(rec)
		good = end
	}
	return good, nil
}

func (j *Journal) replay(rec record) {
	switch rec.Kind {
	case recStart:
		j.settings = rec.Settings
		sum := sha256.Sum256([]byte(rec.Key + "@" + rec.At))
		j.runID = hex.EncodeToString(sum[:5])
	case recSent:
		at, _ := time.Parse(time.RFC3339Nano, rec.At)
		for _, r := range rec.Rows {
			if _, ok := j.inFlight[r]; !ok {
				j.inFlight[r] = at
			}
		}
	case recClear:
		for _, r := range rec.Rows {
			delete(j.inFlight, r)
		}
	case recDone:
		for _, r := range rec.Res {
			delete(j.inFlight, r.Row)
			// A row Marketo refused changed nothing there: it is sent
			// again, so a retry after a stop does not skip it.
			// CreatedOrUpdated is confirmed too: Marketo has the lead.
			// LeftAlone is Marketo's final word under the run's mode.
			switch r.State {
			case importer.Created, importer.Updated, importer.CreatedOrUpdated, importer.LeftAlone,
				importer.Imported, importer.ImportedWithWarning, importer.InMarketo:
				// A list outcome comes in a record of its own, after.
				j.confirmed.Set(importer.RowResult{Row: r.Row, State: r.State, LeadID: r.LeadID, Reason: r.Reason})
			default:
				j.confirmed.Delete(r.Row)
			}
		}
	case recList:
		st := importer.ListNotAdded
		switch rec.List {
		case "added":
			st = importer.ListAdded
		case "not-found":
			st = importer.ListNotFound
		case "already":
			st = importer.ListAlready
		case "adding":
			st = importer.ListAdding
		}
		for _, row := range rec.Rows {
			if c, ok := j.confirmed.Get(row); ok {
				c.List = st
				j.confirmed.Set(c)
			}
		}
	case recProg:
		st := programOfWord(rec.Program)
		for _, row := range rec.Rows {
			if c, ok := j.confirmed.Get(row); ok {
				c.Program = st
				j.confirmed.Set(c)
			}
		}
	case recBulk:
		if rec.Bulk != nil {
			j.bulk = append(j.bulk, *rec.Bulk)
		}
	case recFinish:
		j.finished = true
	}
}

// Untargeted is how many rows the journal holds as confirmed, with a lead,
// whose lead is not known to be in the import's static list (list) or at
// its program status (program): with either targeted, the run is not
// finished while any is.
func (j *Journal) Untargeted(list, program bool) int {
	j.mu.Lock()
	defer j.mu.Unlock()
	n := 0
	for r := range j.confirmed.All() {
		if r.LeadID > 0 && r.State != importer.LeftAlone && (list && !r.List.Final() || program && !r.Program.Final()) {
			n++
		}
	}
	return n
}

// Programmed records what became of rows' leads in the import's program.
// Like [Journal.Listed] it is not synced: setting a status again changes
// nothing.
func (j *Journal) Programmed(rows []int, st importer.ProgramState) error {
	return j.append(record{Kind: recProg, Rows: rows, Program: programWord(st)}, false)
}

func programWord(st importer.ProgramState) string {
	switch st {
	case importer.ProgramSet:
		return "set"
	case importer.ProgramAlready:
		return "already"
	case importer.ProgramRefused:
		return "refused"
	case importer.ProgramLaterRow:
		return "later-row"
	}
	return "not-set"
}

func programOfWord(w string) importer.ProgramState {
	switch w {
	case "set":
		return importer.ProgramSet
	case "already":
		return importer.ProgramAlready
	case "refused":
		return importer.ProgramRefused
	case "later-row":
		return importer.ProgramLaterRow
	}
	return importer.ProgramNotSet
}

// RunID names this run of the import, from the journal's start to its
// finish, in the import history: a resume carries on under the same name,
// and the next run of the same file gets a new one. Ten hex digits, short
// enough to type.
func (j *Journal) RunID() string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.runID
}

// Path is where the journal lives.
func (j *Journal) Path() string { return j.path }

// Confirmed is how many rows the journal holds as created or updated in
// Marketo: rows a resume does not send again.
func (j *Journal) Confirmed() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.confirmed.Len()
}

// InFlight is how many rows were sent without an answer being recorded.
func (j *Journal) InFlight() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.inFlight)
}

// ResumeState is a copy of the rows already created or updated and of
// those in flight, with when each was first sent (zero when the journal
// did not say): a lead created since may be the row's.
func (j *Journal) ResumeState() (*importer.RowTable, map[int]time.Time) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.confirmed.Clone(), maps.Clone(j.inFlight)
}

// Sent records rows about to go out. It is written before the call so a
// crash leaves evidence. durable syncs it at once: with dedup off it is
// the only evidence that a batch Marketo applied may have created leads,
// so it must survive a power loss. With dedup on a lost record only means
// an idempotent re-send, and the next fsync (an answer) makes it durable.
func (j *Journal) Sent(rows []int, durable bool) error {
	return j.append(record{Kind: recSent, At: time.Now().UTC().Format(time.RFC3339Nano), Rows: rows}, durable)
}

// Confirm records Marketo's answer for rows and syncs the file.
func (j *Journal) Confirm(rs []importer.RowResult) error {
	res := make([]resultRec, len(rs))
	for i, r := range rs {
		res[i] = resultRec{Row: r.Row, State: r.State, LeadID: r.LeadID, Reason: r.Reason}
	}
	return j.append(record{Kind: recDone, Res: res}, true)
}

// Listed records what became of rows' leads in the import's static list.
// An outcome is not synced: losing it only means adding the leads again,
// which changes nothing in Marketo. ListAdding, written before the leads
// are added, is: without it a resume would find leads this import added
// already members and say they were members before.
func (j *Journal) Listed(rows []int, st importer.ListState) error {
	return j.append(record{Kind: recList, Rows: rows, List: listWord(st)}, st == importer.ListAdding)
}

func listWord(st importer.ListState) string {
	switch st {
	case importer.ListAdded:
		return "added"
	case importer.ListNotFound:
		return "not-found"
	case importer.ListAlready:
		return "already"
	case importer.ListAdding:
		return "adding"
	}
	return "not-added"
}

// Clear records rows known not to have changed anything in Marketo.
func (j *Journal) Clear(rows []int) error {
	return j.append(record{Kind: recClear, Rows: rows}, false)
}

// Finish marks the run complete; the next run with this key starts afresh.
// Call it only when every row of the file has its final result, as [Run]
// does unless told [RunOptions.KeepJournalOpen].
func (j *Journal) Finish() error {
	if err := j.append(record{Kind: recFinish, At: time.Now().UTC().Format(time.RFC3339)}, true); err != nil {
		return err
	}
	return j.RemoveBulkFiles()
}

func (j *Journal) append(rec record, sync bool) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode journal record: %w", err)
	}
	b = append(b, '\n')
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return errors.New("journal is closed")
	}
	if _, err := j.f.Write(b); err != nil {
		return fmt.Errorf("write journal: %w", err)
	}
	if sync {
		if err := j.f.Sync(); err != nil {
			return fmt.Errorf("sync journal: %w", err)
		}
	}
	j.replay(rec)
	return nil
}

// Close closes the journal file and lets the next run open it.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Sync()
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	j.f = nil
	if err != nil {
		err = fmt.Errorf("close journal: %w", err)
	}
	// Only once the last record is on disk may another run open it.
	if lerr := j.lock.release(); err == nil {
		err = lerr
	}
	j.lock = nil
	return err
}

// PeekRunID reads the [Journal.RunID] of the journal file at path without
// locking it.
func PeekRunID(path string) (string, error) {
	j := &Journal{path: path, inFlight: make(map[int]time.Time)}
	if _, err := j.load(); err != nil {
		return "", err
	}
	return j.runID, nil
}
