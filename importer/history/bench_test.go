package history

import (
	"fmt"
	"runtime"
	"testing"

	"leadsheet/importer"
)

// BenchmarkReadRollback100k reads the undo record of a 100k-row import
// that updated every row's person, ten fields each, in batches of 300:
// what `leadsheet undo` reads before its first call.
func BenchmarkReadRollback100k(b *testing.B) {
	s := Store{Dir: b.TempDir()}
	r, err := s.OpenRecorder("bench00001")
	if err != nil {
		b.Fatal(err)
	}
	names := []string{"firstName", "lastName", "company", "title", "phone", "country", "city", "leadSource", "industry", "website"}
	for batch := range 334 {
		p := Prior{Field: "email", Rows: map[int][]int{}}
		var rs []importer.RowResult
		var after []LeadValues
		for k := range 300 {
			row := batch*300 + k + 2
			id := 1000 + row
			v := map[string]*string{}
			for _, n := range names {
				v[n] = str(fmt.Sprintf("%s of %d", n, id))
			}
			p.Rows[row] = []int{id}
			p.Leads = append(p.Leads, LeadValues{ID: id, UpdatedAt: "2026-12-03T06:00:00Z", Values: v})
			rs = append(rs, importer.RowResult{Row: row, State: importer.Updated, LeadID: id})
			after = append(after, LeadValues{ID: id, UpdatedAt: "2026-12-03T06:10:00Z", Sum: "abc123"})
		}
		for _, err := range []error{r.Prior(p), r.Touched(rs, "email", nil), r.After(names, after)} {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	r.Close()
	b.ReportAllocs()
	b.ResetTimer()
	var live uint64
	for b.Loop() {
		rb, err := s.ReadRollback("bench00001")
		if err != nil || len(rb.Existing) != 100200 {
			b.Fatalf("%d existing, %v", len(rb.Existing), err)
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		live = max(live, ms.HeapAlloc)
		runtime.KeepAlive(rb)
	}
	// What the worked-out record holds: the values an undo sets back.
	b.ReportMetric(float64(live)/(1<<20), "MB-live")
}
