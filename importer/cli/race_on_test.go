//go:build race

package cli

// raceEnabled: this test binary carries the race detector, which multiplies
// a process's memory and time, so bounds are measured on a child built
// without it.
const raceEnabled = true
