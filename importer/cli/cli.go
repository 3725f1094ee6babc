// Package cli is Leadsheet's headless sync, `leadsheet sync FILE ...`: the
// same engine as the window (read, map, validate, batch, run, journal,
// results) driven from flags, for scripts and for people who prefer a
// terminal.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"leadsheet/importer"
	"leadsheet/importer/fieldtype"
	"leadsheet/importer/job"
	"leadsheet/importer/run"
	"leadsheet/importer/sheet"
	"leadsheet/marketo"
)

// Exit codes of [Main].
const (
	ExitOK      = 0 // every row sent was created or updated
	ExitRows    = 1 // some rows failed, were invalid, or were not sent
	ExitUsage   = 2 // bad flags, or the input could not be read
	ExitConnect = 3 // Marketo could not be reached, refused the login, or the daily quota is used up
)

// Env is what Main needs from the world, so tests and main.go can each
// supply their own.
type Env struct {
	Getenv func(string) string // nil means os.Getenv
	Stdout io.Writer
	Stderr io.Writer
	Stdin  io.Reader // the operator's answers (leadsheet undo's confirm); nil means os.Stdin
	// StderrIsTerminal draws a one-line progress bar instead of plain lines.
	StderrIsTerminal bool
	// ConfigDir holds journals (ConfigDir/journals) and saved accounts;
	// empty means os.UserConfigDir()/leadsheet.
	ConfigDir string
	// Accounts loads a saved account with its secret; nil means the
	// credential store in ConfigDir (secrets in the system keyring).
	Accounts func(name string) (marketo.Profile, error)
	// HTTPClient talks to Marketo; nil means the marketo package's default.
	HTTPClient *http.Client
	// Now is the clock for results file names; nil means time.Now.
	Now func() time.Time
}

func (e Env) getenv(k string) string {
	if e.Getenv == nil {
		return os.Getenv(k)
	}
	return e.Getenv(k)
}

func (e Env) configDir() (string, error) {
	if e.ConfigDir != "" {
		return e.ConfigDir, nil
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the folder for Leadsheet's settings: %w", err)
	}
	return filepath.Join(base, "leadsheet"), nil
}

// Environment variables scripts use for secrets; secrets never come from flags.
const (
	EnvEncryptionKey = "LEADSHEET_ENCRYPTION_KEY"
	EnvClientSecret  = "LEADSHEET_CLIENT_SECRET"
	// EnvWorkbookPassword opens a password-protected workbook; its results
	// are protected with the same password.
	EnvWorkbookPassword = "LEADSHEET_WORKBOOK_PASSWORD"
)

const usage = `Usage: leadsheet sync FILE [flags]

Sends the rows of FILE (.xlsx, .xlsm or .csv) to Marketo as leads and writes
the results to a new workbook beside it. FILE itself is never changed.

Secrets are never given as flags: use a saved account (--profile), or set
LEADSHEET_ENCRYPTION_KEY (SOAP) or LEADSHEET_CLIENT_SECRET (REST). A workbook
protected with a password is opened with LEADSHEET_WORKBOOK_PASSWORD.

Flags:
`

// options are the parsed flags.
type options struct {
	file        string
	sheet       string
	headerRow   int
	maps        mapFlags
	preset      string
	dedup       bool
	batchSize   int
	budget      marketo.Budget // flags given; zero fields: the account's
	lostWait    time.Duration
	api         string
	profile     string
	endpoint    string
	userID      string
	restURL     string
	identityURL string
	clientID    string
	fspiField   string
	results     string
	resume      bool
	startOver   bool
	dryRun      bool
	preview     bool
	mode        marketo.SyncMode
	clearBlanks bool
	fillEmpty   bool
	values      fieldtype.Options
	ticks       []string // --tick-columns
	bulk        bool     // --engine bulk
	bulkBytes   int
	bulkPoll    time.Duration
	bulkLookUp  bool
	list        string // --list NAME|ID
	newList     string
	folder      string
	program     string // --program NAME|ID
	status      string
	statusCol   string // --status-column COL
	listOnly    bool
	partition   string
	set         map[string]bool // flags given explicitly
}

// mapFlags collects repeated --map COL=FIELD.
type mapFlags []string

func (m *mapFlags) String() string     { return strings.Join(*m, ",") }
func (m *mapFlags) Set(s string) error { *m = append(*m, s); return nil }

// secretFlags are refused with an explanation instead of "unknown flag".
var secretFlags = []string{"encryption-key", "client-secret", "secret", "password", "key"}

// usageError is bad usage: the message says what to do.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("leadsheet sync", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.sheet, "sheet", "", "sheet to import (default: the first)")
	fs.IntVar(&o.headerRow, "header-row", 0, "row number of the header (default: detected)")
	fs.Var(&o.maps, "map", "map a column to a field, COL=FIELD (repeatable); COL is a header or a column letter, FIELD a lead field's API name, email, id, foreignsyspersonid, foreignsystype, memberstatus (each row's program member status, with --program) or skip")
	fs.StringVar(&o.preset, "mapping", "", "mapping preset (JSON saved by Leadsheet)")
	fs.BoolVar(&o.dedup, "dedup", true, "update leads that already exist (false: every row creates a new lead)")
	fs.IntVar(&o.batchSize, "batch-size", marketo.MaxBatch, "leads per call, 1-300")
	fs.IntVar(&o.budget.Concurrency, "concurrency", 0, "calls at once, 1-10 (default: the account's, else 5, half of what Marketo allows an instance)")
	fs.IntVar(&o.budget.CallsPer20s, "calls-per-20s", 0, "calls per 20 seconds, 1-100 (default: the account's, else 50, half of Marketo's limit)")
	fs.IntVar(&o.budget.DailyQuota, "daily-quota", 0, "the instance's API calls per day, from Admin > Web Services (default: the account's, else 50,000)")
	fs.DurationVar(&o.lostWait, "lost-answer-wait", run.DefaultSettle, "with --dedup=false over REST: how long to wait, after a lost answer or on resuming a stopped run, before looking in Marketo for the leads those calls may have created")
	fs.StringVar(&o.api, "api", "", "Marketo API: soap or rest (default: the account's, else soap)")
	fs.StringVar(&o.profile, "profile", "", "saved Marketo account to use")
	fs.StringVar(&o.endpoint, "endpoint", "", "SOAP endpoint URL")
	fs.StringVar(&o.userID, "user-id", "", "SOAP user ID")
	fs.StringVar(&o.restURL, "rest-url", "", "REST base URL, ending in /rest")
	fs.StringVar(&o.identityURL, "identity-url", "", "REST identity URL (default: derived from --rest-url)")
	fs.StringVar(&o.clientID, "client-id", "", "REST client ID")
	fs.StringVar(&o.fspiField, "fspi-field", "", "REST custom field standing in for ForeignSysPersonId")
	fs.StringVar(&o.results, "results", "", "results workbook to write (default: FILE-results-DATE-TIME.xlsx beside FILE)")
	fs.BoolVar(&o.startOver, "start-over", false, "set aside an unfinished run of the same file (kept beside, renamed) and start afresh: rows it confirmed are sent again")
	fs.BoolVar(&o.resume, "resume", false, "continue an earlier run of the same file that stopped (a run always resumes one; this makes it an error if there is none)")
	fs.BoolVar(&o.preview, "preview", false, "REST: look every row up in Marketo and write what the import would do (create, update with old and new values, leave alone) to FILE-preview-DATE-TIME.csv; change nothing")
	modeName := fs.String("mode", "create-or-update", "which people the import may touch: create-or-update, create-only (leave people already in Marketo alone) or update-only (create nobody); REST, dedup on")
	fs.BoolVar(&o.clearBlanks, "clear-blanks", false, "REST: a blank cell in a mapped column empties that field in Marketo (default: blank cells leave Marketo's value as it is)")
	fs.BoolVar(&o.fillEmpty, "fill-empty", false, "REST: only fill fields that are empty in Marketo, leaving values already there as they are (looks each batch up first: one more call per batch)")
	dateOrder := fs.String("date-order", "", "how text dates like 03/05/2024 are written: day-first (3 May) or month-first (March 5); without it such dates are refused rather than guessed")
	zone := fs.String("time-zone", "", "time zone of dates and times written without one, e.g. America/Chicago (default: this computer's)")
	ticks := fs.String("tick-columns", "", "yes/no columns written as tick marks, COL[,COL] (headers or letters): x means yes and a blank cell means No, which is sent; in other yes/no columns a blank cell sends nothing")
	engine := fs.String("engine", "sync", "how rows are sent: sync (Sync Leads, 300 rows a call, each row's outcome live) or bulk (REST Bulk Import: one call per 10 MB file, for large sheets; no lead ids and no created/updated split)")
	fs.IntVar(&o.bulkBytes, "bulk-file-bytes", marketo.MaxBulkFileBytes, "with --engine bulk: the largest import file, in bytes")
	fs.DurationVar(&o.bulkPoll, "bulk-poll", run.DefaultBulkPollFirst, "with --engine bulk: the first wait before reading a job's status (later waits grow to 30s; Adobe asks for 5s to 30s)")
	fs.BoolVar(&o.bulkLookUp, "bulk-lookup", false, "with --engine bulk: look the imported rows up afterwards (a call per 300 rows) for their lead ids and whether each was created or updated")
	fs.StringVar(&o.list, "list", "", "REST: add every created or updated lead to this static list (its exact name or id); unknown names are refused before sending, with the nearest ones")
	fs.StringVar(&o.newList, "new-list", "", "REST: create a static list of this name (in --folder) just before sending, and add the leads to it")
	fs.StringVar(&o.folder, "folder", "", "with --new-list: the folder or program to create the list in, by name (e.g. \"Group Lists\")")
	fs.StringVar(&o.program, "program", "", "REST: make every created or updated lead a member of this program (its exact name or id) with --status")
	fs.StringVar(&o.status, "status", "", "with --program: the member status to set, one of the program channel's statuses (e.g. Registered); a lead already at or past it keeps its status")
	fs.StringVar(&o.statusCol, "status-column", "", "with --program: the column (header or letter) holding each row's member status; blank cells take --status, and the column is not sent as a field")
	fs.BoolVar(&o.listOnly, "list-only", false, "with --list, --new-list or --program: add only the people already in Marketo (looked up by the key) and create or change nobody; the others are reported as not in Marketo")
	fs.StringVar(&o.partition, "partition", "", "REST: the lead partition new people go into, by name (partitions do not dedupe against each other); unknown names are refused before sending")
	fs.BoolVar(&o.dryRun, "dry-run", false, "read, map and validate, print the report and the first request (SOAP envelope, or REST leads.json body); send nothing")
	var secret string
	for _, name := range secretFlags {
		fs.StringVar(&secret, name, "", "not accepted: secrets never go on the command line")
	}
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.VisitAll(func(f *flag.Flag) {
			for _, s := range secretFlags {
				if f.Name == s {
					return
				}
			}
			fmt.Fprintf(stderr, "  --%s\n    \t%s\n", f.Name, f.Usage)
		})
	}
	var positional []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			return o, &usageError{msg: ""}
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	o.set = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { o.set[f.Name] = true })
	for _, s := range secretFlags {
		if o.set[s] {
			return o, &usageError{msg: fmt.Sprintf("--%s is not accepted: secrets on the command line are visible to other programs and kept in shell history. Save the account in Leadsheet and use --profile NAME, or set %s (SOAP) or %s (REST) in the environment.", s, EnvEncryptionKey, EnvClientSecret)}
		}
	}
	switch {
	case len(positional) == 0:
		return o, &usageError{msg: "Name the file to import: leadsheet sync FILE"}
	case len(positional) > 1:
		return o, &usageError{msg: fmt.Sprintf("Only one file can be imported at a time; got %q", positional)}
	}
	o.file = positional[0]
	if o.batchSize < 1 || o.batchSize > marketo.MaxBatch {
		return o, &usageError{msg: fmt.Sprintf("--batch-size must be between 1 and %d", marketo.MaxBatch)}
	}
	if o.budget.Concurrency < 0 || o.budget.Concurrency > marketo.MaxConcurrency || o.set["concurrency"] && o.budget.Concurrency == 0 {
		return o, &usageError{msg: "--concurrency must be between 1 and 10 (Marketo allows 10 calls at once for the whole instance)"}
	}
	if o.budget.CallsPer20s < 0 || o.budget.CallsPer20s > marketo.MaxCallsPer20s || o.set["calls-per-20s"] && o.budget.CallsPer20s == 0 {
		return o, &usageError{msg: "--calls-per-20s must be between 1 and 100 (Marketo allows 100 calls per 20 seconds for the whole instance)"}
	}
	if msg := o.budget.Check(); msg != "" || o.set["daily-quota"] && o.budget.DailyQuota == 0 {
		return o, &usageError{msg: "--daily-quota must be the number of API calls your instance may make a day (Admin > Web Services; 50,000 unless your company bought more)"}
	}
	if o.lostWait <= 0 {
		return o, &usageError{msg: "--lost-answer-wait must be a duration such as 1m or 30s"}
	}
	if o.headerRow < 0 {
		return o, &usageError{msg: "--header-row must be a row number, 1 or more"}
	}
	switch strings.ToLower(*modeName) {
	case "create-or-update":
		o.mode = marketo.CreateOrUpdate
	case "create-only":
		o.mode = marketo.CreateOnly
	case "update-only":
		o.mode = marketo.UpdateOnly
	default:
		return o, &usageError{msg: "--mode must be create-or-update, create-only or update-only"}
	}
	switch strings.ToLower(*engine) {
	case "sync":
	case "bulk":
		o.bulk = true
	default:
		return o, &usageError{msg: "--engine must be sync (Sync Leads) or bulk (Bulk Import)"}
	}
	if o.bulkBytes < 1000 || o.bulkBytes > marketo.MaxBulkFileBytes {
		return o, &usageError{msg: fmt.Sprintf("--bulk-file-bytes must be between 1000 and %d (Marketo takes files under 10 MB)", marketo.MaxBulkFileBytes)}
	}
	switch {
	case o.list != "" && o.newList != "":
		return o, &usageError{msg: "Give either --list (a list Marketo has) or --new-list (one to create), not both"}
	case o.newList != "" && strings.TrimSpace(o.folder) == "":
		return o, &usageError{msg: "--new-list needs --folder: the folder or program to create the list in, by name"}
	case o.folder != "" && o.newList == "":
		return o, &usageError{msg: "--folder goes with --new-list"}
	case o.program != "" && strings.TrimSpace(o.status) == "" && strings.TrimSpace(o.statusCol) == "":
		return o, &usageError{msg: "--program needs --status (the member status to set, e.g. --status Registered) or --status-column (the column giving each row's status)"}
	case (o.status != "" || o.statusCol != "") && o.program == "":
		return o, &usageError{msg: "--status and --status-column go with --program"}
	case o.listOnly && o.list == "" && o.newList == "" && o.program == "":
		return o, &usageError{msg: "--list-only needs --list, --new-list or --program: the list or program to add the people Marketo has to"}
	case o.bulk && o.program != "" && (o.list != "" || o.newList != ""):
		return o, &usageError{msg: "Bulk Import cannot put the leads into a static list and a program in one go (Marketo's program member import takes no list): choose one, or send with Sync Leads (--engine sync)"}
	}
	if o.bulkPoll <= 0 {
		return o, &usageError{msg: "--bulk-poll must be a duration such as 5s"}
	}
	switch strings.ToLower(*dateOrder) {
	case "":
	case "day-first", "dmy":
		o.values.DateOrder = fieldtype.DayFirst
	case "month-first", "mdy":
		o.values.DateOrder = fieldtype.MonthFirst
	default:
		return o, &usageError{msg: "--date-order must be day-first or month-first"}
	}
	if *zone != "" {
		loc, err := time.LoadLocation(*zone)
		if err != nil || strings.EqualFold(*zone, "local") {
			return o, &usageError{msg: fmt.Sprintf("--time-zone %q is not a time zone Leadsheet knows; use a name such as America/Chicago, Europe/Berlin or UTC", *zone)}
		}
		o.values.Zone = loc
	}
	if *ticks != "" {
		o.ticks = strings.Split(*ticks, ",")
	}
	if o.startOver && o.resume {
		return o, &usageError{msg: "--start-over and --resume ask for opposite things: give one of them"}
	}
	if o.preview && o.dryRun {
		return o, &usageError{msg: "--preview and --dry-run are two different checks: give one of them"}
	}
	if o.preview && o.listOnly {
		return o, &usageError{msg: "--preview shows who an import creates and updates, and --list-only creates and changes nobody: run --list-only itself, which only looks people up and adds those Marketo has"}
	}
	o.api = strings.ToLower(o.api)
	if o.api != "" && o.api != marketo.ProfileSOAP && o.api != marketo.ProfileREST {
		return o, &usageError{msg: "--api must be soap or rest"}
	}
	return o, nil
}

// Main runs `leadsheet sync` with args (the words after "sync"; a leading
// "sync" is skipped) and returns the process exit code.
func Main(ctx context.Context, args []string, env Env) int {
	if env.Stdout == nil {
		env.Stdout = io.Discard
	}
	if env.Stderr == nil {
		env.Stderr = io.Discard
	}
	if len(args) > 0 && args[0] == "sync" {
		args = args[1:]
	}
	o, err := parseFlags(args, env.Stderr)
	if err != nil {
		if msg := err.Error(); msg != "" {
			fmt.Fprintln(env.Stderr, msg)
		}
		return ExitUsage
	}
	s := &session{o: o, env: env}
	return s.run(ctx)
}

// failure is an error with the exit code it calls for.
type failure struct {
	code int
	err  error
	// msg, when set, is what the operator reads instead of err's text;
	// err is kept for errors.Is and errors.As.
	msg string
}

func (f *failure) Error() string {
	if f.msg != "" {
		return f.msg
	}
	return f.err.Error()
}
func (f *failure) Unwrap() error { return f.err }

func fail(code int, format string, a ...any) error {
	return &failure{code: code, err: fmt.Errorf(format, a...)}
}

func exitCode(err error) int {
	var f *failure
	if errors.As(err, &f) {
		return f.code
	}
	return ExitUsage
}

// applyMaps applies --map overrides to m; COL is a header (any case) or a
// column letter.
func applyMaps(m *job.Proposal, h sheet.Header, maps []string) error {
	for _, spec := range maps {
		col, field, ok := strings.Cut(spec, "=")
		col, field = strings.TrimSpace(col), strings.TrimSpace(field)
		if !ok || col == "" {
			return fail(ExitUsage, "--map %q: write it as COLUMN=FIELD, e.g. --map \"E-mail=email\"", spec)
		}
		idx := columnIndex(h, col)
		if idx < 0 {
			return fail(ExitUsage, "--map %q: the sheet has no column %q. Its columns are: %s", spec, col, strings.Join(h.Names, ", "))
		}
		m.Set(idx, job.ParseTarget(field))
	}
	return nil
}

// columnIndex finds a column by its header or its letter; -1 if none.
func columnIndex(h sheet.Header, col string) int {
	for i := range h.Names {
		if strings.EqualFold(h.Names[i], col) || strings.EqualFold(h.Original[i], col) {
			return i
		}
	}
	for i := range h.Letters {
		if strings.EqualFold(h.Letters[i], col) {
			return i
		}
	}
	return -1
}

// applyTicks marks the --tick-columns.
func applyTicks(m *importer.Mapping, h sheet.Header, cols []string) error {
	for _, col := range cols {
		i := columnIndex(h, strings.TrimSpace(col))
		if i < 0 {
			return fail(ExitUsage, "--tick-columns: the sheet has no column %q. Its columns are: %s", col, strings.Join(h.Names, ", "))
		}
		if m.Ticks == nil {
			m.Ticks = make([]bool, len(m.Columns))
		}
		m.Ticks[i] = true
	}
	return nil
}
