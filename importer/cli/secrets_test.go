package cli

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"leadsheet/marketo/marketotest"
	"leadsheet/marketo/marketotest/sandboxtest"
)

// TestSecretsNeverLeak runs full syncs in child processes — SOAP and REST,
// with injected server trouble so retry and error paths print too, and a
// refused login — with secrets given the way scripts give them (the
// environment). It then looks for the encryption key, the client secret and
// the REST access token in everything the run left behind: stdout and
// stderr, the results workbook (every part, unpacked), the failures CSV,
// the journal, every file under the child's HOME and XDG folders, and the
// child's argv while it ran.
//
// The CLI has no debug or verbose switch; its progress lines on stderr
// (plain lines, not a terminal) are the most it says.
func TestSecretsNeverLeak(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	const (
		encKey       = "ENC-7f3a9c2e51b84d06-key"
		clientSecret = "SECRET-c0ffee5a1e2b3c4d"
		wrongSecret  = "WRONG-9d8c7b6a5f4e3d2c"
	)
	cfg := marketotest.DefaultConfig()
	cfg.EncryptionKey = encKey
	cfg.ClientSecret = clientSecret
	srv := sandboxtest.Start(t, cfg)
	// Trouble starts once the child has connected (the field list call is
	// not retried, and one failure there ends the run before any batch).
	trouble := marketotest.Faults{FaultRate5xx: 0.2, MalformedRate: 0.1, SlowBodyDuration: time.Second}

	for _, tc := range []struct {
		name     string
		connect  string // the call that ends connecting
		args     func(in string) []string
		env      []string
		code     int
		secrets  []string
		useToken bool
	}{
		{"soap", "SOAP describeMObject", func(in string) []string {
			return []string{"sync", in, "--endpoint", srv.SOAPEndpoint(), "--user-id", cfg.UserID, "--batch-size", "25"}
		}, []string{EnvEncryptionKey + "=" + encKey}, ExitRows, []string{encKey}, false},
		{"rest", "REST describe2.json", func(in string) []string {
			return []string{"sync", in, "--api", "rest", "--rest-url", srv.RESTBaseURL(), "--client-id", cfg.ClientID, "--batch-size", "25"}
		}, []string{EnvClientSecret + "=" + clientSecret}, ExitRows, []string{clientSecret}, true},
		{"rest-refused", "", func(in string) []string {
			return []string{"sync", in, "--api", "rest", "--rest-url", srv.RESTBaseURL(), "--client-id", cfg.ClientID}
		}, []string{EnvClientSecret + "=" + wrongSecret}, ExitConnect, []string{wrongSecret, clientSecret}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			home := filepath.Join(dir, "home")
			work := filepath.Join(dir, "work")
			for _, d := range []string{home, work} {
				mustNil(t, os.MkdirAll(d, 0o700))
			}
			in := filepath.Join(work, "fair.xlsx")
			writeWorkbook(t, in, 400, map[int]bool{3: true, 250: true})

			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(cleanEnv(), childEnv+"=1", childArgs+"="+strings.Join(tc.args(in), "\x1f"),
				"HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "XDG_DATA_HOME="+filepath.Join(home, ".local", "share"),
				"XDG_CACHE_HOME="+filepath.Join(home, ".cache"), "XDG_STATE_HOME="+filepath.Join(home, ".local", "state"))
			cmd.Env = append(cmd.Env, tc.env...)
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			srv.SetFaults(marketotest.Faults{})
			before := srv.Stats().Calls[tc.connect]
			faultsBefore := countFaults(srv)
			mustNil(t, cmd.Start())
			argvSeen := watchArgv(cmd.Process.Pid)
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			var err error
		wait:
			for {
				select {
				case err = <-exited:
					break wait
				case <-time.After(2 * time.Millisecond):
					if tc.connect != "" && srv.Stats().Calls[tc.connect] > before {
						srv.SetFaults(trouble)
					}
				}
			}
			srv.SetFaults(marketotest.Faults{})
			argv := <-argvSeen
			if tc.connect != "" && countFaults(srv) == faultsBefore {
				t.Error("no trouble was injected: the error paths were not exercised")
			}
			if code := cmd.ProcessState.ExitCode(); code != tc.code {
				t.Fatalf("exit %d (%v), want %d\nstdout:\n%s\nstderr:\n%s", code, err, tc.code, out.String(), tail(errb.String()))
			}
			if argv == "" {
				t.Log("the child ended before its argv could be read; checking the argv it was given")
				argv = strings.Join(cmd.Args, " ")
			}

			secrets := append([]string(nil), tc.secrets...)
			if tc.useToken {
				secrets = append(secrets, liveToken(t, srv, cfg.ClientID, clientSecret))
			}
			where := map[string]string{
				"stdout": out.String(),
				"stderr": errb.String(),
				"argv":   argv + " " + strings.Join(cmd.Args, " "),
			}
			if tc.useToken {
				// The undo reads the history and the rollback record and
				// writes its own progress and results: all of it is looked
				// through below, with what it prints.
				undoOut, undoErr := undoChild(t, home, tc.env, srv.RESTBaseURL(), cfg.ClientID)
				where["undo stdout"], where["undo stderr"] = undoOut, undoErr
			}
			files := 0
			for _, root := range []string{home, work} {
				files += collectFiles(t, root, where)
			}
			if tc.useToken {
				var kinds []string
				for name := range where {
					if strings.Contains(name, string(filepath.Separator)+"history"+string(filepath.Separator)) {
						kinds = append(kinds, filepath.Ext(name))
					}
				}
				for _, ext := range []string{".json", ".rollback", ".undo", ".csv"} {
					if !slices.Contains(kinds, ext) {
						t.Fatalf("no %s file in the history to inspect (found %v)", ext, kinds)
					}
				}
			}
			if tc.code == ExitRows {
				var journals, results, failures int
				for name := range where {
					switch {
					case strings.Contains(name, string(filepath.Separator)+"journals"+string(filepath.Separator)):
						journals++
					case strings.HasSuffix(name, "!xl/worksheets/sheet1.xml"):
						results++
					case strings.HasSuffix(name, ".csv"):
						failures++
					}
				}
				if journals == 0 || results == 0 || failures == 0 {
					t.Fatalf("expected a journal, a results workbook and a failures CSV to inspect; found %d, %d, %d among %d files", journals, results, failures, files)
				}
			}
			for _, s := range secrets {
				for name, text := range where {
					if strings.Contains(text, s) {
						t.Errorf("secret %.6s… appears in %s", s, name)
					}
				}
			}
			t.Logf("checked %d places (%d files) for %d secrets; stderr had %d lines", len(where), files, len(secrets), strings.Count(errb.String(), "\n"))
		})
	}
}

// undoChild runs `leadsheet undo ID --yes` for the one import in home's
// history, in a child with env, and returns what it printed.
func undoChild(t *testing.T, home string, env []string, restURL, clientID string) (string, string) {
	t.Helper()
	dir := filepath.Join(home, ".config", "leadsheet", "history")
	rollbacks, err := filepath.Glob(filepath.Join(dir, "*.rollback"))
	if err != nil || len(rollbacks) != 1 {
		t.Fatalf("want one rollback record in %s, found %v (%v)", dir, rollbacks, err)
	}
	id := strings.TrimSuffix(filepath.Base(rollbacks[0]), ".rollback")
	args := []string{"undo", id, "--yes", "--rest-url", restURL, "--client-id", clientID}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(cleanEnv(), childEnv+"=1", childArgs+"="+strings.Join(args, "\x1f"),
		"HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"))
	cmd.Env = append(cmd.Env, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil || !strings.Contains(out.String(), "deleted") {
		t.Fatalf("undo: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), tail(errb.String()))
	}
	return out.String(), errb.String()
}

func countFaults(srv *marketotest.Server) int {
	n := 0
	for _, v := range srv.Stats().Faults {
		n += v
	}
	return n
}

// cleanEnv is this process's environment without any Leadsheet secrets or
// config paths, so only what a case sets reaches the child.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == EnvEncryptionKey, k == EnvClientSecret, k == "HOME", strings.HasPrefix(k, "XDG_"):
			continue
		}
		env = append(env, kv)
	}
	return env
}

// watchArgv reads the child's command line from /proc while it runs, as
// another user of the machine could (ps), and sends what it saw last.
func watchArgv(pid int) <-chan string {
	ch := make(chan string, 1)
	go func() {
		var seen string
		path := filepath.Join("/proc", strconv.Itoa(pid), "cmdline")
		for range 2000 {
			b, err := os.ReadFile(path)
			if err != nil || len(b) == 0 {
				break
			}
			seen = strings.ReplaceAll(string(b), "\x00", " ")
			time.Sleep(5 * time.Millisecond)
		}
		ch <- seen
	}()
	return ch
}

// liveToken asks the sandbox's identity service for a token with the same
// credentials: like Marketo's, it hands back the live token the child used.
func liveToken(t *testing.T, srv *marketotest.Server, id, secret string) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.IdentityURL()+"/oauth/token", strings.NewReader(form.Encode()))
	mustNil(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	mustNil(t, err)
	defer resp.Body.Close()
	var a struct {
		AccessToken string `json:"access_token"`
	}
	mustNil(t, json.NewDecoder(resp.Body).Decode(&a))
	if len(a.AccessToken) < 16 {
		t.Fatalf("no usable token from the sandbox: %q", a.AccessToken)
	}
	return a.AccessToken
}

// collectFiles adds every file under root to where, by path; zip
// packages (the results workbook) are added part by part, unpacked.
func collectFiles(t *testing.T, root string, where map[string]string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		n++
		where[p] = string(b)
		if zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b))); err == nil {
			for _, f := range zr.File {
				rc, err := f.Open()
				if err != nil {
					return err
				}
				part, err := io.ReadAll(rc)
				rc.Close()
				if err != nil {
					return err
				}
				where[p+"!"+f.Name] = string(part)
			}
		}
		return nil
	})
	mustNil(t, err)
	return n
}
