//go:build !windows

package cli

// AttachConsole makes a terminal usable for the command-line subcommands. Only
// the Windows GUI build starts without one (see console_windows.go); on other
// systems the process always inherits its parent's terminal, so this does
// nothing.
func AttachConsole() {}
