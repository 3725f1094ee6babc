// Command gensample writes the sample workbook of the sandbox tour: a
// trade-show lead list as an operator would get it from a badge scanner
// export, with a title above the header row and a handful of rows that
// pre-flight validation must flag.
package main

import (
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"strings"

	"github.com/xuri/excelize/v2"
)

const sheet = "Leads"

var (
	firstNames = []string{"Anna", "Jörg", "Zoë", "Li", "Marco", "Sophie", "Liam", "Emma", "Noah", "Mia",
		"Lucas", "Chloé", "Mateo", "Amira", "Oliver", "Hannah", "Elif", "David", "Sara", "Jonas",
		"Yuki", "Priya", "Tomás", "Ingrid", "Kofi", "Isabel", "Felix", "Nora", "Arjun", "Lena"}
	lastNames = []string{"Schmidt", "Müller", "Rossi", "Dubois", "Nowak", "García", "Jensen", "Smith",
		"Kowalski", "Novak", "Fischer", "Bianchi", "Silva", "Tanaka", "Okafor", "Larsen", "Weber",
		"Moreau", "Costa", "Hansen", "Patel", "Kim", "Nielsen", "Berg", "Wagner"}
	companies = []string{"Acme Logistics GmbH", "Nordlicht Energie AG", "Bluewave Analytics", "Castell & Partner",
		"Helios Medical", "Brightpath Software", "Kestrel Robotics", "Vela Foods", "Orion Insurance SE",
		"Quantum Print Ltd", "Tessera Finance", "Alpine Outdoor", "Meridian Freight", "Lumen Labs"}
	titles    = []string{"Marketing Manager", "Head of Sales", "CTO", "Procurement Lead", "Operations Director", "Product Owner", "CEO", "Data Analyst"}
	countries = []struct{ country, city, domain, phone string }{
		{"Germany", "Berlin", "de", "+49 30 "}, {"Germany", "Munich", "de", "+49 89 "},
		{"France", "Paris", "fr", "+33 1 "}, {"Italy", "Milan", "it", "+39 02 "},
		{"Netherlands", "Amsterdam", "nl", "+31 20 "}, {"United Kingdom", "London", "co.uk", "+44 20 "},
		{"Poland", "Warsaw", "pl", "+48 22 "}, {"Spain", "Madrid", "es", "+34 91 "},
		{"Denmark", "Copenhagen", "dk", "+45 33 "}, {"United States", "Boston", "com", "+1 617 "},
	}
)

// defaultRows is how many lead rows the sample holds: enough for two
// batches of 300 so the tour shows more than one batch landing.
const defaultRows = 480

func main() {
	out := flag.String("o", "sample-leads.xlsx", "output workbook")
	rows := flag.Int("rows", defaultRows, "lead rows to write (large files are for measurements)")
	flag.Parse()
	if err := write(*out, *rows); err != nil {
		log.Fatal(err)
	}
}

// ascii turns a name into the ASCII local part of an email address.
func ascii(s string) string {
	r := strings.NewReplacer("ö", "oe", "ü", "ue", "ä", "ae", "ë", "e", "é", "e", "á", "a", "í", "i")
	return strings.ToLower(r.Replace(s))
}

func write(path string, rows int) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return fmt.Errorf("name sheet: %w", err)
	}
	rng := rand.New(rand.NewPCG(2026, 6))
	set := func(cell string, v any) error {
		if err := f.SetCellValue(sheet, cell, v); err != nil {
			return fmt.Errorf("set %s: %w", cell, err)
		}
		return nil
	}
	if err := set("A1", "Tradeshow Berlin 2026 — booth scans (export 12 June)"); err != nil {
		return err
	}
	header := []any{"First Name", "Last Name", "E-mail", "Company Name", "Job Title", "Phone", "Country", "City", "Lead Source", "Badge No."}
	if err := f.SetSheetRow(sheet, "A3", &header); err != nil {
		return fmt.Errorf("write header: %w", err)
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return fmt.Errorf("header style: %w", err)
	}
	if err := f.SetCellStyle(sheet, "A3", "J3", bold); err != nil {
		return fmt.Errorf("style header: %w", err)
	}
	seen := map[string]bool{}
	var firstEmail string
	for i := 0; i < rows; i++ {
		fn := firstNames[rng.IntN(len(firstNames))]
		ln := lastNames[rng.IntN(len(lastNames))]
		c := countries[rng.IntN(len(countries))]
		company := companies[rng.IntN(len(companies))]
		dom := strings.ToLower(strings.Fields(company)[0]) + "." + c.domain
		email := fmt.Sprintf("%s.%s@%s", ascii(fn), ascii(ln), dom)
		for n := 2; seen[email]; n++ {
			email = fmt.Sprintf("%s.%s%d@%s", ascii(fn), ascii(ln), n, dom)
		}
		seen[email] = true
		if i == 0 {
			firstEmail = email
		}
		// The deliberate mistakes pre-flight must catch.
		switch i {
		case 7: // an address Marketo refuses: it must be ASCII
			fn, ln, email = "Zoë", "Müller", "zoë.müller@exämple.de"
		case 19: // no key at all: nothing to match or create the lead on
			email = ""
		case 31: // the same person scanned twice
			email = firstEmail
		}
		phone := fmt.Sprintf("%s%d %04d", c.phone, 100+rng.IntN(900), rng.IntN(10000))
		row := []any{fn, ln, email, company, titles[rng.IntN(len(titles))], phone, c.country, c.city,
			"Tradeshow Berlin 2026", fmt.Sprintf("%06d", 1000+i*7)}
		if err := f.SetSheetRow(sheet, fmt.Sprintf("A%d", i+4), &row); err != nil {
			return fmt.Errorf("write row %d: %w", i+4, err)
		}
	}
	for col, w := range map[string]float64{"A": 14, "B": 14, "C": 36, "D": 24, "E": 22, "F": 18, "G": 16, "H": 12, "I": 22, "J": 10} {
		if err := f.SetColWidth(sheet, col, col, w); err != nil {
			return fmt.Errorf("column width: %w", err)
		}
	}
	if err := f.SaveAs(path); err != nil {
		return fmt.Errorf("save sample: %w", err)
	}
	return nil
}
