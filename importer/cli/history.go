package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"leadsheet/importer/history"
	"leadsheet/importer/job"
	"leadsheet/importer/run"
	"leadsheet/marketo"
)

const historyUsage = `Usage: leadsheet history [--json] [--file NAME] [--account NAME]
       leadsheet history show ID [--json]

Lists the imports run on this computer, newest first (from the window and
from leadsheet sync alike): when, which file, into which account, and how
each ended. --json prints one JSON object per run, a line each.
`

// History runs `leadsheet history` with args (the words after "history").
func History(ctx context.Context, args []string, env Env) int {
	env = env.withDefaults()
	fs := flag.NewFlagSet("leadsheet history", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	asJSON := fs.Bool("json", false, "print JSON, one object per run and line")
	file := fs.String("file", "", "only runs of files whose name contains this")
	account := fs.String("account", "", "only runs into accounts whose name or address contains this")
	fs.Usage = func() { fmt.Fprint(env.Stderr, historyUsage); fs.PrintDefaults() }
	show := len(args) > 0 && args[0] == "show"
	if show {
		args = args[1:]
	}
	pos, ok := parseInterleaved(fs, args)
	if !ok {
		return ExitUsage
	}
	dir, err := env.configDir()
	if err != nil {
		fmt.Fprintln(env.Stderr, err)
		return ExitUsage
	}
	store := job.Dirs{Root: dir}.History()
	if show {
		if len(pos) != 1 {
			fmt.Fprintln(env.Stderr, "Name the run to show: leadsheet history show ID (leadsheet history lists the ids)")
			return ExitUsage
		}
		r, err := store.Get(pos[0])
		if err != nil {
			fmt.Fprintln(env.Stderr, noRunWords(pos[0], err))
			return ExitUsage
		}
		if *asJSON {
			return printJSON(env, r)
		}
		printRun(env.Stdout, r)
		return ExitOK
	}
	if len(pos) > 0 {
		fmt.Fprintf(env.Stderr, "leadsheet history takes no file; to see one run: leadsheet history show ID\n")
		return ExitUsage
	}
	runs, err := store.List(history.Filter{File: *file, Account: *account})
	if err != nil {
		// A damaged record is said, and the others still listed.
		fmt.Fprintln(env.Stderr, "Some of the history could not be read:", err)
	}
	if *asJSON {
		for _, r := range runs {
			if code := printJSON(env, r); code != ExitOK {
				return code
			}
		}
		return ExitOK
	}
	if len(runs) == 0 {
		fmt.Fprintln(env.Stdout, "No imports on record yet.")
		return ExitOK
	}
	for _, r := range runs {
		fmt.Fprintf(env.Stdout, "%s  %s  %s  %s  %s\n", r.ID, r.Started.Local().Format("2006-01-02 15:04"), r.Name(), job.RunAccount(r), outcomeWords(r))
	}
	fmt.Fprintln(env.Stdout, "\nleadsheet history show ID shows one run; leadsheet undo ID takes an import back.")
	return ExitOK
}

func noRunWords(id string, err error) string {
	if errors.Is(err, history.ErrNoRun) {
		return fmt.Sprintf("There is no run %q in the history. leadsheet history lists them.", id)
	}
	return err.Error()
}

func printJSON(env Env, v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		fmt.Fprintln(env.Stderr, err)
		return ExitUsage
	}
	fmt.Fprintln(env.Stdout, string(b))
	return ExitOK
}

// outcomeWords says how a run ended, how to carry it on, and whether it
// was undone.
func outcomeWords(r history.Run) string {
	out := job.RunOutcome(r)
	switch {
	case r.Outcome == "" && r.Kind == history.KindUndo:
		out += "; run the same undo again to finish it"
	case r.Outcome == "":
		out += "; run the same import again to resume it"
	}
	if r.UndoneBy != "" {
		out += " (undone: " + r.UndoneBy + ")"
	}
	return out
}

// printRun writes one run, a fact a line.
func printRun(w io.Writer, r history.Run) {
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "%-10s %s\n", k+":", v)
		}
	}
	line("Run", r.ID+" ("+r.Kind+")")
	line("File", r.File)
	line("SHA-256", r.FileSHA256)
	line("Sheet", r.Sheet)
	if r.Account != "" {
		line("Account", r.Account+" ("+strings.ToUpper(r.API)+", "+r.Endpoint+")")
	} else {
		line("Account", strings.ToUpper(r.API)+", "+r.Endpoint)
	}
	if r.Kind == history.KindImport {
		line("Dedup", map[bool]string{true: "on", false: "off"}[r.Dedup])
	}
	line("Settings", r.Settings)
	line("List", r.List)
	line("Program", r.Program)
	line("Started", r.Started.Local().Format(time.DateTime))
	if !r.Ended.IsZero() {
		line("Ended", r.Ended.Local().Format(time.DateTime))
	}
	line("Outcome", outcomeWords(r))
	line("Results", r.Results)
	line("Failures", r.Failures)
	line("By", r.User+", "+r.Frontend)
	switch {
	case r.Kind == history.KindUndo:
	case r.Undoable:
		line("Undo", "leadsheet undo "+r.ID)
	default:
		line("Undo", "not possible: it was not sent through REST Sync Leads")
	}
}

const undoUsage = `Usage: leadsheet undo ID [--yes] [--force] [--profile NAME]

Takes back import ID (leadsheet history lists them): leads it updated are
set back to the values they had, leads it created are deleted, and list
memberships it added are removed. Program statuses cannot be moved back in
Marketo; those leads are listed. A lead changed in Marketo since the import
is left alone unless --force. It shows what it will do and asks you to type
the import's id before changing anything (--yes skips the question, for
scripts). A stopped undo resumes when run again.

Flags:
`

// Undo runs `leadsheet undo` with args (the words after "undo").
func Undo(ctx context.Context, args []string, env Env) int {
	env = env.withDefaults()
	fs := flag.NewFlagSet("leadsheet undo", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	yes := fs.Bool("yes", false, "do not ask: undo at once (for scripts)")
	force := fs.Bool("force", false, "also take back leads changed in Marketo since the import, losing those changes")
	var o options
	fs.StringVar(&o.profile, "profile", "", "saved Marketo account to use (default: the one the import went to)")
	fs.StringVar(&o.restURL, "rest-url", "", "REST base URL, ending in /rest")
	fs.StringVar(&o.identityURL, "identity-url", "", "REST identity URL (default: derived from --rest-url)")
	fs.StringVar(&o.clientID, "client-id", "", "REST client ID")
	fs.IntVar(&o.budget.Concurrency, "concurrency", 0, "calls at once, 1-10 (default: the account's, else 5)")
	fs.IntVar(&o.budget.CallsPer20s, "calls-per-20s", 0, "calls per 20 seconds, 1-100 (default: the account's, else 50)")
	fs.Usage = func() { fmt.Fprint(env.Stderr, undoUsage); fs.PrintDefaults() }
	pos, ok := parseInterleaved(fs, args)
	if !ok {
		return ExitUsage
	}
	if len(pos) != 1 {
		fmt.Fprintln(env.Stderr, "Name the import to undo: leadsheet undo ID (leadsheet history lists the ids)")
		return ExitUsage
	}
	if o.budget.Concurrency < 0 || o.budget.Concurrency > marketo.MaxConcurrency || o.budget.CallsPer20s < 0 || o.budget.CallsPer20s > marketo.MaxCallsPer20s {
		fmt.Fprintln(env.Stderr, "--concurrency must be between 1 and 10, --calls-per-20s between 1 and 100")
		return ExitUsage
	}
	id := pos[0]
	s := &session{o: o, env: env}
	err := s.undo(ctx, id, *yes, *force)
	if err != nil {
		fmt.Fprintln(env.Stderr, err)
		return exitCode(err)
	}
	return ExitOK
}

func (s *session) undo(ctx context.Context, id string, yes, force bool) error {
	dir, err := s.env.configDir()
	if err != nil {
		return fail(ExitUsage, "%w", err)
	}
	s.dirs = job.Dirs{Root: dir}
	hr, err := s.dirs.History().Get(id)
	if err != nil {
		return fail(ExitUsage, "%s", noRunWords(id, err))
	}
	if s.o.profile == "" && s.o.restURL == "" {
		s.o.profile = hr.Account
	}
	s.o.api = marketo.ProfileREST
	if err := s.connect(ctx); err != nil {
		return err
	}
	account := job.AccountOf(s.profile)
	fmt.Fprintf(s.env.Stdout, "Import %s: %s into %s, %s.\n", hr.ID, hr.Name(), job.RunAccount(hr), hr.Started.Local().Format("2 Jan 2006 15:04"))
	check, err := job.PlanUndo(ctx, s.dirs, id, s.client, account, s.runOptions())
	if err != nil {
		return undoFailure(err)
	}
	for _, l := range job.UndoPlanWords(check.Plan, force) {
		fmt.Fprintln(s.env.Stdout, "  "+l)
	}
	listLeads(s.env.Stdout, "Changed in Marketo since the import", check.Plan.Changed)
	listLeads(s.env.Stdout, "Cannot tell whether the import created them", check.Plan.Unknown)
	// A stopped undo whose last calls Marketo carried out has nothing left
	// to do but to record its end, which needs no confirm.
	ending := check.Plan.Nothing() && check.Plan.Done > 0 && !check.Plan.Finished
	if check.Plan.Nothing() && !ending {
		if len(check.Plan.Unknown) > 0 {
			return &failure{code: ExitRows, err: errors.New("Nothing was changed: what is left is not Leadsheet's to take back (see above).")}
		}
		return nil
	}
	if !yes && !ending {
		fmt.Fprintf(s.env.Stdout, "Type %s to undo the import, or anything else to leave Marketo as it is: ", hr.ID)
		line, _ := bufio.NewReader(s.env.Stdin).ReadString('\n')
		if strings.TrimSpace(line) != hr.ID {
			return &failure{code: ExitUsage, err: errors.New("Not undone: nothing was changed.")}
		}
	}
	done := 0
	res, err := job.Undo(ctx, id, s.client, job.UndoOptions{Account: account, Dirs: s.dirs, Holder: "leadsheet undo", Force: force, Run: s.runOptions()},
		func(rows []run.UndoRow) {
			done += len(rows)
			fmt.Fprintf(s.env.Stderr, "%d leads and memberships done\n", done)
		})
	fmt.Fprintln(s.env.Stdout, job.UndoSummary(res.Outcome))
	if res.Results != "" {
		fmt.Fprintf(s.env.Stdout, "What became of each lead: %s\n", res.Results)
	}
	if err != nil {
		if ctx.Err() != nil {
			return &failure{code: ExitRows, err: errors.New("The undo was stopped. Run the same command again to finish it: what it did already is not done twice.")}
		}
		return undoFailure(err)
	}
	switch o := res.Outcome; {
	case o.Failed > 0:
		return &failure{code: ExitRows, err: errors.New("Marketo refused to take some leads back; the undo's results say why for each. Run the same command again to retry them.")}
	case o.Refused > 0 && !force:
		return &failure{code: ExitRows, err: errors.New("Some leads were left alone because they changed in Marketo since the import, or cannot be told apart; they are listed above. Check them, then run again with --force to take them back too.")}
	case o.Refused > 0:
		return &failure{code: ExitRows, err: errors.New("Some leads were left alone (listed above).")}
	}
	return nil
}

func undoFailure(err error) error {
	var ue *job.UndoError
	if errors.As(err, &ue) {
		return &failure{code: ExitUsage, err: err}
	}
	if marketo.ClassOf(err) == marketo.ClassAuth || marketo.ClassOf(err) == marketo.ClassQuota {
		return &failure{code: ExitConnect, err: err}
	}
	return &failure{code: ExitRows, err: err}
}

// listLeads prints up to maxPrinted leads with why.
func listLeads(w io.Writer, title string, leads []run.UndoLead) {
	if len(leads) == 0 {
		return
	}
	fmt.Fprintf(w, "%s:\n", title)
	for i, l := range leads {
		if i == maxPrinted {
			fmt.Fprintf(w, "  ... and %d more, in the undo's results\n", len(leads)-maxPrinted)
			break
		}
		fmt.Fprintf(w, "  lead %d (sheet rows %v): %s\n", l.ID, l.Rows, l.Why)
	}
}

// parseInterleaved parses flags that may come before or after the
// positional words.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, bool) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, false
		}
		if fs.NArg() == 0 {
			return pos, true
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func (e Env) withDefaults() Env {
	if e.Stdout == nil {
		e.Stdout = io.Discard
	}
	if e.Stderr == nil {
		e.Stderr = io.Discard
	}
	if e.Stdin == nil {
		e.Stdin = os.Stdin
	}
	return e
}
