package run

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"leadsheet/marketo"
	"leadsheet/marketo/marketotest"
	"leadsheet/marketo/marketotest/sandboxtest"
)

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
	srv := sandboxtest.Start(t, cfg)
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
