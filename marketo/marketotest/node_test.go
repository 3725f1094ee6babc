package marketotest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"
)

// nodeMarketoRestVersion must match testdata/node/package.json; the lock
// file there pins the library's dependencies too.
const nodeMarketoRestVersion = "0.7.8"

// installNodeMarketoRest returns a node_modules directory holding
// node-marketo-rest as testdata/node/package-lock.json pins it. The install
// is kept under the user cache directory, keyed by the lock file's hash, so
// only the first run needs the registry; it is built in a temporary
// directory and renamed into place, so a run that dies half-way or races
// another run never leaves a partial tree that later runs would trust.
func installNodeMarketoRest(t *testing.T, npm string) string {
	t.Helper()
	pkg, err := os.ReadFile(filepath.Join("testdata", "node", "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	lock, err := os.ReadFile(filepath.Join("testdata", "node", "package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(append(append([]byte{}, pkg...), lock...))
	root := filepath.Join(t.TempDir(), "npm")
	if dir, err := os.UserCacheDir(); err == nil {
		root = filepath.Join(dir, "leadsheet-test-npm")
	} else {
		t.Logf("no user cache directory (%v); installing into a temporary one", err)
	}
	final := filepath.Join(root, "node-marketo-rest-"+nodeMarketoRestVersion+"-"+hex.EncodeToString(sum[:6]))
	modules := filepath.Join(final, "node_modules")
	if installedVersion(t, modules) == nodeMarketoRestVersion {
		return modules
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	tmp, err := os.MkdirTemp(root, "install-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp) // a no-op once renamed
	for name, data := range map[string][]byte{"package.json": pkg, "package-lock.json": lock} {
		if err := os.WriteFile(filepath.Join(tmp, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The guard only stops a registry that never answers from eating the
	// whole go test timeout; it asserts nothing about speed.
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	// --ignore-scripts: nothing in the tree needs an install script, and
	// none should run on a developer's machine for a test.
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--prefix", tmp)
	cmd.WaitDelay = 5 * time.Second
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci node-marketo-rest@%s (CI reaches the npm registry, so this is not skipped): %v\n%s",
			nodeMarketoRestVersion, err, out)
	}
	if v := installedVersion(t, filepath.Join(tmp, "node_modules")); v != nodeMarketoRestVersion {
		t.Fatalf("npm ci installed node-marketo-rest %q, want %s", v, nodeMarketoRestVersion)
	}
	if err := os.Rename(tmp, final); err != nil && installedVersion(t, modules) != nodeMarketoRestVersion {
		t.Fatal(err)
	}
	return modules
}

// installedVersion is the version of node-marketo-rest under modules, or ""
// when there is none.
func installedVersion(t *testing.T, modules string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(modules, "node-marketo-rest", "package.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatalf("%s/node-marketo-rest/package.json: %v", modules, err)
	}
	return p.Version
}

type nodeLead struct {
	Email     string `json:"email"`
	FirstName string `json:"firstName"`
}

// nodeAnswers is what testdata/node/marketo_rest.js prints: the library's
// answers as it handed them to its caller.
type nodeAnswers struct {
	Sync struct {
		Success bool `json:"success"`
		Result  []struct {
			ID      int    `json:"id"`
			Status  string `json:"status"`
			Reasons []struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"reasons"`
		} `json:"result"`
	} `json:"sync"`
	Lists struct {
		Success bool `json:"success"`
		Result  []struct {
			ID            int    `json:"id"`
			Name          string `json:"name"`
			WorkspaceName string `json:"workspaceName"`
			CreatedAt     string `json:"createdAt"`
			UpdatedAt     string `json:"updatedAt"`
		} `json:"result"`
	} `json:"lists"`
	Add struct {
		Success bool `json:"success"`
		Result  []struct {
			ID      int             `json:"id"`
			Status  string          `json:"status"`
			Reasons json.RawMessage `json:"reasons"`
		} `json:"result"`
	} `json:"add"`
	Members struct {
		Success       bool   `json:"success"`
		NextPageToken string `json:"nextPageToken"`
		Result        []struct {
			ID        int     `json:"id"`
			Email     string  `json:"email"`
			FirstName *string `json:"firstName"`
			UpdatedAt string  `json:"updatedAt"`
		} `json:"result"`
	} `json:"members"`
	Find struct {
		Success    bool `json:"success"`
		MoreResult bool `json:"moreResult"`
		Result     []struct {
			ID        int     `json:"id"`
			Email     string  `json:"email"`
			FirstName *string `json:"firstName"`
			CreatedAt string  `json:"createdAt"`
		} `json:"result"`
	} `json:"find"`
	Describe struct {
		Success bool `json:"success"`
		Result  []struct {
			REST struct {
				Name string `json:"name"`
			} `json:"rest"`
		} `json:"result"`
	} `json:"describe"`
	Error json.RawMessage `json:"error"`
}

// TestNodeMarketoRest is an outside oracle for the REST half of the
// sandbox. The marketo client and the sandbox were written together, so a
// misreading of Marketo's docs shared by both passes every other test;
// node-marketo-rest was written by people who only had Marketo to test
// against. It authenticates, syncs leads by email, finds the seeded static
// list by name, adds the leads to it and reads its members, looks the
// leads up with Get Leads by Filter Type and describes the lead fields,
// and its answers are checked against the sandbox's own store.
func TestNodeMarketoRest(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed (apt-get install nodejs npm); the node-marketo-rest check is skipped")
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Skip("npm not installed (apt-get install nodejs npm); the node-marketo-rest check is skipped")
	}
	modules := installNodeMarketoRest(t, npm)
	script, err := filepath.Abs(filepath.Join("testdata", "node", "marketo_rest.js"))
	if err != nil {
		t.Fatal(err)
	}

	srv := NewServer(DefaultConfig())
	defer srv.Close()

	run := func(leads []nodeLead, find []string) nodeAnswers {
		t.Helper()
		spec, err := json.Marshal(map[string]any{
			"endpoint": srv.RESTBaseURL(), "identity": srv.IdentityURL(),
			"clientId": DefaultClientID, "clientSecret": DefaultClientSecret,
			"leads": leads, "find": find, "listName": "Newsletter Subscribers",
		})
		if err != nil {
			t.Fatal(err)
		}
		// As in installNodeMarketoRest: a guard against a hung script, not a
		// timing assertion.
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, node, script, modules)
		cmd.WaitDelay = 5 * time.Second
		cmd.Stdin = bytes.NewReader(spec)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		var a nodeAnswers
		if jerr := json.Unmarshal(out, &a); jerr != nil {
			t.Fatalf("node printed %q (%v; exit: %v)\nstderr:\n%s", out, jerr, err, stderr.String())
		}
		if err != nil || a.Error != nil {
			t.Fatalf("node-marketo-rest failed (exit: %v): %s\nstderr:\n%s", err, a.Error, stderr.String())
		}
		return a
	}

	// A plus sign must survive the library's query encoding, and the
	// second run's accents its JSON body.
	emails := []string{"ada.oracle@example.com", "grace+oracle@example.com", "linus.oracle@example.com"}
	const missing = "nobody.oracle@example.com"
	rounds := []struct {
		status string
		names  []string
	}{
		{"created", []string{"Ada", "Grace", "Linus"}},
		{"updated", []string{"Adélaïde", "Grace Brewster", "Linus"}},
	}
	ids := map[string]int{} // by email, from the first round
	for _, round := range rounds {
		leads := make([]nodeLead, len(emails))
		for i, e := range emails {
			leads[i] = nodeLead{e, round.names[i]}
		}
		a := run(leads, append(slices.Clone(emails), missing))

		stored := map[string]Lead{}
		for _, l := range srv.Leads() {
			stored[l.Email] = l
		}
		if len(stored) != len(emails) {
			t.Fatalf("round %s: the sandbox holds %+v, want exactly the %d leads sent", round.status, srv.Leads(), len(emails))
		}

		if !a.Sync.Success || len(a.Sync.Result) != len(emails) {
			t.Fatalf("round %s: Sync Leads answered %+v", round.status, a.Sync)
		}
		for i, r := range a.Sync.Result {
			l := stored[emails[i]]
			if r.Status != round.status || r.ID != l.ID || len(r.Reasons) != 0 {
				t.Errorf("round %s: Sync Leads record %d (%s) = %+v, want %s with id %d", round.status, i, emails[i], r, round.status, l.ID)
			}
			if l.Fields["FirstName"] != round.names[i] {
				t.Errorf("round %s: stored first name of %s = %q, want %q", round.status, emails[i], l.Fields["FirstName"], round.names[i])
			}
			if round.status == "created" {
				ids[emails[i]] = l.ID
			} else if l.ID != ids[emails[i]] {
				t.Errorf("round %s: %s moved from lead %d to %d", round.status, emails[i], ids[emails[i]], l.ID)
			}
		}

		// The list is the seeded one, found by name with the POST form the
		// library sends; adding members that are already there (the second
		// round) answers "added" again, as a live instance did in
		// grouparoo's recording.
		if !a.Lists.Success || len(a.Lists.Result) != 1 {
			t.Fatalf("round %s: list.find answered %+v", round.status, a.Lists)
		}
		if l := a.Lists.Result[0]; l.ID != SeedListID || l.Name != "Newsletter Subscribers" || l.WorkspaceName != "Default" ||
			l.CreatedAt != srv.Lists()[0].CreatedAt.Format(time.RFC3339) || l.UpdatedAt == "" {
			t.Errorf("round %s: list.find found %+v, want the seeded list %d in workspace Default", round.status, l, SeedListID)
		}
		if !a.Add.Success || len(a.Add.Result) != len(emails) {
			t.Fatalf("round %s: addLeadsToList answered %+v", round.status, a.Add)
		}
		for i, r := range a.Add.Result {
			if id := stored[emails[i]].ID; r.ID != id || r.Status != "added" || r.Reasons != nil {
				t.Errorf("round %s: addLeadsToList record %d = %+v, want lead %d added", round.status, i, r, id)
			}
		}
		var wantMembers []int
		for _, e := range emails {
			wantMembers = append(wantMembers, stored[e].ID)
		}
		slices.Sort(wantMembers)
		if got := srv.Lists()[0].Members; !slices.Equal(got, wantMembers) {
			t.Errorf("round %s: the sandbox's list holds %v, want %v", round.status, got, wantMembers)
		}
		if !a.Members.Success || a.Members.NextPageToken != "" || len(a.Members.Result) != len(emails) {
			t.Fatalf("round %s: getLeads answered %+v", round.status, a.Members)
		}
		for i, m := range a.Members.Result {
			l, ok := stored[m.Email]
			if !ok || m.ID != wantMembers[i] || m.ID != l.ID || m.FirstName == nil || *m.FirstName != l.Fields["FirstName"] ||
				m.UpdatedAt != l.UpdatedAt.Format(time.RFC3339) {
				t.Errorf("round %s: getLeads member %d = %+v, want lead %d (%+v), by ascending id", round.status, i, m, wantMembers[i], l)
			}
		}

		if !a.Find.Success || a.Find.MoreResult {
			t.Fatalf("round %s: Get Leads by Filter Type answered %+v", round.status, a.Find)
		}
		found := map[string]bool{}
		for _, r := range a.Find.Result {
			l, ok := stored[r.Email]
			if !ok {
				t.Errorf("round %s: Get Leads by Filter Type found %+v, which the sandbox does not hold", round.status, r)
				continue
			}
			found[r.Email] = true
			if r.ID != l.ID || r.FirstName == nil || *r.FirstName != l.Fields["FirstName"] {
				got := "null"
				if r.FirstName != nil {
					got = strconv.Quote(*r.FirstName)
				}
				t.Errorf("round %s: found %s as lead %d with first name %s, want lead %d with %q",
					round.status, r.Email, r.ID, got, l.ID, l.Fields["FirstName"])
			}
			if want := l.CreatedAt.UTC().Format(time.RFC3339); r.CreatedAt != want {
				t.Errorf("round %s: createdAt of %s = %q, want %q", round.status, r.Email, r.CreatedAt, want)
			}
		}
		for _, e := range emails {
			if !found[e] {
				t.Errorf("round %s: Get Leads by Filter Type did not find %s; answered %+v", round.status, e, a.Find.Result)
			}
		}
		if found[missing] || len(a.Find.Result) != len(emails) {
			t.Errorf("round %s: Get Leads by Filter Type answered %d leads for %d known emails and %s: %+v",
				round.status, len(a.Find.Result), len(emails), missing, a.Find.Result)
		}

		names := map[string]bool{}
		for _, f := range a.Describe.Result {
			names[f.REST.Name] = true
		}
		for _, f := range StandardFields() {
			if !names[f.RESTName] {
				t.Errorf("round %s: describe lacks %s; answered %+v", round.status, f.RESTName, a.Describe)
			}
		}
		if !a.Describe.Success || len(a.Describe.Result) != len(StandardFields()) {
			t.Errorf("round %s: describe answered %d fields (success %v), want the %d standard ones",
				round.status, len(a.Describe.Result), a.Describe.Success, len(StandardFields()))
		}
	}

	// The script lets the library retry once, so a first answer the
	// library refused could hide behind a good second one; the sandbox
	// saw every attempt. The find must have been the GET form, which is
	// what the library sends, the list calls the POST forms it sends.
	st := srv.Stats()
	if len(st.Faults) != 0 {
		t.Errorf("the sandbox answered faults %v to node-marketo-rest", st.Faults)
	}
	want := map[string]int{"REST token": 2, "REST leads.json": 2, "REST getLeadsByFilter": 2, "REST describe.json": 2,
		"REST lists.json via POST": 2, "REST add to list": 2, "REST list leads via POST": 2}
	for op, n := range want {
		if st.Calls[op] != n {
			t.Errorf("the sandbox counted %d %q calls, want %d (one per run); all calls: %v", st.Calls[op], op, n, st.Calls)
		}
	}
	if len(st.Calls) != len(want) {
		t.Errorf("the sandbox saw calls %v, want only %v", st.Calls, want)
	}
}
