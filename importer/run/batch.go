package run

import (
	"errors"
	"fmt"

	"leadsheet/importer"
	"leadsheet/marketo"
)

// Batcher groups valid rows into batches of at most Size leads that share
// one key kind (REST matches one lookup field per request) and whose
// request stays under the API's byte cap (Marketo refuses REST bodies over
// 1 MB). Batches are emitted through the callback as soon as they fill,
// with Seq counting up from 0; Flush emits the partly filled ones at the
// end. The cut depends only on the leads added, so the same rows give the
// same batches on every pass. Not safe for concurrent use.
type Batcher struct {
	size    int
	limits  marketo.SyncLimits
	emit    func(importer.Batch) error
	pending [4]*importer.Batch // by marketo.KeyKind
	bytes   [4]int             // estimated request bytes of each pending batch
	seq     int
}

// NewBatcher returns a Batcher emitting batches of at most size leads
// (marketo.MaxBatch when size <= 0 or above it) whose requests fit both
// SOAP and REST. Callers that know the API use [NewBatcherFor].
func NewBatcher(size int, emit func(importer.Batch) error) *Batcher {
	return NewBatcherFor("", size, emit)
}

// NewBatcherFor is [NewBatcher] for one API ("soap" or "rest", as in
// marketo.Profile.API): batches are cut at that API's byte cap, see
// [BatchLimits]. An empty or unknown api gives batches that fit both.
func NewBatcherFor(api string, size int, emit func(importer.Batch) error) *Batcher {
	if size <= 0 || size > marketo.MaxBatch {
		size = marketo.MaxBatch
	}
	return &Batcher{size: size, limits: marketo.SyncLimitsFor(api), emit: emit}
}

// BatchLimits is how many leads, and how many request bytes, one call
// over api may carry: what a batch of [NewBatcherFor] holds at most (a
// single lead over the byte cap still travels, alone).
func BatchLimits(api string) (count, bytes int) {
	l := marketo.SyncLimitsFor(api)
	return l.Leads, l.Bytes
}

// ErrNoKey is returned by [Batcher.Add] for a lead without a key; the
// validator marks such rows Invalid, so they should never reach a batch.
var ErrNoKey = errors.New("lead has no key")

// Add puts the lead of a sheet row into the batch of its key kind, emitting
// that batch when it is full. An error from the callback is returned as is.
func (b *Batcher) Add(row int, lead marketo.Lead) error { return b.AddMember(row, lead, "") }

// AddMember is [Batcher.Add] for a row whose status column asks for a
// program member status; "" asks for none.
func (b *Batcher) AddMember(row int, lead marketo.Lead, status string) error {
	k := lead.Key()
	if k == marketo.KeyNone {
		return fmt.Errorf("row %d: %w", row, ErrNoKey)
	}
	n := b.limits.LeadBytes(lead)
	room := b.limits.Bytes - b.limits.Overhead
	if b.pending[k] != nil && b.bytes[k]+n > room {
		if err := b.send(k); err != nil {
			return err
		}
	}
	p := b.pending[k]
	if p == nil {
		p = &importer.Batch{Key: k, Rows: make([]int, 0, b.size), Leads: make([]marketo.Lead, 0, b.size)}
		b.pending[k] = p
	}
	p.Rows = append(p.Rows, row)
	p.Leads = append(p.Leads, lead)
	if status != "" {
		if p.Statuses == nil {
			p.Statuses = map[int]string{}
		}
		p.Statuses[row] = status
	}
	b.bytes[k] += n
	// A lead over the cap on its own goes alone: Marketo's answer (413)
	// then fails that row only.
	if len(p.Leads) >= b.size || b.bytes[k] >= room {
		return b.send(k)
	}
	return nil
}

// Flush emits every partly filled batch, in key order (Id, then
// ForeignSysPersonId, then Email).
func (b *Batcher) Flush() error {
	for k := range b.pending {
		if b.pending[k] != nil {
			if err := b.send(marketo.KeyKind(k)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *Batcher) send(k marketo.KeyKind) error {
	p := b.pending[k]
	b.pending[k] = nil
	b.bytes[k] = 0
	p.Seq = b.seq
	b.seq++
	return b.emit(*p)
}

// Batches returns how many batches have been emitted so far.
func (b *Batcher) Batches() int { return b.seq }
