// Command pipeline is measurement P1 of .ci/perf.sh: Leadsheet's whole
// headless pipeline on one workbook — open, detect the header, auto-map,
// validate every row, batch, send over SOAP with a journal, write the
// results workbook — exactly the steps `leadsheet sync` takes, through the
// same importer API, with one difference: the run's rate budget is lifted.
// `leadsheet sync` always keeps Marketo's 100 calls / 20 s, so against a
// sandbox without limits it would measure that budget (334 calls for 100k
// rows cannot take less than about 67 s), not the pipeline.
//
//	LEADSHEET_ENCRYPTION_KEY=sandbox-encryption-key \
//	  go run ./testdata/peers/pipeline -endpoint http://127.0.0.1:8750/soap/mktows/2_2 FILE.xlsx
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"leadsheet/importer"
	"leadsheet/marketo"
)

func main() {
	endpoint := flag.String("endpoint", "http://127.0.0.1:8750/soap/mktows/2_2", "SOAP endpoint")
	userID := flag.String("user-id", "leadsheet_sandbox_1", "SOAP user ID")
	results := flag.String("results", "", "results workbook (default: beside a temporary journal)")
	flag.Parse()
	if flag.NArg() != 1 {
		log.Fatal("usage: pipeline [flags] FILE.xlsx (the key in LEADSHEET_ENCRYPTION_KEY)")
	}
	t, err := run(context.Background(), flag.Arg(0), *endpoint, *userID, os.Getenv("LEADSHEET_ENCRYPTION_KEY"), *results)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(importer.Summary(t))
}

func run(ctx context.Context, path, endpoint, userID, key, results string) (importer.Totals, error) {
	var none importer.Totals
	client, err := marketo.NewSOAPClient(marketo.SOAPCredentials{Endpoint: endpoint, UserID: userID, EncryptionKey: key}, nil)
	if err != nil {
		return none, err
	}
	fields, err := client.LeadFields(ctx)
	if err != nil {
		return none, fmt.Errorf("connect: %w", err)
	}
	wb, err := importer.Open(ctx, path, importer.OpenOptions{})
	if err != nil {
		return none, err
	}
	defer wb.Close()
	sheet := wb.Sheets()[0].Name
	headerRow, err := wb.DetectHeader(ctx, sheet)
	if err != nil {
		return none, err
	}
	h, err := wb.Header(ctx, sheet, headerRow)
	if err != nil {
		return none, err
	}
	m, _ := importer.AutoMap(h.Names, fields)
	v := importer.NewValidator(m, fields, true)
	var batches []importer.Batch
	bt := importer.NewBatcher(marketo.MaxBatch, func(b importer.Batch) error { batches = append(batches, b); return nil })
	var invalid []importer.Problem
	if _, err := wb.Read(ctx, sheet, headerRow, func(r importer.Row) error {
		lead, probs := v.Check(r)
		for _, p := range probs {
			if p.Severity == importer.Invalid {
				invalid = append(invalid, probs...)
				return nil
			}
		}
		return bt.Add(r.Number, lead)
	}); err != nil {
		return none, err
	}
	if err := bt.Flush(); err != nil {
		return none, err
	}
	sum, err := importer.HashFile(path)
	if err != nil {
		return none, err
	}
	dir, err := os.MkdirTemp("", "pipeline-journal-")
	if err != nil {
		return none, err
	}
	defer os.RemoveAll(dir)
	j, err := importer.OpenJournal(dir, importer.JournalKey{FileSHA256: sum, Sheet: sheet, HeaderRow: headerRow,
		Mapping: m, API: marketo.ProfileSOAP, Endpoint: endpoint, Dedup: true})
	if err != nil {
		return none, err
	}
	defer j.Close()
	out, err := importer.Run(ctx, client, batches, importer.RunOptions{Dedup: true, CallsPerWindow: 1 << 30, Window: time.Second,
		Journal: j, Skipped: importer.SkippedRows(invalid)}, nil)
	if err != nil {
		return out.Totals, err
	}
	if results == "" {
		results = filepath.Join(dir, "results.xlsx")
	}
	if _, err := importer.WriteResults(ctx, wb, importer.ResultsOptions{Input: path, Sheet: sheet, HeaderRow: headerRow, Output: results}, out.Results); err != nil {
		return out.Totals, err
	}
	if out.Totals.Created+out.Totals.Updated == 0 {
		return out.Totals, errors.New("no row was sent")
	}
	return out.Totals, nil
}
