//go:build race

package sheet

// raceEnabled shrinks the largest read tests under the race detector, which
// slows the XML decoder about twentyfold.
const raceEnabled = true
