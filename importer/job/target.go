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
	l, err := t.CreateList(ctx, name, folders[0])
	if err != nil {
		return marketo.StaticList{}, &Error{Kind: TargetTrouble, Detail: fmt.Sprintf("create the static list %q", name), Err: err}
	}
	return l, nil
}

// FindProgram finds the program the operator named, by id or exact name,
// and checks status against its channel's statuses, before anything is
// sent. It returns the status as Marketo spells it. Unknown names are
// refused with the nearest ones; an unknown status with the statuses the
// channel has, in step order.
func FindProgram(ctx context.Context, t marketo.Targeter, spec, status string) (marketo.Program, string, error) {
	spec = strings.TrimSpace(spec)
	all, err := t.Programs(ctx)
	if err != nil {
		return marketo.Program{}, "", &Error{Kind: TargetTrouble, Detail: "read the programs from Marketo", Err: err}
	}
	var p *marketo.Program
	id, isID := strconv.Atoi(spec)
	var same []marketo.Program
	for i := range all {
		if isID == nil && all[i].ID == id || isID != nil && all[i].Name == spec {
			same = append(same, all[i])
		}
	}
	names := make([]string, len(all))
	for i, q := range all {
		names[i] = q.Name
	}
	switch len(same) {
	case 0:
		near := closestNames(spec, names, 3)
		for i, n := range near {
			near[i] = strconv.Quote(n)
		}
		hint := ""
		if len(near) > 0 {
			hint = " The nearest are " + strings.Join(near, ", ") + "."
		}
		return marketo.Program{}, "", &Error{Kind: NoSuchTarget, Detail: fmt.Sprintf("Marketo has no program %q.%s", spec, hint)}
	case 1:
		p = &same[0]
	default:
		return marketo.Program{}, "", &Error{Kind: NoSuchTarget, Detail: fmt.Sprintf("%d programs are named %q; name the one you mean by its id.", len(same), spec)}
	}
	ch, err := t.Channel(ctx, p.Channel)
	if err != nil {
		return marketo.Program{}, "", &Error{Kind: TargetTrouble, Detail: fmt.Sprintf("read the statuses of the channel %q", p.Channel), Err: err}
	}
	var offered []string
	for _, s := range ch.Statuses {
		if strings.EqualFold(s.Name, strings.TrimSpace(status)) {
			return *p, s.Name, nil
		}
		if !s.Hidden && s.Step > 0 {
			offered = append(offered, strconv.Quote(s.Name))
		}
	}
	return marketo.Program{}, "", &Error{Kind: NoSuchTarget, Detail: fmt.Sprintf("The program %q (channel %s) has no member status %q. Its statuses, in order: %s.", p.Name, p.Channel, status, strings.Join(offered, ", "))}
}
