package run

import (
	"sync"

	"leadsheet/importer"
)

// eventQueue hands events to the caller's emit function on a goroutine of
// its own, so a slow consumer never holds up a batch being sent. The queue
// is unbounded, but a run queues only a handful of events per batch.
type eventQueue struct {
	emit func(importer.Event)

	mu     sync.Mutex
	q      []importer.Event
	closed bool
	wake   chan struct{} // capacity 1: a pending wake-up
	done   chan struct{}
}

func newEventQueue(emit func(importer.Event)) *eventQueue {
	e := &eventQueue{emit: emit, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go e.loop()
	return e
}

// push queues ev; it never calls emit itself.
func (e *eventQueue) push(ev importer.Event) {
	e.mu.Lock()
	e.q = append(e.q, ev)
	e.mu.Unlock()
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// close delivers what is queued and waits until emit has seen all of it.
func (e *eventQueue) close() {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
	select {
	case e.wake <- struct{}{}:
	default:
	}
	<-e.done
}

func (e *eventQueue) loop() {
	defer close(e.done)
	for range e.wake {
		for {
			e.mu.Lock()
			batch := e.q
			e.q = nil
			closed := e.closed
			e.mu.Unlock()
			for _, ev := range batch {
				if e.emit != nil {
					e.emit(ev)
				}
			}
			if len(batch) == 0 {
				if closed {
					return
				}
				break
			}
		}
	}
}
