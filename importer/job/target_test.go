package job

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"leadsheet/importer"
	"leadsheet/marketo"
	"leadsheet/marketo/marketotest"
	"leadsheet/marketo/marketotest/sandboxtest"
)

func restTargeter(t *testing.T, cfg marketotest.Config) marketo.Targeter {
	t.Helper()
	srv := sandboxtest.Start(t, cfg)
	c, err := marketo.NewRESTClient(marketo.RESTCredentials{BaseURL: srv.RESTBaseURL(), IdentityURL: srv.IdentityURL(),
		ClientID: marketotest.DefaultClientID, ClientSecret: marketotest.DefaultClientSecret}, marketo.RESTOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestStatusColumnChecksEachRow: each row's status cell is checked
// against the program's channel before anything is sent. A status spelt
// in other capitals is sent as Marketo spells it; an unknown one or a
// blank cell without a status for the whole sheet keeps the row from
// being sent, saying which statuses there are; with one, blank cells take
// it. The status column is never sent as a field, and the estimate
// counts one call per status per batch.
func TestStatusColumnChecksEachRow(t *testing.T) {
	ctx := context.Background()
	tg := restTargeter(t, marketotest.DefaultConfig())
	pt, err := FindProgram(ctx, tg, "2026 Product Webinar")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(pt.Statuses, ",") != "Invited,Registered,No Show,Attended,Attended On-demand" {
		t.Fatalf("statuses offered: %q", pt.Statuses)
	}
	path := filepath.Join(t.TempDir(), "webinar.csv")
	body := "Email,Status\na@example.com,attended\nb@example.com,\nc@example.com,Atended\nd@example.com,Registered\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	j, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	m := importer.Mapping{Headers: []string{"Email", "Status"},
		Columns: []importer.Target{{Kind: importer.ToEmail}, {Kind: importer.ToMemberStatus}}}
	base := Settings{Mapping: m, Dedup: true, API: marketo.ProfileREST, Program: pt}

	for _, tt := range []struct {
		name     string
		fallback string
		sent     map[int]string // row -> status
		invalid  map[int]string // row -> words the problem holds
	}{
		{"no status for blank cells", "",
			map[int]string{2: "Attended", 5: "Registered"},
			map[int]string{3: "is blank", 4: `no member status "Atended"`}},
		{"blank cells take the sheet's status", "Invited",
			map[int]string{2: "Attended", 3: "Invited", 5: "Registered"},
			map[int]string{4: "Its statuses, in order"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := base
			s.ProgramStatus = tt.fallback
			if pe := j.MappingProblem(s); pe != nil {
				t.Fatal(pe)
			}
			rep, err := j.Check(ctx, s, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := map[int]string{}
			for _, l := range rep.First.Leads {
				if len(l.Attributes) != 0 {
					t.Errorf("the status column went out as a field: %+v", l.Attributes)
				}
			}
			for row, st := range rep.First.Statuses {
				got[row] = st
			}
			if len(got) != len(tt.sent) {
				t.Errorf("statuses %v, want %v", got, tt.sent)
			}
			for row, st := range tt.sent {
				if got[row] != st {
					t.Errorf("row %d: status %q, want %q", row, got[row], st)
				}
			}
			if len(rep.Skipped) != len(tt.invalid) {
				t.Errorf("skipped %+v, want rows %v", rep.Skipped, tt.invalid)
			}
			for _, sk := range rep.Skipped {
				if w, ok := tt.invalid[sk.Row]; !ok || !strings.Contains(sk.Reason, w) {
					t.Errorf("row %d: %q, want it to say %q", sk.Row, sk.Reason, w)
				}
			}
			// The batch and its undo record's two reads, two statuses
			// (plus one for the sheet's, for blank cells), and connecting.
			q := j.Estimate(rep, 0, 0, marketo.Budget{}, time.Now())
			if want := connectCalls + 3 + len(distinct(got)); q.Calls != want {
				t.Errorf("estimate %d calls, want %d", q.Calls, want)
			}
		})
	}
}

func distinct(m map[int]string) map[string]bool {
	out := map[string]bool{}
	for _, v := range m {
		out[v] = true
	}
	return out
}

// TestTargetSettingsThatCannotWork: the combinations Marketo cannot do, or
// that contradict each other, are refused before anything is read or sent,
// in words that say what to change.
func TestTargetSettingsThatCannotWork(t *testing.T) {
	prog := ProgramTarget{Program: marketo.Program{ID: 7001, Name: "Webinar"}, Statuses: []string{"Registered"}}
	list := marketo.StaticList{ID: 6001, Name: "Fair"}
	email := importer.Mapping{Headers: []string{"Email"}, Columns: []importer.Target{{Kind: importer.ToEmail}}}
	withStatus := importer.Mapping{Headers: []string{"Email", "Status"}, Columns: []importer.Target{{Kind: importer.ToEmail}, {Kind: importer.ToMemberStatus}}}
	rest := Settings{Mapping: email, Dedup: true, API: marketo.ProfileREST}
	for _, tt := range []struct {
		name string
		edit func(*Settings)
		want string // "" when it works
	}{
		{"list only into a list", func(s *Settings) { s.ListOnly, s.List = true, list }, ""},
		{"list only, no target", func(s *Settings) { s.ListOnly = true }, "needs a static list or a program"},
		{"list only, SOAP", func(s *Settings) { s.ListOnly, s.List, s.API = true, list, marketo.ProfileSOAP }, "REST account"},
		{"list only, dedup off", func(s *Settings) { s.ListOnly, s.List, s.Dedup = true, list, false }, "contradict"},
		{"list only, update only", func(s *Settings) { s.ListOnly, s.List, s.Mode = true, list, marketo.UpdateOnly }, "changes no field"},
		{"list only, bulk", func(s *Settings) { s.ListOnly, s.List, s.Bulk = true, list, true }, "Bulk Import"},
		{"list only, partition", func(s *Settings) { s.ListOnly, s.List, s.Partition = true, list, "Europe" }, "partition"},
		{"status column without program", func(s *Settings) { s.Mapping = withStatus }, "no program"},
		{"status column, bulk", func(s *Settings) { s.Mapping, s.Program, s.Bulk = withStatus, prog, true }, "one member status for a whole file"},
		{"status column with program", func(s *Settings) { s.Mapping, s.Program = withStatus, prog }, ""},
		{"partition", func(s *Settings) { s.Partition = "Europe" }, ""},
		{"partition, dedup off", func(s *Settings) { s.Partition, s.Dedup = "Europe", false }, "dedup on"},
		{"partition, update only", func(s *Settings) { s.Partition, s.Mode = "Europe", marketo.UpdateOnly }, "creates nobody"},
		{"partition, SOAP", func(s *Settings) { s.Partition, s.API = "Europe", marketo.ProfileSOAP }, "REST account"},
		{"partition, bulk into a program", func(s *Settings) {
			s.Partition, s.Bulk, s.Program, s.ProgramStatus = "Europe", true, prog, "Registered"
		}, "takes no partition"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := rest
			tt.edit(&s)
			got := s.sendProblem()
			if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
				t.Errorf("problem %q, want %q", got, tt.want)
			}
		})
	}
}

// TestFindPartition: a partition is found whatever its capitals; an
// unknown one, or one the API user may not use, is refused naming those
// there are.
func TestFindPartition(t *testing.T) {
	cfg := marketotest.DefaultConfig()
	cfg.Partitions = []marketotest.Partition{{Name: "Europe"}, {Name: "Asia"}}
	cfg.DeniedPartitions = []string{"Asia"}
	tg := restTargeter(t, cfg)
	ctx := context.Background()
	if p, err := FindPartition(ctx, tg, "europe"); err != nil || p.Name != "Europe" {
		t.Errorf("europe: %+v, %v", p, err)
	}
	for _, name := range []string{"Asia", "Americas"} {
		_, err := FindPartition(ctx, tg, name)
		if err == nil || !strings.Contains(err.Error(), `"Default", "Europe"`) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
