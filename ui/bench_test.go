package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"leadsheet/importer"
	"leadsheet/ui/viewmodel"
)

// benchSyncView is a Sync step with n rows in a window the size of the
// app's, scrolled to the middle.
func benchSyncView(b *testing.B, n int) *syncView {
	test.NewTempApp(b)
	w := test.NewTempWindow(b, nil)
	v := newSyncView(w, func(f func()) { f() }, func(string) {})
	w.SetContent(v.content)
	w.Resize(sizeOf(1180, 760))
	v.setPlan(&SyncPlan{Rows: sampleRows(n), Batches: (n + 299) / 300, Dedup: true, KeyName: "Email"})
	v.table.ScrollTo(widgetCell(n / 2))
	return v
}

// batchDone is the event of one 300-row batch landing, starting at index i.
func batchDone(i, n int) importer.Event {
	rs := make([]importer.RowResult, 0, 300)
	for j := 0; j < 300; j++ {
		r := (i + j) % n
		rs = append(rs, importer.RowResult{Row: r + 2, State: importer.Created, LeadID: 1000 + r})
	}
	return importer.Event{Kind: importer.BatchDone, Results: rs}
}

// BenchmarkSyncTick100k is the work of one refresh tick during a run of
// 100,000 rows: a batch of 300 results lands in the model (from the run's
// goroutine in the app) and the tick refreshes counters, progress and the
// visible part of the table.
func BenchmarkSyncTick100k(b *testing.B) {
	const n = 100_000
	v := benchSyncView(b, n)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		v.model.Apply(batchDone(i*300, n))
		if v.model.TakeDirty() {
			v.refresh()
		}
	}
}

// BenchmarkSyncTick100kProblemsOnly is the same tick with the "only rows
// that need attention" filter on, which rescans the model each tick.
func BenchmarkSyncTick100kProblemsOnly(b *testing.B) {
	const n = 100_000
	v := benchSyncView(b, n)
	v.filter.SetSelected("Only rows that need attention")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		ev := batchDone(i*300, n)
		for j := range ev.Results {
			if j%10 == 0 {
				ev.Results[j].State, ev.Results[j].Reason = importer.Failed, "refused"
			}
		}
		v.model.Apply(ev)
		if v.model.TakeDirty() {
			v.refresh()
		}
	}
}

// BenchmarkModelApply100k is the run-side cost of recording one batch.
func BenchmarkModelApply100k(b *testing.B) {
	const n = 100_000
	m := viewmodel.NewSyncModel(sampleRows(n), nil)
	ev := batchDone(0, n)
	b.ReportAllocs()
	for b.Loop() {
		m.Apply(ev)
	}
}

// BenchmarkMappingChange100k is what the operator waits for in the window
// after changing one column's mapping on a 100,000-row sheet: pre-flight
// again in the background, then the Map step's counts and the Sync step's
// plan rebuilt. The sheet is a CSV written here; once the first check has
// read it, a re-check reads the job's cache whatever the format.
//
//	go test -tags migrated_fynedo -run '^$' -bench MappingChange100k -benchtime 5x ./ui/
func BenchmarkMappingChange100k(b *testing.B) {
	const n = 100_000
	in := filepath.Join(b.TempDir(), "l100k.csv")
	var sb strings.Builder
	sb.WriteString("Email,First Name,Last Name,Company,Job Title,Phone,City,Postal Code,Country,Notes\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&sb, "lead%07d@example.com,Zoë,Müller,Acme Logistics GmbH,Head of Sales,+4930%07d,Berlin,01067,Germany,met at the fair\n", i, i)
	}
	if err := os.WriteFile(in, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	ui, loop := newTestApp(b, Options{Sandbox: true, Open: in})
	waitReady(b, ui, loop)
	mv := ui.mapping
	col := indexOf(mv.model.Header.Names, "City")
	labels := [2]string{viewmodel.LabelSkip, mv.model.Label(col)}
	if labels[1] == labels[0] {
		b.Fatalf("City maps to %q: nothing to change", labels[1])
	}
	for i := 0; b.Loop(); i++ {
		want := labels[i%2]
		before := ui.sync.plan
		mv.choose(col, want)
		loop.pump(b, "pre-flight after the mapping change", func() bool {
			return ui.sync.plan != nil && ui.sync.plan != before
		})
		pre := ui.sess.pre
		if skip := pre.Report.Settings().Mapping.Columns[col].Kind == importer.Skip; skip != (want == viewmodel.LabelSkip) || pre.Sendable != n {
			b.Fatalf("pre-flight after mapping City to %q: skipped %v, %d rows to send", want, skip, pre.Sendable)
		}
	}
}
