//go:build windows

package journal

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// Windows locks keep other handles from reading the bytes they cover, so
// the lock covers one byte far past the holder's note, which a refused run
// must be able to read.
const lockByte = 1 << 40

func lockRange() *windows.Overlapped {
	return &windows.Overlapped{Offset: uint32(lockByte & 0xffffffff), OffsetHigh: uint32(lockByte >> 32)}
}

// tryLockFile takes an exclusive lock on f, or reports that another handle
// (in this process or another) holds it.
func tryLockFile(f *os.File) (busy bool, err error) {
	err = windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, lockRange())
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		return true, nil
	}
	return false, err
}

// unlockFile unlocks before the handle closes: Windows drops the lock of a
// closed handle too, but only "when resources allow".
func unlockFile(f *os.File) error {
	return windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, lockRange())
}
