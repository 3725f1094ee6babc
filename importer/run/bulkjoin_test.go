package run

import (
	"strings"
	"testing"

	"leadsheet/importer"
	"leadsheet/marketo"
)

// fileOf builds a bulkFile holding csv, whose lines are sheet rows 2, 3, …
func fileOf(t *testing.T, csv string) *bulkFile {
	t.Helper()
	f := &bulkFile{}
	f.buf.WriteString(csv)
	_, lines, err := readBulkCSV(f.buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	for i := range lines {
		f.rows = append(f.rows, i+2)
	}
	return f
}

func TestJoinBulkResults(t *testing.T) {
	const file = "email,firstName,leadScore\n" +
		"a@x.com,Ann,10\n" +
		"b@x.com,Bob,ten\n" +
		"c@x\u00e9,Cy,\n" +
		"d@x.com,,5\n" +
		"same@x.com,Sam,1\n" +
		"same@x.com,Sam,1\n"
	tests := []struct {
		name               string
		got                marketo.BulkBatch
		failures, warnings string
		want               []importer.RowState
		reason             map[int]string // row → reason it must contain
		note               string
	}{{
		name: "all imported",
		got:  marketo.BulkBatch{Status: marketo.BulkComplete, Processed: 6},
		want: []importer.RowState{importer.Imported, importer.Imported, importer.Imported, importer.Imported, importer.Imported, importer.Imported},
	}, {
		name:     "a failure and a warning, columns blank in every report row left out",
		got:      marketo.BulkBatch{Status: marketo.BulkComplete, Processed: 5, Failed: 1, Warnings: 1},
		failures: "email,firstName,leadScore,Import Failure Reason\nb@x.com,Bob,ten,Invalid data type in field Lead Score\n",
		warnings: "email,firstName,Import Warning Reason\nc@x\u00e9,Cy,Invalid email address\n",
		want:     []importer.RowState{importer.Imported, importer.Failed, importer.ImportedWithWarning, importer.Imported, importer.Imported, importer.Imported},
		reason:   map[int]string{3: "Lead Score", 4: "Invalid email"},
	}, {
		name:     "report columns in another order and case",
		got:      marketo.BulkBatch{Status: marketo.BulkComplete, Processed: 5, Failed: 1},
		failures: "leadScore,EMAIL,firstName,Import Failure Reason\n5,d@x.com,,Lead not found\n",
		want:     []importer.RowState{importer.Imported, importer.Imported, importer.Imported, importer.Failed, importer.Imported, importer.Imported},
	}, {
		name:     "a dropped column means blank: a row with a value there is not the one",
		got:      marketo.BulkBatch{Status: marketo.BulkComplete, Processed: 5, Failed: 1},
		failures: "email,leadScore,Import Failure Reason\nd@x.com,5,Lead not found\n",
		want:     []importer.RowState{importer.Imported, importer.Imported, importer.Imported, importer.Failed, importer.Imported, importer.Imported},
	}, {
		name:     "one of two identical rows failed: both unknown",
		got:      marketo.BulkBatch{Status: marketo.BulkComplete, Processed: 5, Failed: 1},
		failures: "email,firstName,leadScore,Import Failure Reason\nsame@x.com,Sam,1,Multiple leads match the lookup criteria\n",
		want:     []importer.RowState{importer.Imported, importer.Imported, importer.Imported, importer.Imported, importer.Unknown, importer.Unknown},
		reason:   map[int]string{6: "1 of 2 rows", 7: "Multiple leads match"},
		note:     "cannot be told apart",
	}, {
		name:     "both identical rows failed",
		got:      marketo.BulkBatch{Status: marketo.BulkComplete, Processed: 4, Failed: 2},
		failures: "email,firstName,leadScore,Import Failure Reason\nsame@x.com,Sam,1,Multiple leads match\nsame@x.com,Sam,1,Multiple leads match\n",
		want:     []importer.RowState{importer.Imported, importer.Imported, importer.Imported, importer.Imported, importer.Failed, importer.Failed},
	}, {
		name:     "a failure that matches no row: every row not placed is unknown",
		got:      marketo.BulkBatch{Status: marketo.BulkComplete, Processed: 4, Failed: 2},
		failures: "email,firstName,leadScore,Import Failure Reason\nb@x.com,Bob,ten,Invalid data type\nB@X.COM,Bob,ten,Invalid data type\n",
		want:     []importer.RowState{importer.Unknown, importer.Failed, importer.Unknown, importer.Unknown, importer.Unknown, importer.Unknown},
		reason:   map[int]string{2: "could not match"},
		note:     "match no row",
	}, {
		name:     "the job counts more failures than its report lists",
		got:      marketo.BulkBatch{Status: marketo.BulkComplete, Processed: 4, Failed: 2},
		failures: "email,firstName,leadScore,Import Failure Reason\nb@x.com,Bob,ten,Invalid data type\n",
		want:     []importer.RowState{importer.Unknown, importer.Failed, importer.Unknown, importer.Unknown, importer.Unknown, importer.Unknown},
		note:     "counted 2 failed rows but its report lists 1",
	}, {
		name:     "an unreadable failures report: nothing is called imported",
		got:      marketo.BulkBatch{Status: marketo.BulkComplete, Processed: 5, Failed: 1},
		failures: "email,\"firstName\nb@x.com",
		want:     []importer.RowState{importer.Unknown, importer.Unknown, importer.Unknown, importer.Unknown, importer.Unknown, importer.Unknown},
		note:     "could not be read",
	}, {
		name:     "a warning that matches no row is only noted: the rows were imported",
		got:      marketo.BulkBatch{Status: marketo.BulkComplete, Processed: 6, Warnings: 1},
		warnings: "email,Import Warning Reason\nzz@x.com,Invalid email address\n",
		want:     []importer.RowState{importer.Imported, importer.Imported, importer.Imported, importer.Imported, importer.Imported, importer.Imported},
		note:     "those rows were imported",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := fileOf(t, file)
			rs, note := joinBulkResults(f, tc.got, []byte(tc.failures), []byte(tc.warnings))
			if len(rs) != len(tc.want) {
				t.Fatalf("%d results for %d rows", len(rs), len(tc.want))
			}
			for i, r := range rs {
				if r.Row != f.rows[i] || r.State != tc.want[i] {
					t.Errorf("row %d: %v (%q), want %v", f.rows[i], r.State, r.Reason, tc.want[i])
				}
				if want, ok := tc.reason[r.Row]; ok && !strings.Contains(r.Reason, want) {
					t.Errorf("row %d: reason %q lacks %q", r.Row, r.Reason, want)
				}
			}
			if !strings.Contains(note, tc.note) || (tc.note == "" && note != "") {
				t.Errorf("note %q, want it to hold %q", note, tc.note)
			}
		})
	}
}
