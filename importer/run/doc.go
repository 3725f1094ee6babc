// Package run sends batches of leads to Marketo: it cuts valid rows into
// batches by count and request size, sends them with bounded concurrency
// inside a shared rate budget, retries passing trouble with backoff, stops
// cleanly on quota, auth or cancel, and reports every row's fate as events
// while it journals each batch. Every row ends in exactly one final state.
package run
