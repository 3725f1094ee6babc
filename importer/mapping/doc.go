// Package mapping decides where each column of a sheet goes in a Marketo
// lead: automatic mapping from headers (exact names, synonyms, guesses,
// each with its confidence), saved presets recalled for the same headers,
// and the validator that checks every row against the mapping and the
// instance's field list before anything is sent.
package mapping
