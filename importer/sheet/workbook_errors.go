package sheet

import (
	"errors"
	"fmt"
)

// Sentinel causes of an [OpenError]; test with errors.Is.
var (
	// ErrPasswordRequired: the workbook is encrypted and no password was given.
	ErrPasswordRequired = errors.New("workbook is password-protected")
	// ErrWrongPassword: the password given does not open the workbook.
	ErrWrongPassword = errors.New("wrong workbook password")
	// ErrLegacyXLS: an Excel 97-2003 (.xls) workbook, which is not supported.
	ErrLegacyXLS = errors.New("legacy .xls workbook")
	// ErrNotSpreadsheet: the file is something else (web page, document, image...).
	ErrNotSpreadsheet = errors.New("not a spreadsheet")
	// ErrEmptyFile: the file has no bytes or no rows.
	ErrEmptyFile = errors.New("empty file")
	// ErrCorrupt: the file looks like a workbook but cannot be read.
	ErrCorrupt = errors.New("damaged workbook")
	// ErrTooLarge: the file or one of its parts is over the configured limits.
	ErrTooLarge = errors.New("workbook too large")
	// ErrNoSheet: the sheet asked for does not exist in the workbook.
	ErrNoSheet = errors.New("no such sheet")
)

// OpenError is what [Open] and the reading methods return when a file cannot
// be read. Message is written for the operator: what happened and what to do.
// errors.Is matches the sentinel Kind (ErrPasswordRequired, ErrLegacyXLS, ...)
// and the underlying Cause.
type OpenError struct {
	Path    string
	Message string // plain words for the operator
	Kind    error  // one of the Err* sentinels of this package
	Cause   error  // the technical cause, if any
}

func (e *OpenError) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s (%v)", e.Message, e.Cause)
	}
	return e.Message
}

// Unwrap returns the sentinel kind and the technical cause.
func (e *OpenError) Unwrap() []error {
	var errs []error
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Cause != nil {
		errs = append(errs, e.Cause)
	}
	return errs
}

func openErr(path string, kind, cause error, format string, args ...any) *OpenError {
	return &OpenError{Path: path, Kind: kind, Cause: cause, Message: fmt.Sprintf(format, args...)}
}
