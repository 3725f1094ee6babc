// Command pipeline is measurement P1 of .ci/perf.sh: Leadsheet's whole
// headless import of one workbook through the same job `leadsheet sync`
// drives — open, detect the header, auto-map, pre-flight, send over SOAP
// with a journal re-reading the sheet, write the results workbook — with
// one difference: the run's rate budget is lifted. `leadsheet sync` always
// keeps Marketo's 100 calls / 20 s, so against a sandbox without limits it
// would measure that budget (334 calls for 100k rows cannot take less than
// about 67 s), not the pipeline.
//
//	LEADSHEET_ENCRYPTION_KEY=sandbox-encryption-key \
//	  go run ./testdata/peers/pipeline -endpoint http://127.0.0.1:8750/soap/mktows/2_2 FILE.xlsx
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"leadsheet/importer"
	"leadsheet/importer/job"
	"leadsheet/importer/run"
	"leadsheet/marketo"
)

func main() {
	endpoint := flag.String("endpoint", "http://127.0.0.1:8750/soap/mktows/2_2", "SOAP endpoint")
	userID := flag.String("user-id", "leadsheet_sandbox_1", "SOAP user ID")
	results := flag.String("results", "", "results workbook (default: beside the input)")
	flag.Parse()
	if flag.NArg() != 1 {
		log.Fatal("usage: pipeline [flags] FILE.xlsx (the key in LEADSHEET_ENCRYPTION_KEY)")
	}
	t, err := sync(context.Background(), flag.Arg(0), *endpoint, *userID, os.Getenv("LEADSHEET_ENCRYPTION_KEY"), *results)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(run.Summary(t))
}

func sync(ctx context.Context, path, endpoint, userID, key, out string) (importer.Totals, error) {
	var none importer.Totals
	profile := marketo.Profile{API: marketo.ProfileSOAP, SOAP: marketo.SOAPCredentials{Endpoint: endpoint, UserID: userID, EncryptionKey: key}}
	client, err := profile.NewClient(nil)
	if err != nil {
		return none, err
	}
	fields, err := job.LeadFields(ctx, client, nil)
	if err != nil {
		return none, err
	}
	j, err := job.Open(ctx, path, job.Options{})
	if err != nil {
		return none, err
	}
	defer j.Close()
	pr, err := job.Propose(j.Header(), fields, profile.API, "")
	if err != nil {
		return none, err
	}
	rep, err := j.Check(ctx, job.Settings{Mapping: pr.Mapping, Origins: pr.Origins, Fields: fields, Dedup: true, API: profile.API}, nil)
	if err != nil {
		return none, err
	}
	if rep.Fatal != nil {
		return none, rep.Fatal
	}
	outputs := j.Outputs(out, time.Now())
	if err := j.CheckOutputs(outputs); err != nil {
		return none, err
	}
	dirs, err := os.MkdirTemp("", "pipeline-journals-")
	if err != nil {
		return none, err
	}
	defer os.RemoveAll(dirs)
	res, err := j.Send(ctx, rep, job.SendOptions{Client: client, Account: job.AccountOf(profile), Dirs: job.Dirs{Root: dirs},
		Holder: "the pipeline measurement", Run: run.RunOptions{CallsPerWindow: 1 << 30, Window: time.Second}}, nil)
	if err != nil {
		return res.Totals, err
	}
	if _, err := j.WriteResults(ctx, outputs, res.Results); err != nil {
		return res.Totals, fmt.Errorf("results: %w", err)
	}
	return res.Totals, nil
}
