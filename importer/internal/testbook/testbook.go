// Package testbook writes the large lead workbooks Leadsheet's tests and
// benchmarks read: ten realistic columns whose phone, postcode and date
// cells carry the number formats CRM exports use, so a reader must format
// each cell by its style. It is the one generator for the importer's
// tests, kept apart from them so every package's tests can use it.
package testbook

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"
)

// Header is the header of the generated workbooks: ten realistic
// lead columns.
var Header = []string{"Email", "First Name", "Last Name", "Company", "Phone", "Zip", "City", "Country", "Created", "Score"}

var cities = []string{"Berlin", "München", "Paris", "Lyon", "Austin", "Boston", "Tokyo", "Zürich"}

// Row is the expected display values of data row i (1-based) of a
// generated workbook: what a reader must show.
func Row(i int) []string {
	return []string{
		"lead" + strconv.Itoa(i) + "@example.com",
		"First" + strconv.Itoa(i%997),
		"Last" + strconv.Itoa(i%1009),
		"Company " + strconv.Itoa(i%5000),
		strconv.Itoa(6505550000 + i),
		fmt.Sprintf("%05d", i%100000),
		cities[i%len(cities)],
		"DE",
		excelSerialDate(44927 + i%1000),
		strconv.Itoa(i % 100),
	}
}

func excelSerialDate(serial int) string {
	t, _ := excelize.ExcelDateToTime(float64(serial), false)
	return t.Format("2006-01-02")
}

// Write writes rows data rows under Header with StreamWriter,
// with a scientific format on the phone, 00000 on the postcode and a date
// format on Created, so the reader must format per cell style.
func Write(tb testing.TB, path string, rows int) {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sci, _ := f.NewStyle(&excelize.Style{NumFmt: 11})
	zip := "00000"
	zipStyle, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &zip})
	date, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err := f.SetSheetDimension("Sheet1", "A1:J"+strconv.Itoa(rows+1)); err != nil {
		tb.Fatal(err)
	}
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		tb.Fatal(err)
	}
	head := make([]any, len(Header))
	for i, h := range Header {
		head[i] = h
	}
	if err := sw.SetRow("A1", head); err != nil {
		tb.Fatal(err)
	}
	vals := make([]any, 10)
	for i := 1; i <= rows; i++ {
		vals[0] = "lead" + strconv.Itoa(i) + "@example.com"
		vals[1] = "First" + strconv.Itoa(i%997)
		vals[2] = "Last" + strconv.Itoa(i%1009)
		vals[3] = "Company " + strconv.Itoa(i%5000)
		vals[4] = excelize.Cell{StyleID: sci, Value: 6505550000 + i}
		vals[5] = excelize.Cell{StyleID: zipStyle, Value: i % 100000}
		vals[6] = cities[i%len(cities)]
		vals[7] = "DE"
		vals[8] = excelize.Cell{StyleID: date, Value: 44927 + i%1000}
		vals[9] = i % 100
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, vals); err != nil {
			tb.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		tb.Fatal(err)
	}
}
