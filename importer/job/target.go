package job

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"leadsheet/marketo"
)

// FindList finds the static list the operator named, by id or exact
// name, before anything is sent. An unknown name is refused with the
// nearest names Marketo has; a name two lists share (in two workspaces) is
// refused with their ids.
func FindList(ctx context.Context, t marketo.Targeter, spec string) (marketo.StaticList, error) {
	spec = strings.TrimSpace(spec)
	all, err := t.Lists(ctx, "")
	if err != nil {
		return marketo.StaticList{}, &Error{Kind: TargetTrouble, Detail: "read the static lists from Marketo", Err: err}
	}
	if id, err := strconv.Atoi(spec); err == nil {
		for _, l := range all {
			if l.ID == id {
				return l, nil
			}
		}
		return marketo.StaticList{}, &Error{Kind: NoSuchTarget, Detail: fmt.Sprintf("Marketo has no static list with id %d.%s", id, nearest(spec, all))}
	}
	var same []marketo.StaticList
	for _, l := range all {
		if l.Name == spec {
			same = append(same, l)
		}
	}
	switch len(same) {
	case 1:
		return same[0], nil
	case 0:
		return marketo.StaticList{}, &Error{Kind: NoSuchTarget, Detail: fmt.Sprintf("Marketo has no static list named %q (names must match exactly, capitals included).%s", spec, nearest(spec, all))}
	}
	ids := make([]string, len(same))
	for i, l := range same {
		ids[i] = fmt.Sprintf("%d (workspace %s)", l.ID, l.WorkspaceName)
	}
	return marketo.StaticList{}, &Error{Kind: NoSuchTarget, Detail: fmt.Sprintf("%d static lists are named %q: %s. Name the one you mean by its id.", len(same), spec, strings.Join(ids, ", "))}
}

func nearest(spec string, all []marketo.StaticList) string {
	names := make([]string, len(all))
	for i, l := range all {
		names[i] = l.Name
	}
	near := closestNames(spec, names, 3)
	if len(near) == 0 {
		return ""
	}
	for i, n := range near {
		near[i] = strconv.Quote(n)
	}
	return " The nearest are " + strings.Join(near, ", ") + "."
}

// NewList creates a static list named name in the folder or program named
// folder, refusing a name Marketo already has (import into it instead) and
// a folder it does not.
func NewList(ctx context.Context, t marketo.Targeter, name, folder string) (marketo.StaticList, error) {
	if strings.TrimSpace(name) == "" {
		return marketo.StaticList{}, &Error{Kind: NoSuchTarget, Detail: "The new static list needs a name."}
	}
	folders, err := t.FolderByName(ctx, folder)
	if err != nil {
		return marketo.StaticList{}, &Error{Kind: TargetTrouble, Detail: fmt.Sprintf("find the folder %q in Marketo", folder), Err: err}
	}
	switch len(folders) {
	case 0:
		return marketo.StaticList{}, &Error{Kind: NoSuchTarget, Detail: fmt.Sprintf("Marketo has no folder or program named %q to create the list in.", folder)}
	case 1:
	default:
		return marketo.StaticList{}, &Error{Kind: NoSuchTarget, Detail: fmt.Sprintf("%d folders or programs are named %q; Leadsheet cannot tell which to create the list in. Rename one, or create the list in Marketo and import into it.", len(folders), folder)}
	}
	return NewListIn(ctx, t, name, folders[0])
}

// ProgramTarget is a program an import makes its leads members of, with
// the member statuses its channel offers.
type ProgramTarget struct {
	marketo.Program
	// Statuses are the channel's statuses an operator may pick, as Marketo
	// spells them, in step order: neither hidden ones nor "Not in Program"
	// (step 0), which Marketo cannot move a member back to.
	Statuses []string
}

// FindProgram finds the program the operator named, by id or exact name,
// with its channel's statuses, before anything is sent. Unknown names are
// refused with the nearest ones.
func FindProgram(ctx context.Context, t marketo.Targeter, spec string) (ProgramTarget, error) {
	spec = strings.TrimSpace(spec)
	all, err := t.Programs(ctx)
	if err != nil {
		return ProgramTarget{}, &Error{Kind: TargetTrouble, Detail: "read the programs from Marketo", Err: err}
	}
	id, isID := strconv.Atoi(spec)
	var same []marketo.Program
	for i := range all {
		if isID == nil && all[i].ID == id || isID != nil && all[i].Name == spec {
			same = append(same, all[i])
		}
	}
	switch len(same) {
	case 0:
		names := make([]string, len(all))
		for i, q := range all {
			names[i] = q.Name
		}
		near := closestNames(spec, names, 3)
		for i, n := range near {
			near[i] = strconv.Quote(n)
		}
		hint := ""
		if len(near) > 0 {
			hint = " The nearest are " + strings.Join(near, ", ") + "."
		}
		return ProgramTarget{}, &Error{Kind: NoSuchTarget, Detail: fmt.Sprintf("Marketo has no program %q.%s", spec, hint)}
	case 1:
	default:
		return ProgramTarget{}, &Error{Kind: NoSuchTarget, Detail: fmt.Sprintf("%d programs are named %q; name the one you mean by its id.", len(same), spec)}
	}
	return ProgramStatuses(ctx, t, same[0])
}

// ProgramStatuses reads the statuses p's channel offers, for a picker.
func ProgramStatuses(ctx context.Context, t marketo.Targeter, p marketo.Program) (ProgramTarget, error) {
	ch, err := t.Channel(ctx, p.Channel)
	if err != nil {
		return ProgramTarget{}, &Error{Kind: TargetTrouble, Detail: fmt.Sprintf("read the statuses of the channel %q", p.Channel), Err: err}
	}
	pt := ProgramTarget{Program: p}
	for _, s := range ch.Statuses {
		if !s.Hidden && s.Step > 0 {
			pt.Statuses = append(pt.Statuses, s.Name)
		}
	}
	return pt, nil
}

// Status is the status named name as Marketo spells it (names match
// whatever their capitals), or an error listing the statuses there are.
func (pt ProgramTarget) Status(name string) (string, error) {
	for _, s := range pt.Statuses {
		if strings.EqualFold(s, strings.TrimSpace(name)) {
			return s, nil
		}
	}
	return "", &Error{Kind: NoSuchTarget, Detail: fmt.Sprintf("The program %q (channel %s) has no member status %q. %s", pt.Name, pt.Channel, name, pt.offered())}
}

func (pt ProgramTarget) offered() string {
	q := make([]string, len(pt.Statuses))
	for i, s := range pt.Statuses {
		q[i] = strconv.Quote(s)
	}
	return "Its statuses, in order: " + strings.Join(q, ", ") + "."
}

// FindPartition finds the lead partition the operator named (capitals
// aside), refusing an unknown one with the partitions there are.
func FindPartition(ctx context.Context, t marketo.Targeter, name string) (marketo.Partition, error) {
	all, err := t.Partitions(ctx)
	if err != nil {
		return marketo.Partition{}, &Error{Kind: TargetTrouble, Detail: "read the lead partitions from Marketo", Err: err}
	}
	names := make([]string, len(all))
	for i, p := range all {
		if strings.EqualFold(p.Name, strings.TrimSpace(name)) {
			return p, nil
		}
		names[i] = strconv.Quote(p.Name)
	}
	return marketo.Partition{}, &Error{Kind: NoSuchTarget, Detail: fmt.Sprintf("Marketo has no lead partition %q that this API user can write to. Its partitions: %s.", name, strings.Join(names, ", "))}
}

// Catalog is what an instance offers an import to target, for the
// window's pickers.
type Catalog struct {
	Lists      []marketo.StaticList
	Folders    []marketo.Folder // where a new list can go
	Programs   []marketo.Program
	Partitions []marketo.Partition // one (Default) in an instance without partitions
}

// LoadCatalog reads the lists, folders, programs and partitions t has:
// four or more calls, within the account's limits like any other.
func LoadCatalog(ctx context.Context, t marketo.Targeter) (Catalog, error) {
	var c Catalog
	var err error
	if c.Lists, err = t.Lists(ctx, ""); err != nil {
		return Catalog{}, &Error{Kind: TargetTrouble, Detail: "read the static lists from Marketo", Err: err}
	}
	if c.Folders, err = t.Folders(ctx); err != nil {
		return Catalog{}, &Error{Kind: TargetTrouble, Detail: "read the folders from Marketo", Err: err}
	}
	if c.Programs, err = t.Programs(ctx); err != nil {
		return Catalog{}, &Error{Kind: TargetTrouble, Detail: "read the programs from Marketo", Err: err}
	}
	if c.Partitions, err = t.Partitions(ctx); err != nil {
		return Catalog{}, &Error{Kind: TargetTrouble, Detail: "read the lead partitions from Marketo", Err: err}
	}
	return c, nil
}

// NewListIn creates a static list named name in folder f, one the
// operator picked, refusing a name Marketo already has.
func NewListIn(ctx context.Context, t marketo.Targeter, name string, f marketo.Folder) (marketo.StaticList, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return marketo.StaticList{}, &Error{Kind: NoSuchTarget, Detail: "The new static list needs a name."}
	}
	have, err := t.Lists(ctx, name)
	if err != nil {
		return marketo.StaticList{}, &Error{Kind: TargetTrouble, Detail: "read the static lists from Marketo", Err: err}
	}
	for _, l := range have {
		if l.Name == name {
			return marketo.StaticList{}, &Error{Kind: NoSuchTarget, Detail: fmt.Sprintf("Marketo already has a static list named %q (id %d). Import into it instead, or choose another name.", name, l.ID)}
		}
	}
	l, err := t.CreateList(ctx, name, f)
	if err != nil {
		return marketo.StaticList{}, &Error{Kind: TargetTrouble, Detail: fmt.Sprintf("create the static list %q", name), Err: err}
	}
	return l, nil
}
