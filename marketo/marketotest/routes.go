package marketotest

import (
	"net/http"
	"strings"
)

// matchPath matches p against pattern, whose one variable segment is
// written {id} or {id}.json, and returns the segment's text.
func matchPath(p, pattern string) (string, bool) {
	ps, qs := strings.Split(p, "/"), strings.Split(pattern, "/")
	if len(ps) != len(qs) {
		return "", false
	}
	id := ""
	for i, q := range qs {
		switch q {
		case "{id}":
			id = ps[i]
		case "{id}.json":
			id, _ = strings.CutSuffix(ps[i], ".json")
			if id == ps[i] {
				return "", false
			}
		default:
			if q != ps[i] {
				return "", false
			}
			continue
		}
		if id == "" {
			return "", false
		}
	}
	return id, true
}

// catalogCall routes the static list, program, partition and Asset API
// calls: the op Stats counts the call as (after "REST ") and its handler;
// ok is false for a path none of them has. A POST that asks for a Get
// (_method=GET in the URL, or a form body that is not empty, where
// Marketo also reads _method) counts as the Get "via POST"; the handler
// checks the form does say _method=GET.
func (s *Server) catalogCall(r *http.Request, cfg Config, fs *fieldSet) (op string, handle func() reply, ok bool) {
	p := strings.TrimPrefix(r.URL.Path, RESTPath)
	method := r.Method
	if m := r.URL.Query().Get("_method"); method == http.MethodPost && m != "" {
		method = m
	}
	// An empty form body (curl -d '') is no Get: Add to List may carry
	// its ids in the query alone.
	postedGet := r.Method == http.MethodPost && (method == http.MethodGet || (method == http.MethodPost && isForm(r) && r.ContentLength != 0))
	lead := func(name, how string) func() reply {
		return func() reply { return s.restFail(605, "HTTP Method not supported: "+name+" is called with "+how) }
	}
	asset := func(name, how string) func() reply {
		return func() reply { return s.assetFail(605, "HTTP Method not supported: "+name+" is called with "+how) }
	}
	viaPOST := func(name string) string {
		if r.Method == http.MethodPost {
			return name + " via POST"
		}
		return name
	}
	id := ""
	at := func(pattern string) bool {
		var hit bool
		id, hit = matchPath(p, pattern)
		return hit
	}
	switch {
	case p == "/v1/lists.json":
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			return "lists.json", lead("Get Lists", "GET"), true
		}
		return viaPOST("lists.json"), func() reply { return s.getListsREST(r) }, true
	case at("/v1/lists/{id}.json"):
		return "lists/{id}.json", func() reply { return s.getListREST(r, id) }, true
	case at("/v1/lists/{id}/leads.json"):
		switch {
		case method == http.MethodGet || postedGet:
			return viaPOST("list leads"), func() reply { return s.getListLeadsREST(r, cfg, fs, id) }, true
		case method == http.MethodDelete:
			return "remove from list", func() reply { return s.listMembersOp(r, cfg, id, removeFromList) }, true
		case method == http.MethodPost:
			return "add to list", func() reply { return s.listMembersOp(r, cfg, id, addToList) }, true
		}
		return "list leads", lead("the list members calls", "GET, POST or DELETE"), true
	case at("/v1/list/{id}/leads.json"):
		if method != http.MethodGet && !postedGet {
			return "list leads", lead("Get Leads by List Id", "GET, or POST with _method=GET"), true
		}
		return viaPOST("list leads"), func() reply { return s.getListLeadsREST(r, cfg, fs, id) }, true
	case at("/v1/lists/{id}/leads/ismember.json"):
		if method != http.MethodGet {
			return "ismember.json", lead("Member of List", "GET"), true
		}
		return "ismember.json", func() reply { return s.listMembersOp(r, cfg, id, isMember) }, true
	case p == "/v1/leads/partitions.json":
		return "partitions.json", func() reply { return s.partitionsREST(r, cfg) }, true
	case p == "/v1/programs/members/describe.json", p == "/v1/program/members/describe.json":
		return "program members describe", func() reply { return s.describeMembersREST(r) }, true
	case at("/v1/programs/{id}/members/status.json"):
		if method != http.MethodPost {
			return "program members status", lead("Sync Program Member Status", "POST"), true
		}
		return "program members status", func() reply { return s.syncMemberStatusREST(r, cfg, id) }, true
	case at("/v1/programs/{id}/members.json"):
		if method != http.MethodGet && method != http.MethodPost {
			return "program members", lead("Get Program Members", "GET"), true
		}
		if r.Method == http.MethodPost && !postedGet {
			return "program members data", func() reply {
				return s.restFail(610, "Requested resource not found: Sync Program Member Data is not emulated")
			}, true
		}
		return viaPOST("program members"), func() reply { return s.getMembersREST(r, cfg, id) }, true

	case p == "/asset/v1/staticLists.json":
		switch r.Method {
		case http.MethodGet:
			return "asset staticLists.json", func() reply { return s.browseStaticListsAsset(r) }, true
		case http.MethodPost:
			return "asset create static list", func() reply { return s.createStaticListAsset(r) }, true
		}
		return "asset staticLists.json", asset("Get Static Lists", "GET, Create Static List with POST"), true
	case p == "/asset/v1/staticList/byName.json":
		if r.Method != http.MethodGet {
			return "asset staticList/byName.json", asset("Get Static List by Name", "GET"), true
		}
		return "asset staticList/byName.json", func() reply { return s.getStaticListAsset(r, "", true) }, true
	case at("/asset/v1/staticList/{id}.json"):
		if r.Method != http.MethodGet {
			return "asset staticList/{id}.json", func() reply {
				return s.assetFail(610, "Requested resource not found: Update Static List is not emulated")
			}, true
		}
		return "asset staticList/{id}.json", func() reply { return s.getStaticListAsset(r, id, false) }, true
	case p == "/asset/v1/folders.json":
		if r.Method != http.MethodGet {
			return "asset folders.json", asset("Get Folders", "GET (creating folders is not emulated)"), true
		}
		return "asset folders.json", func() reply { return s.browseFoldersAsset(r) }, true
	case p == "/asset/v1/folder/byName.json":
		if r.Method != http.MethodGet {
			return "asset folder/byName.json", asset("Get Folder by Name", "GET"), true
		}
		return "asset folder/byName.json", func() reply { return s.folderByNameAsset(r) }, true
	case at("/asset/v1/folder/{id}.json"):
		if r.Method != http.MethodGet {
			return "asset folder/{id}.json", asset("Get Folder by Id", "GET (updating folders is not emulated)"), true
		}
		return "asset folder/{id}.json", func() reply { return s.folderByIDAsset(r, id) }, true
	case p == "/asset/v1/programs.json":
		switch r.Method {
		case http.MethodGet:
			return "asset programs.json", func() reply { return s.browseProgramsAsset(r) }, true
		case http.MethodPost:
			return "asset create program", func() reply { return s.createProgramAsset(r) }, true
		}
		return "asset programs.json", asset("Get Programs", "GET, Create Program with POST"), true
	case p == "/asset/v1/program/byName.json":
		if r.Method != http.MethodGet {
			return "asset program/byName.json", asset("Get Program by Name", "GET"), true
		}
		return "asset program/byName.json", func() reply { return s.getProgramAsset(r, "", true) }, true
	case at("/asset/v1/program/{id}.json"):
		if r.Method != http.MethodGet {
			return "asset program/{id}.json", func() reply {
				return s.assetFail(610, "Requested resource not found: Update Program is not emulated")
			}, true
		}
		return "asset program/{id}.json", func() reply { return s.getProgramAsset(r, id, false) }, true
	case p == "/asset/v1/channels.json", p == "/asset/v1/channel/byName.json":
		byName := strings.HasSuffix(p, "byName.json")
		name := strings.TrimPrefix(p, "/asset/v1/")
		if r.Method != http.MethodGet {
			return "asset " + name, asset("Get Channels", "GET"), true
		}
		return "asset " + name, func() reply { return s.channelsAsset(r, byName) }, true
	}
	return "", nil, false
}
