package run

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"leadsheet/importer/history"
	"leadsheet/marketo"
)

// UndoLead is one lead an undo takes back, or leaves alone and says why.
type UndoLead struct {
	ID   int
	Rows []int // the import's sheet rows that touched it
	// Values are what a restore sets back: the values before the import,
	// nil to empty a field.
	Values map[string]*string
	// Delete: the import created the lead, so undoing it deletes it.
	Delete bool
	// Why says, for a lead left alone, why.
	Why string
}

// UndoPlan is what an undo of one import will do, worked out from its
// rollback record and what Marketo holds now.
type UndoPlan struct {
	Restore []UndoLead    // leads set back to their values before the import
	Delete  []UndoLead    // leads the import created, deleted
	Remove  map[int][]int // by static list, the memberships the import added, removed
	// Changed are leads changed in Marketo since the import: left alone
	// unless the undo is forced.
	Changed []UndoLead
	Gone    []UndoLead // no longer in Marketo: nothing to take back
	Unknown []UndoLead // the record cannot tell whether the import created them
	// Programs are the statuses the import set: Marketo cannot move a
	// member's status back.
	Programs []history.ProgramSet
	// Done counts the leads and memberships a stopped undo took back
	// already.
	Done int
	// Finished: an earlier undo of the import got to its end.
	Finished bool
}

// Nothing reports whether the plan takes nothing back.
func (p UndoPlan) Nothing() bool {
	return len(p.Restore)+len(p.Delete)+len(p.Changed) == 0 && removals(p.Remove) == 0
}

func removals(m map[int][]int) int {
	n := 0
	for _, ids := range m {
		n += len(ids)
	}
	return n
}

// Undo outcomes of a lead or membership.
const (
	UndoRestored = "restored"
	UndoDeleted  = "deleted"
	UndoRemoved  = "removed from list"
	UndoRefused  = "left alone"
	UndoFailed   = "failed"
)

// UndoRow is what became of one lead (or one list membership) in an undo.
type UndoRow struct {
	Lead    int
	Rows    []int
	List    int // the static list, for a membership
	Outcome string
	Reason  string
}

// UndoOptions tune an undo.
type UndoOptions struct {
	Run RunOptions // the budget and retries; the rest is unused
	Log *history.UndoLog
	// Force also takes back leads changed in Marketo since the import.
	Force bool
}

// PlanUndo looks up, by id, every lead rb says the import created or
// updated (one call per 300, within opts' budget) and works out what an
// undo does to each: a lead whose updatedAt or fields differ from what the
// import left is Changed; a lead a stopped undo was restoring is restored
// again, whatever it reads now (the stopped undo may have changed it).
func PlanUndo(ctx context.Context, c marketo.LeadFinder, rb history.Rollback, st history.UndoState, opts RunOptions) (UndoPlan, error) {
	r := undoRunner(nil, opts)
	plan := UndoPlan{Remove: map[int][]int{}, Programs: rb.Programs, Finished: st.Finished}
	ids := slices.Sorted(maps.Keys(rb.Existing))
	ids = append(ids, rb.Created...)
	nameSet := map[string]bool{}
	for _, lv := range rb.Existing {
		for n := range lv.Values {
			nameSet[n] = true
		}
	}
	for _, lv := range rb.After {
		for _, n := range lv.Names {
			nameSet[n] = true
		}
	}
	names := slices.Sorted(maps.Keys(nameSet))
	created := map[int]bool{}
	for _, id := range rb.Created {
		created[id] = true
	}
	// A chunk at a time: what Marketo holds now is needed only to sort
	// the chunk's leads.
	for chunk := range slices.Chunk(ids, marketo.MaxFindValues) {
		values := make([]string, len(chunk))
		for i, id := range chunk {
			values[i] = strconv.Itoa(id)
		}
		found, err := r.find(ctx, c, "id", values, names)
		if err != nil {
			return UndoPlan{}, fmt.Errorf("look the import's leads up: %w", err)
		}
		now := make(map[int]*marketo.FoundLead, len(found))
		for i := range found {
			now[found[i].ID] = &found[i]
		}
		for _, id := range chunk {
			plan.sort(rb, st, id, created[id], now[id])
		}
	}
	for _, id := range rb.Unknown {
		plan.Unknown = append(plan.Unknown, UndoLead{ID: id, Rows: rb.Rows[id], Why: msgUndoUnknown})
	}
	if err := r.planMaybe(ctx, c, rb, &plan); err != nil {
		return UndoPlan{}, err
	}
	// A lead the import created leaves its lists when it is deleted, and
	// a lead no longer in Marketo is in none.
	leaving := map[int]bool{}
	for _, l := range plan.Gone {
		leaving[l.ID] = true
	}
	for list, leads := range rb.Lists {
		for _, id := range leads {
			switch {
			case st.HasList(history.StepRemoved, list, id):
				plan.Done++
			case leaving[id] || created[id]:
			default:
				plan.Remove[list] = append(plan.Remove[list], id)
			}
		}
	}
	return plan, nil
}

// sort puts lead id, which the import created (del) or changed, where
// the plan takes it, cur being what Marketo holds now (nil: nothing).
func (plan *UndoPlan) sort(rb history.Rollback, st history.UndoState, id int, del bool, cur *marketo.FoundLead) {
	l := UndoLead{ID: id, Rows: rb.Rows[id], Delete: del}
	step := history.StepRestoring
	if del {
		step = history.StepDeleting
	} else {
		l.Values = rb.Existing[id].Values
	}
	switch {
	case st.Has(history.StepRestored, id) || st.Has(history.StepDeleted, id) || del && cur == nil && st.Has(step, id):
		plan.Done++
		return
	case cur == nil:
		l.Why = msgUndoGone
		plan.Gone = append(plan.Gone, l)
		return
	case st.Has(step, id):
		// A stopped undo was taking it back: what it reads now may be that
		// undo's doing.
	case del && !rb.LookedAt[id].IsZero() && cur.CreatedAt.Before(rb.LookedAt[id].Add(-clockSkew)):
		// Created before the import looked for the person and found
		// nobody: whoever made it, it was not this import.
		l.Why = fmt.Sprintf(msgUndoOlder, cur.CreatedAt.Local().Format("2 Jan 2006 15:04:05"))
		plan.Unknown = append(plan.Unknown, l)
		return
	default:
		if why := changedSince(rb.After[id], cur); why != "" {
			l.Why = why
			plan.Changed = append(plan.Changed, l)
			return
		}
	}
	if del {
		plan.Delete = append(plan.Delete, l)
	} else {
		plan.Restore = append(plan.Restore, l)
	}
}

// planMaybe adds to plan the rows that may have changed Marketo without
// Marketo's word on them (rb.Maybe): a lead the row's lookup found that
// differs now from its values then may be the import's change; a lead
// with the row's key created since the row was sent may be the import's
// creation. Either is left alone unless the undo is forced: the record
// cannot tell the import's doing from someone else's. A lead that has
// not changed is not the import's concern.
func (r *runner) planMaybe(ctx context.Context, c marketo.LeadFinder, rb history.Rollback, plan *UndoPlan) error {
	now := map[int]*marketo.FoundLead{}
	inPlan := map[int]bool{}
	for _, ls := range [][]UndoLead{plan.Restore, plan.Delete, plan.Changed, plan.Gone, plan.Unknown} {
		for _, l := range ls {
			inPlan[l.ID] = true
		}
	}
	var look []int // ids of leads rows found before, not in the plan
	seen := map[int]bool{}
	byField := map[string][]history.MaybeRow{}
	for _, m := range rb.Maybe {
		switch {
		case len(m.Leads) > 0:
			for _, lv := range m.Leads {
				if !inPlan[lv.ID] && !seen[lv.ID] {
					seen[lv.ID] = true
					look = append(look, lv.ID)
				}
			}
		case m.Key != "" && m.Field != "" && lookable(m.Key):
			byField[m.Field] = append(byField[m.Field], m)
		default:
			plan.Unknown = append(plan.Unknown, UndoLead{Rows: []int{m.Row}, Why: msgUndoMaybeBlind})
		}
	}
	for chunk := range slices.Chunk(look, marketo.MaxFindValues) {
		values := make([]string, len(chunk))
		names := []string{}
		for i, id := range chunk {
			values[i] = strconv.Itoa(id)
		}
		for _, m := range rb.Maybe {
			for _, lv := range m.Leads {
				for n := range lv.Values {
					if !slices.Contains(names, n) {
						names = append(names, n)
					}
				}
			}
		}
		found, err := r.find(ctx, c, "id", values, names)
		if err != nil {
			return fmt.Errorf("look up the leads of rows whose answer was lost: %w", err)
		}
		for i := range found {
			now[found[i].ID] = &found[i]
		}
	}
	for _, m := range rb.Maybe {
		for _, lv := range m.Leads {
			cur := now[lv.ID]
			if inPlan[lv.ID] || cur == nil {
				continue
			}
			inPlan[lv.ID] = true
			for name, v := range lv.Values {
				if !sameValue(v, leadValues(cur, []string{name}).Values[name]) {
					plan.Changed = append(plan.Changed, UndoLead{ID: lv.ID, Rows: []int{m.Row}, Values: lv.Values, Why: msgUndoMaybeChanged})
					break
				}
			}
		}
	}
	for _, field := range slices.Sorted(maps.Keys(byField)) {
		rows := byField[field]
		for chunk := range slices.Chunk(rows, marketo.MaxFindValues) {
			var values []string
			for _, m := range chunk {
				if !slices.Contains(values, m.Key) {
					values = append(values, m.Key)
				}
			}
			found, err := r.find(ctx, c, field, values, nil)
			if err != nil {
				return fmt.Errorf("look up the people of rows whose answer was lost: %w", err)
			}
			for _, m := range chunk {
				for i := range found {
					f := &found[i]
					key := f.Email
					if field != "email" {
						key = fieldValue(f, field)
						if field == "id" {
							key = strconv.Itoa(f.ID)
						}
					}
					if inPlan[f.ID] || !strings.EqualFold(key, m.Key) || !m.At.IsZero() && f.CreatedAt.Before(m.At.Add(-clockSkew)) {
						continue
					}
					inPlan[f.ID] = true
					if m.At.IsZero() {
						// Sent with dedup off: nothing says when, so an
						// older lead with the same key cannot be told from
						// the import's. Named, never deleted.
						plan.Unknown = append(plan.Unknown, UndoLead{ID: f.ID, Rows: []int{m.Row}, Why: msgUndoUnknown})
						continue
					}
					plan.Changed = append(plan.Changed, UndoLead{ID: f.ID, Rows: []int{m.Row}, Delete: true,
						Why: fmt.Sprintf(msgUndoMaybeCreated, f.CreatedAt.Local().Format("2 Jan 2006 15:04:05"))})
				}
			}
		}
	}
	return nil
}

// changedSince says how cur differs from what the import left (after), or
// "" when it does not.
func changedSince(after history.LeadValues, cur *marketo.FoundLead) string {
	if after.ID == 0 {
		return msgUndoNoAfter
	}
	at, err := time.Parse(time.RFC3339Nano, after.UpdatedAt)
	if err != nil || !at.Equal(cur.UpdatedAt) {
		return fmt.Sprintf(msgUndoChanged, cur.UpdatedAt.Local().Format("2 Jan 2006 15:04:05"))
	}
	// Marketo stamps updatedAt to the second: a change in the same second
	// as the import's shows in the fields it wrote.
	if after.Sum != "" && sumOf(cur, after.Names) != after.Sum {
		return msgUndoChangedField
	}
	return ""
}

func sameValue(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// UndoOutcome counts what an undo did; what became of each lead went to
// [Undo]'s emit.
type UndoOutcome struct {
	Restored, Deleted, Removed, Refused, Failed int
}

// Total is how many leads and memberships the undo came to an end with.
func (o UndoOutcome) Total() int { return o.Restored + o.Deleted + o.Removed + o.Refused + o.Failed }

// Undo carries plan out: it sets the Restore leads back (Sync Leads by id,
// update only), removes the Remove memberships, then deletes the Delete
// leads, 300 at a time within opts' budget, recording each step in
// opts.Log before its call and after its answer. Changed leads are taken
// back only with opts.Force. emit, when set, gets the rows of each call
// as it is answered.
func Undo(ctx context.Context, c marketo.Syncer, plan UndoPlan, opts UndoOptions, emit func([]UndoRow)) (UndoOutcome, error) {
	un, ok := c.(marketo.Undoer)
	if !ok {
		return UndoOutcome{}, errors.New(msgUndoNoREST)
	}
	r := undoRunner(c, opts.Run)
	var out UndoOutcome
	report := func(rows []UndoRow) {
		if len(rows) == 0 {
			return
		}
		for _, x := range rows {
			switch x.Outcome {
			case UndoRestored:
				out.Restored++
			case UndoDeleted:
				out.Deleted++
			case UndoRemoved:
				out.Removed++
			case UndoRefused:
				out.Refused++
			default:
				out.Failed++
			}
		}
		if emit != nil {
			emit(rows)
		}
	}
	restore, del := plan.Restore, plan.Delete
	var refused []UndoRow
	for _, l := range plan.Changed {
		switch {
		case opts.Force && l.Delete:
			del = append(del, l)
		case opts.Force:
			restore = append(restore, l)
		default:
			refused = append(refused, UndoRow{Lead: l.ID, Rows: l.Rows, Outcome: UndoRefused, Reason: l.Why})
		}
	}
	// A changed lead left alone keeps its memberships too.
	remove := plan.Remove
	if !opts.Force && len(plan.Changed) > 0 {
		changed := map[int]bool{}
		for _, l := range plan.Changed {
			changed[l.ID] = true
		}
		remove = map[int][]int{}
		for list, ids := range plan.Remove {
			if kept := slices.DeleteFunc(slices.Clone(ids), func(id int) bool { return changed[id] }); len(kept) > 0 {
				remove[list] = kept
			}
		}
	}
	for _, l := range plan.Unknown {
		refused = append(refused, UndoRow{Lead: l.ID, Rows: l.Rows, Outcome: UndoRefused, Reason: l.Why})
	}
	report(refused)
	for chunk := range slices.Chunk(restore, marketo.MaxBatch) {
		rows, err := r.restore(ctx, opts.Log, chunk)
		report(rows)
		if err != nil {
			return out, err
		}
	}
	for _, list := range slices.Sorted(maps.Keys(remove)) {
		for chunk := range slices.Chunk(remove[list], marketo.MaxMembers) {
			rows, err := r.members(ctx, opts.Log, history.StepRemoving, history.StepRemoved, list, chunk, nil, func(ctx context.Context) ([]marketo.MemberResult, error) {
				return un.RemoveFromList(ctx, list, chunk)
			})
			report(rows)
			if err != nil {
				return out, err
			}
		}
	}
	for chunk := range slices.Chunk(del, marketo.MaxMembers) {
		ids := make([]int, len(chunk))
		rowsOf := map[int][]int{}
		for i, l := range chunk {
			ids[i], rowsOf[l.ID] = l.ID, l.Rows
		}
		rows, err := r.members(ctx, opts.Log, history.StepDeleting, history.StepDeleted, 0, ids, rowsOf, func(ctx context.Context) ([]marketo.MemberResult, error) {
			return un.DeleteLeads(ctx, ids)
		})
		report(rows)
		if err != nil {
			return out, err
		}
	}
	if out.Failed == 0 && opts.Log != nil {
		if err := opts.Log.Mark(history.StepFinished, 0, nil); err != nil {
			return out, fmt.Errorf("record the undo's end: %w", err)
		}
	}
	return out, nil
}

// undoRunner is a runner for an undo's calls: its budget, retries and
// stop, without batches or a journal.
func undoRunner(s marketo.Syncer, opts RunOptions) *runner {
	opts = opts.withDefaults()
	return &runner{s: s, opts: opts, budget: newBudget(opts.CallsPerWindow, opts.Window, opts.Concurrency),
		events: newEventQueue(nil), stop: make(chan struct{})}
}

// restore sets leads back to their values before the import.
func (r *runner) restore(ctx context.Context, log *history.UndoLog, leads []UndoLead) ([]UndoRow, error) {
	ids := make([]int, len(leads))
	batch := make([]marketo.Lead, len(leads))
	for i, l := range leads {
		ids[i] = l.ID
		batch[i] = marketo.Lead{ID: l.ID}
		for _, name := range slices.Sorted(maps.Keys(l.Values)) {
			a := marketo.Attribute{Name: name, Clear: l.Values[name] == nil}
			if v := l.Values[name]; v != nil {
				a.Value = *v
			}
			batch[i].Attributes = append(batch[i].Attributes, a)
		}
	}
	if err := mark(log, history.StepRestoring, 0, ids); err != nil {
		return nil, err
	}
	var statuses []marketo.SyncStatus
	err := r.retry(ctx, func(ctx context.Context) error {
		var err error
		statuses, err = r.s.SyncLeads(ctx, batch, true)
		if err == nil && len(statuses) != len(batch) {
			err = &marketo.TransportError{Op: "read Marketo's answer", Err: fmt.Errorf("got %d results for %d leads", len(statuses), len(batch))}
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("set %d leads back: %w", len(leads), err)
	}
	rows := make([]UndoRow, len(leads))
	var done []int
	for i, st := range statuses {
		rows[i] = UndoRow{Lead: leads[i].ID, Rows: leads[i].Rows, Outcome: UndoRestored}
		switch {
		case st.Status == marketo.Updated:
			done = append(done, leads[i].ID)
		case st.Code == marketo.CodeLeadNotFound:
			rows[i].Outcome, rows[i].Reason = UndoRefused, msgUndoGone
		default:
			rows[i].Outcome, rows[i].Reason = UndoFailed, fmt.Sprintf(msgUndoRefusedByMarketo, st.Error)
		}
	}
	return rows, mark(log, history.StepRestored, 0, done)
}

// members makes one delete or list-removal call for ids, logging step
// before it and doneStep after for the ids it took back.
func (r *runner) members(ctx context.Context, log *history.UndoLog, step, doneStep string, list int, ids []int, rowsOf map[int][]int,
	call func(context.Context) ([]marketo.MemberResult, error)) ([]UndoRow, error) {
	if err := mark(log, step, list, ids); err != nil {
		return nil, err
	}
	var res []marketo.MemberResult
	err := r.retry(ctx, func(ctx context.Context) error {
		var err error
		res, err = call(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("take back %d leads: %w", len(ids), err)
	}
	outcome := UndoDeleted
	if list != 0 {
		outcome = UndoRemoved
	}
	rows := make([]UndoRow, len(res))
	var done []int
	for i, m := range res {
		rows[i] = UndoRow{Lead: m.LeadID, Rows: rowsOf[m.LeadID], List: list, Outcome: outcome}
		switch {
		case m.Status == "deleted" || m.Status == "removed":
			done = append(done, m.LeadID)
		case m.Code == marketo.CodeLeadNotFound && list == 0:
			// Deleted already (by the stopped try whose answer was lost,
			// or by someone): the lead is gone, as the undo wants.
			done = append(done, m.LeadID)
		case m.Code == marketo.CodeNotInList || m.Code == marketo.CodeLeadNotFound:
			rows[i].Reason = msgUndoNotMember
			done = append(done, m.LeadID)
		default:
			rows[i].Outcome, rows[i].Reason = UndoFailed, fmt.Sprintf(msgUndoRefusedByMarketo, m.Reason)
		}
	}
	return rows, mark(log, doneStep, list, done)
}

func mark(log *history.UndoLog, step string, list int, ids []int) error {
	if log == nil {
		return nil
	}
	if err := log.Mark(step, list, ids); err != nil {
		return fmt.Errorf("record the undo's progress: %w", err)
	}
	return nil
}
