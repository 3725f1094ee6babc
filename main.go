// Command leadsheet imports an operator's Excel sheet into Marketo as leads.
//
//	leadsheet                 the desktop app
//	leadsheet --sandbox       the app with a local Marketo and a sample workbook
//	leadsheet sync ...        a headless run (see leadsheet sync -h)
//	leadsheet history ...     the imports on record (see leadsheet history -h)
//	leadsheet undo ID ...     take an import back (see leadsheet undo -h)
//	leadsheet sandbox ...     a standalone local Marketo (see leadsheet sandbox -h)
//	leadsheet version         the version
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	// Windows and some slim Linux images have no zone database, and the
	// operator picks the time zone of a sheet's times by name.
	_ "time/tzdata"

	"fyne.io/fyne/v2/app"

	"leadsheet/importer/cli"
	"leadsheet/importer/job"
	"leadsheet/marketo"
	"leadsheet/marketo/marketotest"
	"leadsheet/ui"
	"leadsheet/ui/viewmodel"
	// Before Fyne reads the locale: no locale error under C.UTF-8.
	_ "leadsheet/ui/fynelocale"
)

// version is the release, kept in step with FyneApp.toml. It is a variable
// so that .ci/dist.sh can stamp a tagged release with
// -ldflags "-X main.version=...".
var version = "0.1.0"

func main() {
	if len(os.Args) > 1 && isSubcommand(os.Args[1]) {
		// Before os.Stdout and os.Stderr are handed to run: on Windows
		// AttachConsole may replace them.
		cli.AttachConsole()
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// isSubcommand reports whether arg names one of the command-line
// subcommands, which write to a terminal instead of opening a window.
func isSubcommand(arg string) bool {
	switch arg {
	case "version", "sync", "sandbox", "history", "undo":
		return true
	}
	return false
}

// syncMemoryLimit is the heap size a headless run aims to stay under
// (GOMEMLIMIT, when set, wins). Without it the garbage collector lets the
// heap grow to twice what is live: a million-row import holding about
// 80 MB (the workbook's shared strings, every row's state) peaked at
// 220 MB; with it, 141 MB, at no measurable cost in time. It is a soft
// limit: a bigger import still runs, with more frequent collections.
const syncMemoryLimit = 110 << 20

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "version":
			fmt.Fprintln(stdout, "leadsheet", version)
			return 0
		case "sync":
			if os.Getenv("GOMEMLIMIT") == "" {
				debug.SetMemoryLimit(syncMemoryLimit)
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return cli.Main(ctx, args[1:], cli.Env{Stdout: stdout, Stderr: stderr, StderrIsTerminal: isTerminal(os.Stderr)})
		case "history", "undo":
			if os.Getenv("GOMEMLIMIT") == "" {
				debug.SetMemoryLimit(undoMemoryLimit)
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			env := cli.Env{Stdout: stdout, Stderr: stderr, StderrIsTerminal: isTerminal(os.Stderr)}
			if args[0] == "history" {
				return cli.History(ctx, args[1:], env)
			}
			return cli.Undo(ctx, args[1:], env)
		case "sandbox":
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if err := marketotest.Main(ctx, args[1:], stdout, stderr); err != nil {
				fmt.Fprintln(stderr, "leadsheet sandbox:", err)
				return 1
			}
			return 0
		}
	}
	return gui(args, stderr)
}

// undoMemoryLimit is the heap size `leadsheet undo` aims to stay under
// (GOMEMLIMIT, when set, wins). An undo holds the values its import
// replaced, lead by lead, about 1.2 KB a lead of ten fields (123 MB for
// 100k; BenchmarkReadRollback100k): the sync's limit, below that, made the
// collector run without end (163 s of CPU instead of 16 for 100k), and
// none let the heap grow to twice what is live (444 MB).
const undoMemoryLimit = 256 << 20

// windowMemoryLimit is the heap size the window aims to stay under
// (GOMEMLIMIT, when set, wins): its live table, the workbook's shared
// strings and every row's state for a million rows come to about 150 MB,
// which the collector would otherwise let double. Soft, like
// syncMemoryLimit.
const windowMemoryLimit = 200 << 20

func gui(args []string, stderr io.Writer) int {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(windowMemoryLimit)
	}
	fs := flag.NewFlagSet("leadsheet", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sandbox := fs.Bool("sandbox", false, "start with the local sandbox Marketo and the sample workbook")
	open := fs.String("open", "", "open this workbook at start")
	autoSync := fs.Bool("auto-sync", false, "start the sync as soon as the file is mapped (for measurements)")
	quit := fs.Bool("quit-when-done", false, "quit when the first sync ends (for measurements)")
	noLimits := fs.Bool("no-limits", false, "with --sandbox: no rate, concurrency or daily limits (for measurements)")
	sandboxURL := fs.String("sandbox-url", "", "with --sandbox: use the sandbox running at this URL (leadsheet sandbox) instead of one inside the app")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 && *open == "" {
		*open = fs.Arg(0)
	}
	var sandboxCfg *marketotest.Config
	if *noLimits {
		cfg := marketotest.DefaultConfig()
		cfg.RateLimit, cfg.MaxConcurrent, cfg.DailyQuota = 0, 0, 0
		sandboxCfg = &cfg
	}
	a := app.NewWithID("com.leadsheet.app")
	w := ui.New(a, ui.Options{
		Version:       version,
		Sandbox:       *sandbox,
		SandboxConfig: sandboxCfg,
		SandboxURL:    *sandboxURL,
		Open:          *open,
		AutoSync:      *autoSync,
		Quit:          *quit,
		Accounts:      accountStore(stderr),
		Dirs:          sharedDirs(stderr),
	})
	w.Window().ShowAndRun()
	return 0
}

// accountStore is where saved accounts live (secrets in the OS keyring),
// or nil when the settings folder cannot be found; the sandbox works anyway.
func accountStore(stderr io.Writer) viewmodel.AccountStore {
	s, err := marketo.DefaultCredentialStore()
	if err != nil {
		fmt.Fprintln(stderr, "leadsheet: saved accounts are unavailable:", err)
		return nil
	}
	return s
}

// sharedDirs is the folder of journals and presets the window shares with
// `leadsheet sync`, or none (the app's own storage) when it cannot be found.
func sharedDirs(stderr io.Writer) job.Dirs {
	d, err := job.DefaultDirs()
	if err != nil {
		fmt.Fprintln(stderr, "leadsheet: journals and mappings are kept in the app's own folder:", err)
	}
	return d
}

// isTerminal reports whether f is a terminal, where a one-line progress bar
// can redraw itself.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
