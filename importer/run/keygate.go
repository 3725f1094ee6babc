package run

import (
	"context"
	"strings"
	"sync"

	"leadsheet/importer"
	"leadsheet/marketo"
)

// leadKey is one value Marketo may match a lead on.
type leadKey struct {
	kind marketo.KeyKind
	id   int
	v    string
}

// keysOf lists the distinct keys b's leads carry. Emails compare without
// case, as Marketo matches them.
func keysOf(b *importer.Batch) []leadKey {
	seen := make(map[leadKey]bool, len(b.Leads))
	var keys []leadKey
	add := func(k leadKey) {
		if (k.v != "" || k.id != 0) && !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	for _, l := range b.Leads {
		add(leadKey{kind: marketo.KeyID, id: l.ID})
		// Marketo matches a lookup field without regard to case, so the
		// gate does too: serialising a little more is always safe.
		add(leadKey{kind: marketo.KeyForeignSysPersonID, v: strings.ToLower(l.ForeignSysPersonID)})
		add(leadKey{kind: marketo.KeyEmail, v: strings.ToLower(l.Email)})
	}
	return keys
}

// keyGate keeps two batches that share a lead key from being in flight at
// once. Adobe warns that closely timed upserts on one key can create two
// leads with it; Marketo applies the records of one call in order, so rows
// sharing a key are safe in one batch, or in batches sent one after the
// other. Batches enter in sheet order, so a later row never overtakes an
// earlier one with the same key.
type keyGate struct {
	mu       sync.Mutex
	held     map[leadKey]int // batches in flight holding each key
	released chan struct{}   // closed, and replaced, whenever keys are let go
}

func newKeyGate() *keyGate {
	return &keyGate{held: map[leadKey]int{}, released: make(chan struct{})}
}

// enter waits until no batch in flight holds any of keys, then holds them.
// It reports false, holding nothing, when ctx ends or stop closes first.
func (g *keyGate) enter(ctx context.Context, stop <-chan struct{}, keys []leadKey) bool {
	for {
		g.mu.Lock()
		busy := false
		for _, k := range keys {
			if g.held[k] > 0 {
				busy = true
				break
			}
		}
		if !busy {
			for _, k := range keys {
				g.held[k]++
			}
			g.mu.Unlock()
			return true
		}
		wait := g.released
		g.mu.Unlock()
		select {
		case <-wait:
		case <-stop:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// leave lets keys go and wakes whoever waits for them.
func (g *keyGate) leave(keys []leadKey) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, k := range keys {
		if g.held[k]--; g.held[k] <= 0 {
			delete(g.held, k)
		}
	}
	close(g.released)
	g.released = make(chan struct{})
}
