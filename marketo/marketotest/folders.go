package marketotest

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
)

// folderJSON is a folder as the Asset API answers it, with the members and
// order of a live instance's answer in grouparoo's recording
// (folder/byName.json): description and, for Lead Database folders, url
// are null there.
type folderJSON struct {
	Name         string     `json:"name"`
	Description  *string    `json:"description"`
	CreatedAt    string     `json:"createdAt"`
	UpdatedAt    string     `json:"updatedAt"`
	URL          *string    `json:"url"`
	FolderID     folderRef  `json:"folderId"`
	FolderType   string     `json:"folderType"`
	Parent       *folderRef `json:"parent"`
	Path         string     `json:"path"`
	IsArchive    bool       `json:"isArchive"`
	IsSystem     bool       `json:"isSystem"`
	AccessZoneID int        `json:"accessZoneId"`
	Workspace    string     `json:"workspace"`
	ID           int        `json:"id"`
}

// folderNode is a folder or a program in the folder tree: the Asset API's
// folder calls answer programs as folders of type Program.
type folderNode struct {
	json   folderJSON
	parent folderRef // zero for a workspace's root
	depth  int       // 1 for a workspace's root
}

func (n *folderNode) ref() folderRef { return n.json.FolderID }

// programFolderTypes are the folderType of a program by its type (the
// Swagger spec's FolderResponse.folderType values).
var programFolderTypes = map[string]string{
	"Default": "Marketing Program", "Event": "Marketing Event", "Engagement": "Nurture Program", "Email": "Email Batch Program",
}

// folderTree lists every folder and program, each after its parent,
// folders before programs, ascending ids among siblings.
func (s *Server) folderTree(r *http.Request, c *catalog) []folderNode {
	var nodes []folderNode
	created := assetTime(c.seeded)
	for _, f := range c.folders {
		n := folderNode{json: folderJSON{Name: f.name, CreatedAt: created, UpdatedAt: created, FolderID: folderRef{f.id, refFolder},
			FolderType: f.folderType, Path: f.path, IsSystem: f.system, AccessZoneID: f.zone, Workspace: f.workspace, ID: f.id}}
		if f.folderType == "Marketing Folder" {
			u := fmt.Sprintf("%s/#MF%dA1", s.uiBase(r), f.id)
			n.json.URL = &u
		}
		if f.parent != 0 {
			n.parent = folderRef{f.parent, refFolder}
			n.json.Parent = &n.parent
		}
		nodes = append(nodes, n)
	}
	for _, p := range c.programs {
		u := s.programURL(r, p)
		n := folderNode{json: folderJSON{Name: p.name, CreatedAt: assetTime(p.created), UpdatedAt: assetTime(p.updated), URL: &u,
			FolderID: folderRef{p.id, refProgram}, FolderType: programFolderTypes[p.typ], Path: p.folder.path + "/" + p.name,
			AccessZoneID: p.folder.zone, Workspace: p.workspace, ID: p.id}, parent: folderRef{p.folder.id, refFolder}}
		if p.description != "" {
			d := p.description
			n.json.Description = &d
		}
		n.json.Parent = &n.parent
		nodes = append(nodes, n)
	}
	// Depth first from the roots, so each node follows its parent.
	var out []folderNode
	var walk func(parent folderRef, depth int)
	walk = func(parent folderRef, depth int) {
		for _, n := range nodes {
			if n.parent == parent {
				n.depth = depth
				out = append(out, n)
				walk(n.ref(), depth+1)
			}
		}
	}
	walk(folderRef{}, 1)
	return out
}

// findFolder returns the node ref names, or nil.
func findFolder(tree []folderNode, ref folderRef) *folderNode {
	for i := range tree {
		if tree[i].ref() == ref {
			return &tree[i]
		}
	}
	return nil
}

// under reports whether n is root or below it.
func under(tree []folderNode, n *folderNode, root folderRef) bool {
	for n != nil {
		if n.ref() == root {
			return true
		}
		n = findFolder(tree, n.parent)
	}
	return false
}

// folderScope reads root and workSpace, which the folder calls share.
func folderScope(tree []folderNode, q url.Values) (root *folderNode, workspace string, bad *callError) {
	if v := q.Get("root"); v != "" {
		ref, bad := parseFolderRef(v)
		if bad != nil {
			return nil, "", bad
		}
		if root = findFolder(tree, ref); root == nil {
			return nil, "", &callError{710, fmt.Sprintf("Parent Folder Not Found: no %s has id %d", ref.Type, ref.ID)}
		}
	}
	return root, q.Get("workSpace"), nil
}

// browseFoldersAsset answers Get Folders: root (when given) and the
// folders and programs below it down to maxDepth levels (default 2; the
// sandbox counts root as level 0), or without root every workspace's
// roots (level 1) and what lies below them to maxDepth, in the order of
// folderTree, from offset, at most maxReturn.
func (s *Server) browseFoldersAsset(r *http.Request) reply {
	q := r.URL.Query()
	offset, limit, bad := assetPage(q)
	if bad != nil {
		return bad.asset(s)
	}
	depth, bad := intParam(q, "maxDepth", 2, 1, 1<<31-1)
	if bad != nil {
		return bad.asset(s)
	}
	st := s.store
	st.mu.Lock()
	tree := s.folderTree(r, st.cat)
	st.mu.Unlock()
	root, workspace, bad := folderScope(tree, q)
	if bad != nil {
		return bad.asset(s)
	}
	var match []folderJSON
	for i := range tree {
		n := &tree[i]
		level := n.depth
		if root != nil {
			if !under(tree, n, root.ref()) {
				continue
			}
			level -= root.depth
		}
		if level <= depth && (workspace == "" || n.json.Workspace == workspace) {
			match = append(match, n.json)
		}
	}
	page := match[min(offset, len(match)):min(offset+limit, len(match))]
	return s.assetResult(len(page), page)
}

// folderByNameAsset answers Get Folder by Name: every folder (type Folder)
// or program (type Program) with exactly that name, both when type is not
// given, within root and workSpace when given. Folder names need not be
// unique: the recording has two "Group Lists".
func (s *Server) folderByNameAsset(r *http.Request) reply {
	q := r.URL.Query()
	name, typ := q.Get("name"), q.Get("type")
	switch {
	case name == "":
		return s.assetFail(701, "name cannot be blank")
	case typ != "" && typ != refFolder && typ != refProgram:
		return s.assetFail(1003, fmt.Sprintf("Invalid data: type '%s', Folder or Program expected", clip(typ)))
	}
	st := s.store
	st.mu.Lock()
	tree := s.folderTree(r, st.cat)
	st.mu.Unlock()
	root, workspace, bad := folderScope(tree, q)
	if bad != nil {
		return bad.asset(s)
	}
	var match []folderJSON
	for i := range tree {
		n := &tree[i]
		if n.json.Name == name && (typ == "" || n.ref().Type == typ) && (root == nil || under(tree, n, root.ref())) &&
			(workspace == "" || n.json.Workspace == workspace) {
			match = append(match, n.json)
		}
	}
	return s.assetResult(len(match), match)
}

// folderByIDAsset answers Get Folder by Id; type (Folder or Program) is
// required, as the Swagger spec has it.
func (s *Server) folderByIDAsset(r *http.Request, idText string) reply {
	id, bad := pathID(idText)
	if bad != nil {
		return bad.asset(s)
	}
	typ := r.URL.Query().Get("type")
	switch {
	case typ == "":
		return s.assetFail(701, "type cannot be blank")
	case !slices.Contains([]string{refFolder, refProgram}, typ):
		return s.assetFail(1003, fmt.Sprintf("Invalid data: type '%s', Folder or Program expected", clip(typ)))
	}
	st := s.store
	st.mu.Lock()
	tree := s.folderTree(r, st.cat)
	st.mu.Unlock()
	if n := findFolder(tree, folderRef{id, typ}); n != nil {
		return s.assetResult(1, []folderJSON{n.json})
	}
	return s.assetResult(0, nil)
}
