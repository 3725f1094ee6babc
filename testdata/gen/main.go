// Command gen writes the large lead workbooks the performance measurements
// read (.ci/perf.sh): a header row and N rows of ten realistic columns —
// unique e-mail addresses, names with accents, company names, phone numbers
// stored as numbers with a "0" format (as CRM exports do), job titles,
// cities, postcodes kept as text with their leading zeros, countries and
// dates of birth stored as real Excel dates.
//
//	go run ./testdata/gen -rows 100000 -o /tmp/leads-100k.xlsx
//
// The sheet is streamed (excelize StreamWriter), so a million rows need
// little memory. Its dimension is written first: without it, streaming
// readers such as openpyxl read_only see a single cell.
package main

import (
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"strings"
	"time"

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
	titles = []string{"Marketing Manager", "Head of Sales", "CTO", "Procurement Lead", "Operations Director",
		"Product Owner", "CEO", "Data Analyst"}
	// Postcode formats are per country; several start with a zero.
	places = []struct{ country, city, domain, postcode string }{
		{"Germany", "Dresden", "de", "01%03d"}, {"Germany", "Munich", "de", "80%03d"},
		{"France", "Lyon", "fr", "069%02d"}, {"Italy", "Milan", "it", "201%02d"},
		{"United States", "Boston", "com", "021%02d"}, {"United States", "Newark", "com", "071%02d"},
		{"Spain", "Barcelona", "es", "080%02d"}, {"Denmark", "Copenhagen", "dk", "1%03d"},
		{"Finland", "Helsinki", "fi", "00%03d"}, {"United Kingdom", "London", "co.uk", "EC1A %dBB"},
	}
	header = []any{"Email Address", "First Name", "Last Name", "Company Name", "Phone Number", "Job Title",
		"City", "Postal Code", "Country", "Date of Birth"}
)

func main() {
	out := flag.String("o", "leads.xlsx", "workbook to write")
	rows := flag.Int("rows", 100000, "lead rows under the header")
	seed := flag.Uint64("seed", 7, "seed for the values")
	flag.Parse()
	if err := write(*out, *rows, *seed); err != nil {
		log.Fatal(err)
	}
}

// ascii folds a name into the ASCII local part of an e-mail address.
var ascii = strings.NewReplacer("ö", "oe", "ü", "ue", "ë", "e", "é", "e", "á", "a", "í", "i", "ç", "c")

func write(path string, rows int, seed uint64) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return fmt.Errorf("name the sheet: %w", err)
	}
	last, err := excelize.CoordinatesToCellName(len(header), rows+1)
	if err != nil {
		return fmt.Errorf("sheet size: %w", err)
	}
	if err := f.SetSheetDimension(sheet, "A1:"+last); err != nil {
		return fmt.Errorf("set the dimension: %w", err)
	}
	phoneFmt := "0"
	phoneStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &phoneFmt})
	if err != nil {
		return fmt.Errorf("phone style: %w", err)
	}
	dateFmt := "dd.mm.yyyy"
	dateStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
	if err != nil {
		return fmt.Errorf("date style: %w", err)
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return fmt.Errorf("stream the sheet: %w", err)
	}
	if err := sw.SetRow("A1", header); err != nil {
		return fmt.Errorf("write the header: %w", err)
	}
	rng := rand.New(rand.NewPCG(seed, 2026))
	born := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC)
	row := make([]any, len(header))
	for i := range rows {
		fn := firstNames[rng.IntN(len(firstNames))]
		ln := lastNames[rng.IntN(len(lastNames))]
		company := companies[rng.IntN(len(companies))]
		p := places[rng.IntN(len(places))]
		dom := strings.ToLower(strings.Fields(company)[0]) + "." + p.domain
		row[0] = fmt.Sprintf("%s.%s.%d@%s", strings.ToLower(ascii.Replace(fn)), strings.ToLower(ascii.Replace(ln)), i+1, dom)
		row[1] = fn
		row[2] = ln
		row[3] = company
		row[4] = excelize.Cell{StyleID: phoneStyle, Value: 4900000000000 + rng.Int64N(99999999999)}
		row[5] = titles[rng.IntN(len(titles))]
		row[6] = p.city
		row[7] = fmt.Sprintf(p.postcode, rng.IntN(100))
		row[8] = p.country
		row[9] = excelize.Cell{StyleID: dateStyle, Value: born.AddDate(0, 0, rng.IntN(50*365))}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, row); err != nil {
			return fmt.Errorf("write row %d: %w", i+2, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("finish the sheet: %w", err)
	}
	if err := f.SaveAs(path); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	return nil
}
