package importer

// MaxCellChars is the most characters Excel holds in one cell. Readers stop
// a longer cell at MaxCellChars+1 characters, so memory stays bounded and
// the validator can still refuse the row.
const MaxCellChars = 32767

// ColumnLetter returns the spreadsheet letter of 1-based column n ("A", "AB").
func ColumnLetter(n int) string {
	if n < 1 {
		return ""
	}
	var buf [8]byte
	i := len(buf)
	for n > 0 {
		n--
		i--
		buf[i] = byte('A' + n%26)
		n /= 26
	}
	return string(buf[i:])
}
