package mapping

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"leadsheet/importer"
)

func TestPresets(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "presets")
	headers := []string{"E-mail", "Vorname", "Firma", "Notes"}
	m, _ := AutoMap(headers, nil)
	m.ForeignSysType = "SFDC"
	p := Preset{Name: "Messe Berlin / DE", Headers: headers, Mapping: m, Dedup: true, BatchSize: 100, Saved: time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)}
	path, err := SavePreset(dir, p)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(path) != "messe-berlin-de.json" {
		t.Errorf("file = %s", path)
	}
	back, err := LoadPreset(path)
	if err != nil || !reflect.DeepEqual(back, p) {
		t.Fatalf("round trip = %+v, %v\nwant %+v", back, err, p)
	}
	other := Preset{Name: "Webinar", Headers: []string{"Email", "Name", "Company", "Phone", "Country"}, Mapping: importer.Mapping{Headers: []string{"Email"}, Columns: []importer.Target{{Kind: importer.ToEmail}}}, Saved: p.Saved}
	if _, err := SavePreset(dir, other); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "broken.json"), []byte("{"), 0o600)

	tests := []struct {
		name    string
		headers []string
		want    string
	}{
		{"exact set, other order and case", []string{"firma", "NOTES", "e mail", "Vorname"}, "Messe Berlin / DE"},
		{"close enough", []string{"Email", "Name", "Company", "Phone", "Country", "Extra"}, "Webinar"},
		{"too different", []string{"Email", "Something", "Else"}, ""},
	}
	for _, tc := range tests {
		got, ok, err := FindPreset(dir, tc.headers)
		if err != nil {
			t.Fatal(err)
		}
		if ok != (tc.want != "") || ok && got.Name != tc.want {
			t.Errorf("%s: FindPreset = %q, %v; want %q", tc.name, got.Name, ok, tc.want)
		}
	}
	presets, errs := LoadPresets(dir)
	if len(presets) != 2 || len(errs) != 1 {
		t.Errorf("LoadPresets = %d presets, %v", len(presets), errs)
	}
	remapped := p.MappingFor([]string{"Notes", "Firma", "New column", "E-mail"})
	want := []importer.Target{m.Columns[3], m.Columns[2], {}, m.Columns[0]}
	if !reflect.DeepEqual(remapped.Columns, want) || remapped.ForeignSysType != "SFDC" {
		t.Errorf("MappingFor = %+v, want %+v", remapped, want)
	}
	if _, err := SavePreset(dir, Preset{}); err == nil {
		t.Error("preset without a name saved")
	}
	if ps, errs := LoadPresets(filepath.Join(dir, "missing")); ps != nil || errs != nil {
		t.Errorf("missing dir: %v %v", ps, errs)
	}
}
