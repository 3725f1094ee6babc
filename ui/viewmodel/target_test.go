package viewmodel

import (
	"fmt"
	"strings"
	"testing"

	"leadsheet/importer"
	"leadsheet/importer/job"
	"leadsheet/importer/sheet"
	"leadsheet/marketo"
)

// testCatalog is an instance with two lists of one name (two programs'),
// a folder, a program and two partitions.
func testCatalog() job.Catalog {
	return job.Catalog{
		Lists: []marketo.StaticList{
			{ID: 6001, Name: "Newsletter Subscribers", WorkspaceName: "Default"},
			{ID: 6002, Name: "Invitees", ProgramName: "2026 Product Webinar"},
			{ID: 6003, Name: "Invitees", ProgramName: "2026 Product Webinar"},
		},
		Folders: []marketo.Folder{
			{ID: 12, Type: "Folder", Name: "Group Lists", Path: "/Lead Database/Default/Group Lists"},
			{ID: 7001, Type: "Program", Name: "2026 Product Webinar"},
		},
		Programs:   []marketo.Program{{ID: 7001, Name: "2026 Product Webinar", Channel: "Webinar"}},
		Partitions: []marketo.Partition{{ID: 1, Name: "Default"}, {ID: 2, Name: "Europe"}},
	}
}

func webinar() job.ProgramTarget {
	return job.ProgramTarget{Program: marketo.Program{ID: 7001, Name: "2026 Product Webinar", Channel: "Webinar"},
		Statuses: []string{"Invited", "Registered", "No Show", "Attended"}}
}

func TestTargetCatalogLabels(t *testing.T) {
	var m TargetModel
	m.SetCatalog(testCatalog())
	tests := []struct {
		name      string
		got, want string
	}{
		{"lists, a new one first; a list in a program says so; a shared name gets its id",
			strings.Join(m.ListOptions(), " | "),
			"New list… | Newsletter Subscribers | Invitees (in 2026 Product Webinar) | Invitees (in 2026 Product Webinar) · id 6003"},
		{"folders by path, programs marked", strings.Join(m.FolderOptions(), " | "),
			"/Lead Database/Default/Group Lists | 2026 Product Webinar (program)"},
		{"partitions, the default first", strings.Join(m.PartitionOptions(), " | "), "The API user's default | Default | Europe"},
		{"search narrows to every word", strings.Join(SearchLabels(m.ListOptions(), "invitees 6003"), " | "),
			"Invitees (in 2026 Product Webinar) · id 6003"},
		{"search ignores case", strings.Join(SearchLabels(m.ListOptions(), "NEWS"), " | "), "Newsletter Subscribers"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, tt.got, tt.want)
		}
	}
	if !m.PartitionShown() {
		t.Error("two partitions: the picker is not offered")
	}
	var one TargetModel
	one.SetCatalog(job.Catalog{Partitions: []marketo.Partition{{ID: 1, Name: "Default"}}})
	if one.PartitionShown() {
		t.Error("an instance with only Default offers a partition picker")
	}
}

// TestTargetApply: what each choice puts in the job's settings, and what
// is still missing before Start may send.
func TestTargetApply(t *testing.T) {
	tests := []struct {
		name    string
		choose  func(m *TargetModel)
		column  int // the member status column, -1 for none
		want    job.Settings
		missing string // a part of Missing, "" for nothing missing
		summary string
		clause  string
	}{
		{name: "nothing", choose: func(m *TargetModel) {}, column: -1,
			summary: "Target: the leads only (no static list or program)"},
		{name: "list ticked, none picked", choose: func(m *TargetModel) { m.ListOn = true }, column: -1,
			missing: "Choose the static list", summary: "Target: a static list (choose it)"},
		{name: "existing list", column: -1, choose: func(m *TargetModel) {
			m.ListOn = true
			m.PickList("Newsletter Subscribers")
		}, want: job.Settings{List: marketo.StaticList{ID: 6001, Name: "Newsletter Subscribers", WorkspaceName: "Default"}},
			summary: "Target: list “Newsletter Subscribers”", clause: "then adds them to the list “Newsletter Subscribers”"},
		{name: "new list without a folder", column: -1, choose: func(m *TargetModel) {
			m.ListOn = true
			m.PickList(NewListOption)
			m.NewName = " Fair 2026 "
		}, want: job.Settings{List: marketo.StaticList{Name: "Fair 2026"}}, missing: "Choose the folder"},
		{name: "new list in a folder", column: -1, choose: func(m *TargetModel) {
			m.ListOn = true
			m.PickList(NewListOption)
			m.NewName = "Fair 2026"
			m.PickFolder("/Lead Database/Default/Group Lists")
		}, want: job.Settings{List: marketo.StaticList{Name: "Fair 2026"}}, summary: "Target: new list “Fair 2026”",
			clause: "then adds them to a new list “Fair 2026” (made in /Lead Database/Default/Group Lists when you press Start)"},
		{name: "program whose statuses are being read", column: -1, choose: func(m *TargetModel) {
			m.ProgramOn = true
			m.PickProgram("2026 Product Webinar")
		}, missing: StatusesLoading},
		{name: "program without a status", column: -1, choose: func(m *TargetModel) {
			m.ProgramOn = true
			m.PickProgram("2026 Product Webinar")
			m.SetStatuses(webinar())
		}, want: job.Settings{Program: webinar()}, missing: "Choose the member status"},
		{name: "program and status, list-only, with a list", column: -1, choose: func(m *TargetModel) {
			m.ListOn, m.ProgramOn, m.ListOnly = true, true, true
			m.PickList("Newsletter Subscribers")
			m.PickProgram("2026 Product Webinar")
			m.SetStatuses(webinar())
			m.PickStatus("Registered")
		}, want: job.Settings{List: marketo.StaticList{ID: 6001, Name: "Newsletter Subscribers", WorkspaceName: "Default"},
			Program: webinar(), ProgramStatus: "Registered", ListOnly: true},
			summary: "Target: list “Newsletter Subscribers” · program “2026 Product Webinar”: Registered · existing people only",
			clause:  "then adds the ones found to the list “Newsletter Subscribers” and sets “2026 Product Webinar”: Registered"},
		{name: "status from a column not chosen yet", column: -1, choose: func(m *TargetModel) {
			m.ProgramOn = true
			m.PickProgram("2026 Product Webinar")
			m.SetStatuses(webinar())
			m.PickStatus(StatusFromColumn)
		}, want: job.Settings{Program: webinar()}, missing: "Choose the column"},
		{name: "status from a column, blank cells registered", column: 2, choose: func(m *TargetModel) {
			m.ProgramOn = true
			m.PickProgram("2026 Product Webinar")
			m.SetStatuses(webinar())
			m.PickStatus("Attended") // then changed to a column: the one status no longer counts
			m.PickStatus(StatusFromColumn)
			m.PickBlank("Registered")
		}, want: job.Settings{Program: webinar(), ProgramStatus: "Registered"},
			summary: "Target: program “2026 Product Webinar”, status from the column “Status”",
			clause:  "then sets “2026 Product Webinar” to the status in the column “Status”"},
		{name: "list-only without a list or program is dropped", column: -1, choose: func(m *TargetModel) { m.ListOnly = true }},
		{name: "partition", column: -1, choose: func(m *TargetModel) { m.PickPartition("Europe") },
			want: job.Settings{Partition: "Europe"}, summary: "Target: partition “Europe”", clause: "new people go into the partition “Europe”"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m TargetModel
			m.SetCatalog(testCatalog())
			tt.choose(&m)
			var got job.Settings
			m.Apply(&got)
			if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", tt.want) {
				t.Errorf("settings\n got %+v\nwant %+v", got, tt.want)
			}
			missing := m.Missing(tt.column)
			if (tt.missing == "") != (missing == "") || !strings.Contains(missing, tt.missing) {
				t.Errorf("missing %q, want %q", missing, tt.missing)
			}
			header := ""
			if tt.column >= 0 {
				header = "Status"
			}
			if tt.summary != "" && m.Summary(header) != tt.summary {
				t.Errorf("summary %q, want %q", m.Summary(header), tt.summary)
			}
			if tt.clause != "" || missing == "" {
				if got := m.Plan(header).Clause(); got != tt.clause {
					t.Errorf("plan clause %q, want %q", got, tt.clause)
				}
			}
		})
	}
}

// TestTargetNothingBeforeCatalog: choices made before the instance's
// catalog is known (none can be) send nothing and block nothing.
func TestTargetNothingBeforeCatalog(t *testing.T) {
	m := TargetModel{ListOn: true, ProgramOn: true, ListOnly: true, Partition: "Europe"}
	var s job.Settings
	m.Apply(&s)
	if fmt.Sprintf("%+v", s) != fmt.Sprintf("%+v", job.Settings{}) || m.Missing(-1) != "" || m.Plan("").Targeted() {
		t.Errorf("without a catalog: settings %+v, missing %q, plan %+v", s, m.Missing(-1), m.Plan(""))
	}
}

// TestTargetStatusesOfAnotherProgram: statuses that arrive for a program
// no longer picked are dropped, and a status the new program's channel
// lacks is forgotten.
func TestTargetStatusesOfAnotherProgram(t *testing.T) {
	var m TargetModel
	cat := testCatalog()
	cat.Programs = append(cat.Programs, marketo.Program{ID: 7002, Name: "Newsletter", Channel: "Email Blast"})
	m.SetCatalog(cat)
	m.ProgramOn = true
	m.PickProgram("2026 Product Webinar")
	m.SetStatuses(webinar())
	m.PickStatus("Registered")
	m.PickProgram("Newsletter")
	m.SetStatuses(webinar()) // late: the webinar's
	if m.StatusesKnown() || m.Status != "Registered" {
		t.Fatalf("a late answer for another program was taken: known %v, status %q", m.StatusesKnown(), m.Status)
	}
	m.SetStatuses(job.ProgramTarget{Program: cat.Programs[1], Statuses: []string{"Member", "Engaged"}})
	if !m.StatusesKnown() || m.Status != "" || strings.Join(m.StatusOptions(), ",") != "Member,Engaged,"+StatusFromColumn {
		t.Errorf("the newsletter's statuses: known %v, status %q, options %q", m.StatusesKnown(), m.Status, m.StatusOptions())
	}
}

// TestTargetListCreated: once Start made the new list, the choice is that
// list, so the next check imports into it instead of making another.
func TestTargetListCreated(t *testing.T) {
	var m TargetModel
	m.SetCatalog(testCatalog())
	m.ListOn = true
	m.PickList(NewListOption)
	m.NewName = "Fair 2026"
	m.PickFolder("/Lead Database/Default/Group Lists")
	made := marketo.StaticList{ID: 6010, Name: "Fair 2026"}
	m.ListCreated(made)
	var s job.Settings
	m.Apply(&s)
	if s.List != made || m.NewList || m.ListLabel() != "Fair 2026" || m.Missing(-1) != "" {
		t.Errorf("after the list was made: settings list %+v, new %v, label %q, missing %q", s.List, m.NewList, m.ListLabel(), m.Missing(-1))
	}
	m.SetCatalog(*m.Catalog()) // read again: the list stays chosen
	if m.List != made {
		t.Errorf("reading the catalog again dropped the made list: %+v", m.List)
	}
}

func TestTargetCounts(t *testing.T) {
	both := PlanTarget{List: "Newsletter Subscribers", Program: "2026 Product Webinar", Status: "Registered"}
	tests := []struct {
		name   string
		totals importer.Totals
		target PlanTarget
		want   string
	}{
		{"no target", importer.Totals{Created: 3}, PlanTarget{}, ""},
		{"before the run", importer.Totals{Waiting: 3}, both,
			"List “Newsletter Subscribers”: 0 added · Program “2026 Product Webinar”: 0 status set"},
		{"every outcome", importer.Totals{ListAdded: 3, ListAlready: 1, ListNotFound: 2, ListNotAdded: 4,
			ProgramSet: 5, ProgramAlready: 1, ProgramRefused: 2, ProgramNotSet: 1}, both,
			"List “Newsletter Subscribers”: 3 added, 1 already a member, 2 not in Marketo, 4 not added yet · " +
				"Program “2026 Product Webinar”: 5 status set, 1 already at or past it, 2 refused, 1 not set yet"},
	}
	for _, tt := range tests {
		if got := TargetCounts(tt.totals, tt.target); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
	if got := both.ProgramOutput(); got != "2026 Product Webinar: Registered" {
		t.Errorf("results column for one status: %q", got)
	}
	if got := (PlanTarget{Program: "2026 Product Webinar", Status: "Registered", StatusColumn: "Status"}).ProgramOutput(); got != "2026 Product Webinar" {
		t.Errorf("results column for a status column: %q", got)
	}
}

// TestSyncModelTargets: each row keeps its list and program outcome from
// the run's events, the totals count them, the rows needing attention
// include the leads not added, and the results carry them.
func TestSyncModelTargets(t *testing.T) {
	m := NewSyncModel(sampleRows(5), nil)
	m.Start(nil)
	m.Apply(importer.Event{Kind: importer.BatchDone, Results: []importer.RowResult{
		{Row: 2, State: importer.Created, LeadID: 1, List: importer.ListAdded, Program: importer.ProgramSet},
		{Row: 3, State: importer.Updated, LeadID: 2, List: importer.ListAlready, Program: importer.ProgramAlready},
		{Row: 4, State: importer.Updated, LeadID: 3, List: importer.ListAdding, Program: importer.ProgramNotSet},
		{Row: 5, State: importer.LeftAlone, List: importer.ListNotFound},         // list-only: not in Marketo
		{Row: 6, State: importer.InMarketo, LeadID: 4, List: importer.ListAdded}, // list-only: found
	}})
	p := m.Progress()
	want := importer.Totals{Created: 1, Updated: 2, LeftAlone: 1, InMarketo: 1, ListAdded: 2, ListAlready: 1, ListNotFound: 1,
		ListNotAdded: 1, ProgramSet: 1, ProgramAlready: 1, ProgramNotSet: 1}
	if p.Totals != want || p.Done != 5 {
		t.Errorf("totals\n got %+v\nwant %+v (done %d)", p.Totals, want, p.Done)
	}
	if got := fmt.Sprint(m.Problems(nil)); got != "[2]" {
		t.Errorf("rows needing attention %s, want [2] (row 4: not added, status not set)", got)
	}
	if got := fmt.Sprint(m.RowsToRetry()); got != "[4]" {
		t.Errorf("rows to retry %s, want [4]: its lead is not in the list yet", got)
	}
	res := m.Results()
	if res[0].List != importer.ListAdded || res[0].Program != importer.ProgramSet || res[2].List != importer.ListAdding {
		t.Errorf("results lose the outcomes: %+v", res)
	}
	// Sent again, a row starts over with no outcome.
	m.Start([]int{4})
	if r := m.Row(2); r.List != importer.ListNone || r.Program != importer.ProgramNone || m.Progress().Totals.ListNotAdded != 0 {
		t.Errorf("a row sent again keeps its old outcome: %+v, totals %+v", r, m.Progress().Totals)
	}
}

// TestStatusColumnIsNoField: the member status column maps to no field,
// one column at a time, keys are not offered, and a new mapping of the
// same header keeps it.
func TestStatusColumnIsNoField(t *testing.T) {
	h := sheet.Header{Row: 1, Names: []string{"Email", "First Name", "Status"}, Letters: []string{"A", "B", "C"}}
	m := NewMapModel(h, nil, nil)
	if got := strings.Join(m.StatusColumnOptions(), ","); got != "First Name,Status" {
		t.Errorf("status column offered among %q, want the columns but the key", got)
	}
	m.SetStatusColumn(m.ColumnNamed("Status"))
	if m.StatusColumn() != 2 || m.Label(2) != LabelMemberState || m.Badge(2) == "" {
		t.Fatalf("status column %d, its label %q, badge %q", m.StatusColumn(), m.Label(2), m.Badge(2))
	}
	if changed := m.SetStatusColumn(1); fmt.Sprint(changed) != "[2 1]" || m.StatusColumn() != 1 || m.Mapping.Columns[2].Kind != importer.Skip {
		t.Errorf("moving the status column: changed %v, column %d, old one %+v", changed, m.StatusColumn(), m.Mapping.Columns[2])
	}
	if p := m.Preset("scans"); p.Mapping.Columns[1].Kind != importer.Skip || m.StatusColumn() != 1 {
		t.Errorf("a saved mapping keeps the status column (%+v), or saving drops it from the mapping (%d)", p.Mapping.Columns[1], m.StatusColumn())
	}
	next := NewMapModel(h, nil, nil)
	next.KeepChoices(m)
	if next.StatusColumn() != 1 {
		t.Errorf("the new mapping of the same header lost the status column: %d", next.StatusColumn())
	}
	if m.SetStatusColumn(-1); m.StatusColumn() != -1 {
		t.Errorf("no status column asked, %d kept", m.StatusColumn())
	}
}
