package job

import (
	"context"

	"leadsheet/importer"
	"leadsheet/importer/sheet"
)

// cacheBudget is the most memory a sheet's cells may take in the cache:
// enough for a 100,000-row sheet of ten ordinary columns, so a mapping
// change checks it again in a fraction of the time a read takes; bigger
// sheets are read from the file every time, keeping memory flat.
const cacheBudget = 64 << 20

// cacheRows is the most rows a sheet may be thought to have, from its
// stored size, for the cache to be tried at all: a bigger one would only
// fill the budget and be dropped.
const cacheRows = 250_000

// sheetCache holds the cells of the selected sheet and header row as the
// first pre-flight read them. Only pre-flight uses it: the send step always
// reads the file again and checks it against pre-flight's digests, so a
// file changed since is still caught.
type sheetCache struct {
	sheet  string
	header int
	width  int      // cells per row: one per header column
	text   []byte   // every cell, back to back
	ends   []uint32 // end of each cell in text; row i's are ends[i*width:(i+1)*width]
	rows   []int32  // sheet row number of each row
	result sheet.ReadResult
}

func (c *sheetCache) size() int { return len(c.text) + 4*len(c.ends) + 4*len(c.rows) }

func (c *sheetCache) add(r importer.Row) bool {
	c.rows = append(c.rows, int32(r.Number))
	for i := 0; i < c.width; i++ {
		if i < len(r.Cells) {
			c.text = append(c.text, r.Cells[i]...)
		}
		c.ends = append(c.ends, uint32(len(c.text)))
	}
	return c.size() <= cacheBudget
}

// each hands every cached row to fn, with fresh cells fn may keep.
func (c *sheetCache) each(ctx context.Context, fn func(importer.Row) error) error {
	start := uint32(0)
	for i, num := range c.rows {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		ends := c.ends[i*c.width : (i+1)*c.width]
		line := string(c.text[start:ends[c.width-1]]) // one allocation a row
		cells := make([]string, c.width)
		from := start
		for k, e := range ends {
			cells[k] = line[from-start : e-start]
			from = e
		}
		start = ends[c.width-1]
		if err := fn(importer.Row{Number: int(num), Cells: cells}); err != nil {
			return err
		}
	}
	return nil
}

// scan reads the selected sheet's rows for pre-flight: from the cache when
// the last complete read filled one, else from the file, filling the cache
// as it goes while the sheet stays within budget.
func (j *Job) scan(ctx context.Context, fn func(importer.Row) error) (sheet.ReadResult, error) {
	if c := j.cache.Load(); c != nil && c.sheet == j.sheet && c.header == j.headerRow {
		return c.result, c.each(ctx, fn)
	}
	c := &sheetCache{sheet: j.sheet, header: j.headerRow, width: len(j.header.Names)}
	if !j.recheck || c.width == 0 || j.estimatedRows() > cacheRows {
		c = nil
	}
	res, err := j.wb.Read(ctx, j.sheet, j.headerRow, func(r importer.Row) error {
		if c != nil && !c.add(r) {
			c = nil
		}
		return fn(r)
	})
	if err == nil && c != nil {
		c.result = res
		j.cache.Store(c)
	}
	return res, err
}

// dropCache frees the cached cells while a send runs, which reads the file
// anyway: the run's own state then has the memory, and only a check after
// the send reads the file again.
func (j *Job) dropCache() { j.cache.Store(nil) }

// estimatedRows is the selected sheet's row count as the file states or
// suggests it; 0 when unknown.
func (j *Job) estimatedRows() int {
	for _, s := range j.wb.Sheets() {
		if s.Name == j.sheet {
			return s.EstimatedRows
		}
	}
	return 0
}
