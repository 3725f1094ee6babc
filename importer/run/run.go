package run

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"leadsheet/importer"
	"leadsheet/importer/history"
	"leadsheet/importer/journal"
	"leadsheet/marketo"
)

// Defaults for [RunOptions]. Concurrency and calls per window default to
// Adobe's fair share for one integration (half of Marketo's 10 calls at
// once and 100 per 20 s), so the instance's CRM sync and other
// integrations keep the rest.
const (
	DefaultConcurrency    = marketo.FairConcurrency
	DefaultCallsPerWindow = marketo.FairCallsPer20s
	DefaultWindow         = 20 * time.Second
	DefaultMaxAttempts    = 8
	DefaultBackoffBase    = 500 * time.Millisecond
	DefaultBackoffCap     = 30 * time.Second
	DefaultCallTimeout    = 2 * time.Minute
)

// limitFaultFactor times MaxAttempts is how many rate or concurrency
// faults one batch may meet before it is given up.
const limitFaultFactor = 5

// RunOptions tunes a [Run]. The zero value means Marketo's defaults.
type RunOptions struct {
	Dedup bool // update leads that match; false creates every row anew
	// Mode restricts which leads a run with dedup on may touch. Modes
	// other than CreateOrUpdate need dedup on and a [marketo.ModeSyncer];
	// rows a mode leaves alone end as LeftAlone.
	Mode marketo.SyncMode

	Concurrency    int           // calls in flight, 1..10; 0 means 5
	CallsPerWindow int           // calls allowed per Window; 0 means 50
	Window         time.Duration // 0 means 20 s
	MaxAttempts    int           // tries per batch; 0 means 8
	BackoffBase    time.Duration // first retry waits up to this; 0 means 500 ms
	BackoffCap     time.Duration // no retry waits longer; 0 means 30 s
	CallTimeout    time.Duration // one call's limit; 0 means 2 min
	// FillEmpty sends a field only to leads whose value for it is empty
	// in Marketo: each batch's leads are looked up first (one more call
	// per batch, within the budget) and the values Marketo already has are
	// left out. It needs a [marketo.LeadFinder]; with dedup off every row
	// is a new lead, so nothing is looked up.
	FillEmpty bool
	// ForeignKeyField is the REST field standing in for
	// ForeignSysPersonId, for lookups of rows keyed on it.
	ForeignKeyField string
	// Fields are the instance's fields, so that a lookup matches a key
	// as Marketo does: by value in a number field ("007" is 7).
	Fields []marketo.Field
	// Settle is how long after a call whose answer was lost (dedup off)
	// Leadsheet waits before looking its leads up; 0 means [DefaultSettle].
	Settle time.Duration

	// ListID, when set, is a static list every confirmed row's lead is
	// added to, right after its batch, within the same budget (REST: the
	// Syncer must be a [marketo.ListAdder]). A resume adds the leads of
	// rows the journal holds as confirmed but not yet listed.
	ListID int
	// ProgramID and ProgramStatus, when set, make every confirmed row's
	// lead a member of the program with that status (Change Program Member
	// Status, after the list step; a [marketo.ProgramStatusSetter]).
	// Marketo moves a member's status forward only: a lead already at or
	// past it ends ProgramAlready.
	ProgramID     int
	ProgramStatus string
	// ListOnly looks each batch's keys up instead of syncing them (a
	// [marketo.LeadFinder]): the leads Marketo has end InMarketo and go
	// through the list and program steps; rows nobody matches end
	// LeftAlone. Nothing is created or changed.
	ListOnly bool
	// Partition is the lead partition new leads go into (a
	// [marketo.PartitionSyncer]); "" for the API user's default.
	Partition string

	// Rollback, when set, keeps what an undo of the run needs: before each
	// batch its leads are looked up (one more call, within the budget;
	// dedup on) and the values of the fields it writes are recorded, then
	// the leads it created or updated, a read of them as the batch left
	// them (one more call), and the list memberships and program statuses
	// it set. It needs a [marketo.LeadFinder].
	Rollback *history.Recorder

	// Journal, when set, records the run so a crash or quit resumes without
	// sending a confirmed row twice. Rows it holds as created or updated
	// are not sent; rows Marketo refused are sent again.
	Journal *journal.Journal

	// KeepJournalOpen leaves the journal unfinished even when the run
	// ended with every row it was given answered. A caller running part
	// of a file (a first batch, a retry of some rows) sets it: a finished
	// journal is set aside, so the next part would start afresh and send
	// confirmed rows again. The caller then calls [Journal.Finish] itself
	// once every row of the file is final.
	KeepJournalOpen bool

	// Skipped are the rows pre-flight validation found invalid: they are
	// never sent and end as Skipped with their Reason. See [SkippedRows].
	Skipped []importer.RowResult

	// ResultsFromEvents leaves Outcome.Results empty: the caller keeps
	// every row's state from the events as they come (a live table), so a
	// second copy of a million rows' states is not built at the end.
	ResultsFromEvents bool

	// Rows is how many data rows the run covers, Skipped included. With
	// [RunStream] it lets the Waiting count include rows not yet produced;
	// 0 means count only rows produced so far. [Run] fills it in itself.
	Rows int
}

func (o RunOptions) withDefaults() RunOptions {
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	o.Concurrency = min(o.Concurrency, marketo.MaxConcurrency)
	if o.CallsPerWindow <= 0 {
		o.CallsPerWindow = DefaultCallsPerWindow
	}
	if o.Window <= 0 {
		o.Window = DefaultWindow
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.BackoffBase <= 0 {
		o.BackoffBase = DefaultBackoffBase
	}
	if o.BackoffCap <= 0 {
		o.BackoffCap = DefaultBackoffCap
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = DefaultCallTimeout
	}
	if o.Settle <= 0 {
		o.Settle = DefaultSettle
	}
	return o
}

// StopCause says why a run ended before every batch was answered.
type StopCause int

// Why a run stopped early.
const (
	NotStopped StopCause = iota
	StopCancelled
	StopQuota
	StopAuth
	StopJournal // the journal could not be written: sending on could send rows twice later
	StopSource  // the batch source failed (the sheet could not be read again, or changed)
)

// StopError is the error [Run] returns when it stopped early for a reason
// other than cancellation. Message is what to tell the operator.
type StopError struct {
	Cause   StopCause
	Message string
	Err     error
}

func (e *StopError) Error() string { return e.Message }
func (e *StopError) Unwrap() error { return e.Err }

// Outcome is the end of a run: one final result per row, by sheet row.
type Outcome struct {
	Totals  importer.Totals
	Results []importer.RowResult // sorted by Row; every row of the run exactly once (none with RunOptions.ResultsFromEvents)
	Stopped StopCause
	Message string // why the run stopped, in plain words; empty when it did not
	Resumed int    // rows restored from the journal as already confirmed
}

// Messages for rows that were not sent, in the operator's words.
const (
	msgLoginRefused         = "Marketo refused Leadsheet's login (%s). Nothing more was sent; check the account's credentials and run again — rows already confirmed will not be sent twice."
	msgLoginRefusedBulk     = "Marketo refused Leadsheet's login (%s). Run the same import again once the account works: Leadsheet then reads how far Marketo got."
	msgQuota                = "Marketo's daily API quota is used up. Nothing more was sent; run again tomorrow — rows already confirmed will not be sent twice."
	msgCancelled            = "cancelled: the sync was stopped before this row was sent"
	msgAbandoned            = "The sync was stopped while this row was being sent; sending it again is safe: it updates the same lead."
	msgInFlightUnknown      = "This row was being sent when Leadsheet stopped; check in Marketo whether the lead exists before sending it again"
	msgAnswerLost           = "Marketo's answer for this row was lost (%s) and duplicates are allowed, so Leadsheet did not send it again; check in Marketo whether the lead exists before sending it again"
	msgMaybeCreated         = "Marketo has this lead. Marketo's answer to the first try was lost, and the retry found the lead already there, so Leadsheet may have created it on the first try, or it existed before."
	msgTooLarge             = "This row alone is too large for one Marketo call (%s). Shorten its longest values and send it again."
	msgFillLookup           = "Leadsheet could not look these rows up in Marketo to see which fields are empty (%s), so it sent nothing for them. Send them again later."
	msgFillComma            = "The person id holds a comma, which Marketo's lookup cannot search for, so Leadsheet cannot tell which of its fields are empty and sent nothing. Import this row without \"only fill empty fields\", or fix the id."
	msgMaybeCreatedOnly     = "Marketo has this lead. Marketo's answer to the first try was lost, and the retry found the lead already there, so Leadsheet may have created it on the first try, or it was in Marketo before and was left alone (create only)."
	msgLeftAloneExists      = "Already in Marketo, so this import (create only) left the lead as it was."
	msgLeftAloneMissing     = "Not in Marketo, so this import (update only) created nobody for this row."
	msgPriorLookup          = "Leadsheet could not read what Marketo holds for these people (%s), which it keeps before changing anything so the import can be undone, so it sent nothing for them. Send them again later."
	msgAfterLookup          = "Leadsheet could not read these leads back after sending them (%s). They are in Marketo; an undo of this import will ask before it touches them, since it cannot tell whether they were changed after."
	msgUndoGone             = "This lead is no longer in Marketo, so there is nothing to take back."
	msgUndoUnknown          = "Leadsheet cannot tell whether this import created this lead or found it (the import sent it with dedup off, or its answer was lost), so the undo leaves it alone. Check it in Marketo."
	msgUndoNoAfter          = "Leadsheet could not read this lead back after the import, so it cannot tell whether someone changed it since; the undo leaves it alone unless you choose to undo changed leads too."
	msgUndoChanged          = "Changed in Marketo after the import (last updated %s), so the undo leaves it alone unless you choose to undo changed leads too."
	msgUndoChangedField     = "A field the import wrote was changed in Marketo after the import, so the undo leaves it alone unless you choose to undo changed leads too."
	msgUndoOlder            = "Marketo created this lead (%s) before the import looked for this row's person and found nobody, so it is not the import's to delete; the undo leaves it alone."
	msgUndoMaybeChanged     = "Marketo's answer for this row was lost and never settled, and the lead differs now from what it held before the import: the import may have changed it, or someone else did. The undo leaves it alone unless you choose to undo changed leads too."
	msgUndoMaybeCreated     = "Marketo's answer for this row was lost and never settled, and a lead with its key was created while the import ran (%s): most likely the import's. The undo leaves it alone unless you choose to undo changed leads too, which deletes it."
	msgUndoMaybeBlind       = "Marketo's answer for this row was lost and Leadsheet cannot look its person up (no key it can search), so it cannot tell what the import did; check this row's person in Marketo."
	msgUndoRefusedByMarketo = "Marketo refused to take this back: %s"
	msgUndoNotMember        = "It was not in the list any more."
	msgUndoNoREST           = "Undo needs a REST account: it reads leads back and deletes them through Marketo's REST API."
	msgRollbackTrouble      = "Leadsheet could not write down what this import changed, which an undo needs, so it stopped sending (%s). Check that the disk is not full, then run again: rows already confirmed will not be sent twice."
)

// Run sends batches to Marketo within its limits and reports every row's
// fate through emit as it happens. It is [RunStream] over a slice; opts.Rows
// is set from the batches and opts.Skipped when it is 0.
func Run(ctx context.Context, s marketo.Syncer, batches []importer.Batch, opts RunOptions, emit func(importer.Event)) (Outcome, error) {
	if opts.Rows == 0 {
		opts.Rows = len(opts.Skipped)
		for _, b := range batches {
			opts.Rows += len(b.Rows)
		}
	}
	return RunStream(ctx, s, func(yield func(importer.Batch)) error {
		for _, b := range batches {
			yield(b)
		}
		return nil
	}, opts, emit)
}

// A BatchSource produces a run's batches in order, handing each to yield,
// and returns when it has no more or cannot go on. yield blocks while every
// sender is busy, so a source reading a sheet reads only a few batches
// ahead of what has been sent. Once the run has stopped (quota, login,
// journal) or its ctx is done, yield ends each batch NotSent at once
// without sending it, so a source that goes on to the end gives every row
// its final state cheaply. Rows a source never yields are not part of the
// run's Outcome.
type BatchSource func(yield func(importer.Batch)) error

// RunStream sends the batches src produces to Marketo within its limits and
// reports every row's fate through emit as it happens.
//
// Batches go out concurrently (opts.Concurrency) within a shared rate budget
// (opts.CallsPerWindow per opts.Window). Passing failures (timeouts, 5xx,
// dropped connections, garbled answers, expired signatures, Marketo's rate
// and concurrency limits) are retried with exponential backoff and full
// jitter, and a rate or concurrency fault slows the whole run for a window.
// With dedup off, a batch whose answer was lost may have created its leads,
// so it is not sent again blindly: over REST its emails are looked up once
// the call has settled (see settleLost), else its rows end Unknown. Rows
// sharing a key are never in two calls at once. A quota or login failure
// stops the run: answers already received are kept and every row not yet
// confirmed ends NotSent with the reason. Cancelling ctx does the same; with
// dedup off the calls already on the wire are let finish so their outcome
// is known. Rows the journal holds as confirmed are restored as each batch
// arrives and not sent again; rows it holds in flight are sent again with
// dedup on, and with dedup off looked up like a lost answer.
//
// A src error stops the run like a quota failure (cause StopSource, its
// text in the message) unless ctx was cancelled.
//
// emit is called from one goroutine of RunStream's own, in order, never
// while anything a sender needs is held; a slow emit delays only later
// events. The last event is Finished, and RunStream returns after emit has
// seen it.
//
// RunStream returns ctx.Err() when cancelled, a *StopError when it stopped
// for quota, login, journal or source trouble, and nil otherwise; the
// Outcome holds every row src yielded, each exactly once.
func RunStream(ctx context.Context, s marketo.Syncer, src BatchSource, opts RunOptions, emit func(importer.Event)) (Outcome, error) {
	opts = opts.withDefaults()
	if opts.Mode != marketo.CreateOrUpdate {
		if !opts.Dedup {
			return Outcome{}, fmt.Errorf("%s needs dedup on: with dedup off every row creates a lead", opts.Mode)
		}
		if _, ok := s.(marketo.ModeSyncer); !ok {
			return Outcome{}, fmt.Errorf("%s needs a REST account: SOAP's syncMultipleLeads always creates or updates", opts.Mode)
		}
	}
	if _, ok := s.(marketo.LeadFinder); opts.FillEmpty && !ok {
		return Outcome{}, errors.New("filling only empty fields needs a REST account: SOAP cannot look many leads up at once")
	}
	if opts.Partition != "" {
		if _, ok := s.(marketo.PartitionSyncer); !ok || !opts.Dedup {
			return Outcome{}, errors.New("a lead partition needs a REST account and dedup on: Marketo takes one only with createOnly and createOrUpdate")
		}
		if opts.FillEmpty {
			// Its lookup searches every partition: a value a lead elsewhere
			// has would be kept from a new lead in this one.
			return Outcome{}, errors.New("filling only empty fields does not go with a lead partition")
		}
	}
	if _, ok := s.(marketo.LeadFinder); opts.ListOnly && (!ok || opts.ListID == 0 && opts.ProgramID == 0) {
		return Outcome{}, errors.New("adding existing people only needs a REST account and a list or program to add them to")
	}
	r := &runner{
		s:      s,
		opts:   opts,
		budget: newBudget(opts.CallsPerWindow, opts.Window, opts.Concurrency),
		events: newEventQueue(emit),
		stop:   make(chan struct{}),
	}
	r.start()
	r.send(ctx, src)

	out := r.finish(ctx)
	return out, r.err(ctx)
}

type runner struct {
	s      marketo.Syncer
	opts   RunOptions
	budget *budget
	events *eventQueue

	mu        sync.Mutex // guards res, totals, unseen and the order of queued events
	res       importer.RowTable
	totals    importer.Totals
	resumed   int
	unseen    int                // rows of opts.Rows not produced yet, counted as Waiting
	confirmed *importer.RowTable // nil without a journal
	inFlight  map[int]time.Time  // rows a stopped run sent, and when, as the journal has them

	stopOnce  sync.Once
	stop      chan struct{}
	stopCause StopCause
	stopMsg   string
	stopErr   error
	startedAt time.Time
}

// start makes pre-flight rejects final, loads what the journal knows and
// counts the rows still to come as Waiting.
func (r *runner) start() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.startedAt = time.Now()
	var initial []importer.RowResult
	for _, sk := range r.opts.Skipped {
		sk.State = importer.Skipped
		sk.LeadID = 0
		initial = append(initial, sk)
	}
	if j := r.opts.Journal; j != nil {
		r.confirmed, r.inFlight = j.ResumeState()
	}
	r.applyLocked(initial)
	r.unseen = max(0, r.opts.Rows-len(r.opts.Skipped))
	r.totals.Waiting += r.unseen
	var msg string
	if n := r.confirmedRows(); n > 0 {
		msg = fmt.Sprintf("Resuming: %s of %s rows already confirmed", commas(n), commas(max(r.opts.Rows, n)))
	}
	if len(initial) > 0 || msg != "" {
		r.pushLocked(importer.BatchDone, -1, msg, initial)
	}
}

// admit sets the starting state of b's rows: rows the journal already knows
// are final, but for those whose lead still has to go into the run's list
// (relist); the rest wait in keep, or, when a stopped run sent them with
// dedup off and Marketo can be asked whether they created leads, in lost
// (each nil when empty).
func (r *runner) admit(b importer.Batch) (keep, lost *importer.Batch, relist []importer.RowResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var initial []importer.RowResult
	keep = &importer.Batch{Seq: b.Seq, Key: b.Key, Statuses: b.Statuses}
	lost = &importer.Batch{Seq: b.Seq, Key: b.Key, Statuses: b.Statuses}
	findable := r.canFindLost(b)
	for i, row := range b.Rows {
		if r.unseen > 0 {
			r.unseen--
			r.totals.Waiting--
		}
		if c, ok := r.confirmedRow(row); ok {
			r.resumed++
			if r.targetsLeft(c) {
				relist = append(relist, c)
				continue
			}
			initial = append(initial, c)
			continue
		}
		into := keep
		if _, sent := r.inFlight[row]; sent && !r.opts.Dedup {
			if !findable {
				initial = append(initial, importer.RowResult{Row: row, State: importer.Unknown, Reason: msgInFlightUnknown})
				continue
			}
			into = lost
		}
		into.Rows = append(into.Rows, row)
		into.Leads = append(into.Leads, b.Leads[i])
		r.res.Set(importer.RowResult{Row: row, State: importer.Waiting})
		r.totals.Waiting++
	}
	if len(initial) > 0 {
		r.applyLocked(initial)
		r.pushLocked(importer.BatchDone, b.Seq, "", initial)
	}
	if len(keep.Rows) == 0 {
		keep = nil
	}
	if len(lost.Rows) == 0 {
		lost = nil
	}
	return keep, lost, relist
}

// sentAt is when a stopped run first sent row, as its journal says.
func (r *runner) sentAt(row int) time.Time { return r.inFlight[row] }

// send runs the workers over what src produces and ends NotSent whatever
// comes after the run stopped.
func (r *runner) send(ctx context.Context, src BatchSource) {
	type gated struct {
		b    *importer.Batch
		keys []leadKey
		lost bool // rows a stopped run sent with dedup off: looked up first
	}
	feed := make(chan gated)
	gate := newKeyGate()
	var wg sync.WaitGroup
	for range r.opts.Concurrency {
		wg.Go(func() {
			for g := range feed {
				if g.lost {
					// The keys stay held through the lookup: an earlier row
					// with the same email on the wire would make a lead that
					// looks like this one's. The stopped run's calls may still
					// be applied for a while after this run started.
					if rest := r.settleLost(ctx, g.b, r.sentAt, r.startedAt.Add(r.opts.Settle), msgInFlightUnknown); rest != nil {
						r.sendBatch(ctx, rest)
					}
				} else {
					r.sendBatch(ctx, g.b)
				}
				gate.leave(g.keys)
			}
		})
	}
	dispatch := func(b *importer.Batch, lost bool) {
		// Rows that may have reached Marketo are Unknown, not "not sent",
		// when the run stops before they are looked up.
		end := r.notSent
		if lost {
			end = func(b *importer.Batch) { r.unknown(b, msgInFlightUnknown) }
		}
		if r.stopped() || ctx.Err() != nil {
			end(b)
			return
		}
		keys := keysOf(b)
		if !gate.enter(ctx, r.stop, keys) {
			end(b)
			return
		}
		select {
		case feed <- gated{b, keys, lost}:
		case <-r.stop:
			gate.leave(keys)
			end(b)
		case <-ctx.Done():
			gate.leave(keys)
			end(b)
		}
	}
	srcErr := src(func(b importer.Batch) {
		keep, lost, relist := r.admit(b)
		if len(relist) > 0 {
			// Confirmed by a stopped run, not yet in the list: only the
			// list step is left for them.
			r.toTargets(ctx, &b, relist)
			r.final(importer.BatchDone, b.Seq, relist)
		}
		if lost != nil {
			dispatch(lost, true)
		}
		if keep != nil {
			dispatch(keep, false)
		}
	})
	close(feed)
	wg.Wait()
	r.mu.Lock()
	// Rows promised by opts.Rows that never came are not part of the run.
	r.totals.Waiting -= r.unseen
	r.unseen = 0
	r.mu.Unlock()
	if ctx.Err() != nil {
		r.halt(StopCancelled, "Sync cancelled. Rows not yet confirmed were not sent; run again to send them — rows already confirmed will not be sent twice.", ctx.Err())
	}
	if srcErr != nil {
		r.halt(StopSource, fmt.Sprintf("%s. Nothing more was sent.", strings.TrimSuffix(srcErr.Error(), ".")), srcErr)
	}
}

// sendBatch takes one batch to a final state.
func (r *runner) sendBatch(ctx context.Context, b *importer.Batch) {
	if r.opts.ListOnly {
		r.addExisting(ctx, b)
		return
	}
	tr := &tries{}
	fill := r.opts.FillEmpty && r.opts.Dedup
	if fill || r.keepsPrior() {
		var blind *importer.Batch
		if fill {
			blind = r.splitBlind(b)
		}
		if blind != nil {
			r.refused(blind, msgFillComma, nil)
		}
		msg := msgPriorLookup
		if fill {
			msg = msgFillLookup
		}
		p := &previewer{opts: PreviewOptions{Run: r.opts, Fields: r.opts.Fields}, types: fieldTypes(r.opts.Fields)}
		found, err := p.lookup(ctx, r, r.s.(marketo.LeadFinder), b)
		if err == nil && fill {
			keepEmptyOnly(p, b, found)
		}
		if err == nil && r.keepsPrior() {
			tr.prior = r.priorOf(p, b, found)
		}
		if err != nil {
			if ctx.Err() != nil || r.stopped() {
				r.notSent(b)
				return
			}
			r.refused(b, fmt.Sprintf(msg, describe(err)), nil)
			return
		}
		if len(b.Rows) == 0 {
			return
		}
	}
	r.sendPart(ctx, b, tr)
}

// tries is what earlier attempts at a batch (or at the batch a part was
// split from) leave for the next.
type tries struct {
	announced bool      // the rows are in the journal as sent and shown Sending
	lost      error     // the first failure after which Marketo may have applied the call
	split604  bool      // the batch was already halved once after a 604
	attempt   int       // tries made so far, carried into halves after a 604
	sentAt    time.Time // when the rows were first announced
	// prior is the batch's lookup for the undo record, written as the
	// rows are announced: a lookup whose batch never went out says
	// nothing.
	prior *history.Prior
}

// sendPart sends b, retrying passing failures, until each of its rows is
// final. A batch Marketo finds too large (413) is sent again in halves,
// as is one that timed out (604) once: Marketo's advice for both.
func (r *runner) sendPart(ctx context.Context, b *importer.Batch, tr *tries) {
	// Marketo's limit faults change nothing and the budget adapts to them,
	// so they get a larger allowance than other passing failures.
	limitFaults := 0
	var lastErr error
	for {
		tr.attempt++
		attempt := tr.attempt
		if r.stopped() || ctx.Err() != nil {
			r.stopSending(b, tr)
			return
		}
		if err := r.budget.acquire(ctx); err != nil {
			r.stopSending(b, tr)
			return
		}
		if !tr.announced {
			if tr.prior != nil {
				if err := r.opts.Rollback.Prior(*tr.prior); err != nil {
					r.budget.release()
					r.halt(StopJournal, fmt.Sprintf(msgRollbackTrouble, err), err)
					r.stopSending(b, tr)
					return
				}
			}
			if err := r.journalSent(b); err != nil {
				r.budget.release()
				r.stopSending(b, tr)
				return
			}
			r.started(b)
			tr.announced, tr.sentAt = true, time.Now()
		}
		statuses, err := r.call(ctx, b)
		r.budget.release()
		if err == nil {
			r.done(ctx, b, statuses, tr.lost)
			return
		}
		lastErr = err
		if ctx.Err() != nil && r.opts.Dedup {
			// The call was abandoned: re-sending later is an idempotent upsert.
			r.endNotSent(b, msgAbandoned)
			return
		}
		if marketo.IsTooLarge(err) {
			if len(b.Rows) == 1 {
				r.refused(b, fmt.Sprintf(msgTooLarge, describe(err)), tr.lost)
				return
			}
			// Marketo refused the request at the door: nothing was applied,
			// and no try is spent; each half starts afresh.
			r.note(importer.Retrying, b.Seq, fmt.Sprintf("Batch %d (%s) is larger than Marketo takes in one call; sending it in two parts", b.Seq+1, rowSpan(b.Rows)))
			r.sendHalves(ctx, b, tries{announced: true, lost: tr.lost, split604: tr.split604, sentAt: tr.sentAt})
			return
		}
		class := marketo.ClassOf(err)
		switch {
		case r.haltOn(err, msgLoginRefused):
			r.stopSending(b, tr)
			return
		case r.limitFault(err, b.Seq):
			limitFaults++
		case class == marketo.ClassTransient:
			if !marketo.NotApplied(err) {
				if !r.opts.Dedup {
					at := tr.sentAt
					rest := r.settleLost(ctx, b, func(int) time.Time { return at }, time.Now().Add(r.opts.Settle), fmt.Sprintf(msgAnswerLost, describe(err)))
					switch {
					case rest == nil:
					case attempt-limitFaults >= r.opts.MaxAttempts:
						r.refused(rest, fmt.Sprintf("Marketo did not accept this batch after %d tries (last: %s). Leadsheet checked in Marketo: these rows did not reach it; send them again later.", attempt, describe(err)), nil)
					default:
						// Cleared in the journal: announced afresh, with the tries left.
						r.sendPart(ctx, rest, &tries{attempt: attempt, split604: tr.split604})
					}
					return
				}
				if tr.lost == nil {
					tr.lost = err
				}
			}
		default:
			r.refused(b, fmt.Sprintf("Marketo refused the whole batch: %s", describe(err)), tr.lost)
			return
		}
		if attempt-limitFaults >= r.opts.MaxAttempts || limitFaults >= limitFaultFactor*r.opts.MaxAttempts {
			reason := fmt.Sprintf("Marketo did not accept this batch after %d tries (last: %s).", attempt, describe(lastErr))
			if tr.lost == nil {
				reason += " Nothing was changed for these rows; send them again later."
			}
			r.refused(b, reason, tr.lost)
			return
		}
		wait := r.backoff(min(attempt, attempt-limitFaults+1))
		r.note(importer.Retrying, b.Seq, fmt.Sprintf("Batch %d (%s): %s; trying again in %s (try %d of %d)",
			b.Seq+1, rowSpan(b.Rows), describe(err), wait.Round(100*time.Millisecond), attempt+1, r.opts.MaxAttempts))
		if !r.sleep(ctx, wait) {
			r.stopSending(b, tr)
			return
		}
		if isTimeout604(err) && !tr.split604 && len(b.Rows) > 1 {
			// The halves share the tries left, so a 604 that does not pass
			// costs no more calls than retrying the whole batch would.
			r.sendHalves(ctx, b, tries{announced: true, lost: tr.lost, split604: true, attempt: attempt - limitFaults, sentAt: tr.sentAt})
			return
		}
	}
}

// sendHalves sends the two halves of b one after the other, each from the
// state tr describes. They keep b's Seq, so events still name the batch
// the operator saw start.
func (r *runner) sendHalves(ctx context.Context, b *importer.Batch, tr tries) {
	mid := len(b.Rows) / 2
	for _, h := range []importer.Batch{
		{Seq: b.Seq, Key: b.Key, Rows: b.Rows[:mid:mid], Leads: b.Leads[:mid:mid], Statuses: b.Statuses},
		{Seq: b.Seq, Key: b.Key, Rows: b.Rows[mid:], Leads: b.Leads[mid:], Statuses: b.Statuses},
	} {
		part := tr
		r.sendPart(ctx, &h, &part)
	}
}

// isTimeout604 reports Marketo's REST 604 "Request time-out": the call
// ran too long and was not executed.
func isTimeout604(err error) bool {
	var me *marketo.Error
	return errors.As(err, &me) && me.API == marketo.REST && me.Code == "604"
}

// call makes one attempt. With dedup off a call already sent is not
// abandoned on cancel: its answer decides whether leads were created.
func (r *runner) call(ctx context.Context, b *importer.Batch) ([]marketo.SyncStatus, error) {
	parent := ctx
	if !r.opts.Dedup {
		parent = context.WithoutCancel(ctx)
	}
	cctx, cancel := context.WithTimeout(parent, r.opts.CallTimeout)
	defer cancel()
	var statuses []marketo.SyncStatus
	var err error
	ps, into := r.s.(marketo.PartitionSyncer)
	ms, modes := r.s.(marketo.ModeSyncer)
	switch {
	case r.opts.Partition != "" && !into:
		return nil, fmt.Errorf("%w: this account cannot name a lead partition", marketo.ErrModeNotPossible)
	case r.opts.Partition != "":
		statuses, err = ps.SyncLeadsInto(cctx, b.Leads, r.opts.Mode, r.opts.Partition)
	case modes && r.opts.Mode != marketo.CreateOrUpdate:
		statuses, err = ms.SyncLeadsMode(cctx, b.Leads, r.opts.Mode)
	default:
		statuses, err = r.s.SyncLeads(cctx, b.Leads, r.opts.Dedup)
	}
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && parent.Err() == nil {
			return nil, &marketo.TransportError{Op: "wait for Marketo's answer", Err: err}
		}
		return nil, err
	}
	if len(statuses) != len(b.Leads) {
		return nil, &marketo.TransportError{Op: "read Marketo's answer",
			Err: fmt.Errorf("got %d results for %d leads", len(statuses), len(b.Leads))}
	}
	return statuses, nil
}

// retry makes call within the budget, one call's time limit and the
// run's stop, retrying what Marketo's limits and passing failures turn
// away.
func (r *runner) retry(ctx context.Context, call func(context.Context) error) error {
	for attempt := 1; ; attempt++ {
		if err := r.budget.acquire(ctx); err != nil {
			return err
		}
		cctx, cancel := context.WithTimeout(ctx, r.opts.CallTimeout)
		err := call(cctx)
		cancel()
		r.budget.release()
		if err == nil {
			return nil
		}
		switch marketo.ClassOf(err) {
		case marketo.ClassRateLimit:
			r.budget.rateFault()
		case marketo.ClassConcurrency:
			r.budget.concurrencyFault()
		case marketo.ClassTransient:
		default:
			return err
		}
		if attempt >= r.opts.MaxAttempts || !r.sleep(ctx, r.backoff(attempt)) {
			return err
		}
	}
}

// backoff is exponential with full jitter: a random wait in [0, min(cap, base*2^(attempt-1))].
func (r *runner) backoff(attempt int) time.Duration {
	ceiling := r.opts.BackoffCap
	if shift := attempt - 1; shift < 30 {
		if d := r.opts.BackoffBase << shift; d > 0 && d < ceiling {
			ceiling = d
		}
	}
	return rand.N(ceiling) + time.Millisecond
}

// sleep waits d unless the run stops or ctx ends first; it reports whether
// the whole wait passed.
func (r *runner) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-r.stop:
		return false
	}
}

func (r *runner) stopped() bool {
	select {
	case <-r.stop:
		return true
	default:
		return false
	}
}

// haltOn stops the run when err is Marketo's daily quota or a refused
// login (login is that sentence, with %s for Marketo's words) and reports
// whether it was.
func (r *runner) haltOn(err error, login string) bool {
	switch marketo.ClassOf(err) {
	case marketo.ClassQuota:
		r.halt(StopQuota, msgQuota, err)
		return true
	case marketo.ClassAuth:
		r.halt(StopAuth, fmt.Sprintf(login, describe(err)), err)
		return true
	}
	return false
}

// limitFault slows the run's budget when err is one of Marketo's rate or
// concurrency limits, saying so, and reports whether it was.
func (r *runner) limitFault(err error, seq int) bool {
	switch marketo.ClassOf(err) {
	case marketo.ClassRateLimit:
		r.note(importer.Throttled, seq, r.budget.rateFault())
		return true
	case marketo.ClassConcurrency:
		r.note(importer.Throttled, seq, r.budget.concurrencyFault())
		return true
	}
	return false
}

// halt stops the run for good; the first reason wins.
func (r *runner) halt(cause StopCause, msg string, err error) {
	r.stopOnce.Do(func() {
		r.mu.Lock()
		r.stopCause, r.stopMsg, r.stopErr = cause, msg, err
		r.pushLocked(importer.Stopped, -1, msg, nil)
		r.mu.Unlock()
		close(r.stop)
	})
}

func (r *runner) journalSent(b *importer.Batch) error {
	j := r.opts.Journal
	if j == nil {
		return nil
	}
	if err := j.Sent(b.Rows, !r.opts.Dedup); err != nil {
		r.halt(StopJournal, journalTrouble(err), err)
		return err
	}
	return nil
}

func journalTrouble(err error) string {
	return fmt.Sprintf("Leadsheet could not write its journal (%v), so it stopped rather than risk sending rows twice later. Nothing more was sent; free some disk space and run again.", err)
}

func (r *runner) started(b *importer.Batch) {
	rs := make([]importer.RowResult, len(b.Rows))
	for i, row := range b.Rows {
		rs[i] = importer.RowResult{Row: row, State: importer.Sending}
	}
	r.mu.Lock()
	r.applyLocked(rs)
	r.pushLocked(importer.BatchStarted, b.Seq, "", rs)
	r.mu.Unlock()
}

// done records Marketo's answer for every row of b. lost is the failure
// after which an earlier try may have been applied, or nil.
func (r *runner) done(ctx context.Context, b *importer.Batch, statuses []marketo.SyncStatus, lost error) {
	rs := make([]importer.RowResult, len(b.Rows))
	for i, st := range statuses {
		rs[i] = importer.RowResult{Row: b.Rows[i], LeadID: st.LeadID}
		switch st.Status {
		case marketo.Created:
			rs[i].State = importer.Created
		case marketo.Updated:
			rs[i].State = importer.Updated
			// A lead found by a retry may be one the lost try created. A
			// Marketo Id names a lead that exists already, and update
			// only creates nobody: never created.
			if lost != nil && b.Key != marketo.KeyID && r.opts.Mode != marketo.UpdateOnly {
				rs[i].State = importer.CreatedOrUpdated
				rs[i].Reason = msgMaybeCreated
			}
		case marketo.Failed:
			if msg := r.leftAlone(st.Code); msg != "" {
				rs[i].State = importer.LeftAlone
				rs[i].Reason = msg
				if lost != nil && r.opts.Mode == marketo.CreateOnly {
					// The lost try may have created the lead the retry found.
					rs[i].State, rs[i].Reason = importer.CreatedOrUpdated, msgMaybeCreatedOnly
				}
				break
			}
			rs[i].State = importer.Failed
			rs[i].Reason = st.Error
			if words := partitionWords(st.Code); words != "" {
				rs[i].Reason = words + " (Marketo: " + st.Error + ")"
			}
			if rs[i].Reason == "" {
				rs[i].Reason = "Marketo refused this row without saying why"
			}
		default:
			rs[i].State = importer.Failed
			rs[i].Reason = fmt.Sprintf("Marketo answered with a status Leadsheet does not know (%q); check this lead in Marketo", st.Status)
		}
	}
	r.recordEnd(b, rs)
	if j := r.opts.Journal; j != nil {
		if err := j.Confirm(rs); err != nil {
			// Marketo has the rows; the results are true even though the
			// journal missed them, so report them and stop sending.
			r.halt(StopJournal, journalTrouble(err), err)
		}
	}
	r.toTargets(ctx, b, rs)
	r.recordAfter(ctx, b, rs)
	r.final(importer.BatchDone, b.Seq, rs)
}

// partitionWords says what Marketo's partition refusals of a row mean and
// what to do, or "" for another code.
func partitionWords(code string) string {
	switch code {
	case "1008":
		return "This API user may not write to the partition chosen, or to the one this person is in. Ask your Marketo admin for access, or choose another partition."
	case "1009":
		return "Marketo needs to be told which partition new people go into for this API user. Choose a partition and run the same file again."
	case "1010":
		return "This person is already in Marketo in another partition, and an import does not move people between partitions. Import them with that partition, or leave the row out."
	}
	return ""
}

// leftAlone is the reason for a row the run's mode kept Marketo from
// touching, given Marketo's reason code, or "" when the code is a failure.
func (r *runner) leftAlone(code string) string {
	switch {
	case r.opts.Mode == marketo.CreateOnly && code == "1005":
		return msgLeftAloneExists
	case r.opts.Mode == marketo.UpdateOnly && code == "1004":
		return msgLeftAloneMissing
	}
	return ""
}

// refused ends b as Failed: Marketo turned the call down, and the rows may
// be sent again later. lost, when not nil, is a failure after which an
// earlier try may have been applied: the reason then says so, since only
// with dedup on is such a batch tried again, and re-sending it is safe.
func (r *runner) refused(b *importer.Batch, reason string, lost error) {
	if lost != nil {
		reason += fmt.Sprintf(" An earlier try's answer was lost (%s), so Marketo may already have these rows; sending them again is safe: it updates the same leads.", describe(lost))
	}
	rs := uniform(b.Rows, importer.Failed, reason)
	if lost == nil {
		// Nothing reached Marketo. A lost answer leaves the rows without
		// a word in the undo record: it looks them up.
		r.recordEnd(b, rs)
	}
	r.journalClear(b)
	r.final(importer.BatchDone, b.Seq, rs)
}

// stopSending ends b as NotSent when the run stops while sending it. For
// the undo record, a batch tried before with nothing applied (no answer
// lost) changed nothing, said so that its lookup, now old, is not taken
// for what its people held before the try that comes next.
func (r *runner) stopSending(b *importer.Batch, tr *tries) {
	if tr.announced && tr.lost == nil {
		r.recordEnd(b, uniform(b.Rows, importer.NotSent, ""))
	}
	r.notSent(b)
}

// notSent ends b as NotSent because the run stopped before it was sent.
func (r *runner) notSent(b *importer.Batch) {
	r.endNotSent(b, msgCancelled)
}

// endNotSent ends b as NotSent, saying why: the stop's own message for a
// stop other than cancelling, else cancelled.
func (r *runner) endNotSent(b *importer.Batch, cancelled string) {
	reason := cancelled
	r.mu.Lock()
	if r.stopCause != NotStopped && r.stopCause != StopCancelled {
		reason = r.stopMsg
	}
	r.mu.Unlock()
	r.journalClear(b)
	r.final(importer.BatchDone, b.Seq, uniform(b.Rows, importer.NotSent, reason))
}

// unknown ends b as Unknown: it may or may not have reached Marketo. The
// journal keeps the batch in flight, so a resume reports it the same way.
func (r *runner) unknown(b *importer.Batch, reason string) {
	rs := uniform(b.Rows, importer.Unknown, reason)
	r.recordEnd(b, rs)
	r.final(importer.BatchDone, b.Seq, rs)
}

func (r *runner) journalClear(b *importer.Batch) {
	if j := r.opts.Journal; j != nil {
		// A failed clear leaves the rows in flight: a resume then re-sends
		// them (dedup on) or calls them Unknown (dedup off), both safe.
		_ = j.Clear(b.Rows)
	}
}

func uniform(rows []int, st importer.RowState, reason string) []importer.RowResult {
	rs := make([]importer.RowResult, len(rows))
	for i, row := range rows {
		rs[i] = importer.RowResult{Row: row, State: st, Reason: reason}
	}
	return rs
}

func (r *runner) final(kind importer.EventKind, seq int, rs []importer.RowResult) {
	r.mu.Lock()
	r.applyLocked(rs)
	r.pushLocked(kind, seq, "", rs)
	r.mu.Unlock()
}

func (r *runner) note(kind importer.EventKind, seq int, msg string) {
	r.mu.Lock()
	r.pushLocked(kind, seq, msg, nil)
	r.mu.Unlock()
}

// confirmedRow is what the journal holds for row as created or updated.
func (r *runner) confirmedRow(row int) (importer.RowResult, bool) {
	if r.confirmed == nil {
		return importer.RowResult{}, false
	}
	return r.confirmed.Get(row)
}

func (r *runner) confirmedRows() int {
	if r.confirmed == nil {
		return 0
	}
	return r.confirmed.Len()
}

// applyLocked moves rows to their new states and keeps the totals in step.
func (r *runner) applyLocked(rs []importer.RowResult) {
	for _, n := range rs {
		if old, ok := r.res.Set(n); ok {
			*count(&r.totals, old.State)--
			if c := listCount(&r.totals, old.List); c != nil {
				*c--
			}
			if c := programCount(&r.totals, old.Program); c != nil {
				*c--
			}
		}
		*count(&r.totals, n.State)++
		if c := listCount(&r.totals, n.List); c != nil {
			*c++
		}
		if c := programCount(&r.totals, n.Program); c != nil {
			*c++
		}
	}
}

func programCount(t *importer.Totals, p importer.ProgramState) *int {
	switch p {
	case importer.ProgramSet:
		return &t.ProgramSet
	case importer.ProgramAlready:
		return &t.ProgramAlready
	case importer.ProgramRefused:
		return &t.ProgramRefused
	case importer.ProgramNotSet:
		return &t.ProgramNotSet
	case importer.ProgramLaterRow:
		return &t.ProgramLaterRow
	}
	return nil
}

func listCount(t *importer.Totals, l importer.ListState) *int {
	switch l {
	case importer.ListAdded:
		return &t.ListAdded
	case importer.ListNotFound:
		return &t.ListNotFound
	case importer.ListNotAdded, importer.ListAdding:
		return &t.ListNotAdded
	case importer.ListAlready:
		return &t.ListAlready
	}
	return nil
}

func (r *runner) pushLocked(kind importer.EventKind, seq int, msg string, rs []importer.RowResult) {
	r.events.push(importer.Event{Kind: kind, Batch: seq, Results: rs, Message: msg, Totals: r.totals})
}

func count(t *importer.Totals, s importer.RowState) *int {
	switch s {
	case importer.Waiting:
		return &t.Waiting
	case importer.Sending:
		return &t.Sending
	case importer.Created:
		return &t.Created
	case importer.Updated:
		return &t.Updated
	case importer.Failed:
		return &t.Failed
	case importer.Skipped:
		return &t.Skipped
	case importer.NotSent:
		return &t.NotSent
	case importer.CreatedOrUpdated:
		return &t.CreatedOrUpdated
	case importer.LeftAlone:
		return &t.LeftAlone
	case importer.Imported:
		return &t.Imported
	case importer.ImportedWithWarning:
		return &t.ImportedWithWarning
	case importer.InMarketo:
		return &t.InMarketo
	default:
		return &t.Unknown
	}
}

// finish closes the journal's run when nothing is left to resume (unless
// the caller keeps it open for a later part of the file), sends
// Finished and waits until emit has seen every event.
func (r *runner) finish(ctx context.Context) Outcome {
	r.mu.Lock()
	out := Outcome{Totals: r.totals, Stopped: r.stopCause, Message: r.stopMsg, Resumed: r.resumed}
	if !r.opts.ResultsFromEvents {
		out.Results = make([]importer.RowResult, 0, r.res.Len())
		for rr := range r.res.All() { // in row order
			out.Results = append(out.Results, rr)
		}
	}
	r.pushLocked(importer.Finished, -1, Summary(out.Totals), nil)
	r.mu.Unlock()
	t := out.Totals
	if j := r.opts.Journal; j != nil && !r.opts.KeepJournalOpen && out.Stopped == NotStopped && ctx.Err() == nil &&
		t.Unknown == 0 && t.Waiting == 0 && t.Sending == 0 && t.NotSent == 0 && j.Untargeted(r.opts.ListID != 0, r.opts.ProgramID != 0) == 0 {
		// A finished run is not resumed: running the same file again later
		// is a new run. A failed write here only means the next run resumes.
		_ = j.Finish()
	}
	r.events.close()
	return out
}

func (r *runner) err(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch r.stopCause {
	case NotStopped:
		return nil
	case StopCancelled:
		return ctx.Err()
	default:
		return &StopError{Cause: r.stopCause, Message: r.stopMsg, Err: r.stopErr}
	}
}

// Summary is the one-line account of a run's rows, in digits without
// separators so scripts can read it:
// "N rows: C created, U updated, F failed, I invalid, S not sent".
func Summary(t importer.Totals) string {
	s := fmt.Sprintf("%d rows: %d created, %d updated, %d failed, %d invalid, %d not sent",
		t.Total(), t.Created, t.Updated, t.Failed, t.Skipped, t.NotSent+t.Waiting+t.Sending)
	if t.CreatedOrUpdated > 0 {
		s += fmt.Sprintf(", %d created or updated (first answer lost)", t.CreatedOrUpdated)
	}
	if t.LeftAlone > 0 {
		s += fmt.Sprintf(", %d left alone", t.LeftAlone)
	}
	if t.InMarketo > 0 {
		s += fmt.Sprintf(", %d already in Marketo (not changed)", t.InMarketo)
	}
	if t.Imported+t.ImportedWithWarning > 0 {
		s += fmt.Sprintf(", %d imported (bulk)", t.Imported+t.ImportedWithWarning)
	}
	if t.ImportedWithWarning > 0 {
		s += fmt.Sprintf(", %d of them with a warning", t.ImportedWithWarning)
	}
	if t.Unknown > 0 {
		s += fmt.Sprintf(", %d unknown (check in Marketo)", t.Unknown)
	}
	if n := t.ListAdded + t.ListNotFound + t.ListNotAdded + t.ListAlready; n > 0 {
		s += fmt.Sprintf("; list: %d added, %d not added", t.ListAdded, t.ListNotAdded)
		if t.ListAlready > 0 {
			s += fmt.Sprintf(", %d already members", t.ListAlready)
		}
		if t.ListNotFound > 0 {
			s += fmt.Sprintf(", %d not in Marketo", t.ListNotFound)
		}
	}
	if n := t.ProgramSet + t.ProgramAlready + t.ProgramRefused + t.ProgramNotSet; n > 0 {
		s += fmt.Sprintf("; program: %d status set, %d already at or past it, %d not set", t.ProgramSet, t.ProgramAlready, t.ProgramRefused+t.ProgramNotSet)
		if t.ProgramLaterRow > 0 {
			s += fmt.Sprintf(", %d overridden by a later row", t.ProgramLaterRow)
		}
	}
	return s
}

// SkippedRows turns pre-flight problems into the Skipped rows of a run: one
// per row with an Invalid problem, its messages joined.
func SkippedRows(problems []importer.Problem) []importer.RowResult {
	idx := make(map[int]int)
	var out []importer.RowResult
	for _, p := range problems {
		if p.Severity != importer.Invalid || p.Row <= 0 {
			continue
		}
		msg := p.Message
		if p.Column != "" {
			msg = p.Column + ": " + msg
		}
		if i, ok := idx[p.Row]; ok {
			out[i].Reason += "; " + msg
			continue
		}
		idx[p.Row] = len(out)
		out = append(out, importer.RowResult{Row: p.Row, State: importer.Skipped, Reason: msg})
	}
	slices.SortFunc(out, func(a, b importer.RowResult) int { return a.Row - b.Row })
	return out
}

// describe puts a client error in words for an operator.
func describe(err error) string {
	var me *marketo.Error
	if errors.As(err, &me) {
		return fmt.Sprintf("Marketo error %s: %s", me.Code, me.Message)
	}
	var te *marketo.TransportError
	if errors.As(err, &te) {
		if te.HTTPStatus != 0 {
			return fmt.Sprintf("Marketo did not answer properly: HTTP %d", te.HTTPStatus)
		}
		return fmt.Sprintf("Marketo did not answer properly: %v", te.Err)
	}
	return err.Error()
}

// rowSpan names the rows of a batch for a message: "rows 2–301".
func rowSpan(rows []int) string {
	if len(rows) == 0 {
		return "no rows"
	}
	lo, hi := slices.Min(rows), slices.Max(rows)
	if lo == hi {
		return fmt.Sprintf("row %d", lo)
	}
	return fmt.Sprintf("rows %d–%d", lo, hi)
}

// commas writes n with thousands separators: 10,000.
func commas(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + commas(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
