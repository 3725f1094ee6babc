package marketo

import "context"

// Bulk Import limits, from Adobe's Bulk Lead Import page.
const (
	// MaxBulkFileBytes is the most an import file may hold: Marketo takes
	// files "less than 10 MB" and does not say which megabyte, so the
	// smaller reading, with room for the multipart envelope.
	MaxBulkFileBytes = 9_900_000
	// MaxBulkImporting is how many import jobs an instance processes at
	// once; the rest wait in its queue.
	MaxBulkImporting = 2
)

// Bulk import job statuses, as Marketo spells them.
const (
	BulkQueued    = "Queued"
	BulkImporting = "Importing"
	BulkComplete  = "Complete"
	BulkFailed    = "Failed"
)

// Bulk Import error codes a caller acts on.
const (
	// CodeTooManyImports: the instance's queue holds 10 jobs; wait for
	// one to end and upload again.
	CodeTooManyImports = "1016"
	// CodeListBusy: another import into the same static list is running.
	CodeListBusy = "1019"
	// CodeBatchNotFound: the batchId is unknown (a batchId lives 7 days),
	// or asked for at the other kind of import's URLs (BulkJob.Members).
	CodeBatchNotFound = "1013"
)

// BulkFile is one file for Import Leads: its first line names REST API
// fields, each further line is one lead. Marketo inserts or updates each
// row by LookupField.
//
// With ProgramID set it is a file for Import Program Members instead:
// Marketo inserts or updates each row's lead on email, which every row
// must have, and makes it a member of the program at ProgramStatus.
// LookupField, ListID and PartitionName do not apply to that import and
// must be left empty.
type BulkFile struct {
	Format        string // "csv", "tsv" or "ssv"
	LookupField   string // REST name of the field rows are matched on; "" means email ("id" updates only)
	ListID        int    // static list the leads are added to; 0 for none
	PartitionName string // lead partition new leads go into; "" for the default
	ProgramID     int    // program the leads become members of; 0 for a lead import
	ProgramStatus string // programMemberStatus of a program member import: a status of the program's channel
	Name          string // file name sent with the upload, for Marketo's records
	Data          []byte // the file, under MaxBulkFileBytes
}

// BulkBatch is an import job as Marketo reports it.
type BulkBatch struct {
	ID        int    // batchId
	Status    string // BulkQueued, BulkImporting, BulkComplete or BulkFailed
	Processed int    // numOfLeadsProcessed
	Failed    int    // numOfRowsFailed
	Warnings  int    // numOfRowsWithWarning
	Message   string
	// Members is true for a program member import, whose status and
	// files Marketo serves apart from a lead import's.
	Members bool
}

// Ended reports whether the job will change no more.
func (b BulkBatch) Ended() bool { return b.Status == BulkComplete || b.Status == BulkFailed }

// BulkJob names an import job: its batchId and whether it is a program
// member import (Members), which selects the URLs its status and files
// are read from. Marketo does not answer one kind's batchId at the
// other's URLs.
type BulkJob struct {
	ID      int
	Members bool
}

// BulkRows says which rows of an ended job to fetch.
type BulkRows int

// Rows of an ended import job.
const (
	BulkFailures BulkRows = iota // rows not imported, with an "Import Failure Reason" column
	BulkWarnings                 // rows imported with a warning, with an "Import Warning Reason" column
)

// BulkImporter is Marketo's Bulk Import API for leads and program
// members. RESTClient implements it; SOAP has no bulk import.
type BulkImporter interface {
	// ImportLeads uploads f and returns the queued job.
	ImportLeads(ctx context.Context, f BulkFile) (BulkBatch, error)
	// BulkBatch reads a job's status.
	BulkBatch(ctx context.Context, job BulkJob) (BulkBatch, error)
	// BulkRows fetches the failures or warnings file of an ended job, in
	// the job's format, as Marketo sends it.
	BulkRows(ctx context.Context, job BulkJob, which BulkRows) ([]byte, error)
}
