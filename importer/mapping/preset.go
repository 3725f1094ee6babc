package mapping

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode"

	"leadsheet/importer"
)

// Preset is a saved mapping the operator can recall for files with the same
// (or nearly the same) columns.
type Preset struct {
	Name      string           `json:"name"`
	Headers   []string         `json:"headers"` // the header names the mapping was made for
	Mapping   importer.Mapping `json:"mapping"`
	Dedup     bool             `json:"dedup"`
	BatchSize int              `json:"batchSize,omitempty"` // 0 = marketo.MaxBatch
	Saved     time.Time        `json:"saved"`
}

// presetExt is the file extension of saved presets.
const presetExt = ".json"

// MinPresetOverlap is how much of two header sets must agree (shared names
// over all names) for FindPreset to offer a preset that is not an exact fit.
const MinPresetOverlap = 0.6

// SavePreset writes p as JSON into dir (created if needed), replacing a
// preset of the same name. The write is atomic: a crash leaves the old file
// or the new one, never half of one. It returns the file's path.
func SavePreset(dir string, p Preset) (string, error) {
	if strings.TrimSpace(p.Name) == "" {
		return "", errors.New("save preset: the preset needs a name")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("save preset: %w", err)
	}
	if p.Saved.IsZero() {
		p.Saved = time.Now().UTC()
	}
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return "", fmt.Errorf("save preset %q: %w", p.Name, err)
	}
	path := filepath.Join(dir, presetFileName(p.Name))
	tmp, err := os.CreateTemp(dir, ".preset-*")
	if err != nil {
		return "", fmt.Errorf("save preset %q: %w", p.Name, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return "", fmt.Errorf("save preset %q: %w", p.Name, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", fmt.Errorf("save preset %q: %w", p.Name, err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("save preset %q: %w", p.Name, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("save preset %q: %w", p.Name, err)
	}
	return path, nil
}

// presetFileName turns a preset name into a safe file name.
func presetFileName(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(name)) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	s := strings.Trim(b.String(), "-")
	if s == "" {
		s = "preset"
	}
	return s + presetExt
}

// LoadPreset reads one preset file.
func LoadPreset(path string) (Preset, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Preset{}, fmt.Errorf("load preset: %w", err)
	}
	var p Preset
	if err := json.Unmarshal(data, &p); err != nil {
		return Preset{}, fmt.Errorf("load preset %s: %w", filepath.Base(path), err)
	}
	if len(p.Mapping.Columns) != len(p.Mapping.Headers) {
		return Preset{}, fmt.Errorf("load preset %s: mapping has %d columns for %d headers", filepath.Base(path), len(p.Mapping.Columns), len(p.Mapping.Headers))
	}
	return p, nil
}

// LoadPresets reads every preset in dir, sorted by name. A missing dir is no
// presets; unreadable files are skipped and reported in the error list.
func LoadPresets(dir string) ([]Preset, []error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, []error{fmt.Errorf("load presets: %w", err)}
	}
	var out []Preset
	var errs []error
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), presetExt) || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		p, err := LoadPreset(filepath.Join(dir, e.Name()))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, errs
}

// FindPreset returns the preset in dir that fits a header set: one made for
// exactly these headers (in any order, ignoring case, spaces and
// punctuation) first, the most recently saved on a tie; else the one sharing
// the most headers, if at least MinPresetOverlap of them. ok is false when
// none fits.
func FindPreset(dir string, headers []string) (p Preset, ok bool, err error) {
	presets, errs := LoadPresets(dir)
	if len(presets) == 0 && len(errs) > 0 {
		return Preset{}, false, errs[0]
	}
	want := headerSet(headers)
	bestScore := 0.0
	for _, cand := range presets {
		score := overlap(want, headerSet(cand.Headers))
		if score > bestScore || score == bestScore && ok && cand.Saved.After(p.Saved) {
			p, bestScore, ok = cand, score, true
		}
	}
	if !ok || bestScore < MinPresetOverlap {
		return Preset{}, false, nil
	}
	return p, true, nil
}

func headerSet(hs []string) map[string]bool {
	set := make(map[string]bool, len(hs))
	for _, h := range hs {
		if n := normalizeHeader(h); n != "" {
			set[n] = true
		}
	}
	return set
}

// overlap is the Jaccard index: shared names over all names.
func overlap(a, b map[string]bool) float64 {
	shared := 0
	for k := range a {
		if b[k] {
			shared++
		}
	}
	union := len(a) + len(b) - shared
	if union == 0 {
		return 0
	}
	return float64(shared) / float64(union)
}

// MappingFor applies the preset to a sheet's headers, matching columns by
// header name (so reordered columns still map right). Columns the preset does
// not know are skipped.
func (p Preset) MappingFor(headers []string) importer.Mapping {
	byName := make(map[string]importer.Target, len(p.Mapping.Headers))
	for i, h := range p.Mapping.Headers {
		if i < len(p.Mapping.Columns) {
			if _, dup := byName[normalizeHeader(h)]; !dup {
				byName[normalizeHeader(h)] = p.Mapping.Columns[i]
			}
		}
	}
	m := importer.Mapping{Headers: append([]string(nil), headers...), Columns: make([]importer.Target, len(headers)), ForeignSysType: p.Mapping.ForeignSysType}
	for i, h := range headers {
		m.Columns[i] = byName[normalizeHeader(h)]
	}
	return m
}
