package testbook

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// PyCSVInput is one file for Python's csv module to read: its bytes, the
// Python codec that decodes them and the delimiter.
type PyCSVInput struct {
	Data     []byte `json:"data"` // base64 in JSON
	Encoding string `json:"encoding"`
	Delim    string `json:"delim"`
}

// PyCSVOutput is what Python read. Open reports that the file ends inside
// a quoted value that is never closed.
type PyCSVOutput struct {
	Rows [][]string `json:"rows"`
	Open bool       `json:"open"`
}

// pythonCSVScript reads every file with csv.reader (the default "excel"
// dialect with the given delimiter), as Excel-compatible CSV is read in the
// wild. A file ends inside an unclosed quoted value exactly when appending
// a line break and a letter adds no row: the letter joins the open value.
const pythonCSVScript = `
import base64, csv, io, json, sys
csv.field_size_limit(sys.maxsize)
def parse(text, delim):
    return list(csv.reader(io.StringIO(text, newline=''), delimiter=delim))
out = []
for c in json.load(sys.stdin):
    text = base64.b64decode(c["data"]).decode(c["encoding"])
    rows = parse(text, c["delim"])
    out.append({"rows": rows, "open": len(parse(text + "\nZ", c["delim"])) == len(rows)})
json.dump(out, sys.stdout)
`

// PythonCSV reads all inputs with Python's csv module in one python3 call.
func PythonCSV(t *testing.T, in []PyCSVInput) []PyCSVOutput {
	t.Helper()
	const python = "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		t.Skip("python3 not installed (apt-get install python3); the comparison with Python's csv module is skipped")
	}
	body, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, "-c", pythonCSVScript)
	cmd.Stdin = bytes.NewReader(body)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, stderr.String())
	}
	var out []PyCSVOutput
	if err := json.Unmarshal(stdout, &out); err != nil {
		t.Fatalf("python3 output: %v", err)
	}
	if len(out) != len(in) {
		t.Fatalf("python3 read %d files, want %d", len(out), len(in))
	}
	return out
}

// NormalizePython maps Python's cells to what Leadsheet keeps: a CR LF
// inside a quoted value is one line break (LF), as Excel stores it and as
// cells read from .xlsx files have it; Python keeps both characters.
func NormalizePython(rows [][]string) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		out[i] = make([]string, len(r))
		for j, c := range r {
			out[i][j] = strings.ReplaceAll(c, "\r\n", "\n")
		}
	}
	return out
}

// SameRows compares records, a blank line being no cells on either side.
func SameRows(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if a[i][j] != b[i][j] {
				return false
			}
		}
	}
	return true
}
