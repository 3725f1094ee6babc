// Package history keeps the record of every import on this machine and
// what an undo needs to take one back.
//
// Each run is a [Run] (a small JSON file, rewritten whole) and, for REST
// runs, a rollback record: an append-only, fsync'd file of what Marketo
// held before each batch and what the batch changed (see [Recorder]),
// read back as a [Rollback]. An undo keeps its own progress beside them
// ([UndoLog]) so a killed undo resumes. Nothing here talks to Marketo,
// and nothing here holds a secret: accounts are named, never their keys.
package history
