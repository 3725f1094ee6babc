package marketotest

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// Main runs `leadsheet sandbox`: a standalone local Marketo on --addr until
// ctx is cancelled. args are the arguments after the subcommand name.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := DefaultConfig()
	fl := flag.NewFlagSet("leadsheet sandbox", flag.ContinueOnError)
	fl.SetOutput(stderr)
	addr := fl.String("addr", "127.0.0.1:8750", "address to listen on (host:port)")
	fl.StringVar(&cfg.UserID, "user-id", cfg.UserID, "SOAP user ID (mktowsUserId)")
	fl.StringVar(&cfg.EncryptionKey, "encryption-key", cfg.EncryptionKey, "SOAP encryption key")
	fl.StringVar(&cfg.ClientID, "client-id", cfg.ClientID, "REST client ID")
	fl.StringVar(&cfg.ClientSecret, "client-secret", cfg.ClientSecret, "REST client secret")
	fl.DurationVar(&cfg.Latency, "latency", 0, "extra time spent on every call")
	fl.DurationVar(&cfg.LatencyJitter, "jitter", 0, "up to this much more latency, at random")
	fl.Float64Var(&cfg.FaultRate5xx, "fail-5xx", 0, "fraction of calls answered with a 502/503/504 gateway error")
	fl.Float64Var(&cfg.DropRate, "drop", 0, "fraction of calls processed but answered by closing the connection")
	fl.Float64Var(&cfg.MalformedRate, "malformed", 0, "fraction of calls processed but answered with a truncated body")
	fl.Float64Var(&cfg.SlowBodyRate, "slow-body", 0, "fraction of calls whose answer trickles out slowly")
	fl.Float64Var(&cfg.ApplyThen5xxRate, "apply-then-5xx", 0, "fraction of calls processed, then answered with a 502/503/504 (the answer lost after the leads were written)")
	fl.Float64Var(&cfg.TimeoutRate, "timeout-604", 0, "fraction of REST calls answered with 604 Request time-out, not processed")
	fl.DurationVar(&cfg.UpsertRace, "upsert-race", 0, "make each upsert take this long between looking its keys up and writing, so closely timed upserts of one new key create duplicate leads as in Marketo (0 = off)")
	fl.IntVar(&cfg.RateLimit, "rate-limit", cfg.RateLimit, "calls allowed per rate window (0 = no limit)")
	fl.DurationVar(&cfg.RateWindow, "rate-window", cfg.RateWindow, "length of the sliding rate window")
	fl.IntVar(&cfg.MaxConcurrent, "max-concurrent", cfg.MaxConcurrent, "calls allowed in flight at once (0 = no limit)")
	fl.IntVar(&cfg.DailyQuota, "daily-quota", cfg.DailyQuota, "calls allowed per day, SOAP and REST together (0 = no limit)")
	fl.DurationVar(&cfg.TokenTTL, "token-ttl", cfg.TokenTTL, "lifetime of a REST access token")
	fl.DurationVar(&cfg.TimestampWindow, "timestamp-window", cfg.TimestampWindow, "how far a SOAP requestTimestamp may be from now")
	fl.Int64Var(&cfg.Seed, "seed", cfg.Seed, "seed for the injected trouble")
	fl.IntVar(&cfg.OtherIntegrationSlots, "other-integration", 0, "simulate another integration sharing the instance that keeps this many of the concurrent calls busy all the time (0 = none)")
	fl.IntVar(&cfg.OtherIntegrationRate, "other-rate", 0, "with or without --other-integration: the other integration also makes this many calls in every rate window, out of the same budget and daily quota")
	fl.DurationVar(&cfg.BulkImportDelay, "bulk-delay", cfg.BulkImportDelay, "how long a bulk import job waits in the queue at least before it starts")
	fl.DurationVar(&cfg.BulkRowTime, "bulk-row-time", cfg.BulkRowTime, "how long a bulk import takes per row once it is importing (0 = at once)")
	noLimits := fl.Bool("no-limits", false, "disable the rate, concurrency and daily limits")
	fl.Func("field", "add a custom lead field, NAME:TYPE (REST name and a describe2 data type, e.g. lastEventAt:datetime; repeatable)", func(v string) error {
		f, err := parseFieldFlag(v)
		if err == nil {
			cfg.CustomFields = append(cfg.CustomFields, f)
		}
		return err
	})
	fl.Func("partition", "add a lead partition, NAME or NAME:WORKSPACE (workspace Default when not given; repeatable); Default (id 1) is always there", func(v string) error {
		p, err := parsePartitionFlag(v)
		if err == nil {
			cfg.Partitions = append(cfg.Partitions, p)
		}
		return err
	})
	fl.Func("deny-partition", "name a partition the API user has no access to (1008; Default makes partitionName required: 1009; repeatable)", func(v string) error {
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("--deny-partition wants a partition name")
		}
		cfg.DeniedPartitions = append(cfg.DeniedPartitions, strings.TrimSpace(v))
		return nil
	})
	fl.BoolVar(&cfg.DedupeWithinPartition, "dedupe-within-partition", false, "match createOnly and createOrUpdate keys only within the target partition, as custom dedupe rules with the partition do (default: a match in another partition is skipped with 1010)")
	if err := fl.Parse(args); err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	if fl.NArg() > 0 {
		return fmt.Errorf("sandbox: unexpected argument %q", fl.Arg(0))
	}
	for _, r := range []struct {
		name string
		v    float64
	}{{"--fail-5xx", cfg.FaultRate5xx}, {"--drop", cfg.DropRate}, {"--malformed", cfg.MalformedRate}, {"--slow-body", cfg.SlowBodyRate}, {"--apply-then-5xx", cfg.ApplyThen5xxRate}, {"--timeout-604", cfg.TimeoutRate}} {
		if r.v < 0 || r.v > 1 {
			return fmt.Errorf("sandbox: %s must be between 0 and 1, not %g", r.name, r.v)
		}
	}
	if cfg.UpsertRace < 0 {
		return fmt.Errorf("sandbox: --upsert-race must not be negative, not %s", cfg.UpsertRace)
	}
	if cfg.BulkImportDelay < 0 || cfg.BulkRowTime < 0 {
		return fmt.Errorf("sandbox: --bulk-delay and --bulk-row-time must not be negative")
	}
	if err := checkPartitions(cfg); err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	if *noLimits {
		cfg.RateLimit, cfg.MaxConcurrent, cfg.DailyQuota = 0, 0, 0
	}
	if err := checkOtherIntegration(cfg); err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("sandbox: listen on %s (is another sandbox running?): %w", *addr, err)
	}
	srv := NewHandler(cfg)
	srv.URL = "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, `Leadsheet sandbox: a local Marketo (not a real one; data lives in memory until you stop it).

SOAP endpoint:  %s
WSDL:           %s?WSDL
User ID:        %s
Encryption key: %s

REST base URL:  %s
Bulk base URL:  %s
Usage:          %s/v1/stats/usage.json
Identity URL:   %s
Client ID:      %s
Client secret:  %s

Stored leads:   %s/sandbox/leads
Static lists:   %s/sandbox/lists
Programs:       %s/sandbox/programs
Partitions:     %s/sandbox/partitions
Statistics:     %s/sandbox/stats

Limits: %s. Press Ctrl+C to stop.
`, srv.SOAPEndpoint(), srv.SOAPEndpoint(), cfg.UserID, cfg.EncryptionKey,
		srv.RESTBaseURL(), srv.BulkBaseURL(), srv.RESTBaseURL(), srv.IdentityURL(), cfg.ClientID, cfg.ClientSecret,
		srv.URL, srv.URL, srv.URL, srv.URL, srv.URL, describeLimits(cfg))

	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("sandbox: serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("sandbox: shut down: %w", err)
	}
	hs.Close() //nolint:errcheck // after Shutdown, only stragglers remain
	fmt.Fprintln(stdout, "Sandbox stopped.")
	return nil
}

// parseFieldFlag reads --field NAME:TYPE. The SOAP name is the REST name
// with its first letter in upper case, as Marketo's standard fields have it.
func parseFieldFlag(v string) (FieldDef, error) {
	name, typ, ok := strings.Cut(v, ":")
	name, typ = strings.TrimSpace(name), strings.ToLower(strings.TrimSpace(typ))
	known := map[string]bool{TypeString: true, TypeText: true, TypeEmail: true, TypePhone: true, TypeURL: true, TypeInteger: true,
		TypeFloat: true, TypeCurrency: true, TypeDate: true, TypeDateTime: true, TypeBoolean: true, TypePercent: true, TypeScore: true,
		TypeReference: true, TypeFormula: true}
	if !ok || name == "" || strings.ContainsAny(name, " ,:") || !known[typ] {
		return FieldDef{}, fmt.Errorf("--field wants NAME:TYPE, such as lastEventAt:datetime, with a type Marketo's describe2 names (string, text, integer, float, currency, percent, score, boolean, date, datetime, email, phone, url, reference, formula); got %q", v)
	}
	return FieldDef{SOAPName: strings.ToUpper(name[:1]) + name[1:], RESTName: name, DisplayName: name, DataType: typ, Custom: true}, nil
}

// parsePartitionFlag reads --partition NAME or NAME:WORKSPACE.
func parsePartitionFlag(v string) (Partition, error) {
	name, ws, _ := strings.Cut(v, ":")
	name, ws = strings.TrimSpace(name), strings.TrimSpace(ws)
	if name == "" || name == "Default" {
		return Partition{}, fmt.Errorf("--partition wants NAME or NAME:WORKSPACE with a name other than Default; got %q", v)
	}
	return Partition{Name: name, Workspace: ws}, nil
}

// checkPartitions refuses a partition given twice and a denied partition
// the sandbox does not have: the first is ignored by NewHandler, the
// second would deny nothing, neither what the user meant.
func checkPartitions(cfg Config) error {
	known := map[string]bool{"Default": true}
	for _, p := range cfg.Partitions {
		if known[p.Name] {
			return fmt.Errorf("--partition %s is given twice", p.Name)
		}
		known[p.Name] = true
	}
	if len(known) > 255 {
		return fmt.Errorf("at most 254 --partition flags are allowed")
	}
	for _, d := range cfg.DeniedPartitions {
		if !known[d] {
			return fmt.Errorf("--deny-partition %s names no partition (add it with --partition)", d)
		}
	}
	return nil
}

// checkOtherIntegration refuses a simulated other integration that would
// leave nothing to the client, or that has no limit to share.
func checkOtherIntegration(cfg Config) error {
	switch {
	case cfg.OtherIntegrationSlots < 0 || cfg.OtherIntegrationRate < 0:
		return fmt.Errorf("--other-integration and --other-rate must not be negative")
	case cfg.OtherIntegrationSlots > 0 && cfg.MaxConcurrent == 0:
		return fmt.Errorf("--other-integration %d needs a concurrency limit to share; drop --no-limits or set --max-concurrent", cfg.OtherIntegrationSlots)
	case cfg.OtherIntegrationSlots > 0 && cfg.OtherIntegrationSlots >= cfg.MaxConcurrent:
		return fmt.Errorf("--other-integration %d leaves no concurrent call to the client: it must be below --max-concurrent (%d)", cfg.OtherIntegrationSlots, cfg.MaxConcurrent)
	case cfg.OtherIntegrationRate > 0 && cfg.RateLimit == 0:
		return fmt.Errorf("--other-rate %d needs a rate limit to share; drop --no-limits or set --rate-limit", cfg.OtherIntegrationRate)
	case cfg.OtherIntegrationRate > 0 && cfg.OtherIntegrationRate >= cfg.RateLimit:
		return fmt.Errorf("--other-rate %d leaves no calls to the client: it must be below --rate-limit (%d)", cfg.OtherIntegrationRate, cfg.RateLimit)
	}
	return nil
}

func describeLimits(cfg Config) string {
	if cfg.RateLimit == 0 && cfg.MaxConcurrent == 0 && cfg.DailyQuota == 0 {
		return "none"
	}
	out := fmt.Sprintf("%d calls per %s, %d at once, %d per day", cfg.RateLimit, cfg.RateWindow, cfg.MaxConcurrent, cfg.DailyQuota)
	if cfg.OtherIntegrationSlots > 0 || cfg.OtherIntegrationRate > 0 {
		out += fmt.Sprintf("; another integration holds %d of the concurrent calls and makes %d calls per window", cfg.OtherIntegrationSlots, cfg.OtherIntegrationRate)
	}
	return out
}
