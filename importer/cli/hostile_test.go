package cli

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
)

// Bounds every hostile input must stay within, whatever it holds.
const (
	// hostileTimeout is generous next to the ~1 s a sane file of this size
	// takes, so a busy 2-core CI machine does not fail the test, while a
	// reader that spins on a bomb or waits forever is caught.
	hostileTimeout = 30 * time.Second
	// hostileMaxRSS bounds the child's peak memory, the bound for
	// any input file. Every case stays near 35 MB here (the 40 MB cell too,
	// since the reader keeps a cell to 32,768 characters); 200 MB leaves
	// room for a busy machine's GC timing while still catching a bomb
	// unpacked into memory (gigabytes) or a whole-sheet load (hundreds of
	// MB for the sparse and wide cases).
	hostileMaxRSS = 200 << 20
)

// hostileCase is one nasty input and what `leadsheet sync --dry-run` must
// do with it: exit with one of codes, and (for unreadable input) say want
// in plain words on stderr.
type hostileCase struct {
	name  string
	file  string // path of the input, made by make
	make  func(t *testing.T, path string) string
	codes []int
	want  string // regexp stderr must match (empty: any clear report)
	// counts is what the dry run must report reading: rows read, rows to
	// send, rows invalid; nil when the file is unreadable or when what a
	// reader makes of it is not settled (NUL bytes, a quote never closed).
	counts []int
	check  func(t *testing.T, stdout, stderr string)
}

// reportCounts finds the dry run's "N rows read, N to send, N invalid".
var reportCounts = regexp.MustCompile(`: (\d+) rows? read, (\d+) to send, (\d+) invalid`)

var (
	readOK     = []int{ExitOK, ExitRows}
	unreadable = []int{ExitUsage}
)

// goErrorDump matches output that is a programmer's error, not a message.
var goErrorDump = regexp.MustCompile(`panic:|goroutine \d+|runtime error|fatal error:|\[signal `)

// rawGoError matches raw Go error texts that must never be all the
// operator is told.
var rawGoError = regexp.MustCompile(`^(zip: |xml: |flate: |open |read |EOF|unexpected EOF|invalid argument)`)

func TestHostileInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process per input")
	}
	dir := t.TempDir()
	cases := hostileCorpus()
	if len(cases) < 30 {
		t.Fatalf("corpus has %d files, want at least 30", len(cases))
	}
	for i := range cases {
		tc := &cases[i]
		base := fmt.Sprintf("%02d-%s", i, tc.name)
		tc.file = tc.make(t, filepath.Join(dir, base))
	}
	resetPeakRSS(t)
	child := syncChild(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runChild(t, child, dir, "sync", tc.file, "--dry-run")
			t.Logf("exit %d in %v, peak RSS %d MB; stderr: %.300s", r.code, r.elapsed.Round(time.Millisecond), r.maxRSS>>20, firstLines(r.stderr, 3))
			if r.timedOut {
				t.Fatalf("still running after %v; stderr:\n%s", hostileTimeout, tail(r.stderr))
			}
			if !containsInt(tc.codes, r.code) {
				t.Errorf("exit %d, want one of %v\nstdout:\n%s\nstderr:\n%s", r.code, tc.codes, tail(r.stdout), tail(r.stderr))
			}
			if r.maxRSS > hostileMaxRSS {
				t.Errorf("peak memory %d MB, bound %d MB", r.maxRSS>>20, hostileMaxRSS>>20)
			}
			// stdout can hold a 40 MB value; a Go dump would be on stderr
			// anyway, so only the start of stdout is searched.
			if goErrorDump.MatchString(r.stderr) || goErrorDump.MatchString(r.stdout[:min(len(r.stdout), 64<<10)]) {
				t.Errorf("a Go error dump instead of a message:\n%s", tail(r.stderr))
			}
			msg := strings.TrimSpace(r.stderr)
			if msg == "" {
				t.Fatalf("nothing said on stderr (exit %d)", r.code)
			}
			if r.code == ExitUsage {
				last := lastLine(msg)
				if rawGoError.MatchString(last) || !strings.Contains(last, " ") || len(last) < 30 {
					t.Errorf("the message is not plain words: %q", last)
				}
			} else if !regexp.MustCompile(`rows? read`).MatchString(r.stderr) || !strings.Contains(r.stdout, "Dry run") {
				t.Errorf("a readable file without the dry-run report:\nstdout:\n%s\nstderr:\n%s", tail(r.stdout), tail(r.stderr))
			}
			if tc.want != "" && !regexp.MustCompile(tc.want).MatchString(r.stderr) {
				t.Errorf("stderr does not say %q:\n%s", tc.want, tail(r.stderr))
			}
			if tc.counts != nil {
				m := reportCounts.FindStringSubmatch(r.stderr)
				var got []int
				for _, d := range m[min(len(m), 1):] {
					n, _ := strconv.Atoi(d)
					got = append(got, n)
				}
				if fmt.Sprint(got) != fmt.Sprint(tc.counts) {
					t.Errorf("read, to send, invalid = %v, want %v (what the file holds)\n%s", got, tc.counts, tail(r.stderr))
				}
			}
			if tc.check != nil {
				tc.check(t, r.stdout, r.stderr)
			}
		})
	}
}

// resetPeakRSS brings this test process's memory down and resets its
// peak-RSS mark. A child started with vfork (as os/exec does on Linux)
// starts its ru_maxrss from the parent's peak, so without this every child
// would report the memory the parent used to build the corpus.
func resetPeakRSS(t *testing.T) {
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Logf("cannot reset the peak-RSS mark (%v): children's peaks include this process's", err)
	}
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		if m := regexp.MustCompile(`VmHWM:\s+(\d+) kB`).FindSubmatch(b); m != nil {
			t.Logf("test process peak RSS now %s kB: the floor of every child's figure", m[1])
		}
	}
}

// childResult is how a `leadsheet sync` child process ended.
type childResult struct {
	code           int
	stdout, stderr string
	elapsed        time.Duration
	maxRSS         int64 // bytes
	timedOut       bool
}

// childCmd starts `leadsheet sync` as a child process: this test binary
// (see TestMain) or, under the race detector, a build without it.
type childCmd struct {
	path   string
	reexec bool
}

// syncChild picks the child: the test binary itself, unless it carries the
// race detector, whose overhead would make the time and memory bounds
// meaningless; then cmd syncchild is built without it.
func syncChild(t *testing.T) childCmd {
	t.Helper()
	if !raceEnabled {
		return childCmd{path: os.Args[0], reexec: true}
	}
	bin := filepath.Join(t.TempDir(), "syncchild")
	out, err := exec.Command("go", "build", "-o", bin, "./testdata/syncchild").CombinedOutput()
	if err != nil {
		t.Fatalf("build the child without the race detector: %v\n%s", err, out)
	}
	return childCmd{path: bin}
}

// runChild runs Main in a child process with config as its settings
// folder, and measures its time and peak memory.
func runChild(t *testing.T, child childCmd, config string, args ...string) childResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hostileTimeout)
	defer cancel()
	var cmd *exec.Cmd
	if child.reexec {
		cmd = exec.CommandContext(ctx, child.path, "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"=1", childArgs+"="+strings.Join(args, "\x1f"), childConfig+"="+config)
	} else {
		cmd = exec.CommandContext(ctx, child.path, args...)
		cmd.Env = append(os.Environ(), childConfig+"="+config)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("child did not start: %v", err)
	}
	peak := watchPeakRSS(cmd.Process.Pid)
	if err := cmd.Wait(); err != nil && cmd.ProcessState == nil {
		t.Fatalf("child: %v", err)
	}
	r := childResult{stdout: out.String(), stderr: errb.String(), elapsed: time.Since(start), timedOut: ctx.Err() != nil}
	r.code = cmd.ProcessState.ExitCode()
	r.maxRSS = <-peak
	// ru_maxrss also sees the last moments the polling may miss, but a
	// vforked child's figure starts from this process's peak: trustworthy
	// only when this process is small, i.e. without the race detector.
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && !raceEnabled && ru.Maxrss<<10 > r.maxRSS {
		r.maxRSS = ru.Maxrss << 10 // kilobytes on Linux
	}
	return r
}

// watchPeakRSS polls the child's VmHWM (its own peak, reset at exec) until
// it exits, and sends the last value seen, in bytes.
func watchPeakRSS(pid int) <-chan int64 {
	ch := make(chan int64, 1)
	status := filepath.Join("/proc", strconv.Itoa(pid), "status")
	hwm := regexp.MustCompile(`VmHWM:\s+(\d+) kB`)
	go func() {
		var peak int64
		for {
			b, err := os.ReadFile(status)
			if err != nil {
				break
			}
			m := hwm.FindSubmatch(b)
			if m == nil { // a zombie has no memory lines: it has exited
				break
			}
			if kb, _ := strconv.ParseInt(string(m[1]), 10, 64); kb<<10 > peak {
				peak = kb << 10
			}
			time.Sleep(5 * time.Millisecond)
		}
		ch <- peak
	}()
	return ch
}

func hostileCorpus() []hostileCase {
	return []hostileCase{
		// Not spreadsheets, or not there.
		{name: "empty.xlsx", make: bytesFile(nil), codes: unreadable, want: "empty"},
		{name: "missing.xlsx", make: func(t *testing.T, p string) string { return p }, codes: unreadable, want: "does not exist"},
		{name: "directory.xlsx", make: func(t *testing.T, p string) string { mustNil(t, os.Mkdir(p, 0o755)); return p }, codes: unreadable, want: "folder"},
		{name: "html-renamed.xls", make: bytesFile([]byte("<!DOCTYPE html><html><body><table><tr><td>Email</td></tr><tr><td>a@example.com</td></tr></table></body></html>")), codes: unreadable, want: "web page"},
		{name: "excel2003.xml.xls", make: bytesFile([]byte(`<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet/></Workbook>`)), codes: unreadable, want: "2003"},
		{name: "png-renamed.xlsx", make: bytesFile(append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 64)...)), codes: unreadable, want: "not a spreadsheet"},
		{name: "legacy-header-only.xls", make: bytesFile([]byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}), codes: unreadable, want: `\.xls`},
		{name: "legacy-damaged.xls", make: bytesFile(append([]byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}, make([]byte, 4096)...)), codes: unreadable, want: `\.xls`},
		{name: "encrypted.xlsx", make: encryptedXLSX, codes: unreadable, want: "password"},
		{name: "truncated.xlsx", make: truncatedXLSX, codes: unreadable, want: "damaged"},
		{name: "docx-renamed.xlsx", make: zipFile(map[string]string{"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"}), codes: unreadable, want: "Word document"},
		{name: "zip-of-nothing.xlsx", make: zipFile(map[string]string{"readme.txt": "hello"}), codes: unreadable, want: "not an Excel workbook"},
		{name: "no-sheets.xlsx", make: rawXLSX(nil, ""), codes: unreadable, want: "no worksheets"},
		{name: "broken-sheet-xml.xlsx", make: rawXLSX([]string{`<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Email</t></is></c></row><row r="2"><c r="A2" t="inl`}, ""), codes: unreadable, want: "(?i)damaged|could not read"},

		// Bombs: declared or real unpacked sizes far past the limits.
		{name: "bomb-declared-20GB.xlsx", make: declaredBomb, codes: unreadable, want: "too large"},
		{name: "bomb-sharedstrings-1.1GB.xlsx", make: sharedStringsBomb(false), codes: unreadable, want: "too large"},
		{name: "bomb-sharedstrings-lying-size.xlsx", make: sharedStringsBomb(true), codes: unreadable, want: "(?i)too large|damaged"},

		// Text files with a spreadsheet's name, encodings and BOMs.
		{name: "csv-renamed.xlsx", make: bytesFile([]byte("Email,First Name\nanna@example.com,Anna\nli@example.com,Li\n")), codes: readOK, check: wantInRequest("anna@example.com"), counts: []int{2, 2, 0}},
		{name: "bom-utf8.csv", make: bytesFile([]byte("\xef\xbb\xbfEmail;Vorname\nanna@example.com;Jörg\n")), codes: readOK, check: wantInRequest("<attrName>FirstName</attrName><attrValue>Jörg</attrValue>"), counts: []int{1, 1, 0}},
		{name: "bom-utf16le.csv", make: bytesFile(utf16File("Email\tFirst Name\r\nanna@example.com\tZoë\r\n", false, true)), codes: readOK, check: wantInRequest("Zoë"), counts: []int{1, 1, 0}},
		{name: "bom-utf16be.csv", make: bytesFile(utf16File("Email,First Name\nanna@example.com,Zoë\n", true, true)), codes: readOK, check: wantInRequest("Zoë"), counts: []int{1, 1, 0}},
		{name: "utf16le-no-bom.csv", make: bytesFile(utf16File("Email,First Name\nanna@example.com,Li\n", false, false)), codes: readOK, check: wantInRequest("anna@example.com"), counts: []int{1, 1, 0}},
		{name: "windows-1252.csv", make: bytesFile([]byte("Email,First Name,Company\nanna@example.com,J\xf6rg,Caf\xe9 M\xfcller\n")), codes: readOK, check: wantInRequest("Jörg", "Café Müller"), counts: []int{1, 1, 0}},
		{name: "mixed-utf8-and-1252.csv", make: bytesFile([]byte("Email,First Name\nanna@example.com,Jörg\nli@example.com,J\xf6rg\n")), codes: readOK, counts: []int{2, 2, 0}},
		{name: "nul-bytes.csv", make: bytesFile([]byte("Email,First Name\nanna@example.com,An\x00na\nli@exam\x00ple.com,Li\n")), codes: []int{ExitOK, ExitRows, ExitUsage}},
		{name: "unclosed-quote.csv", make: bytesFile([]byte("Email,First Name\nanna@example.com,\"Anna\nli@example.com,Li\n")), codes: []int{ExitOK, ExitRows, ExitUsage}},
		{name: "only-newlines.csv", make: bytesFile([]byte("\n\n\r\n\n")), codes: unreadable, want: "(?i)empty|no text"},
		{name: "unicode-emails.csv", make: bytesFile([]byte("Email,First Name\nzoë@exämple.de,Zoë\nанна@пример.рф,Анна\nok@example.com,Ok\n")), codes: readOK, want: "does not accept", check: wantInRequest("ok@example.com"), counts: []int{3, 1, 2}},

		// Workbooks that are valid but strange.
		{name: "16384-columns.xlsx", make: wideXLSX, codes: readOK, check: wantInRequest("wide@example.com"), counts: []int{1, 1, 0}},
		{name: "1M-sparse-rows.xlsx", make: sparseXLSX, codes: readOK, check: wantInRequest("first@example.com"), counts: []int{2, 2, 0}},
		{name: "declared-dimension-XFD1048576.xlsx", make: rawXLSX([]string{`<dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Email</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>a@example.com</t></is></c></row></sheetData>`}, ""), codes: readOK, counts: []int{1, 1, 0}},
		{name: "row-past-excel-limit.xlsx", make: rawXLSX([]string{`<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Email</t></is></c></row><row r="1048577"><c r="A1048577" t="inlineStr"><is><t>a@example.com</t></is></c></row></sheetData>`}, ""), codes: []int{ExitOK, ExitRows, ExitUsage}},
		{name: "column-past-excel-limit.xlsx", make: rawXLSX([]string{`<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Email</t></is></c><c r="ZZZZ1" t="inlineStr"><is><t>x</t></is></c></row></sheetData>`}, ""), codes: []int{ExitOK, ExitRows, ExitUsage}},
		{name: "formulas-no-cached-values.xlsx", make: formulaXLSX, codes: readOK, counts: []int{2, 1, 1}},
		{name: "dates-1900-leap-bug-and-pre-1900.xlsx", make: datesXLSX, codes: readOK, counts: []int{9, 9, 0}},
		{name: "merged-header.xlsx", make: mergedHeaderXLSX, codes: readOK, check: wantInRequest("merged@example.com", "Acme"), counts: []int{2, 2, 0}},
		// A group title merged over two header cells, above the real header:
		// the real header (row 2) is found, and the operator is told it was a guess.
		{name: "merged-group-title-over-header.xlsx", make: groupTitleXLSX, codes: readOK, want: `header on row 2.*--header-row`, counts: []int{1, 1, 0}, check: wantInRequest("merged2@example.com", "<attrValue>Mia</attrValue>")},
		{name: "duplicate-and-blank-headers.xlsx", make: dupHeaderXLSX, codes: []int{ExitOK, ExitRows, ExitUsage}},
		{name: "header-only.xlsx", make: rawXLSX([]string{`<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Email</t></is></c></row></sheetData>`}, ""), codes: readOK, counts: []int{0, 0, 0}},
		{name: "empty-sheet.xlsx", make: rawXLSX([]string{`<sheetData/>`}, ""), codes: unreadable, want: "empty"},
		{name: "shared-string-index-out-of-range.xlsx", make: rawXLSX([]string{`<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>99999</v></c></row></sheetData>`}, `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>Email</t></si></sst>`), codes: readOK, want: "point to text the workbook does not contain", counts: []int{0, 0, 0}},
		{name: "phone-scientific-and-long-ids.xlsx", make: numbersXLSX, codes: readOK, check: wantInRequest("6502530000", "01067", "12345678901234567890"), counts: []int{1, 1, 0}},
		{name: "40MB-cell.xlsx", make: bigCellXLSX, codes: []int{ExitRows}, want: `Row 2, Company \(not sent\).*32,767`, counts: []int{2, 1, 1}, check: both(wantInRequest("small@example.com", "Acme"), wantNotInRequest("big@example.com", strings.Repeat("x", 32768)))},
	}
}

// --- file makers ---

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func bytesFile(b []byte) func(*testing.T, string) string {
	return func(t *testing.T, p string) string {
		mustNil(t, os.WriteFile(p, b, 0o600))
		return p
	}
}

func utf16File(s string, bigEndian, bom bool) []byte {
	units := utf16.Encode([]rune(s))
	if bom {
		units = append([]uint16{0xfeff}, units...)
	}
	b := make([]byte, 2*len(units))
	for i, u := range units {
		if bigEndian {
			binary.BigEndian.PutUint16(b[2*i:], u)
		} else {
			binary.LittleEndian.PutUint16(b[2*i:], u)
		}
	}
	return b
}

func zipFile(parts map[string]string) func(*testing.T, string) string {
	return func(t *testing.T, p string) string {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for name, body := range parts {
			w, err := zw.Create(name)
			mustNil(t, err)
			_, err = w.Write([]byte(body))
			mustNil(t, err)
		}
		mustNil(t, zw.Close())
		mustNil(t, os.WriteFile(p, buf.Bytes(), 0o600))
		return p
	}
}

const (
	nsMain = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	nsRel  = `xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
)

// xlsxParts is a minimal package around the given sheet bodies (the inside
// of <worksheet>) and an optional shared strings part.
func xlsxParts(sheets []string, sst string) map[string]string {
	var wbSheets, rels, types strings.Builder
	for i := range sheets {
		fmt.Fprintf(&wbSheets, `<sheet name="Sheet%d" sheetId="%d" r:id="rId%d"/>`, i+1, i+1, i+1)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet%d.xml"/>`, i+1, i+1)
		fmt.Fprintf(&types, `<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`, i+1)
	}
	parts := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` + types.String() + `</Types>`,
		"_rels/.rels":         `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml":     `<?xml version="1.0" encoding="UTF-8"?><workbook ` + nsMain + ` ` + nsRel + `><sheets>` + wbSheets.String() + `</sheets></workbook>`,
	}
	if sst != "" {
		rels.WriteString(`<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>`)
		parts["xl/sharedStrings.xml"] = sst
	}
	parts["xl/_rels/workbook.xml.rels"] = `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` + rels.String() + `</Relationships>`
	for i, body := range sheets {
		parts[fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1)] = `<?xml version="1.0" encoding="UTF-8"?><worksheet ` + nsMain + ` ` + nsRel + `>` + body + `</worksheet>`
	}
	return parts
}

func rawXLSX(sheets []string, sst string) func(*testing.T, string) string {
	return zipFile(xlsxParts(sheets, sst))
}

// excelizeFile builds a workbook with excelize and saves it with opts.
func excelizeFile(build func(t *testing.T, f *excelize.File), opts ...excelize.Options) func(*testing.T, string) string {
	return func(t *testing.T, p string) string {
		f := excelize.NewFile()
		defer f.Close()
		build(t, f)
		mustNil(t, f.SaveAs(p, opts...))
		return p
	}
}

func setRows(t *testing.T, f *excelize.File, rows ...[]any) {
	t.Helper()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		mustNil(t, f.SetSheetRow("Sheet1", cell, &r))
	}
}

var encryptedXLSX = excelizeFile(func(t *testing.T, f *excelize.File) {
	setRows(t, f, []any{"Email"}, []any{"secret@example.com"})
}, excelize.Options{Password: "hunter2"})

func truncatedXLSX(t *testing.T, p string) string {
	excelizeFile(func(t *testing.T, f *excelize.File) {
		for i := 1; i <= 200; i++ {
			setCell(t, f, fmt.Sprintf("A%d", i), fmt.Sprintf("lead%d@example.com", i))
		}
	})(t, p+".full.xlsx")
	b, err := os.ReadFile(p + ".full.xlsx")
	mustNil(t, err)
	mustNil(t, os.WriteFile(p, b[:len(b)/2], 0o600))
	return p
}

func setCell(t *testing.T, f *excelize.File, cell string, v any) {
	t.Helper()
	mustNil(t, f.SetCellValue("Sheet1", cell, v))
}

var wideXLSX = excelizeFile(func(t *testing.T, f *excelize.File) {
	header := make([]any, excelize.MaxColumns)
	row := make([]any, excelize.MaxColumns)
	for i := range header {
		header[i] = fmt.Sprintf("Column %d", i+1)
		row[i] = i
	}
	header[0], row[0] = "Email", "wide@example.com"
	header[excelize.MaxColumns-1], row[excelize.MaxColumns-1] = "Last Name", "Last"
	setRows(t, f, header, row)
})

// sparseXLSX has a header, one lead, and a lead in Excel's very last row,
// with a million empty rows between them.
var sparseXLSX = excelizeFile(func(t *testing.T, f *excelize.File) {
	setRows(t, f, []any{"Email", "First Name"}, []any{"first@example.com", "First"})
	setCell(t, f, fmt.Sprintf("A%d", excelize.TotalRows), "last@example.com")
	setCell(t, f, fmt.Sprintf("B%d", excelize.TotalRows), "Last")
})

// formulaXLSX has formulas whose results were never calculated: no cached
// value is stored, as when a file is written by a program, not by Excel.
var formulaXLSX = excelizeFile(func(t *testing.T, f *excelize.File) {
	setRows(t, f, []any{"Email", "First Name", "Company"}, []any{"anna@example.com", "Anna"})
	mustNil(t, f.SetCellFormula("Sheet1", "C2", `UPPER("acme")`))
	mustNil(t, f.SetCellFormula("Sheet1", "A3", `LOWER("LI@EXAMPLE.COM")`))
	setCell(t, f, "B3", "Li")
})

// datesXLSX holds serial 60 (Excel's non-existent 29 Feb 1900), serials
// 0 and 1, a negative serial and a pre-1900 date typed as text.
var datesXLSX = excelizeFile(func(t *testing.T, f *excelize.File) {
	setRows(t, f, []any{"Email", "Date of Birth"})
	style, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	mustNil(t, err)
	for i, v := range []any{60, 0, 1, 59, 61, -1, "1850-03-01", 2958465, 2958466} {
		row := i + 2
		setCell(t, f, fmt.Sprintf("A%d", row), fmt.Sprintf("d%d@example.com", i))
		setCell(t, f, fmt.Sprintf("B%d", row), v)
		mustNil(t, f.SetCellStyle("Sheet1", fmt.Sprintf("B%d", row), fmt.Sprintf("B%d", row), style))
	}
})

// mergedHeaderXLSX has a header cell merged across two columns, the data
// in the first of them.
var mergedHeaderXLSX = excelizeFile(func(t *testing.T, f *excelize.File) {
	setRows(t, f, []any{"Email", nil, "Company"}, []any{"merged@example.com", nil, "Acme"}, []any{"merged.too@example.com", nil, "Acme"})
	mustNil(t, f.MergeCell("Sheet1", "A1", "B1"))
})

var groupTitleXLSX = excelizeFile(func(t *testing.T, f *excelize.File) {
	setRows(t, f, []any{"Contact", nil, "Company"}, []any{"Email", "First Name", "Company"}, []any{"merged2@example.com", "Mia", "Acme"})
	mustNil(t, f.MergeCell("Sheet1", "A1", "B1"))
})

var dupHeaderXLSX = excelizeFile(func(t *testing.T, f *excelize.File) {
	setRows(t, f, []any{"Email", "Email", "", "First Name", "first name", ""},
		[]any{"a@example.com", "b@example.com", "x", "Anna", "Anna2", "y"})
})

// numbersXLSX has a phone in scientific format, a postcode with a 00000
// format and a 20-digit ID kept as text.
var numbersXLSX = excelizeFile(func(t *testing.T, f *excelize.File) {
	setRows(t, f, []any{"Email", "Phone", "Postal Code", "Mobile Phone"}, []any{"n@example.com", 6502530000, 1067, "12345678901234567890"})
	sci, err := f.NewStyle(&excelize.Style{NumFmt: 11})
	mustNil(t, err)
	zip5 := "00000"
	zeros, err := f.NewStyle(&excelize.Style{CustomNumFmt: &zip5})
	mustNil(t, err)
	mustNil(t, f.SetCellStyle("Sheet1", "B2", "B2", sci))
	mustNil(t, f.SetCellStyle("Sheet1", "C2", "C2", zeros))
})

// bigCellXLSX has one 40 MB text cell (Excel itself stops at 32,767
// characters; other programs do not).
func bigCellXLSX(t *testing.T, p string) string {
	big := strings.Repeat("x", 40<<20)
	return rawXLSX([]string{`<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Email</t></is></c><c r="B1" t="inlineStr"><is><t>Company</t></is></c></row>` +
		`<row r="2"><c r="A2" t="inlineStr"><is><t>big@example.com</t></is></c><c r="B2" t="inlineStr"><is><t>` + big + `</t></is></c></row>` +
		`<row r="3"><c r="A3" t="inlineStr"><is><t>small@example.com</t></is></c><c r="B3" t="inlineStr"><is><t>Acme</t></is></c></row></sheetData>`}, "")(t, p)
}

// declaredBomb is a workbook whose sheet part says it unpacks to 20 GB.
func declaredBomb(t *testing.T, p string) string {
	parts := xlsxParts([]string{`<sheetData/>`}, "")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range parts {
		if name == "xl/worksheets/sheet1.xml" {
			comp := deflate(t, []byte(body))
			w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE([]byte(body)),
				CompressedSize64: uint64(len(comp)), UncompressedSize64: 20 << 30})
			mustNil(t, err)
			_, err = w.Write(comp)
			mustNil(t, err)
			continue
		}
		w, err := zw.Create(name)
		mustNil(t, err)
		_, err = w.Write([]byte(body))
		mustNil(t, err)
	}
	mustNil(t, zw.Close())
	mustNil(t, os.WriteFile(p, buf.Bytes(), 0o600))
	return p
}

func deflate(t *testing.T, b []byte) []byte {
	var buf bytes.Buffer
	fw, err := flate.NewWriter(&buf, flate.BestCompression)
	mustNil(t, err)
	_, err = fw.Write(b)
	mustNil(t, err)
	mustNil(t, fw.Close())
	return buf.Bytes()
}

// sharedStringsBomb is a ~1 MB workbook whose shared strings part really
// unpacks to 1.1 GB of tiny strings, which held in memory would take
// several GB. With lie set, the part's header claims 1 KB.
//
// The part is made without compressing 1.1 GB: a 1 MB chunk compressed
// from an empty history and flushed is a self-contained run of deflate
// blocks, so repeating those bytes repeats the chunk.
func sharedStringsBomb(lie bool) func(*testing.T, string) string {
	return func(t *testing.T, p string) string {
		const repeats = 1100
		head := []byte(`<?xml version="1.0" encoding="UTF-8"?><sst ` + nsMain + `>`)
		chunk := bytes.Repeat([]byte("<si><t>a</t></si>"), (1<<20)/17)
		var block bytes.Buffer
		fw, err := flate.NewWriter(&block, flate.BestCompression)
		mustNil(t, err)
		_, err = fw.Write(chunk)
		mustNil(t, err)
		mustNil(t, fw.Flush())
		var headBlock bytes.Buffer
		hw, err := flate.NewWriter(&headBlock, flate.BestCompression)
		mustNil(t, err)
		_, err = hw.Write(head)
		mustNil(t, err)
		mustNil(t, hw.Flush())
		var comp bytes.Buffer
		comp.Write(headBlock.Bytes())
		crc := crc32.Update(0, crc32.IEEETable, head)
		size := uint64(len(head))
		for range repeats {
			comp.Write(block.Bytes())
			crc = crc32.Update(crc, crc32.IEEETable, chunk)
			size += uint64(len(chunk))
		}
		tail := []byte(`</sst>`)
		var tailBlock bytes.Buffer
		tw, err := flate.NewWriter(&tailBlock, flate.BestCompression)
		mustNil(t, err)
		_, err = tw.Write(tail)
		mustNil(t, err)
		mustNil(t, tw.Close())
		comp.Write(tailBlock.Bytes())
		crc = crc32.Update(crc, crc32.IEEETable, tail)
		size += uint64(len(tail))
		if lie {
			size = 1024
		}

		parts := xlsxParts([]string{`<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>`}, "placeholder")
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for name, body := range parts {
			if name == "xl/sharedStrings.xml" {
				w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc,
					CompressedSize64: uint64(comp.Len()), UncompressedSize64: size})
				mustNil(t, err)
				_, err = w.Write(comp.Bytes())
				mustNil(t, err)
				continue
			}
			w, err := zw.Create(name)
			mustNil(t, err)
			_, err = w.Write([]byte(body))
			mustNil(t, err)
		}
		mustNil(t, zw.Close())
		mustNil(t, os.WriteFile(p, buf.Bytes(), 0o600))
		return p
	}
}

// --- checks ---

// wantInRequest checks that the dry run's printed SOAP request holds each
// text: the value reached the lead intact.
func wantInRequest(texts ...string) func(*testing.T, string, string) {
	return func(t *testing.T, stdout, _ string) {
		t.Helper()
		for _, s := range texts {
			if !strings.Contains(stdout, s) {
				t.Errorf("the first request lacks %q:\n%s", s, tail(stdout))
			}
		}
	}
}

// wantNotInRequest checks that the dry run's printed request lacks each
// text: a row that must not be sent was left out.
func wantNotInRequest(texts ...string) func(*testing.T, string, string) {
	return func(t *testing.T, stdout, _ string) {
		t.Helper()
		for _, s := range texts {
			if strings.Contains(stdout, s) {
				t.Errorf("the first request holds %.40q, which must not be sent", s)
			}
		}
	}
}

func both(a, b func(*testing.T, string, string)) func(*testing.T, string, string) {
	return func(t *testing.T, stdout, stderr string) {
		t.Helper()
		a(t, stdout, stderr)
		b(t, stdout, stderr)
	}
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// tail keeps the end of long output readable in failures.
func tail(s string) string {
	const n = 3000
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, " | ")
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
