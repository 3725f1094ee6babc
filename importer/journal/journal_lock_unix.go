//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd || solaris

package journal

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// tryLockFile takes an exclusive flock on f, or reports that another open
// file (in this process or another) holds it. flock, unlike fcntl locks,
// belongs to the open file, so a second open in the same process is
// refused too, and closing some other descriptor of the file drops nothing.
func tryLockFile(f *os.File) (busy bool, err error) {
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		switch {
		case err == nil:
			return false, nil
		case errors.Is(err, unix.EWOULDBLOCK):
			return true, nil
		case errors.Is(err, unix.EINTR):
			continue
		}
		return false, err
	}
}

func unlockFile(f *os.File) error { return unix.Flock(int(f.Fd()), unix.LOCK_UN) }
