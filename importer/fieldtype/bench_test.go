package fieldtype

import (
	"testing"
	"time"

	"leadsheet/marketo"
)

// BenchmarkNormalize normalises a row's worth of typical cells, mostly in
// the forms the sheet reader hands over, with a few text forms that need
// real parsing.
func BenchmarkNormalize(b *testing.B) {
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		b.Fatal(err)
	}
	o := Options{DateOrder: DayFirst, Zone: chicago}
	cells := []struct {
		f    marketo.Field
		cell string
	}{
		{marketo.Field{Type: "email", Length: 255}, "lead12345@example.com"},
		{marketo.Field{Type: "string", Length: 255}, "Anna-Lena"},
		{marketo.Field{Type: "phone", Length: 255}, "6505551234"},
		{marketo.Field{Type: "date"}, "2024-03-05"},
		{marketo.Field{Type: "date"}, "45356"},
		{marketo.Field{Type: "date"}, "05/03/2024"},
		{marketo.Field{Type: "datetime"}, "2024-03-05T14:30:00"},
		{marketo.Field{Type: "integer"}, "42"},
		{marketo.Field{Type: "score"}, "87"},
		{marketo.Field{Type: "currency"}, "$1,234.50"},
		{marketo.Field{Type: "float"}, "1234.5"},
		{marketo.Field{Type: "boolean"}, "Yes"},
		{marketo.Field{Type: "url", Length: 255}, "https://example.com/"},
		{marketo.Field{Type: "text"}, "Met at the Berlin booth; wants a demo in spring."},
	}
	for _, c := range cells {
		if _, p := Normalize(c.f, c.cell, o); p != "" {
			b.Fatalf("%s %q: %s", c.f.Type, c.cell, p)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, c := range cells {
			Normalize(c.f, c.cell, o)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(cells)), "ns/cell")
}
