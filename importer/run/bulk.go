package run

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"leadsheet/importer"
	"leadsheet/importer/journal"
	"leadsheet/marketo"
)

// Defaults for [BulkOptions].
const (
	// DefaultBulkPollFirst and DefaultBulkPollMax bound the wait between
	// two status reads of one job: Adobe asks for every 5 to 30 seconds.
	DefaultBulkPollFirst = 5 * time.Second
	DefaultBulkPollMax   = 30 * time.Second
	// bulkQueueWait is the wait before uploading again after Marketo said
	// its import queue is full (1016) or the list is being imported to
	// (1019): other jobs must end first, which takes a while.
	bulkQueueWait = 30 * time.Second
)

// BulkOptions tunes [RunBulk].
type BulkOptions struct {
	// Run holds the budget, tries, journal, skipped rows and row count, as
	// for [RunStream]. Bulk Import only inserts or updates: Dedup must be
	// on, Mode CreateOrUpdate, FillEmpty off.
	Run RunOptions
	// Columns are the REST names of the attribute fields mapped, in the
	// sheet's order: every file has them all, after its key columns.
	Columns []string
	// Run.ListID, when set, is the static list every imported lead is
	// added to: Marketo adds them as it imports, so no call is made;
	// Run.Partition the lead partition new leads go into.
	FileName string // base name of the files uploaded, for Marketo's records
	// MaxFileBytes caps one file; 0 means [marketo.MaxBulkFileBytes].
	MaxFileBytes int
	PollFirst    time.Duration // first status read after an upload; 0 means 5 s
	PollMax      time.Duration // longest wait between status reads; 0 means 30 s
	// LookUp looks the imported rows up once each file's job has ended
	// (a call per 300 rows, when bi is also a [marketo.LeadFinder]) to
	// fill their lead ids and say which leads the import created: a lead
	// created since its file was uploaded makes the row Created, an older
	// one Updated.
	LookUp bool
	// QueueWait is the wait before uploading again when Marketo's import
	// queue is full (1016) or the list busy (1019); 0 means 30 s.
	QueueWait time.Duration
}

func (o BulkOptions) withDefaults() BulkOptions {
	o.Run = o.Run.withDefaults()
	if o.MaxFileBytes <= 0 || o.MaxFileBytes > marketo.MaxBulkFileBytes {
		o.MaxFileBytes = marketo.MaxBulkFileBytes
	}
	if o.PollFirst <= 0 {
		o.PollFirst = DefaultBulkPollFirst
	}
	if o.PollMax <= 0 {
		o.PollMax = DefaultBulkPollMax
	}
	o.PollMax = max(o.PollMax, o.PollFirst)
	if o.QueueWait <= 0 {
		o.QueueWait = bulkQueueWait
	}
	if o.FileName == "" {
		o.FileName = "leadsheet"
	}
	return o
}

// Messages of a bulk run, in the operator's words.
const (
	msgBulkClear        = "Bulk Import cannot empty a field (a blank cell leaves Marketo's value as it is), so this row was not sent. Send it with Sync Leads to empty fields."
	msgBulkNoFSPI       = "This row is keyed on ForeignSysPersonId, but the account names no Marketo field that stands in for it. Choose that field in the account settings, or key the row on Email."
	msgBulkStill        = "Marketo is still importing the file holding this row (batch %d). Run the same import again to collect the outcome; Leadsheet will not upload the file again."
	msgBulkJobFailed    = "Marketo could not import the file holding this row (batch %d): %s. Nothing in it was imported; fix the cause and run again."
	msgBulkRefused      = "Marketo refused the file holding this row: %s. Nothing in it was imported."
	msgBulkAmbiguous    = "Marketo's report lists %d of %d rows with exactly these values as failed (%s), without saying which; Leadsheet cannot tell whether this row was imported. Check it in Marketo."
	msgBulkUnplaced     = "Marketo's report on the file holding this row leaves %d rows unaccounted for (failed rows Leadsheet could not match to the sheet, or rows missing from its counts), so this row may not have been imported. Check it in Marketo."
	msgBulkProgramEmail = "Bulk Import into a program matches people on their email, and this row is keyed on its Marketo Id or ForeignSysPersonId. Send it with Sync Leads, which sets the program status of the lead its key finds."
	msgBulkMaybeSent    = "The run stopped while the file holding this row was being uploaded, and Marketo's answer did not come, so Marketo may be importing it. Sending it again is safe: bulk import updates the same leads."
	msgBulkNoReport     = "Marketo has finished the file holding this row (batch %d), but Leadsheet could not read its report of failed rows (%s). Run the same import again to read it; the file is not uploaded again."
	msgBulkQueueFull    = "Marketo's import queue stayed full (%s), so this row was not uploaded. Run the same import again later."
)

// RunBulk sends the rows src produces with Marketo's Bulk Import API: it
// writes them into CSV files of at most opts.MaxFileBytes, with REST field
// names, one lookup field per file (Marketo Id, the ForeignSysPersonId
// field, or Email); uploads them keeping at most two of its jobs (one
// into a static list) in Marketo's queue; reads each job's status until
// it ends; and joins the failures and warnings files Marketo returns back
// to sheet rows by their content. Every row ends Imported, ImportedWithWarning, Failed, NotSent or
// Unknown (when Marketo's report cannot be matched to it), each exactly once,
// and events report the rows as each job ends.
//
// With a journal, each file is kept beside it and its batchId recorded the
// moment Marketo accepts it: a crash or a stop resumes by reading the
// status of the jobs already queued, never uploading their files again.
// A file whose upload answer was lost is uploaded again: bulk import only
// inserts or updates by the lookup field, so that creates nobody twice.
//
// Calls go through the same budget as [RunStream]: the rate, the calls in
// flight and the daily quota.
func RunBulk(ctx context.Context, bi marketo.BulkImporter, src BatchSource, opts BulkOptions, emit func(importer.Event)) (Outcome, error) {
	opts = opts.withDefaults()
	ro := opts.Run
	switch {
	case !ro.Dedup:
		return Outcome{}, errors.New("bulk import always updates the leads it finds: it needs dedup on")
	case ro.Mode != marketo.CreateOrUpdate:
		return Outcome{}, fmt.Errorf("bulk import cannot %s: it only creates or updates", ro.Mode)
	case ro.FillEmpty:
		return Outcome{}, errors.New("bulk import cannot fill only empty fields")
	case ro.ProgramID != 0 && ro.ListID != 0:
		return Outcome{}, errors.New("bulk import cannot put leads into a list and a program in one go: the program member import takes no list")
	}
	r := &runner{
		opts:   ro,
		budget: newBudget(ro.CallsPerWindow, ro.Window, ro.Concurrency),
		events: newEventQueue(emit),
		stop:   make(chan struct{}),
	}
	b := &bulkRun{runner: r, bi: bi, o: opts, ready: make(chan *bulkFile), pending: map[int]bool{}, created: map[int]bool{}}
	r.start()
	b.resumeKept()
	srcDone := make(chan error, 1)
	go func() {
		srcDone <- src(func(batch importer.Batch) { b.add(ctx, batch) })
		b.flushAll()
		close(b.ready)
	}()
	b.loop(ctx)
	srcErr := <-srcDone
	r.mu.Lock()
	r.totals.Waiting -= r.unseen
	r.unseen = 0
	r.mu.Unlock()
	if ctx.Err() != nil {
		r.halt(StopCancelled, "Sync cancelled. Files Marketo already has go on importing there; run the same import again to collect their outcome — files Marketo acknowledged are not uploaded again.", ctx.Err())
	}
	if srcErr != nil {
		r.halt(StopSource, fmt.Sprintf("%s. Nothing more was sent.", srcErrText(srcErr)), srcErr)
	}
	out := r.finish(ctx)
	return out, r.err(ctx)
}

func srcErrText(err error) string {
	s := err.Error()
	for len(s) > 0 && s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	return s
}

// bulkRun is one bulk import: the files being written, uploaded and
// imported.
type bulkRun struct {
	*runner
	bi marketo.BulkImporter
	o  BulkOptions

	open    [marketo.KeyEmail + 1]*bulkFile // being written, one per key kind
	seq     int                             // number of the last file made
	ready   chan *bulkFile                  // written, waiting for an upload slot
	pending map[int]bool                    // rows in files a stopped run uploaded: not sent again
	created map[int]bool                    // leads the lookup found this run created, so a later row with the same lead updated it
	kept    []*bulkFile                     // those files, polled first
}

// bulkFile is one import file and, once uploaded, its job.
type bulkFile struct {
	seq    int
	key    marketo.KeyKind
	lookup string
	header []string
	col    map[string]int // header name → column
	rows   []int          // sheet row of each line after the header
	buf    bytes.Buffer
	w      *csv.Writer

	batch     int // Marketo's batchId; 0 until uploaded
	polls     int
	fails     int // status reads in a row that failed
	wait      time.Duration
	next      time.Time // when to read its status (or upload it) next
	last      marketo.BulkBatch
	lastAt    time.Time
	tries     int // uploads tried, not counting those turned away for a full queue
	queueHit  int // uploads Marketo turned away for a full queue or a busy list
	limitHits int // status reads and downloads Marketo's rate or concurrency limits turned away
	// maybeSent: an upload try failed after the file may have reached
	// Marketo (its answer lost), so its rows are not "not sent".
	maybeSent  bool
	sentBefore bool // an earlier try may have reached Marketo
	kept       bool // written beside the journal, its rows marked in flight
	done       bool // every row has its final state (or waits for a resume)
	uploaded   time.Time
	members    bool // a program member import (Run.ProgramID), not a lead import
}

// job names f's import job to Marketo.
func (f *bulkFile) job() marketo.BulkJob { return marketo.BulkJob{ID: f.batch, Members: f.members} }

// lookupOf is the file's lookup field for rows keyed on k.
func (b *bulkRun) lookupOf(k marketo.KeyKind) string {
	switch k {
	case marketo.KeyID:
		return "id"
	case marketo.KeyForeignSysPersonID:
		return b.opts.ForeignKeyField
	}
	return "email"
}

// newFile starts a file for rows keyed on k: the lookup field first, then
// the other keys a row may carry (an Id is only ever a lookup: Marketo
// takes it nowhere else), then every mapped attribute.
func (b *bulkRun) newFile(k marketo.KeyKind) *bulkFile {
	b.seq++
	f := &bulkFile{seq: b.seq, key: k, lookup: b.lookupOf(k)}
	seen := map[string]bool{}
	addCol := func(name string) {
		if name != "" && !seen[name] {
			seen[name] = true
			f.header = append(f.header, name)
		}
	}
	addCol(f.lookup)
	addCol("email")
	addCol(b.opts.ForeignKeyField)
	for _, c := range b.o.Columns {
		addCol(c)
	}
	f.col = make(map[string]int, len(f.header))
	for i, h := range f.header {
		f.col[h] = i
	}
	// A file grows to the cap: one allocation instead of doublings that
	// leave up to twice the cap allocated.
	f.buf.Grow(b.o.MaxFileBytes + 64<<10)
	f.w = csv.NewWriter(&f.buf)
	_ = f.w.Write(f.header) // into memory: cannot fail
	f.w.Flush()
	return f
}

// cells is a lead's line in f, or why it cannot be sent in bulk.
func (f *bulkFile) cells(l marketo.Lead, fspiField string) ([]string, string) {
	line := make([]string, len(f.header))
	set := func(name, v string) {
		if i, ok := f.col[name]; ok && line[i] == "" {
			line[i] = v
		}
	}
	if l.ID != 0 {
		set("id", strconv.Itoa(l.ID))
	}
	if l.ForeignSysPersonID != "" {
		switch {
		case fspiField != "":
			set(fspiField, l.ForeignSysPersonID)
		case l.Key() == marketo.KeyForeignSysPersonID:
			return nil, msgBulkNoFSPI
		}
		// Keyed on its Id, with no field for the person id: left out, as
		// Sync Leads by Id leaves it out.
	}
	set("email", l.Email)
	for _, a := range l.Attributes {
		if a.Clear {
			return nil, msgBulkClear
		}
		set(a.Name, a.Value)
	}
	return line, ""
}

// add takes one batch from the source: rows already confirmed or in a file
// Marketo has are final or followed already; the rest go into the open
// file of their key kind, which is handed to the uploader when the next row
// would take it past the size limit.
func (b *bulkRun) add(ctx context.Context, batch importer.Batch) {
	var initial, refused []importer.RowResult
	var keep []int
	var leads []marketo.Lead
	b.mu.Lock()
	for i, row := range batch.Rows {
		if b.pending[row] {
			continue // counted when the kept file was taken up
		}
		if b.unseen > 0 {
			b.unseen--
			b.totals.Waiting--
		}
		if c, ok := b.confirmedRow(row); ok {
			initial = append(initial, c)
			b.resumed++
			continue
		}
		b.res.Set(importer.RowResult{Row: row, State: importer.Waiting})
		b.totals.Waiting++
		keep = append(keep, row)
		leads = append(leads, batch.Leads[i])
	}
	if len(initial) > 0 {
		b.applyLocked(initial)
		b.pushLocked(importer.BatchDone, batch.Seq, "", initial)
	}
	b.mu.Unlock()
	if b.stopped() || ctx.Err() != nil {
		// Nothing more is uploaded: the rest of the sheet is not turned
		// into files only to be thrown away.
		b.final(importer.BatchDone, batch.Seq, uniform(keep, importer.NotSent, b.stopReason()))
		return
	}
	for i, row := range keep {
		l := leads[i]
		k := l.Key()
		if k < marketo.KeyID || k > marketo.KeyEmail {
			refused = append(refused, importer.RowResult{Row: row, State: importer.Failed, Reason: "This row has no Marketo Id, ForeignSysPersonId or Email to match it on."})
			continue
		}
		if b.opts.ProgramID != 0 && k != marketo.KeyEmail {
			refused = append(refused, importer.RowResult{Row: row, State: importer.Failed, Reason: msgBulkProgramEmail})
			continue
		}
		f := b.open[k]
		if f == nil {
			f = b.newFile(k)
			b.open[k] = f
		}
		line, why := f.cells(l, b.opts.ForeignKeyField)
		if why != "" {
			refused = append(refused, importer.RowResult{Row: row, State: importer.Failed, Reason: why})
			continue
		}
		mark := f.buf.Len()
		_ = f.w.Write(line) // into memory: cannot fail
		f.w.Flush()
		if f.buf.Len() > b.o.MaxFileBytes && len(f.rows) > 0 {
			f.buf.Truncate(mark)
			b.hand(f)
			f = b.newFile(k)
			b.open[k] = f
			_ = f.w.Write(line)
			f.w.Flush()
		}
		if f.buf.Len() > b.o.MaxFileBytes {
			// One row larger than a whole file: it cannot go in bulk.
			f.buf.Truncate(mark)
			refused = append(refused, importer.RowResult{Row: row, State: importer.Failed,
				Reason: fmt.Sprintf(msgTooLarge, fmt.Sprintf("more than the %s bytes an import file may hold", commas(b.o.MaxFileBytes)))})
			continue
		}
		f.rows = append(f.rows, row)
	}
	if len(refused) > 0 {
		b.final(importer.BatchDone, batch.Seq, refused)
	}
}

// hand passes a written file to the uploader, waiting while it has one
// already: at most a file per key kind is being written and one waits, so
// memory stays bounded however large the sheet.
func (b *bulkRun) hand(f *bulkFile) {
	if len(f.rows) == 0 {
		return
	}
	b.ready <- f
}

func (b *bulkRun) flushAll() {
	for k, f := range b.open {
		if f != nil {
			b.hand(f)
			b.open[k] = nil
		}
	}
}

func (b *bulkRun) stopReason() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stopCause != NotStopped && b.stopCause != StopCancelled {
		return b.stopMsg
	}
	return msgCancelled
}

// resumeKept takes up the files a stopped run uploaded whose outcome it
// did not record: their rows are followed through the job Marketo already
// has. A file whose kept copy is gone or altered cannot be matched against
// Marketo's report; its rows are sent again instead, which bulk import's
// insert-or-update makes harmless.
func (b *bulkRun) resumeKept() {
	j := b.opts.Journal
	if j == nil {
		return
	}
	b.seq = j.NextBulkSeq() - 1
	var rs []importer.RowResult
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, c := range j.PendingBulk() {
		data, err := os.ReadFile(j.BulkFile(c.Seq))
		sum := sha256.Sum256(data)
		if err != nil || hex.EncodeToString(sum[:]) != c.SHA256 {
			continue
		}
		header, _, err := readBulkCSV(data)
		if err != nil {
			continue
		}
		whole := true
		for _, row := range c.Rows {
			if _, done := b.confirmedRow(row); done || b.pending[row] {
				whole = false
			}
		}
		if !whole {
			continue
		}
		f := &bulkFile{seq: c.Seq, lookup: c.Lookup, header: header, rows: c.Rows, batch: c.Batch, members: c.Members, kept: true, next: time.Now(), wait: b.o.PollFirst}
		f.uploaded, _ = time.Parse(time.RFC3339, c.Created) // zero when unreadable: see lookUpImported
		f.buf.Write(data)
		for _, row := range c.Rows {
			b.pending[row] = true
			rs = append(rs, importer.RowResult{Row: row, State: importer.Sending})
			if b.unseen > 0 {
				b.unseen--
				b.totals.Waiting--
			}
		}
		b.kept = append(b.kept, f)
	}
	if len(rs) > 0 {
		b.applyLocked(rs)
		b.pushLocked(importer.Progress, -1, fmt.Sprintf("Resuming: %s already in Marketo's import queue; reading how far they got", plural(len(b.kept), "file")), rs)
	}
}

func plural(n int, one string) string {
	if n == 1 {
		return "1 " + one
	}
	return commas(n) + " " + one + "s"
}

// loop uploads the written files and reads the status of each job until
// it ends, with at most two files of this run in Marketo's queue (a file
// waiting to be accepted counts), until the source is done and every job
// has ended, or the run stops.
func (b *bulkRun) loop(ctx context.Context) {
	active := slices.Clone(b.kept)
	ready := b.ready
	for {
		if b.stopped() || ctx.Err() != nil {
			b.abandon(ctx, active)
			return
		}
		if ready == nil && len(active) == 0 {
			return
		}
		var due *bulkFile
		for _, f := range active {
			if due == nil || f.next.Before(due.next) {
				due = f
			}
		}
		if due != nil && !due.next.After(time.Now()) {
			if due.batch == 0 {
				b.upload(ctx, due)
			} else {
				b.poll(ctx, due)
			}
			if due.done {
				active = slices.DeleteFunc(active, func(f *bulkFile) bool { return f == due })
			}
			continue
		}
		var timer *time.Timer
		var tick <-chan time.Time
		if due != nil {
			timer = time.NewTimer(time.Until(due.next))
			tick = timer.C
		}
		var take chan *bulkFile
		if len(active) < b.maxActive() {
			take = ready
		}
		select {
		case f, ok := <-take:
			if !ok {
				ready = nil
				break
			}
			f.next = time.Now()
			active = append(active, f)
		case <-tick:
		case <-ctx.Done():
		case <-b.stop:
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// maxActive is how many of the run's files may be in Marketo's queue at
// once: the two it imports at a time, or one when they all go into one
// static list, since Marketo refuses a second import into a list while
// one runs (1019), and asking again would only spend calls.
func (b *bulkRun) maxActive() int {
	if b.opts.ListID != 0 {
		return 1
	}
	return marketo.MaxBulkImporting
}

// abandon ends what a stopped run still holds: rows of jobs Marketo has
// stay in flight in the journal (a resume reads their status), rows not
// uploaded end NotSent, and the source's files still coming are drained.
func (b *bulkRun) abandon(ctx context.Context, active []*bulkFile) {
	reason := b.stopReason()
	if ctx.Err() != nil && !b.stopped() {
		reason = msgCancelled
	}
	for _, f := range active {
		if f.batch == 0 {
			b.notUploaded(f, reason)
			continue
		}
		b.final(importer.BatchDone, -1, uniform(f.rows, importer.NotSent, fmt.Sprintf(msgBulkStill, f.batch)))
	}
	for f := range b.ready {
		b.notUploaded(f, reason)
	}
}

func (b *bulkRun) notUploaded(f *bulkFile, reason string) {
	if j := b.opts.Journal; j != nil && f.kept {
		_ = j.Clear(f.rows) // as for Sync Leads: a failed clear only means a harmless re-send
	}
	if f.maybeSent {
		reason = msgBulkMaybeSent
	}
	b.final(importer.BatchDone, -1, uniform(f.rows, importer.NotSent, reason))
}

// upload sends f and reports whether Marketo queued it. On a passing
// failure f.next says when to try again; when f is given up its rows are
// final and f.done is set.
func (b *bulkRun) upload(ctx context.Context, f *bulkFile) bool {
	if !f.kept {
		if err := b.keep(f); err != nil {
			b.halt(StopJournal, journalTrouble(err), err)
			return false
		}
		f.kept = true
		b.started(&importer.Batch{Seq: -1, Rows: f.rows})
	}
	f.tries++
	if err := b.budget.acquire(ctx); err != nil {
		return false // the loop sees the stop
	}
	cctx, cancel := context.WithTimeout(ctx, b.opts.CallTimeout)
	// Until the answer says otherwise, this try may reach Marketo.
	f.maybeSent = true
	file := marketo.BulkFile{
		Format: "csv", LookupField: f.lookup, ListID: b.opts.ListID, PartitionName: b.opts.Partition,
		Name: fmt.Sprintf("%s-%d.csv", b.o.FileName, f.seq), Data: f.buf.Bytes(),
	}
	if b.opts.ProgramID != 0 {
		// Marketo's program member import: the leads by email, made
		// members with the status; it takes no lookup field, list or
		// partition.
		file = marketo.BulkFile{Format: "csv", ProgramID: b.opts.ProgramID, ProgramStatus: b.opts.ProgramStatus, Name: file.Name, Data: file.Data}
	}
	got, err := b.bi.ImportLeads(cctx, file)
	cancel()
	b.budget.release()
	var refusal *marketo.Error
	if err != nil && !f.sentBefore && (marketo.NotApplied(err) || errors.As(err, &refusal)) {
		// Marketo said no (an error answer), or the call never went out,
		// and no earlier try may have reached it.
		f.maybeSent = false
	}
	if err != nil && f.maybeSent {
		f.sentBefore = true
	}
	if err == nil {
		f.batch, f.uploaded, f.members = got.ID, time.Now(), got.Members
		f.wait = b.o.PollFirst
		f.next = time.Now().Add(f.wait)
		f.last, f.lastAt = got, time.Now()
		if j := b.opts.Journal; j != nil {
			sum := sha256.Sum256(f.buf.Bytes())
			err := j.BulkUploaded(journal.BulkChunk{Seq: f.seq, Batch: got.ID, Members: got.Members, Lookup: f.lookup, Rows: f.rows,
				SHA256: hex.EncodeToString(sum[:]), Created: time.Now().UTC().Format(time.RFC3339)})
			if err != nil {
				b.halt(StopJournal, journalTrouble(err), err)
			}
		}
		b.note(importer.Progress, -1, fmt.Sprintf("File %d (%s, %s) is in Marketo's import queue as batch %d", f.seq, rowSpan(f.rows), plural(len(f.rows), "row"), got.ID))
		return true
	}
	if ctx.Err() != nil {
		return false
	}
	var me *marketo.Error
	queue := errors.As(err, &me) && (me.Code == marketo.CodeTooManyImports || me.Code == marketo.CodeListBusy)
	class := marketo.ClassOf(err)
	switch {
	case queue:
		f.queueHit++
		if f.queueHit > limitFaultFactor*b.opts.MaxAttempts {
			b.giveUp(f, importer.NotSent, fmt.Sprintf(msgBulkQueueFull, describe(err)))
			return false
		}
		f.next = time.Now().Add(b.o.QueueWait)
		b.note(importer.Throttled, -1, fmt.Sprintf("File %d: %s; Leadsheet uploads it again in %s", f.seq, describe(err), b.o.QueueWait))
		f.tries--
		return false
	case b.haltOn(err, msgLoginRefused):
		return false
	case b.limitFault(err, -1):
	case class == marketo.ClassTransient:
	default:
		b.giveUp(f, importer.Failed, fmt.Sprintf(msgBulkRefused, describe(err)))
		return false
	}
	if f.tries >= b.opts.MaxAttempts {
		b.giveUp(f, importer.Failed, fmt.Sprintf("Marketo did not accept the file holding this row after %d tries (last: %s). Send it again later; if an upload did reach Marketo, sending again updates the same leads.", f.tries, describe(err)))
		return false
	}
	wait := b.backoff(f.tries)
	b.note(importer.Retrying, -1, fmt.Sprintf("File %d: %s; trying again in %s (try %d of %d)", f.seq, describe(err), wait.Round(100*time.Millisecond), f.tries+1, b.opts.MaxAttempts))
	f.next = time.Now().Add(wait)
	return false
}

// keep writes f beside the journal and marks its rows in flight, before the
// upload: a crash from now on leaves the evidence a resume needs.
func (b *bulkRun) keep(f *bulkFile) error {
	j := b.opts.Journal
	if j == nil {
		return nil
	}
	if err := writeSynced(j.BulkFile(f.seq), f.buf.Bytes()); err != nil {
		return err
	}
	return j.Sent(f.rows, true)
}

func writeSynced(path string, data []byte) error {
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("keep the import file: %w", err)
	}
	if _, err := fh.Write(data); err != nil {
		fh.Close()
		return fmt.Errorf("keep the import file: %w", err)
	}
	if err := fh.Sync(); err != nil {
		fh.Close()
		return fmt.Errorf("keep the import file: %w", err)
	}
	if err := fh.Close(); err != nil {
		return fmt.Errorf("keep the import file: %w", err)
	}
	return nil
}

// giveUp ends every row of f in st with reason; the rows were not
// imported, so the journal frees them for a later run.
func (b *bulkRun) giveUp(f *bulkFile, st importer.RowState, reason string) {
	if j := b.opts.Journal; j != nil {
		_ = j.Clear(f.rows)
	}
	if f.maybeSent {
		reason += " An earlier upload's answer was lost, so Marketo may have imported the file; sending it again is safe: it updates the same leads."
	}
	f.done = true
	b.final(importer.BatchDone, -1, uniform(f.rows, st, reason))
}

// poll reads f's job status once and, when the job has ended, settles its
// rows.
func (b *bulkRun) poll(ctx context.Context, f *bulkFile) {
	if err := b.budget.acquire(ctx); err != nil {
		return
	}
	cctx, cancel := context.WithTimeout(ctx, b.opts.CallTimeout)
	got, err := b.bi.BulkBatch(cctx, f.job())
	cancel()
	b.budget.release()
	f.polls++
	if err != nil {
		if ctx.Err() == nil {
			b.pollFailed(f, err)
		}
		return
	}
	f.fails = 0
	if got.Ended() {
		b.settle(ctx, f, got)
		return
	}
	f.wait = b.nextWait(f, got)
	f.last, f.lastAt = got, time.Now()
	f.next = time.Now().Add(f.wait)
	msg := fmt.Sprintf("File %d (%s): waiting in Marketo's import queue", f.seq, plural(len(f.rows), "row"))
	if got.Status == marketo.BulkImporting {
		msg = fmt.Sprintf("File %d: Marketo has imported %s of %s rows", f.seq, commas(got.Processed+got.Failed), commas(len(f.rows)))
	}
	b.note(importer.Progress, -1, msg)
}

// nextWait is how long to let f's job run before reading its status
// again: the time its progress so far says is left, within Adobe's 5 to 30
// seconds, so a long import costs a read every half minute and a short one
// is collected soon after it ends.
func (b *bulkRun) nextWait(f *bulkFile, got marketo.BulkBatch) time.Duration {
	done, before := got.Processed+got.Failed, f.last.Processed+f.last.Failed
	elapsed := time.Since(f.lastAt)
	if got.Status != marketo.BulkImporting || done <= before || elapsed <= 0 {
		return min(f.wait*2, b.o.PollMax)
	}
	left := time.Duration(float64(elapsed) * float64(len(f.rows)-done) / float64(done-before))
	return min(max(left, b.o.PollFirst), b.o.PollMax)
}

func (b *bulkRun) pollFailed(f *bulkFile, err error) {
	var me *marketo.Error
	switch {
	case b.haltOn(err, msgLoginRefusedBulk):
		return
	case b.limitFault(err, -1):
		// Marketo's limits change nothing and the budget adapts to them:
		// a larger allowance, as for uploads.
		if f.limitHits++; f.limitHits <= limitFaultFactor*b.opts.MaxAttempts {
			f.next = time.Now().Add(b.backoff(min(f.limitHits, b.opts.MaxAttempts)))
			return
		}
	case errors.As(err, &me) && me.Code == marketo.CodeBatchNotFound:
		// Marketo forgot the job (a batchId lives a week): what it did
		// cannot be read, and uploading the file again is harmless.
		b.note(importer.Retrying, -1, fmt.Sprintf("File %d: Marketo no longer knows its import job %d (%s); Leadsheet uploads the file again", f.seq, f.batch, describe(err)))
		f.batch, f.tries, f.kept, f.next = 0, 0, false, time.Now()
		return
	}
	f.fails++
	if f.fails >= b.opts.MaxAttempts {
		f.done = true
		b.final(importer.BatchDone, -1, uniform(f.rows, importer.NotSent, fmt.Sprintf(msgBulkStill, f.batch)+" (Leadsheet could not read its status: "+describe(err)+")"))
		return
	}
	f.next = time.Now().Add(b.backoff(f.fails))
}

// settle ends f's rows from its ended job: Marketo's failures and warnings
// files are matched to the file's lines by content.
func (b *bulkRun) settle(ctx context.Context, f *bulkFile, got marketo.BulkBatch) {
	if got.Status == marketo.BulkFailed {
		b.confirm(f, uniform(f.rows, importer.Failed, fmt.Sprintf(msgBulkJobFailed, f.batch, got.Message)))
		return
	}
	var failures, warnings []byte
	for _, want := range []struct {
		n    int
		kind marketo.BulkRows
		into *[]byte
	}{{got.Failed, marketo.BulkFailures, &failures}, {got.Warnings, marketo.BulkWarnings, &warnings}} {
		if want.n == 0 {
			continue
		}
		data, err := b.fetchReport(ctx, f, want.kind, want.n)
		switch {
		case err == nil:
			*want.into = data
		case ctx.Err() != nil || b.stopped():
			return // the loop abandons it: a resume reads the report
		case want.kind == marketo.BulkWarnings:
			// The rows were imported all the same; only which of them
			// carry a warning is not known.
			b.note(importer.Progress, -1, fmt.Sprintf("File %d: Leadsheet could not read Marketo's report of warnings (%s); %s were imported with a warning, not said which", f.seq, describe(err), plural(want.n, "row")))
		default:
			f.done = true
			b.final(importer.BatchDone, -1, uniform(f.rows, importer.NotSent, fmt.Sprintf(msgBulkNoReport, f.batch, describe(err))))
			return
		}
	}
	rs, note := joinBulkResults(f, got, failures, warnings)
	if note != "" {
		b.note(importer.Progress, -1, fmt.Sprintf("File %d: %s", f.seq, note))
	}
	if b.o.LookUp {
		b.lookUpImported(ctx, f, rs)
	}
	var listed []int
	programmed := map[importer.ProgramState][]int{}
	for i := range rs {
		took := rs[i].State == importer.Imported || rs[i].State == importer.ImportedWithWarning || listable(rs[i].State)
		if b.opts.ListID != 0 && took {
			rs[i].List = importer.ListAdded // Marketo puts each lead it imports into the file's list
			listed = append(listed, rs[i].Row)
		}
		if f.members && took {
			// Each lead the member import takes becomes a member with the
			// status, unless it is there already: Marketo moves statuses
			// forward only and, in the sandbox's guess, warns.
			st := importer.ProgramSet
			if rs[i].State == importer.ImportedWithWarning && strings.Contains(rs[i].Reason, "already in or past") {
				st = importer.ProgramAlready
			}
			rs[i].Program = st
			programmed[st] = append(programmed[st], rs[i].Row)
		}
	}
	b.confirm(f, rs)
	if j := b.opts.Journal; j != nil {
		if len(listed) > 0 {
			_ = j.Listed(listed, importer.ListAdded)
		}
		for st, rows := range programmed {
			_ = j.Programmed(rows, st)
		}
	}
	failed := 0
	for _, r := range rs {
		if r.State == importer.Failed || r.State == importer.Unknown {
			failed++
		}
	}
	b.note(importer.Progress, -1, fmt.Sprintf("File %d is done: %s of %s imported, %s failed or to check", f.seq,
		commas(len(rs)-failed), commas(len(rs)), commas(failed)))
}

// fetchReport downloads a report of f's job that should list n rows,
// downloading it again while it is not whole (cut off, or listing another
// number of rows): a second download usually is, and a report matched
// while cut off could place a failure on the wrong row. After the tries it
// returns the last one, which the join then distrusts.
func (b *bulkRun) fetchReport(ctx context.Context, f *bulkFile, which marketo.BulkRows, n int) ([]byte, error) {
	var data []byte
	var err error
	for try := 1; try <= b.opts.MaxAttempts; try++ {
		data, err = b.fetchRows(ctx, f, which)
		if err != nil || reportWhole(data, n) {
			return data, err
		}
		if !b.sleep(ctx, b.backoff(try)) {
			return nil, ctx.Err()
		}
	}
	return data, nil
}

// reportWhole reports whether data reads as a whole report of n rows.
func reportWhole(data []byte, n int) bool {
	if len(data) == 0 || data[len(data)-1] != '\n' {
		return false
	}
	header, lines, err := readBulkCSV(data)
	if err != nil || len(lines) != n {
		return false
	}
	for _, l := range lines {
		if len(l) != len(header) {
			return false
		}
	}
	return true
}

// fetchRows downloads a report of f's job, retrying passing failures.
func (b *bulkRun) fetchRows(ctx context.Context, f *bulkFile, which marketo.BulkRows) ([]byte, error) {
	var last error
	for try := 1; try <= b.opts.MaxAttempts; try++ {
		if err := b.budget.acquire(ctx); err != nil {
			return nil, err
		}
		cctx, cancel := context.WithTimeout(ctx, b.opts.CallTimeout)
		data, err := b.bi.BulkRows(cctx, f.job(), which)
		cancel()
		b.budget.release()
		if err == nil {
			return data, nil
		}
		last = err
		switch {
		case b.haltOn(err, msgLoginRefusedBulk):
			return nil, err
		case b.limitFault(err, -1):
			if f.limitHits++; f.limitHits <= limitFaultFactor*b.opts.MaxAttempts {
				try-- // a limit fault spends no try
			}
			if !b.sleep(ctx, b.backoff(max(try, 1))) {
				return nil, ctx.Err()
			}
		case marketo.ClassOf(err) == marketo.ClassTransient:
			if !b.sleep(ctx, b.backoff(try)) {
				return nil, ctx.Err()
			}
		default:
			return nil, err
		}
	}
	return nil, last
}

// confirm records f's final rows in the journal and reports them.
func (b *bulkRun) confirm(f *bulkFile, rs []importer.RowResult) {
	f.done = true
	if j := b.opts.Journal; j != nil {
		if err := j.Confirm(rs); err != nil {
			b.halt(StopJournal, journalTrouble(err), err)
		} else {
			_ = os.Remove(j.BulkFile(f.seq)) // its outcome is recorded; a leftover goes with the journal
		}
	}
	b.final(importer.BatchDone, -1, rs)
}

// lookUpImported fills in the lead id of each row of f imported as the
// only row with its key, where Marketo has exactly one lead with that key,
// and for rows imported without a warning says whether the import created
// the lead (created since the file was uploaded, allowing for clock skew)
// or updated it. Rows it cannot look up (a key with a comma, a lookup
// Marketo refuses) stay Imported: nothing is guessed.
func (b *bulkRun) lookUpImported(ctx context.Context, f *bulkFile, rs []importer.RowResult) {
	finder, ok := b.bi.(marketo.LeadFinder)
	if !ok {
		return
	}
	_, lines, err := readBulkCSV(f.buf.Bytes())
	if err != nil || len(lines) != len(rs) {
		return
	}
	rowsOf := map[string][]int{} // key, lower-cased → indexes in rs
	var values []string
	for i, r := range rs {
		if r.State != importer.Imported && r.State != importer.ImportedWithWarning {
			continue
		}
		v := strings.TrimSpace(lines[i][0]) // the lookup field is the file's first column
		if v == "" || strings.Contains(v, ",") {
			continue
		}
		k := strings.ToLower(v)
		if rowsOf[k] == nil {
			values = append(values, v)
		}
		rowsOf[k] = append(rowsOf[k], i)
	}
	var extra []string
	if f.lookup != "email" && f.lookup != "id" {
		extra = []string{f.lookup}
	}
	keyOf := func(l marketo.FoundLead) string {
		switch f.lookup {
		case "email":
			return strings.ToLower(l.Email)
		case "id":
			return strconv.Itoa(l.ID)
		}
		return strings.ToLower(l.Fields[f.lookup])
	}
	for chunk := range slices.Chunk(values, marketo.MaxFindValues) {
		found, err := b.find(ctx, finder, f.lookup, chunk, extra)
		if err != nil {
			b.note(importer.Progress, -1, fmt.Sprintf("File %d: Leadsheet could not look the imported rows up (%s); they stay Imported, without lead ids", f.seq, describe(err)))
			return
		}
		leads := map[string][]marketo.FoundLead{}
		for _, l := range found {
			leads[keyOf(l)] = append(leads[keyOf(l)], l)
		}
		for _, v := range chunk {
			k := strings.ToLower(v)
			ls, is := leads[k], rowsOf[k]
			if len(ls) != 1 || len(is) != 1 {
				continue // several rows or several leads: which is whose is not known
			}
			i := is[0]
			rs[i].LeadID = ls[0].ID
			switch {
			case rs[i].State != importer.Imported:
			case f.lookup == "id":
				rs[i].State = importer.Updated // an Id names a lead that was there: bulk by id only updates
			case f.uploaded.IsZero():
				// A journal record without the upload time: the lead is
				// known, not who made it.
			case ls[0].CreatedAt.Before(f.uploaded.Add(-clockSkew)) || b.created[ls[0].ID]:
				// An older lead, or one an earlier file of this run made
				// (the same person on two rows): this row updated it.
				rs[i].State = importer.Updated
			default:
				rs[i].State = importer.Created
				b.created[ls[0].ID] = true
			}
		}
	}
}
