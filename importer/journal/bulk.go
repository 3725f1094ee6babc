package journal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// BulkChunk is one file a bulk import uploaded: which sheet rows its lines
// hold, in order, and the job Marketo queued for it. Its rows are in flight
// until their results are confirmed; a resume polls the job instead of
// uploading the file again.
type BulkChunk struct {
	Seq     int    `json:"seq"`               // the file's number within the run, from 1
	Batch   int    `json:"batch"`             // Marketo's batchId
	Members bool   `json:"members,omitempty"` // a program member import, whose status Marketo reports elsewhere
	Lookup  string `json:"lookup"`            // the lookupField it was uploaded with
	Rows    []int  `json:"rows"`              // sheet row of each line after the header
	SHA256  string `json:"sha256"`            // of the file uploaded, kept at [Journal.BulkFile]
	Created string `json:"at"`                // when Marketo accepted it, RFC 3339
}

// BulkFile is where the file of bulk chunk seq is kept until its rows are
// confirmed: beside the journal, readable by this user only, because a
// resume matches Marketo's failures file against exactly what was sent.
func (j *Journal) BulkFile(seq int) string {
	return strings.TrimSuffix(j.path, ".journal") + ".bulk-" + strconv.Itoa(seq) + ".csv"
}

// BulkUploaded records that Marketo accepted chunk c, and syncs the file:
// from now on a crash must not lead to the file being uploaded again.
func (j *Journal) BulkUploaded(c BulkChunk) error {
	return j.append(record{Kind: recBulk, Bulk: &c}, true)
}

// PendingBulk is every recorded chunk some of whose rows are still in
// flight: Marketo took the file, and its outcome has not been recorded. A
// chunk uploaded again (its first job forgotten) counts by its last job.
func (j *Journal) PendingBulk() []BulkChunk {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []BulkChunk
	seen := map[int]bool{}
	for i := len(j.bulk) - 1; i >= 0; i-- {
		c := j.bulk[i]
		if seen[c.Seq] {
			continue
		}
		seen[c.Seq] = true
		for _, r := range c.Rows {
			if _, ok := j.inFlight[r]; ok {
				out = append(out, c)
				break
			}
		}
	}
	slices.Reverse(out)
	return out
}

// NextBulkSeq is the number for the next chunk: one past every chunk the
// journal records, so a resumed run never reuses a kept file's name.
func (j *Journal) NextBulkSeq() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	n := 1
	for _, c := range j.bulk {
		n = max(n, c.Seq+1)
	}
	return n
}

// RemoveBulkFiles deletes the kept files of the journal's chunks once
// nothing is left to resume; they hold the operator's data.
func (j *Journal) RemoveBulkFiles() error {
	matches, err := filepath.Glob(strings.TrimSuffix(j.path, ".journal") + ".bulk-*.csv")
	if err != nil {
		return fmt.Errorf("find kept bulk files: %w", err)
	}
	var errs []error
	for _, m := range matches {
		if err := os.Remove(m); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
