package importer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"leadsheet/marketo"
	"leadsheet/marketo/marketotest"
)

// BenchmarkPipeline100k is the whole sync of a 100,000 x 10 workbook with no
// latency and no limits: open, read, auto-map, validate, batch, run over
// real HTTP against the in-process sandbox (334 SOAP calls, journal on),
// and write the results workbook. Compare with
// BenchmarkBareExcelizeRows100k over the same file:
//
//	go test -run '^$' -bench 'Pipeline100k|BareExcelizeRows100k' -benchtime 3x ./importer/
//
// The sandbox decodes and stores every lead in the same process, so its
// work is part of the figure.
func BenchmarkPipeline100k(b *testing.B) {
	const rows = 100_000
	p := bigFile(b, rows)
	ctx := context.Background()
	cfg := marketotest.DefaultConfig()
	cfg.RateLimit, cfg.MaxConcurrent, cfg.DailyQuota = 0, 0, 0
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		srv := startSandbox(b, cfg)
		client := soapClient(b, srv, marketotest.DefaultEncryptionKey)
		out := filepath.Join(b.TempDir(), "results.xlsx")
		journals := b.TempDir()
		b.StartTimer()

		wb, err := Open(ctx, p, OpenOptions{})
		if err != nil {
			b.Fatal(err)
		}
		h, err := wb.Header(ctx, "Sheet1", 1)
		if err != nil {
			b.Fatal(err)
		}
		m, _ := AutoMap(h.Names, StandardFields())
		v := NewValidator(m, StandardFields(), true)
		var batches []Batch
		bt := NewBatcher(marketo.MaxBatch, func(bb Batch) error { batches = append(batches, bb); return nil })
		var invalid []Problem
		if _, err := wb.Read(ctx, "Sheet1", 1, func(r Row) error {
			lead, probs := v.Check(r)
			if hasInvalid(probs) {
				invalid = append(invalid, probs...)
				return nil
			}
			return bt.Add(r.Number, lead)
		}); err != nil {
			b.Fatal(err)
		}
		if err := bt.Flush(); err != nil {
			b.Fatal(err)
		}
		sum, err := HashFile(p)
		if err != nil {
			b.Fatal(err)
		}
		j, err := OpenJournal(journals, JournalKey{FileSHA256: sum, Sheet: "Sheet1", HeaderRow: 1, Mapping: m, API: "SOAP", Dedup: true})
		if err != nil {
			b.Fatal(err)
		}
		res, err := Run(ctx, client, batches, RunOptions{Dedup: true, CallsPerWindow: 1 << 30, Window: time.Second,
			Journal: j, Skipped: SkippedRows(invalid)}, nil)
		if err != nil {
			b.Fatal(err)
		}
		j.Close()
		if res.Totals.Created != rows {
			b.Fatalf("totals %+v", res.Totals)
		}
		if _, err := WriteResults(ctx, wb, ResultsOptions{Input: p, Sheet: "Sheet1", HeaderRow: 1, Output: out}, res.Results); err != nil {
			b.Fatal(err)
		}
		wb.Close()
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkWriteResults100k is the results step alone: the 100k sheet
// streamed through the rewriter into a new workbook.
func BenchmarkWriteResults100k(b *testing.B) {
	const rows = 100_000
	p := bigFile(b, rows)
	ctx := context.Background()
	results := make([]RowResult, rows)
	for i := range results {
		results[i] = RowResult{Row: i + 2, State: Created, LeadID: 1000 + i}
	}
	wb, err := Open(ctx, p, OpenOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer wb.Close()
	out := filepath.Join(b.TempDir(), "results.xlsx")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := WriteResults(ctx, wb, ResultsOptions{Input: p, Sheet: "Sheet1", HeaderRow: 1, Output: out}, results); err != nil {
			b.Fatal(err)
		}
	}
}

// TestMeasureSustainedRate runs 100,000 rows (334 calls) against a sandbox
// with Marketo's limits and 1.5 s per call, at concurrency 10 and the
// default budget, and prints the sustained call rate and the sandbox's
// limit faults. It takes about 70 s, so it only runs with LEADSHEET_MEASURE=1:
//
//	LEADSHEET_MEASURE=1 go test -run TestMeasureSustainedRate -v ./importer/
func TestMeasureSustainedRate(t *testing.T) {
	if os.Getenv("LEADSHEET_MEASURE") != "1" {
		t.Skip("set LEADSHEET_MEASURE=1 to measure (about 70 s)")
	}
	cfg := marketotest.DefaultConfig()
	cfg.Latency = 1500 * time.Millisecond
	srv := startSandbox(t, cfg)
	const rows = 100_000
	batches := testBatches(rows, marketo.MaxBatch, "m%06d@example.com")
	start := time.Now()
	out, err := Run(context.Background(), soapClient(t, srv, marketotest.DefaultEncryptionKey), batches, RunOptions{Dedup: true, Concurrency: 10}, nil)
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	st := srv.Stats()
	calls := st.Calls["SOAP syncMultipleLeads"]
	// The rate between the first and the last call going out: each call
	// then takes another 1.5 s to come back.
	rate := float64(calls-1) / (elapsed - cfg.Latency).Seconds()
	fmt.Printf("rows %d, calls %d, elapsed %v, sustained %.3f calls/s (%.1f%% of 5/s), sandbox per-second rate %.3f, max calls in a 20 s window %d, faults %v, created %d\n",
		rows, calls, elapsed.Round(time.Millisecond), rate, rate/5*100, st.SustainedRate(), st.MaxInWindow, st.Faults, out.Totals.Created)
	if n := st.Faults["20023"]; n != 0 {
		t.Errorf("%d rate faults", n)
	}
	if out.Totals.Created != rows {
		t.Errorf("totals %+v", out.Totals)
	}
}
