// Package journal keeps the append-only, fsync'd record of one import's
// batches (sent, answered, cleared, finished), keyed by a versioned
// fingerprint of the file, sheet, mapping and account, and locked per
// import across processes, so a crash or a second Leadsheet never sends a
// confirmed row twice.
package journal
