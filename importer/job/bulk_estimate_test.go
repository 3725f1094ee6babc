package job

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"leadsheet/importer"
	"leadsheet/importer/run"
	"leadsheet/marketo"
	"leadsheet/marketo/marketotest"
	"leadsheet/marketo/marketotest/sandboxtest"
)

// TestBulkEstimateCountsBlankColumns: a wide sheet — forty mapped
// columns, most cells blank, as CRM exports are — sent with Bulk Import.
// Every line of an import file carries every mapped column, blank or
// not, but the estimate counts only the cells that hold a value, so it
// foresees a fraction of the files (and calls) the import makes, and a
// quota check built on it lets through an import that does not fit.
func TestBulkEstimateCountsBlankColumns(t *testing.T) {
	cfg := marketotest.DefaultConfig()
	cfg.BulkImportDelay, cfg.BulkRowTime = 10*time.Millisecond, 10*time.Microsecond
	header := []string{"Email"}
	for i := range 40 {
		name := fmt.Sprintf("Extra%02d", i)
		cfg.CustomFields = append(cfg.CustomFields, marketotest.FieldDef{SOAPName: name, RESTName: "extra" + name[5:], DisplayName: name,
			DataType: marketotest.TypeString, Length: 255, Custom: true})
		header = append(header, name)
	}
	srv := sandboxtest.Start(t, cfg)
	client, err := marketo.NewRESTClient(marketo.RESTCredentials{BaseURL: srv.RESTBaseURL(), IdentityURL: srv.IdentityURL(),
		ClientID: marketotest.DefaultClientID, ClientSecret: marketotest.DefaultClientSecret}, marketo.RESTOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	fields, err := LeadFields(ctx, client, nil)
	if err != nil {
		t.Fatal(err)
	}

	path := filepath.Join(t.TempDir(), "wide.csv")
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(fh)
	_ = w.Write(header)
	for k := range 3000 {
		rec := make([]string, len(header))
		rec[0] = fmt.Sprintf("wide%05d@example.com", k)
		rec[1+k%40] = "x" // one filled cell of forty
		_ = w.Write(rec)
	}
	w.Flush()
	if err := fh.Close(); err != nil || w.Error() != nil {
		t.Fatal(err, w.Error())
	}

	j, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	pr, err := Propose(j.Header(), fields, marketo.ProfileREST, "")
	if err != nil {
		t.Fatal(err)
	}
	mapped := 0
	for _, c := range pr.Mapping.Columns {
		if c.Kind == importer.ToAttribute {
			mapped++
		}
	}
	if mapped != 40 {
		t.Fatalf("%d columns mapped to fields, want 40: %+v", mapped, pr.Mapping.Columns)
	}
	rep, err := j.Check(ctx, Settings{Mapping: pr.Mapping, Origins: pr.Origins, Fields: fields, Dedup: true, API: marketo.ProfileREST,
		Bulk: true, BulkFileBytes: 20_000}, nil)
	if err != nil || rep.Valid != 3000 {
		t.Fatalf("check: %v, %d valid", err, rep.Valid)
	}
	q := j.Estimate(rep, 0, 0, marketo.Budget{DailyQuota: 50_000}, time.Now())
	files := (q.Calls - connectCalls) / bulkCallsPerFile

	out, err := j.Send(ctx, rep, SendOptions{Client: client, Account: Account{API: marketo.ProfileREST, Endpoint: srv.RESTBaseURL()},
		Dirs: Dirs{Root: t.TempDir()}, Run: run.RunOptions{CallsPerWindow: 100_000, Window: time.Second},
		Bulk: run.BulkOptions{PollFirst: 10 * time.Millisecond, PollMax: 20 * time.Millisecond}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if out.Totals.Imported != 3000 {
		t.Fatalf("totals %+v", out.Totals)
	}
	if made := srv.Stats().Calls["BULK import leads"]; made > files {
		t.Errorf("the estimate foresaw %d files (%d calls); the import made %d", files, q.Calls, made)
	}
}
