package viewmodel

import (
	"fmt"
	"slices"
	"strings"

	"leadsheet/importer"
	"leadsheet/importer/job"
	"leadsheet/importer/results"
	"leadsheet/marketo"
)

// The Target section's words.
const (
	CaptionList      = "Also add them to a static list"
	CaptionProgram   = "Make them members of a program"
	CaptionListOnly  = "Only people already in Marketo (creates and changes nobody)"
	CaptionPartition = "New people go into the partition"
	CaptionNewList   = "New list named"
	CaptionFolder    = "in"
	CaptionStatus    = "with the status"
	CaptionColumn    = "from the column"
	CaptionBlank     = "Blank cells"

	// NewListOption is the list picker's first option: a list made at
	// Start, in the folder or program chosen.
	NewListOption = "New list…"
	// StatusFromColumn is the status picker's last option: each row's
	// status is in a column of the sheet.
	StatusFromColumn = "Status from a column"
	// BlankRefused is the blank-cell choice of a status column that gives
	// those rows no status: pre-flight keeps them from being sent.
	BlankRefused = "are not sent (fill them in)"
	// PartitionDefault is the partition choice that names none: Marketo
	// puts new people in the API user's default partition.
	PartitionDefault = "The API user's default"

	TargetNeedsREST  = "Static lists, programs and partitions need a REST account."
	TargetNoAccount  = "Choose a Marketo account (top right) to add the leads to a static list or a program."
	TargetLoading    = "Reading the static lists, folders, programs and partitions from Marketo…"
	TargetRetry      = "Read them again"
	StatusesLoading  = "Reading the program's member statuses…"
	LabelMemberState = "Program member status (Target)"
)

// TargetModel is the Target section without widgets: what the instance
// offers (its catalog) and what the operator picked from it. Choices
// become job settings with Apply; Missing says what is still to choose
// before Start may send.
type TargetModel struct {
	catalog *job.Catalog

	listLabels, folderLabels, programLabels []string
	lists                                   map[string]marketo.StaticList
	folders                                 map[string]marketo.Folder
	programs                                map[string]marketo.Program

	// ListOn: the leads go into a static list, List (an existing one) or,
	// with NewList, one named NewName made in Folder at Start.
	ListOn  bool
	List    marketo.StaticList
	NewList bool
	NewName string
	Folder  marketo.Folder

	// ProgramOn: the leads become members of a program. Picked is the
	// program chosen; Program is it with its channel's statuses once they
	// have been read (ID 0 until then).
	ProgramOn bool
	Picked    marketo.Program
	Program   job.ProgramTarget
	// Status is the one status every row gets; with FromColumn each row's
	// status is in the column mapped to importer.ToMemberStatus, and
	// BlankStatus is for the rows whose cell is blank ("": not sent).
	Status      string
	FromColumn  bool
	BlankStatus string

	ListOnly  bool
	Partition string // "" for the API user's default
}

// Catalog is what the instance offers, nil until it has been read.
func (m *TargetModel) Catalog() *job.Catalog { return m.catalog }

// SetCatalog takes what the instance offers. Choices the new catalog no
// longer has are dropped.
func (m *TargetModel) SetCatalog(c job.Catalog) {
	c.Lists = slices.Clone(c.Lists)
	m.catalog = &c
	m.lists, m.listLabels = map[string]marketo.StaticList{}, nil
	for _, l := range c.Lists {
		m.addList(l)
	}
	m.folders, m.folderLabels = map[string]marketo.Folder{}, nil
	for _, f := range c.Folders {
		label := FolderLabel(f)
		if _, dup := m.folders[label]; dup {
			label = fmt.Sprintf("%s · id %d", label, f.ID)
		}
		m.folders[label] = f
		m.folderLabels = append(m.folderLabels, label)
	}
	m.programs, m.programLabels = map[string]marketo.Program{}, nil
	for _, p := range c.Programs {
		label := p.Name
		if _, dup := m.programs[label]; dup {
			label = fmt.Sprintf("%s · id %d", label, p.ID)
		}
		m.programs[label] = p
		m.programLabels = append(m.programLabels, label)
	}
	if m.List.ID != 0 && m.ListLabel() == "" {
		m.List = marketo.StaticList{}
	}
	if m.Folder.ID != 0 && m.FolderLabelOf() == "" {
		m.Folder = marketo.Folder{}
	}
	if m.Picked.ID != 0 && m.ProgramLabel() == "" {
		m.Picked, m.Program, m.Status, m.BlankStatus = marketo.Program{}, job.ProgramTarget{}, "", ""
	}
	if m.Partition != "" && !slices.Contains(m.PartitionOptions(), m.Partition) {
		m.Partition = ""
	}
}

func (m *TargetModel) addList(l marketo.StaticList) string {
	label := l.Name
	if l.ProgramName != "" {
		label += " (in " + l.ProgramName + ")"
	}
	if _, dup := m.lists[label]; dup {
		label = fmt.Sprintf("%s · id %d", label, l.ID)
	}
	m.lists[label] = l
	m.listLabels = append(m.listLabels, label)
	return label
}

// FolderLabel is how a folder or program appears in the new list's
// folder picker: where it sits, as Marketo shows it.
func FolderLabel(f marketo.Folder) string {
	s := f.Path
	if s == "" {
		s = f.Name
	}
	if strings.EqualFold(f.Type, "Program") {
		s += " (program)"
	}
	return s
}

// ListOptions are the list picker's options: a new list first, then the
// instance's lists.
func (m *TargetModel) ListOptions() []string {
	return append([]string{NewListOption}, m.listLabels...)
}

// FolderOptions are where a new list can go.
func (m *TargetModel) FolderOptions() []string { return m.folderLabels }

// ProgramOptions are the instance's programs.
func (m *TargetModel) ProgramOptions() []string { return m.programLabels }

// PickList takes the list picker's option label: NewListOption for a new
// list, or an existing list. It reports whether label is an option.
func (m *TargetModel) PickList(label string) bool {
	if label == NewListOption {
		m.NewList, m.List = true, marketo.StaticList{}
		return true
	}
	l, ok := m.lists[label]
	if ok {
		m.NewList, m.List = false, l
	}
	return ok
}

// ListLabel is the option naming the list chosen: NewListOption for a new
// one, "" for none.
func (m *TargetModel) ListLabel() string {
	if m.NewList {
		return NewListOption
	}
	for _, label := range m.listLabels {
		if m.List.ID != 0 && m.lists[label].ID == m.List.ID {
			return label
		}
	}
	return ""
}

// PickFolder takes the folder picker's option label, reporting whether it
// is one.
func (m *TargetModel) PickFolder(label string) bool {
	f, ok := m.folders[label]
	if ok {
		m.Folder = f
	}
	return ok
}

// FolderLabelOf is the option naming the folder chosen, "" for none.
func (m *TargetModel) FolderLabelOf() string {
	for _, label := range m.folderLabels {
		if f := m.folders[label]; m.Folder.ID != 0 && f.ID == m.Folder.ID && f.Type == m.Folder.Type {
			return label
		}
	}
	return ""
}

// PickProgram takes the program picker's option label, reporting whether
// it is one. The program's statuses are read next ([TargetModel.SetStatuses]);
// until then it is not part of the settings.
func (m *TargetModel) PickProgram(label string) (marketo.Program, bool) {
	p, ok := m.programs[label]
	if !ok {
		return marketo.Program{}, false
	}
	if p.ID != m.Picked.ID {
		m.Picked, m.Program = p, job.ProgramTarget{}
	}
	return p, true
}

// ProgramLabel is the option naming the program picked, "" for none.
func (m *TargetModel) ProgramLabel() string {
	for _, label := range m.programLabels {
		if m.Picked.ID != 0 && m.programs[label].ID == m.Picked.ID {
			return label
		}
	}
	return ""
}

// SetStatuses takes the statuses read for a program; those of a program
// no longer picked are dropped. A status chosen before that the channel
// does not have is dropped too.
func (m *TargetModel) SetStatuses(pt job.ProgramTarget) {
	if pt.ID != m.Picked.ID {
		return
	}
	m.Program = pt
	if !slices.Contains(pt.Statuses, m.Status) {
		m.Status = ""
	}
	if !slices.Contains(pt.Statuses, m.BlankStatus) {
		m.BlankStatus = ""
	}
}

// StatusesKnown reports whether the picked program's statuses have been
// read.
func (m *TargetModel) StatusesKnown() bool { return m.Picked.ID != 0 && m.Program.ID == m.Picked.ID }

// StatusOptions are the status picker's options: the channel's statuses
// in step order, then a column of the sheet.
func (m *TargetModel) StatusOptions() []string {
	if !m.StatusesKnown() {
		return nil
	}
	return append(slices.Clone(m.Program.Statuses), StatusFromColumn)
}

// StatusLabel is the option naming the status choice, "" for none.
func (m *TargetModel) StatusLabel() string {
	if m.FromColumn {
		return StatusFromColumn
	}
	return m.Status
}

// PickStatus takes the status picker's option, reporting whether it is
// one. StatusFromColumn leaves the column to choose.
func (m *TargetModel) PickStatus(label string) bool {
	if label == StatusFromColumn {
		m.FromColumn = true
		return true
	}
	if !slices.Contains(m.Program.Statuses, label) {
		return false
	}
	m.FromColumn, m.Status = false, label
	return true
}

// BlankOptions are the choices for the blank cells of a status column:
// not sent, or one of the statuses.
func (m *TargetModel) BlankOptions() []string {
	return append([]string{BlankRefused}, m.Program.Statuses...)
}

// BlankLabel is the option naming the blank-cell choice.
func (m *TargetModel) BlankLabel() string {
	if m.BlankStatus == "" {
		return BlankRefused
	}
	return m.BlankStatus
}

// PickBlank takes the blank-cell option.
func (m *TargetModel) PickBlank(label string) {
	m.BlankStatus = ""
	if slices.Contains(m.Program.Statuses, label) {
		m.BlankStatus = label
	}
}

// PartitionShown reports whether the instance has partitions to choose
// from: every instance has one, Default.
func (m *TargetModel) PartitionShown() bool { return m.catalog != nil && len(m.catalog.Partitions) > 1 }

// PartitionOptions are the partition picker's options, the API user's
// default first.
func (m *TargetModel) PartitionOptions() []string {
	out := []string{PartitionDefault}
	if m.catalog != nil {
		for _, p := range m.catalog.Partitions {
			out = append(out, p.Name)
		}
	}
	return out
}

// PartitionLabel is the option naming the partition chosen.
func (m *TargetModel) PartitionLabel() string {
	if m.Partition == "" {
		return PartitionDefault
	}
	return m.Partition
}

// PickPartition takes the partition picker's option.
func (m *TargetModel) PickPartition(label string) {
	m.Partition = ""
	if label != PartitionDefault {
		m.Partition = label
	}
}

// ListOnlyUsable reports whether "only people already in Marketo" can be
// chosen: it adds people to a list or a program, and does nothing else.
func (m *TargetModel) ListOnlyUsable() bool { return m.ListOn || m.ProgramOn }

// ListCreated makes the list a Start created the one chosen, so the next
// check of the sheet imports into it rather than making it again.
func (m *TargetModel) ListCreated(l marketo.StaticList) {
	if m.catalog != nil && !slices.ContainsFunc(m.catalog.Lists, func(x marketo.StaticList) bool { return x.ID == l.ID }) {
		m.catalog.Lists = append(m.catalog.Lists, l)
		m.addList(l)
	}
	m.NewList, m.NewName, m.List = false, "", l
}

// Apply puts the choices into the job's settings: the list (a new one by
// its name only, so the estimate counts it; it is made at Start), the
// program and status, list-only and the partition. A program whose
// statuses are not known yet is left out: Missing keeps Start from
// sending without it.
func (m *TargetModel) Apply(s *job.Settings) {
	if m.catalog == nil {
		return
	}
	if m.ListOn {
		switch {
		case m.NewList && strings.TrimSpace(m.NewName) != "":
			s.List = marketo.StaticList{Name: strings.TrimSpace(m.NewName)}
		case !m.NewList:
			s.List = m.List
		}
	}
	if m.ProgramOn && m.StatusesKnown() {
		s.Program = m.Program
		s.ProgramStatus = m.Status
		if m.FromColumn {
			s.ProgramStatus = m.BlankStatus
		}
	}
	s.ListOnly = m.ListOnly && m.ListOnlyUsable()
	s.Partition = m.Partition
}

// Missing is what is still to choose before Start may send, in the
// operator's words, or "". statusColumn is the column mapped to the
// member status, -1 for none.
func (m *TargetModel) Missing(statusColumn int) string {
	const where = " (Target, on the Map step)"
	switch {
	case m.catalog == nil:
		return ""
	case m.ListOn && !m.NewList && m.List.ID == 0:
		return "Choose the static list to add the leads to" + where + ", or untick \u201c" + CaptionList + "\u201d."
	case m.ListOn && m.NewList && strings.TrimSpace(m.NewName) == "":
		return "Name the new static list" + where + "."
	case m.ListOn && m.NewList && m.Folder.ID == 0:
		return "Choose the folder or program the new static list goes in" + where + "."
	case m.ProgramOn && m.Picked.ID == 0:
		return "Choose the program to make the leads members of" + where + ", or untick \u201c" + CaptionProgram + "\u201d."
	case m.ProgramOn && !m.StatusesKnown():
		return StatusesLoading
	case m.ProgramOn && m.FromColumn && statusColumn < 0:
		return "Choose the column that holds each row's member status" + where + "."
	case m.ProgramOn && !m.FromColumn && m.Status == "":
		return "Choose the member status the leads get in \u201c" + m.Picked.Name + "\u201d" + where + "."
	}
	return ""
}

// Summary is the Target section's title: what the import targets beyond
// the leads themselves.
func (m *TargetModel) Summary(statusHeader string) string {
	var parts []string
	if m.ListOn {
		switch {
		case m.NewList && strings.TrimSpace(m.NewName) != "":
			parts = append(parts, "new list "+Quote(strings.TrimSpace(m.NewName)))
		case m.List.ID != 0:
			parts = append(parts, "list "+Quote(m.List.Name))
		default:
			parts = append(parts, "a static list (choose it)")
		}
	}
	if m.ProgramOn {
		switch {
		case m.Picked.ID == 0:
			parts = append(parts, "a program (choose it)")
		case m.FromColumn:
			parts = append(parts, "program "+Quote(m.Picked.Name)+", status from "+columnWords(statusHeader))
		case m.Status != "":
			parts = append(parts, "program "+Quote(m.Picked.Name)+": "+m.Status)
		default:
			parts = append(parts, "program "+Quote(m.Picked.Name))
		}
	}
	if m.ListOnly && m.ListOnlyUsable() {
		parts = append(parts, "existing people only")
	}
	if m.Partition != "" {
		parts = append(parts, "partition "+Quote(m.Partition))
	}
	if len(parts) == 0 {
		return "Target: the leads only (no static list or program)"
	}
	return "Target: " + strings.Join(parts, " · ")
}

func columnWords(header string) string {
	if header == "" {
		return "a column (choose it)"
	}
	return "the column " + Quote(header)
}

// Plan is what the Sync step says and shows of the choices. statusHeader
// names the status column, if any.
func (m *TargetModel) Plan(statusHeader string) PlanTarget {
	var t PlanTarget
	if m.catalog == nil {
		return t
	}
	if m.ListOn {
		if m.NewList {
			t.List, t.NewList, t.Folder = strings.TrimSpace(m.NewName), true, FolderLabel(m.Folder)
		} else {
			t.List = m.List.Name
		}
	}
	if m.ProgramOn && m.StatusesKnown() {
		t.Program = m.Program.Name
		if m.FromColumn {
			t.StatusColumn, t.Status = statusHeader, m.BlankStatus
		} else {
			t.Status = m.Status
		}
	}
	t.ListOnly = m.ListOnly && m.ListOnlyUsable()
	t.Partition = m.Partition
	return t
}

// PlanTarget is what a run does beyond syncing the leads, as the Sync
// step words it.
type PlanTarget struct {
	List    string // the static list's name; "" for none
	NewList bool   // the list is made at Start
	Folder  string // where a new list goes
	Program string // the program's name; "" for none
	// Status is every row's status, or with StatusColumn the status of
	// rows whose cell is blank ("" for none).
	Status       string
	StatusColumn string // header of the column giving each row's status
	ListOnly     bool
	Partition    string
}

// Targeted reports whether the run adds the leads to a list or a program.
func (t PlanTarget) Targeted() bool { return t.List != "" || t.Program != "" }

// Clause is what the plan line adds after what the run sends: where the
// leads go next.
func (t PlanTarget) Clause() string {
	var steps []string
	if t.List != "" {
		s := "adds them to the list " + Quote(t.List)
		if t.NewList {
			s = "adds them to a new list " + Quote(t.List) + " (made in " + t.Folder + " when you press Start)"
		}
		steps = append(steps, s)
	}
	if t.Program != "" {
		s := "sets " + Quote(t.Program) + ": " + t.Status
		if t.StatusColumn != "" {
			s = "sets " + Quote(t.Program) + " to the status in the column " + Quote(t.StatusColumn)
		}
		steps = append(steps, s)
	}
	var out []string
	if len(steps) > 0 {
		who := "them"
		if t.ListOnly {
			who = "the ones found"
			for i := range steps {
				steps[i] = strings.Replace(steps[i], "them", who, 1)
			}
		}
		out = append(out, "then "+strings.Join(steps, " and "))
	}
	if t.Partition != "" {
		out = append(out, "new people go into the partition "+Quote(t.Partition))
	}
	return strings.Join(out, "; ")
}

// ProgramOutput is the results workbook's name for the program column:
// the program, with the status when every row gets the same one.
func (t PlanTarget) ProgramOutput() string {
	if t.Program == "" || t.StatusColumn != "" || t.Status == "" {
		return t.Program
	}
	return t.Program + ": " + t.Status
}

// ListOnlySentence is the plan line of a list-only run: its rows are
// looked up, not synced.
func ListOnlySentence(rows, batches int, key string) string {
	s := fmt.Sprintf("Look %s %s up in Marketo in %s %s (existing people only: nobody is created or changed)",
		Count(rows), Plural(rows, "row", "rows"), Count(batches), Plural(batches, "batch", "batches"))
	if key != "" {
		s += ", key: " + key
	}
	return s
}

// TargetCounts is the Sync step's line of what became of the rows' leads
// in the list and the program; "" when neither is targeted.
func TargetCounts(t importer.Totals, target PlanTarget) string {
	var parts []string
	count := func(n int, what string, always bool) string {
		if n == 0 && !always {
			return ""
		}
		return Count(n) + " " + what
	}
	join := func(items ...string) string {
		var keep []string
		for _, s := range items {
			if s != "" {
				keep = append(keep, s)
			}
		}
		return strings.Join(keep, ", ")
	}
	if target.List != "" {
		parts = append(parts, "List "+Quote(target.List)+": "+join(
			count(t.ListAdded, "added", true),
			count(t.ListAlready, Plural(t.ListAlready, "already a member", "already members"), false),
			count(t.ListNotFound, "not in Marketo", false),
			count(t.ListNotAdded, "not added yet", false)))
	}
	if target.Program != "" {
		parts = append(parts, "Program "+Quote(target.Program)+": "+join(
			count(t.ProgramSet, "status set", true),
			count(t.ProgramAlready, "already at or past it", false),
			count(t.ProgramRefused, "refused", false),
			count(t.ProgramNotSet, "not set yet", false),
			count(t.ProgramLaterRow, "overridden by a later row", false)))
	}
	return strings.Join(parts, " · ")
}

// ListCell and ProgramCell are a row's list and program outcomes as the
// live table shows them: the results workbook's words.
func ListCell(l importer.ListState) string { return results.ListWord(l) }

// ProgramCell is a row's program outcome in the results workbook's words.
func ProgramCell(p importer.ProgramState) string { return results.ProgramWord(p) }

// TargetTrouble reports whether a row's list or program outcome is one
// the operator has to look at: not done yet, or refused. A lead Marketo
// does not have is trouble only when the import asked to create or update
// it: list-only leaves such people out on purpose.
func TargetTrouble(state importer.RowState, l importer.ListState, p importer.ProgramState) bool {
	switch l {
	case importer.ListNotAdded, importer.ListAdding:
		return true
	case importer.ListNotFound:
		if state != importer.LeftAlone {
			return true
		}
	}
	return p == importer.ProgramNotSet || p == importer.ProgramRefused
}

// SearchLabels are the labels holding every word of query, ignoring
// case, in their order: what a searchable picker drops down as the
// operator types.
func SearchLabels(labels []string, query string) []string {
	words := strings.Fields(strings.ToLower(query))
	if len(words) == 0 {
		return labels
	}
	var out []string
	for _, l := range labels {
		low := strings.ToLower(l)
		ok := true
		for _, w := range words {
			if !strings.Contains(low, w) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, l)
		}
	}
	return out
}
