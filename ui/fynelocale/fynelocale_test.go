package fynelocale

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestFallbackNeeded(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want bool
	}{
		{"nothing set", nil, false},
		{"plain C, which go-locale skips", map[string]string{"LANG": "C"}, false},
		{"plain POSIX", map[string]string{"LANG": "POSIX"}, false},
		{"C.UTF-8", map[string]string{"LANG": "C.UTF-8"}, true},
		{"C.utf8", map[string]string{"LANG": "C.utf8"}, true},
		{"POSIX.UTF-8", map[string]string{"LANG": "POSIX.UTF-8"}, true},
		{"C with a modifier", map[string]string{"LANG": "C@euro"}, true},
		{"a real locale", map[string]string{"LANG": "de_DE.UTF-8"}, false},
		{"LC_ALL wins over LANG", map[string]string{"LC_ALL": "C.UTF-8", "LANG": "en_GB.UTF-8"}, true},
		{"LC_ALL real, LANG C.UTF-8", map[string]string{"LC_ALL": "fr_FR.UTF-8", "LANG": "C.UTF-8"}, false},
		{"LC_MESSAGES before LANG", map[string]string{"LC_MESSAGES": "C.UTF-8", "LANG": "en_GB.UTF-8"}, true},
		{"LANGUAGE already chosen", map[string]string{"LANG": "C.UTF-8", "LANGUAGE": "fr"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fallbackNeeded(func(k string) string { return tt.env[k] }); got != tt.want {
				t.Errorf("fallbackNeeded(%v) = %v, want %v", tt.env, got, tt.want)
			}
		})
	}
}

// TestBinaryStartsQuietlyUnderCLocale builds the real leadsheet binary and
// runs commands under the minimal locales, where Fyne's init used to log
// "Error parsing user locale C". It is the check that this package's init
// still runs before Fyne's (see the package comment).
func TestBinaryStartsQuietlyUnderCLocale(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		t.Fatalf("finding the module root: %v", err)
	}
	root := strings.TrimSpace(string(out))
	bin := filepath.Join(t.TempDir(), "leadsheet")
	build := exec.Command("go", "build", "-tags", "migrated_fynedo", "-o", bin, ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building leadsheet (needs cgo and .ci/deps.sh app): %v\n%s", err, out)
	}

	var base []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES":
			continue
		}
		base = append(base, kv)
	}
	tests := []struct {
		env  string
		args []string
		want string // on stdout or stderr, to show the command really ran
	}{
		{"LANG=C", []string{"version"}, "leadsheet "},
		{"LANG=C.UTF-8", []string{"version"}, "leadsheet "},
		{"LANG=C.UTF-8", []string{"sync", "-h"}, "-sheet"},
		{"LC_ALL=POSIX.UTF-8", []string{"version"}, "leadsheet "},
	}
	for _, tt := range tests {
		t.Run(tt.env+" "+strings.Join(tt.args, " "), func(t *testing.T) {
			cmd := exec.CommandContext(context.Background(), bin, tt.args...)
			cmd.Env = append(append([]string(nil), base...), tt.env)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			// sync -h exits non-zero by flag convention; what it printed is
			// what matters here.
			_ = cmd.Run()
			if strings.Contains(stderr.String(), "Error parsing user locale") {
				t.Errorf("stderr has Fyne's locale error:\n%s", stderr.String())
			}
			if !strings.Contains(stdout.String()+stderr.String(), tt.want) {
				t.Errorf("output lacks %q, so the command did not run as expected:\nstdout: %s\nstderr: %s", tt.want, stdout.String(), stderr.String())
			}
		})
	}
}
