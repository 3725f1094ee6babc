package marketo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Where an import can put the people it sends besides the lead database:
// a static list, a program with a member status, a lead partition. REST
// only; every call counts against the same limits as Sync Leads.

// StaticList is a static list in the lead database.
type StaticList struct {
	ID            int
	Name          string
	ProgramName   string // the program holding it; "" for a list in a folder
	WorkspaceName string
}

// Folder is where a new static list goes: a folder or a program.
type Folder struct {
	ID   int
	Type string // "Folder" or "Program"
	Name string
	Path string // where it sits, as Marketo shows it ("/Lead Database/Group Lists"); may be empty
}

// Program is a marketing program.
type Program struct {
	ID        int
	Name      string
	Channel   string
	Workspace string
}

// ProgressionStatus is one member status of a channel: programs of the
// channel move their members through them by step, forward only.
type ProgressionStatus struct {
	Name    string
	Step    int
	Hidden  bool
	Success bool
}

// Channel is a program channel and its statuses, in step order.
type Channel struct {
	Name     string
	Statuses []ProgressionStatus
}

// Partition is a lead partition; partitions do not dedupe against each
// other.
type Partition struct {
	ID          int
	Name        string
	Description string
}

// MemberResult is Marketo's answer for one lead of a list or program call.
type MemberResult struct {
	LeadID int
	Status string // "added", "memberof", "notmemberof", "created", "updated", "removed", "deleted" or "skipped"
	Code   string // the first reason's code when skipped ("1004", "1015", "1037")
	Reason string // Marketo's words for it
}

// Codes of a skipped member.
const (
	CodeLeadNotFound  = "1004" // also a lead deleted already
	CodeNotInList     = "1015" // Remove from List: the lead is not a member
	CodeAlreadyStatus = "1037" // the lead is already in or past this status
	CodeNoSuchStatus  = "1025" // the status is not one of the program's channel
	codeNoAssets      = "702"  // the Asset API's "no assets found": an empty answer
)

// MaxMembers is the most lead ids one list or program call takes.
const MaxMembers = 300

// ListAdder adds leads to a static list, telling first which are members
// already. RESTClient implements it.
type ListAdder interface {
	IsMember(ctx context.Context, listID int, leadIDs []int) ([]MemberResult, error)
	AddToList(ctx context.Context, listID int, leadIDs []int) ([]MemberResult, error)
}

// ProgramStatusSetter makes leads members of a program with a status.
// RESTClient implements it.
type ProgramStatusSetter interface {
	SetProgramStatus(ctx context.Context, programID int, status string, leadIDs []int) ([]MemberResult, error)
}

// Targeter finds and fills the places an import can target. RESTClient
// implements it.
type Targeter interface {
	Lists(ctx context.Context, name string) ([]StaticList, error)
	CreateList(ctx context.Context, name string, in Folder) (StaticList, error)
	FolderByName(ctx context.Context, name string) ([]Folder, error)
	Folders(ctx context.Context) ([]Folder, error)
	AddToList(ctx context.Context, listID int, leadIDs []int) ([]MemberResult, error)
	Programs(ctx context.Context) ([]Program, error)
	Channel(ctx context.Context, name string) (Channel, error)
	SetProgramStatus(ctx context.Context, programID int, status string, leadIDs []int) ([]MemberResult, error)
	Partitions(ctx context.Context) ([]Partition, error)
}

type restList struct {
	ID            int    `json:"id"`
	Name          string `json:"name"`
	ProgramName   string `json:"programName"`
	WorkspaceName string `json:"workspaceName"`
}

// Lists reads the static lists named name (every list when name is
// empty), following Marketo's paging.
func (c *RESTClient) Lists(ctx context.Context, name string) ([]StaticList, error) {
	const op = "Marketo REST Get Lists"
	q := url.Values{"batchSize": {strconv.Itoa(MaxMembers)}}
	if name != "" {
		q.Set("name", name)
	}
	var out []StaticList
	for {
		r, err := callREST[restList](ctx, c, op, http.MethodGet, c.restBase+"/v1/lists.json?"+q.Encode(), nil, "")
		if err != nil {
			return nil, err
		}
		for _, l := range r.Result {
			out = append(out, StaticList(l))
		}
		if r.NextPageToken == "" || len(r.Result) == 0 {
			return out, nil
		}
		q.Set("nextPageToken", r.NextPageToken)
	}
}

type restFolderRef struct {
	ID   int    `json:"id"`
	Type string `json:"type"`
}

type restAssetList struct {
	ID     int           `json:"id"`
	Name   string        `json:"name"`
	Folder restFolderRef `json:"folder"`
}

// CreateList makes a static list named name in a folder or program.
// Marketo refuses a name already taken.
func (c *RESTClient) CreateList(ctx context.Context, name string, in Folder) (StaticList, error) {
	const op = "Marketo REST Create Static List"
	if strings.TrimSpace(name) == "" {
		return StaticList{}, fmt.Errorf("%s: the list needs a name", op)
	}
	if in.ID <= 0 || (in.Type != "Folder" && in.Type != "Program") {
		return StaticList{}, fmt.Errorf("%s: %q is not a folder or program to create the list in", op, in.Name)
	}
	folder, err := json.Marshal(restFolderRef{ID: in.ID, Type: in.Type})
	if err != nil {
		return StaticList{}, fmt.Errorf("%s: %w", op, err)
	}
	form := url.Values{"name": {name}, "folder": {string(folder)}}
	r, err := callREST[restAssetList](ctx, c, op, http.MethodPost, c.restBase+"/asset/v1/staticLists.json", []byte(form.Encode()), "application/x-www-form-urlencoded")
	if err != nil {
		return StaticList{}, err
	}
	if len(r.Result) != 1 || r.Result[0].ID <= 0 {
		return StaticList{}, fmt.Errorf("%s: Marketo answered with %d lists: %w", op, len(r.Result), ErrMismatchedAnswer)
	}
	l := StaticList{ID: r.Result[0].ID, Name: r.Result[0].Name}
	if in.Type == "Program" {
		l.ProgramName = in.Name
	}
	return l, nil
}

type restFolder struct {
	FolderID restFolderRef `json:"folderId"`
	Name     string        `json:"name"`
	Path     string        `json:"path"`
}

// FolderByName finds the folders and programs named name that a list can
// be created in.
func (c *RESTClient) FolderByName(ctx context.Context, name string) ([]Folder, error) {
	const op = "Marketo REST Get Folder by Name"
	r, err := callREST[restFolder](ctx, c, op, http.MethodGet, c.restBase+"/asset/v1/folder/byName.json?"+url.Values{"name": {name}}.Encode(), nil, "")
	if noAssets(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := make([]Folder, 0, len(r.Result))
	for _, f := range r.Result {
		out = append(out, Folder{ID: f.FolderID.ID, Type: f.FolderID.Type, Name: f.Name, Path: f.Path})
	}
	return out, nil
}

// maxFoldersPage is the Asset API's largest maxReturn for folders.
const maxFoldersPage = 200

// Folders reads every folder and program a list can be created in, a page
// of 200 at a time, for a picker.
func (c *RESTClient) Folders(ctx context.Context) ([]Folder, error) {
	const op = "Marketo REST Get Folders"
	var out []Folder
	for offset := 0; ; offset += maxFoldersPage {
		q := url.Values{"maxReturn": {strconv.Itoa(maxFoldersPage)}, "offset": {strconv.Itoa(offset)}, "maxDepth": {"10"}}
		r, err := callREST[restFolder](ctx, c, op, http.MethodGet, c.restBase+"/asset/v1/folders.json?"+q.Encode(), nil, "")
		if noAssets(err) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		for _, f := range r.Result {
			out = append(out, Folder{ID: f.FolderID.ID, Type: f.FolderID.Type, Name: f.Name, Path: f.Path})
		}
		if len(r.Result) < maxFoldersPage {
			return out, nil
		}
	}
}

// noAssets reports the Asset API's way of saying nothing matched.
func noAssets(err error) bool {
	var me *Error
	return errors.As(err, &me) && me.Code == codeNoAssets
}

type restMemberRecord struct {
	Seq     *int        `json:"seq"` // program calls: the input's index
	ID      int         `json:"id"`
	LeadID  int         `json:"leadId"`
	Status  string      `json:"status"`
	Reasons []restError `json:"reasons"`
}

// memberCall sends body to endpoint as JSON with method (a GET, which has
// no body, passes nil) and returns one result per lead of ids, in their
// order. Program calls number their results (seq) and leave the lead id
// out of a skipped one, as Adobe's example shows; list and lead calls
// answer in order with the id.
func (c *RESTClient) memberCall(ctx context.Context, op, method, endpoint string, body any, ids []int) ([]MemberResult, error) {
	if len(ids) == 0 || len(ids) > MaxMembers {
		return nil, fmt.Errorf("%s: %d leads in one call; Marketo takes 1 to %d", op, len(ids), MaxMembers)
	}
	contentType := ""
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		contentType = "application/json"
	}
	r, err := callREST[restMemberRecord](ctx, c, op, method, endpoint, b, contentType)
	if err != nil {
		return nil, err
	}
	if len(r.Result) != len(ids) {
		return nil, fmt.Errorf("%s: %d results for %d leads: %w", op, len(r.Result), len(ids), ErrMismatchedAnswer)
	}
	out := make([]MemberResult, len(ids))
	seen := make([]bool, len(ids))
	for n, rec := range r.Result {
		i := n
		if rec.Seq != nil {
			i = *rec.Seq
		}
		id := rec.ID
		if id == 0 {
			id = rec.LeadID
		}
		if i < 0 || i >= len(ids) || seen[i] || (id != 0 && id != ids[i]) || (id == 0 && rec.Seq == nil) {
			return nil, fmt.Errorf("%s: result %d does not answer for lead %d: %w", op, n+1, ids[min(max(i, 0), len(ids)-1)], ErrMismatchedAnswer)
		}
		seen[i] = true
		out[i] = MemberResult{LeadID: ids[i], Status: rec.Status}
		if len(rec.Reasons) > 0 {
			out[i].Code, out[i].Reason = string(rec.Reasons[0].Code), rec.Reasons[0].Message
		}
	}
	return out, nil
}

type idInput struct {
	ID int `json:"id"`
}

// idsBody is the {"input":[{"id":N},…]} body of the list and lead calls.
func idsBody(ids []int) any {
	input := make([]idInput, len(ids))
	for i, id := range ids {
		input[i] = idInput{id}
	}
	return struct {
		Input []idInput `json:"input"`
	}{input}
}

// AddToList adds leads to a static list: "added", or "skipped" with a
// reason (1004: no such lead). Adding a member again changes nothing.
func (c *RESTClient) AddToList(ctx context.Context, listID int, leadIDs []int) ([]MemberResult, error) {
	return c.memberCall(ctx, "Marketo REST Add to List", http.MethodPost, fmt.Sprintf("%s/v1/lists/%d/leads.json", c.restBase, listID),
		idsBody(leadIDs), leadIDs)
}

// IsMember tells which of leadIDs are members of a static list:
// "memberof", "notmemberof", or "skipped" with a reason (1004).
func (c *RESTClient) IsMember(ctx context.Context, listID int, leadIDs []int) ([]MemberResult, error) {
	q := make(url.Values, 1)
	for _, id := range leadIDs {
		q.Add("id", strconv.Itoa(id))
	}
	return c.memberCall(ctx, "Marketo REST Member of List", http.MethodGet, fmt.Sprintf("%s/v1/lists/%d/leads/ismember.json?%s", c.restBase, listID, q.Encode()), nil, leadIDs)
}

// ListMembers reads the ids of a static list's members, following
// Marketo's paging.
func (c *RESTClient) ListMembers(ctx context.Context, listID int) ([]int, error) {
	const op = "Marketo REST Get Leads by List Id"
	q := url.Values{"fields": {"id"}, "batchSize": {strconv.Itoa(MaxMembers)}}
	var out []int
	for {
		r, err := callREST[struct {
			ID int `json:"id"`
		}](ctx, c, op, http.MethodGet, fmt.Sprintf("%s/v1/lists/%d/leads.json?%s", c.restBase, listID, q.Encode()), nil, "")
		if err != nil {
			return nil, err
		}
		for _, l := range r.Result {
			out = append(out, l.ID)
		}
		if r.NextPageToken == "" || len(r.Result) == 0 {
			return out, nil
		}
		q.Set("nextPageToken", r.NextPageToken)
	}
}

// ProgramMembersAt reads the ids of a program's members at status,
// following Marketo's paging.
func (c *RESTClient) ProgramMembersAt(ctx context.Context, programID int, status string) ([]int, error) {
	const op = "Marketo REST Get Program Members"
	q := url.Values{"filterType": {"statusName"}, "filterValues": {status}, "batchSize": {strconv.Itoa(MaxMembers)}}
	var out []int
	for {
		r, err := callREST[struct {
			LeadID int `json:"leadId"`
		}](ctx, c, op, http.MethodGet, fmt.Sprintf("%s/v1/programs/%d/members.json?%s", c.restBase, programID, q.Encode()), nil, "")
		if err != nil {
			return nil, err
		}
		for _, m := range r.Result {
			out = append(out, m.LeadID)
		}
		if r.NextPageToken == "" || len(r.Result) == 0 {
			return out, nil
		}
		q.Set("nextPageToken", r.NextPageToken)
	}
}

type restProgram struct {
	ID        int    `json:"id"`
	Name      string `json:"name"`
	Channel   string `json:"channel"`
	Workspace string `json:"workspace"`
}

// maxProgramsPage is the Asset API's largest maxReturn for programs.
const maxProgramsPage = 200

// Programs reads every program, a page of 200 at a time.
func (c *RESTClient) Programs(ctx context.Context) ([]Program, error) {
	const op = "Marketo REST Get Programs"
	var out []Program
	for offset := 0; ; offset += maxProgramsPage {
		q := url.Values{"maxReturn": {strconv.Itoa(maxProgramsPage)}, "offset": {strconv.Itoa(offset)}}
		r, err := callREST[restProgram](ctx, c, op, http.MethodGet, c.restBase+"/asset/v1/programs.json?"+q.Encode(), nil, "")
		if noAssets(err) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		for _, p := range r.Result {
			out = append(out, Program(p))
		}
		if len(r.Result) < maxProgramsPage {
			return out, nil
		}
	}
}

type restChannel struct {
	Name     string `json:"name"`
	Statuses []struct {
		Name    string `json:"name"`
		Step    int    `json:"step"`
		Hidden  bool   `json:"hidden"`
		Success bool   `json:"success"`
	} `json:"progressionStatuses"`
}

// Channel reads a channel's member statuses, sorted by step.
func (c *RESTClient) Channel(ctx context.Context, name string) (Channel, error) {
	const op = "Marketo REST Get Channel by Name"
	r, err := callREST[restChannel](ctx, c, op, http.MethodGet, c.restBase+"/asset/v1/channel/byName.json?"+url.Values{"name": {name}}.Encode(), nil, "")
	if err != nil {
		return Channel{}, err
	}
	if len(r.Result) != 1 {
		return Channel{}, fmt.Errorf("%s: Marketo answered with %d channels named %q: %w", op, len(r.Result), name, ErrMismatchedAnswer)
	}
	ch := Channel{Name: r.Result[0].Name}
	for _, s := range r.Result[0].Statuses {
		ch.Statuses = append(ch.Statuses, ProgressionStatus(s))
	}
	slices.SortStableFunc(ch.Statuses, func(a, b ProgressionStatus) int { return a.Step - b.Step })
	return ch, nil
}

type leadIDInput struct {
	LeadID int `json:"leadId"`
}

// SetProgramStatus makes leads members of a program with status, or moves
// them to it: "created", "updated", or "skipped" with a reason (1037:
// already in or past this status; statuses only move forward).
func (c *RESTClient) SetProgramStatus(ctx context.Context, programID int, status string, leadIDs []int) ([]MemberResult, error) {
	input := make([]leadIDInput, len(leadIDs))
	for i, id := range leadIDs {
		input[i] = leadIDInput{id}
	}
	return c.memberCall(ctx, "Marketo REST Change Program Member Status", http.MethodPost, fmt.Sprintf("%s/v1/programs/%d/members/status.json", c.restBase, programID),
		struct {
			StatusName string        `json:"statusName"`
			Input      []leadIDInput `json:"input"`
		}{status, input}, leadIDs)
}

// Partitions reads the instance's lead partitions.
func (c *RESTClient) Partitions(ctx context.Context) ([]Partition, error) {
	const op = "Marketo REST Get Lead Partitions"
	r, err := callREST[Partition](ctx, c, op, http.MethodGet, c.restBase+"/v1/leads/partitions.json", nil, "")
	if err != nil {
		return nil, err
	}
	return r.Result, nil
}
