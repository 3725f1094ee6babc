//go:build race

package importer

// raceEnabled shrinks the largest read tests under the race detector, which
// slows the XML decoder about twentyfold.
const raceEnabled = true
