package run

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"leadsheet/importer"
	"leadsheet/marketo"
)

const (
	msgListNoREST     = "This account cannot add leads to a static list (SOAP); the lead was created or updated but not added."
	msgListTrouble    = "Marketo did not take the list step (%s); the lead was created or updated but not added to the list. Run the same import again to add it."
	msgListHidden     = "Marketo has this person but would not add them to the list (1004: lead not found): the list's workspace may not see their partition. Choose a list in their workspace."
	msgProgramNoREST  = "This account cannot set program statuses (SOAP); the lead was created or updated but its program status not set."
	msgStatusLaterRow = "Row %d, a later row for this person, asks for the member status %q; a member has one status, so that one was set for them, not %q."
	msgProgramTrouble = "Marketo did not take the program step (%s); the lead was created or updated but its program status not set. Run the same import again to set it."
)

// toTargets takes the confirmed rows of rs, rows of b, through the run's
// list and program steps, those each row still needs.
func (r *runner) toTargets(ctx context.Context, b *importer.Batch, rs []importer.RowResult) {
	r.toList(ctx, rs)
	r.toProgram(ctx, b, rs)
}

// targetsLeft reports whether a row a stopped run confirmed still needs
// the list or the program step.
func (r *runner) targetsLeft(c importer.RowResult) bool {
	if !listable(c.State) || c.LeadID <= 0 {
		return false
	}
	return r.opts.ListID != 0 && !c.List.Final() || r.opts.ProgramID != 0 && !c.Program.Final()
}

// toList adds the leads of the confirmed rows of rs to the run's static
// list and sets each row's List outcome, recording it in the journal. It
// asks Marketo first which leads are members already (not for leads this
// run created, which cannot be), so that each row says whether this
// import added it: what an undo may take out again. A lead two rows
// share is sent once. A failed list step leaves the rows ListNotAdded:
// the journal keeps them, so running the import again adds them without
// sending the rows again.
func (r *runner) toList(ctx context.Context, rs []importer.RowResult) {
	if r.opts.ListID == 0 {
		return
	}
	idx, ids := leadsNeeding(rs, func(x importer.RowResult) bool { return !x.List.Final() })
	if len(ids) == 0 {
		return
	}
	la, ok := r.s.(marketo.ListAdder)
	// Leads a stopped run was adding, and leads this run created, are
	// not asked about: they are this import's to add.
	ours := map[int]bool{}
	for _, i := range idx {
		if rs[i].List == importer.ListAdding || rs[i].State == importer.Created {
			ours[rs[i].LeadID] = true
		}
	}
	outcome := map[int]importer.ListState{}
	var ask []int
	for _, id := range ids {
		if !ours[id] {
			ask = append(ask, id)
		}
	}
	if len(ask) > 0 {
		res := r.stepCall(ctx, ok, func(ctx context.Context) ([]marketo.MemberResult, error) {
			return la.IsMember(ctx, r.opts.ListID, ask)
		}, msgListNoREST, msgListTrouble)
		if res == nil {
			r.setList(idx, rs, outcome)
			return
		}
		for _, m := range res {
			switch {
			case m.Status == "memberof":
				outcome[m.LeadID] = importer.ListAlready
			case m.Code == marketo.CodeLeadNotFound:
				outcome[m.LeadID] = importer.ListNotFound
			}
		}
	}
	var add []int
	for _, id := range ids {
		if _, known := outcome[id]; !known {
			add = append(add, id)
		}
	}
	if len(add) > 0 {
		if j := r.opts.Journal; j != nil {
			var rows []int
			for _, i := range idx {
				if slices.Contains(add, rs[i].LeadID) {
					rows = append(rows, rs[i].Row)
				}
			}
			if err := j.Listed(rows, importer.ListAdding); err != nil {
				// Without the record a resume could call these leads
				// members from before; leave them for the next run.
				r.setList(idx, rs, outcome)
				return
			}
		}
		// The undo record takes the leads before the call: an answer that
		// is lost may still have added them, and none was a member.
		if !r.recordListed(add) {
			r.setList(idx, rs, outcome)
			return
		}
		res := r.stepCall(ctx, ok, func(ctx context.Context) ([]marketo.MemberResult, error) {
			return la.AddToList(ctx, r.opts.ListID, add)
		}, msgListNoREST, msgListTrouble)
		for _, m := range res {
			switch {
			case m.Status == "added":
				outcome[m.LeadID] = importer.ListAdded
			case m.Code == marketo.CodeLeadNotFound:
				outcome[m.LeadID] = importer.ListNotFound
			}
		}
	}
	r.setList(idx, rs, outcome)
}

// setList sets the List outcome of the rows of rs at idx from their
// leads' outcomes, "not added yet" for a lead without one, and records
// the final ones.
func (r *runner) setList(idx []int, rs []importer.RowResult, outcome map[int]importer.ListState) {
	byState := map[importer.ListState][]int{}
	for _, i := range idx {
		st, known := outcome[rs[i].LeadID]
		if !known {
			st = importer.ListNotAdded
			if rs[i].List == importer.ListAdding {
				st = importer.ListAdding
			}
		}
		if st == importer.ListNotFound && rs[i].State == importer.InMarketo {
			// Found by the lookup, yet no such lead to the list: a lead
			// the list's workspace cannot see. Not a person Marketo lacks.
			st = importer.ListNotAdded
			rs[i].Reason = strings.TrimSpace(rs[i].Reason + " " + msgListHidden)
		}
		rs[i].List = st
		byState[st] = append(byState[st], rs[i].Row)
	}
	if j := r.opts.Journal; j != nil {
		for st, rows := range byState {
			if st.Final() {
				_ = j.Listed(rows, st) // a lost record only means adding them again
			}
		}
	}
}

// listable reports whether a row in state s has a lead the list step adds.
func listable(s importer.RowState) bool {
	switch s {
	case importer.Created, importer.Updated, importer.CreatedOrUpdated, importer.InMarketo:
		return true
	}
	return false
}

// toProgram makes the leads of the confirmed rows of rs members of the
// run's program with its status, or with the status b's status column
// gives each row (a call per status), and sets each row's Program outcome,
// recording it in the journal, as toList does for the list.
func (r *runner) toProgram(ctx context.Context, b *importer.Batch, rs []importer.RowResult) {
	if r.opts.ProgramID == 0 {
		return
	}
	status := func(row int) string {
		if st, ok := b.Statuses[row]; ok {
			return st
		}
		return r.opts.ProgramStatus
	}
	// A member has one status: with one person on several rows the last
	// row's wins, as its other values do, whatever the steps (two
	// statuses of one step would otherwise end at whichever call came
	// last).
	last := map[int]int{}
	for _, x := range rs {
		if x.LeadID > 0 && x.Row > last[x.LeadID] {
			last[x.LeadID] = x.Row
		}
	}
	wins := func(x importer.RowResult) string {
		if row, ok := last[x.LeadID]; ok {
			return status(row)
		}
		return status(x.Row)
	}
	var statuses []string
	var later []int
	for i, x := range rs {
		if own := status(x.Row); own != wins(x) && x.LeadID > 0 && listable(x.State) && !x.Program.Final() {
			// Its lead's status is the later row's; this row asks for none.
			rs[i].Program = importer.ProgramLaterRow
			rs[i].Reason = strings.TrimSpace(rs[i].Reason + " " + fmt.Sprintf(msgStatusLaterRow, last[x.LeadID], wins(x), own))
			later = append(later, x.Row)
			continue
		}
		if st := wins(x); !slices.Contains(statuses, st) {
			statuses = append(statuses, st)
		}
	}
	if j := r.opts.Journal; j != nil && len(later) > 0 {
		_ = j.Programmed(later, importer.ProgramLaterRow) // a lost record only means deciding again
	}
	slices.Sort(statuses)
	for _, st := range statuses {
		if st == "" {
			continue // pre-flight keeps a row without a status from being sent
		}
		r.setStatus(ctx, rs, st, func(x importer.RowResult) bool { return wins(x) == st })
	}
}

// setStatus sets status for the leads of the rows of rs that mine says
// are asking for it.
func (r *runner) setStatus(ctx context.Context, rs []importer.RowResult, status string, mine func(importer.RowResult) bool) {
	idx, ids := leadsNeeding(rs, func(x importer.RowResult) bool { return mine(x) && !x.Program.Final() })
	if len(ids) == 0 {
		return
	}
	ps, ok := r.s.(marketo.ProgramStatusSetter)
	// lost: a try whose answer did not come may have set the status, so
	// that the retry's "already at it" (1037) is this run's own doing.
	lost := false
	res := r.stepCall(ctx, ok, func(ctx context.Context) ([]marketo.MemberResult, error) {
		got, err := ps.SetProgramStatus(ctx, r.opts.ProgramID, status, ids)
		if err != nil && marketo.ClassOf(err) == marketo.ClassTransient && !marketo.NotApplied(err) {
			lost = true
		}
		return got, err
	}, msgProgramNoREST, msgProgramTrouble)
	created := map[int]bool{} // a lead this run created was in no program before it
	for _, i := range idx {
		if rs[i].State == importer.Created {
			created[rs[i].LeadID] = true
		}
	}
	outcome := map[int]importer.ProgramState{}
	for _, m := range res {
		switch {
		case m.Status == "created" || m.Status == "updated":
			outcome[m.LeadID] = importer.ProgramSet
		case m.Code == marketo.CodeAlreadyStatus && lost && created[m.LeadID]:
			outcome[m.LeadID] = importer.ProgramSet
		case m.Code == marketo.CodeAlreadyStatus:
			outcome[m.LeadID] = importer.ProgramAlready
		default:
			outcome[m.LeadID] = importer.ProgramRefused
		}
	}
	byState := map[importer.ProgramState][]int{}
	var set []int
	for _, i := range idx {
		st, known := outcome[rs[i].LeadID]
		if !known {
			st = importer.ProgramNotSet
		}
		rs[i].Program = st
		byState[st] = append(byState[st], rs[i].Row)
		if st == importer.ProgramSet && !slices.Contains(set, rs[i].LeadID) {
			set = append(set, rs[i].LeadID)
		}
	}
	r.recordProgrammed(status, set)
	if j := r.opts.Journal; j != nil {
		for st, rows := range byState {
			if st.Final() {
				_ = j.Programmed(rows, st) // a lost record only means setting the status again
			}
		}
	}
}

// leadsNeeding is the indexes of the rows of rs with a confirmed lead that
// needs says still need a step, and their distinct lead ids: two rows may
// share a lead, which one call takes once.
func leadsNeeding(rs []importer.RowResult, needs func(importer.RowResult) bool) (idx, ids []int) {
	for i, x := range rs {
		if x.LeadID > 0 && listable(x.State) && needs(x) {
			idx = append(idx, i)
			if !slices.Contains(ids, x.LeadID) {
				ids = append(ids, x.LeadID)
			}
		}
	}
	return idx, ids
}

// stepCall makes a list or program step's call, unless the account cannot
// (able false: noREST says so) or the run has stopped (the step is left
// for the next run); a call that fails is said with trouble. No answer
// leaves every lead's outcome to its caller's "not yet".
func (r *runner) stepCall(ctx context.Context, able bool, call func(context.Context) ([]marketo.MemberResult, error), noREST, trouble string) []marketo.MemberResult {
	switch {
	case !able:
		r.note(importer.Retrying, -1, noREST)
		return nil
	case r.stopped() || ctx.Err() != nil:
		return nil
	}
	res, err := r.memberCall(ctx, call)
	if err != nil && ctx.Err() == nil && !r.stopped() {
		r.note(importer.Retrying, -1, fmt.Sprintf(trouble, describe(err)))
	}
	return res
}

// memberCall makes one list or program call, retrying what Marketo's
// limits and passing failures turn away, within the run's budget. A quota
// or login failure stops the run.
func (r *runner) memberCall(ctx context.Context, call func(context.Context) ([]marketo.MemberResult, error)) ([]marketo.MemberResult, error) {
	for attempt := 1; ; attempt++ {
		if err := r.budget.acquire(ctx); err != nil {
			return nil, err
		}
		cctx, cancel := context.WithTimeout(ctx, r.opts.CallTimeout)
		got, err := call(cctx)
		cancel()
		r.budget.release()
		if err == nil {
			return got, nil
		}
		switch {
		case r.haltOn(err, msgLoginRefused):
			return nil, err
		case r.limitFault(err, -1), marketo.ClassOf(err) == marketo.ClassTransient:
		default:
			return nil, err
		}
		if attempt >= r.opts.MaxAttempts || !r.sleep(ctx, r.backoff(attempt)) {
			return nil, err
		}
	}
}
