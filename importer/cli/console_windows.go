//go:build windows

package cli

import (
	"log"
	"os"

	"golang.org/x/sys/windows"
)

// attachParentProcess is ATTACH_PARENT_PROCESS, (DWORD)-1.
const attachParentProcess = ^uint32(0)

// AttachConsole makes a terminal usable for the command-line subcommands.
//
// The Windows release is linked as a GUI program (-H windowsgui) so that
// double-clicking it opens no console window. Windows then gives the process
// no console at all: run from cmd.exe or PowerShell, "leadsheet version" or
// "leadsheet sync" would print nothing. AttachConsole joins the console of the
// parent shell, if there is one, and points whichever of stdin, stdout and
// stderr has no usable handle at it. Handles the shell already redirected to
// a file or pipe are kept, so "leadsheet sync ... > out.txt" still writes to
// the file. Started from Explorer there is no parent console and nothing
// changes. Call it before anything captures os.Stdout or os.Stderr.
func AttachConsole() {
	outOK := usable(windows.STD_OUTPUT_HANDLE)
	errOK := usable(windows.STD_ERROR_HANDLE)
	inOK := usable(windows.STD_INPUT_HANDLE)
	if outOK && errOK && inOK {
		return
	}
	// golang.org/x/sys/windows does not wrap AttachConsole.
	proc := windows.NewLazySystemDLL("kernel32.dll").NewProc("AttachConsole")
	if r, _, _ := proc.Call(uintptr(attachParentProcess)); r == 0 {
		return // no parent console (started from Explorer)
	}
	if !outOK || !errOK {
		if f, err := os.OpenFile("CONOUT$", os.O_RDWR, 0); err == nil {
			if !outOK {
				os.Stdout = f
				_ = windows.SetStdHandle(windows.STD_OUTPUT_HANDLE, windows.Handle(f.Fd()))
			}
			if !errOK {
				os.Stderr = f
				_ = windows.SetStdHandle(windows.STD_ERROR_HANDLE, windows.Handle(f.Fd()))
				// The log package captured the old os.Stderr when it was initialised.
				log.SetOutput(f)
			}
		}
	}
	if !inOK {
		if f, err := os.OpenFile("CONIN$", os.O_RDWR, 0); err == nil {
			os.Stdin = f
			_ = windows.SetStdHandle(windows.STD_INPUT_HANDLE, windows.Handle(f.Fd()))
		}
	}
}

// usable reports whether the standard handle std refers to something that
// can be read or written: a console, file or pipe the parent handed over.
func usable(std uint32) bool {
	h, err := windows.GetStdHandle(std)
	if err != nil || h == 0 || h == windows.InvalidHandle {
		return false
	}
	t, err := windows.GetFileType(h)
	return err == nil && t != windows.FILE_TYPE_UNKNOWN
}
