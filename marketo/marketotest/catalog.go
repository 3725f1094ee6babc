package marketotest

import (
	"maps"
	"math/bits"
	"slices"
	"strings"
	"time"
)

// Ids of what the sandbox seeds and creates. Each kind has its own range,
// away from lead ids (firstLeadID) and batchIds (firstBatchID), so a
// client that sends a lead id where a list id belongs, or a list id where
// a program id belongs, is answered "not found" instead of being lucky.
const (
	firstListID    = 6001
	firstProgramID = 7001
	// Folders of the Default workspace have the ids of the folders in
	// grouparoo's recording of a live instance ("Group Lists" is 12, its
	// parent 5); those of other workspaces count up from here.
	firstExtraFolderID = 100
)

// SeedListID, SeedProgramListID and SeedProgramID are what every sandbox
// starts with: the static list "Newsletter Subscribers" in Lead Database ›
// Group Lists, the list "Webinar Invitees" inside the program, and the
// program "2026 Product Webinar" (an Event on the Webinar channel) in
// Marketing Activities › Webinars, all in workspace Default and empty.
const (
	SeedListID        = firstListID
	SeedProgramListID = firstListID + 1
	SeedProgramID     = firstProgramID
)

// Folder ids of the Default workspace's seeded folders.
const (
	folderLeadDatabase        = 5
	folderGroupLists          = 12
	folderMarketingActivities = 15
	folderWebinars            = 16
)

// defaultPartitionDescription is the description Marketo gives its first
// partition.
const defaultPartitionDescription = "Initial system lead partition"

// partition is one lead partition; its id is its index in
// Server.partitions plus one.
type partition struct {
	name, description, workspace string
}

// newPartitions is Default followed by cfg's partitions, as Config
// describes.
func newPartitions(extra []Partition) []partition {
	out := []partition{{"Default", defaultPartitionDescription, "Default"}}
	seen := map[string]bool{"Default": true}
	for _, p := range extra {
		if p.Name == "" || seen[p.Name] || len(out) == 255 {
			continue
		}
		seen[p.Name] = true
		ws := p.Workspace
		if ws == "" {
			ws = "Default"
		}
		out = append(out, partition{p.Name, p.Description, ws})
	}
	return out
}

// folderRef is the {"id", "type"} form the Asset API names a folder or a
// program by.
type folderRef struct {
	ID   int    `json:"id"`
	Type string `json:"type"`
}

const (
	refFolder  = "Folder"
	refProgram = "Program"
)

// folder is a folder of the asset tree. The sandbox has no calls that make
// or change folders; the seeded ones are all there is.
type folder struct {
	id         int
	name       string
	parent     int // 0 for a workspace's root
	folderType string
	path       string
	workspace  string
	zone       int // accessZoneId: the workspace's number, from 1
	system     bool
}

// progressionStatus is one status of a channel, as channels.json gives it.
type progressionStatus struct {
	Name        string  `json:"name"`
	Step        int     `json:"step"`
	Description *string `json:"description"`
	Hidden      bool    `json:"hidden"`
	Success     bool    `json:"success"`
}

// channel is a program channel; statuses are in step order.
type channel struct {
	id          int
	name        string
	programType string // applicableProgramType
	statuses    []progressionStatus
}

// status returns the index of the status called name, or -1.
func (c *channel) status(name string) int {
	for i, st := range c.statuses {
		if st.Name == name {
			return i
		}
	}
	return -1
}

// staticList is one static list and its members.
type staticList struct {
	id          int
	name        string
	description string
	folder      folderRef
	programName string
	workspace   string
	created     time.Time
	updated     time.Time
	members     idSet
}

// program is one program and its members.
type program struct {
	id          int
	name        string
	description string
	typ         string // Default, Event, Engagement, Email
	channel     *channel
	folder      *folder
	workspace   string
	created     time.Time
	updated     time.Time
	members     map[int]programMember
}

// programMember is a lead's membership of a program. It holds no pointer,
// so a big program costs the collector nothing to scan.
type programMember struct {
	status     uint8 // index into the channel's statuses
	success    bool  // reached a success status at some point
	joined     int64 // Unix nanoseconds
	updated    int64
	successful int64 // when success was first reached
}

// catalog is the instance's assets: folders, channels, static lists and
// programs. The store's mutex guards it.
type catalog struct {
	folders    []*folder
	channels   []*channel
	lists      []*staticList // by id
	programs   []*program    // by id
	nextList   int
	nextProg   int
	workspaces []string  // Default first
	seeded     time.Time // when the seeded assets were made
}

// newCatalog seeds the assets every sandbox starts with (see SeedListID),
// a Lead Database and a Marketing Activities root for every workspace
// parts name, and a "Group Lists" folder in each Lead Database.
func newCatalog(parts []partition, now time.Time) *catalog {
	c := &catalog{nextList: firstListID, nextProg: firstProgramID, seeded: now}
	for _, p := range parts {
		if !slices.Contains(c.workspaces, p.workspace) {
			c.workspaces = append(c.workspaces, p.workspace)
		}
	}
	next := firstExtraFolderID
	for i, ws := range c.workspaces {
		ids := [3]int{folderLeadDatabase, folderGroupLists, folderMarketingActivities}
		if i > 0 {
			ids = [3]int{next, next + 1, next + 2}
			next += 3
		}
		c.folders = append(c.folders,
			&folder{id: ids[0], name: ws, folderType: "Zone", path: "/Lead Database/" + ws, workspace: ws, zone: i + 1, system: true},
			&folder{id: ids[1], name: "Group Lists", parent: ids[0], folderType: "List", path: "/Lead Database/" + ws + "/Group Lists", workspace: ws, zone: i + 1, system: true},
			&folder{id: ids[2], name: ws, folderType: "Zone", path: "/Marketing Activities/" + ws, workspace: ws, zone: i + 1, system: true},
		)
		if i == 0 {
			c.folders = append(c.folders, &folder{id: folderWebinars, name: "Webinars", parent: folderMarketingActivities,
				folderType: "Marketing Folder", path: "/Marketing Activities/Default/Webinars", workspace: ws, zone: 1})
		}
	}
	slices.SortFunc(c.folders, func(a, b *folder) int { return a.id - b.id })
	c.channels = seedChannels()

	c.addList("Newsletter Subscribers", "", folderRef{folderGroupLists, refFolder}, "", "Default", now)
	prog := c.addProgram("2026 Product Webinar", "Product launch webinar (seeded by the sandbox)", "Event", c.channelByName("Webinar"), c.folder(folderWebinars), now)
	c.addList("Webinar Invitees", "", folderRef{prog.id, refProgram}, prog.name, prog.workspace, now)
	return c
}

// seedChannels are the channels every sandbox has. Blog and Online
// Advertising are channels.md's examples as they are there; Email Blast
// and Webinar are the sandbox's own, after Marketo's defaults: Webinar has
// two statuses at step 30, between which a member may move (Adobe's
// "Create a Program Channel": "Use the equal values when statuses are
// intended to switch back and forth").
func seedChannels() []*channel {
	st := func(name string, step int, success bool) progressionStatus {
		return progressionStatus{Name: name, Step: step, Success: success}
	}
	return []*channel{
		{id: 1, name: "Email Blast", programType: "program", statuses: []progressionStatus{
			st("Not in Program", 0, false), st("Member", 10, false), st("Engaged", 20, true)}},
		{id: 3, name: "Blog", programType: "program", statuses: []progressionStatus{
			st("Not in Program", 0, false), st("Invited", 10, false), st("Visited Booth", 20, false), st("Influenced", 30, true)}},
		{id: 4, name: "Online Advertising", programType: "program", statuses: []progressionStatus{
			st("Not in Program", 0, false), st("Invited", 10, false), st("Registered", 20, false), st("No Show", 30, false), st("Attended", 40, true)}},
		{id: 5, name: "Webinar", programType: "event", statuses: []progressionStatus{
			st("Not in Program", 0, false), st("Invited", 10, false), st("Registered", 20, false), st("No Show", 30, false),
			st("Attended", 30, true), st("Attended On-demand", 40, true)}},
	}
}

func (c *catalog) addList(name, description string, in folderRef, programName, workspace string, now time.Time) *staticList {
	l := &staticList{id: c.nextList, name: name, description: description, folder: in, programName: programName,
		workspace: workspace, created: now, updated: now}
	c.nextList++
	c.lists = append(c.lists, l)
	return l
}

func (c *catalog) addProgram(name, description, typ string, ch *channel, in *folder, now time.Time) *program {
	p := &program{id: c.nextProg, name: name, description: description, typ: typ, channel: ch, folder: in,
		workspace: in.workspace, created: now, updated: now, members: map[int]programMember{}}
	c.nextProg++
	c.programs = append(c.programs, p)
	return p
}

// list returns the static list with id, or nil.
func (c *catalog) list(id int) *staticList {
	if i := id - firstListID; i >= 0 && i < len(c.lists) {
		return c.lists[i]
	}
	return nil
}

// program returns the program with id, or nil.
func (c *catalog) program(id int) *program {
	if i := id - firstProgramID; i >= 0 && i < len(c.programs) {
		return c.programs[i]
	}
	return nil
}

func (c *catalog) folder(id int) *folder {
	for _, f := range c.folders {
		if f.id == id {
			return f
		}
	}
	return nil
}

func (c *catalog) channelByName(name string) *channel {
	for _, ch := range c.channels {
		if ch.name == name {
			return ch
		}
	}
	return nil
}

// listNamed reports whether a list is called name, in any case: Marketo
// wants names unique, and the sandbox reads that strictly.
func (c *catalog) listNamed(name string) bool {
	for _, l := range c.lists {
		if strings.EqualFold(l.name, name) {
			return true
		}
	}
	return false
}

func (c *catalog) programNamed(name string) bool {
	for _, p := range c.programs {
		if strings.EqualFold(p.name, name) {
			return true
		}
	}
	return false
}

// idSet is a set of lead ids, one bit a lead from firstLeadID: lead ids
// are dense, so a list of any size costs at most an eighth of a byte per
// stored lead, answers membership at once and walks its members in id
// order, as pages of members need.
type idSet struct {
	words []uint64
	n     int
}

func (s *idSet) has(id int) bool {
	i := id - firstLeadID
	return i >= 0 && i/64 < len(s.words) && s.words[i/64]&(1<<(i%64)) != 0
}

// add puts id in the set and reports whether it was new.
func (s *idSet) add(id int) bool {
	i := id - firstLeadID
	if s.has(id) {
		return false
	}
	for i/64 >= len(s.words) {
		s.words = append(s.words, 0)
	}
	s.words[i/64] |= 1 << (i % 64)
	s.n++
	return true
}

// remove takes id out of the set and reports whether it was there.
func (s *idSet) remove(id int) bool {
	if !s.has(id) {
		return false
	}
	i := id - firstLeadID
	s.words[i/64] &^= 1 << (i % 64)
	s.n--
	return true
}

// after returns up to n members greater than after, in ascending order.
func (s *idSet) after(after, n int) []int {
	var out []int
	i := max(after-firstLeadID+1, 0)
	for w := i / 64; w < len(s.words) && len(out) < n; w++ {
		word := s.words[w]
		if w == i/64 {
			word &^= (1 << (i % 64)) - 1
		}
		for word != 0 && len(out) < n {
			b := bits.TrailingZeros64(word)
			out = append(out, firstLeadID+w*64+b)
			word &= word - 1
		}
	}
	return out
}

// all returns every member in ascending order.
func (s *idSet) all() []int { return s.after(firstLeadID-1, s.n) }

// StaticList is a snapshot of a static list and its members.
type StaticList struct {
	ID          int       `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Folder      folderRef `json:"folder"`
	ProgramName string    `json:"programName,omitempty"`
	Workspace   string    `json:"workspaceName"`
	CreatedAt   time.Time `json:"createdAt"`
	// Members are lead ids, ascending.
	Members []int `json:"members"`
}

// Program is a snapshot of a program and its members.
type Program struct {
	ID        int             `json:"id"`
	Name      string          `json:"name"`
	Type      string          `json:"type"`
	Channel   string          `json:"channel"`
	Workspace string          `json:"workspace"`
	Members   []ProgramMember `json:"members"`
}

// ProgramMember is one lead's membership of a program.
type ProgramMember struct {
	LeadID         int       `json:"leadId"`
	Status         string    `json:"statusName"`
	ReachedSuccess bool      `json:"reachedSuccess"`
	MembershipDate time.Time `json:"membershipDate"`
	UpdatedAt      time.Time `json:"updatedAt"`
}

// LeadPartition is a lead partition of the sandbox.
type LeadPartition struct {
	ID          int    `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Workspace   string `json:"workspace"`
	// Denied is true when the API user has no access to it
	// (Config.DeniedPartitions).
	Denied bool `json:"denied"`
}

// Lists returns a snapshot of every static list, by ascending id, with the
// rows of bulk imports applied as far as the sandbox clock says.
func (s *Server) Lists() []StaticList {
	s.advanceBulk()
	st := s.store
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make([]StaticList, len(st.cat.lists))
	for i, l := range st.cat.lists {
		out[i] = StaticList{ID: l.id, Name: l.name, Description: l.description, Folder: l.folder, ProgramName: l.programName,
			Workspace: l.workspace, CreatedAt: l.created.UTC(), Members: l.members.all()}
		if out[i].Members == nil {
			out[i].Members = []int{}
		}
	}
	return out
}

// Programs returns a snapshot of every program, by ascending id, members
// by ascending lead id.
func (s *Server) Programs() []Program {
	s.advanceBulk()
	st := s.store
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make([]Program, len(st.cat.programs))
	for i, p := range st.cat.programs {
		out[i] = Program{ID: p.id, Name: p.name, Type: p.typ, Channel: p.channel.name, Workspace: p.workspace, Members: []ProgramMember{}}
		for _, id := range slices.Sorted(maps.Keys(p.members)) {
			m := p.members[id]
			out[i].Members = append(out[i].Members, ProgramMember{LeadID: id, Status: p.channel.statuses[m.status].Name,
				ReachedSuccess: m.success, MembershipDate: time.Unix(0, m.joined).UTC(), UpdatedAt: time.Unix(0, m.updated).UTC()})
		}
	}
	return out
}

// Partitions returns the sandbox's lead partitions, Default first.
func (s *Server) Partitions() []LeadPartition {
	cfg := s.Config()
	out := make([]LeadPartition, len(s.partitions))
	for i, p := range s.partitions {
		out[i] = LeadPartition{ID: i + 1, Name: p.name, Description: p.description, Workspace: p.workspace,
			Denied: slices.Contains(cfg.DeniedPartitions, p.name)}
	}
	return out
}
