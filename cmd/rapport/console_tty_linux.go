package main

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// ttyIn reports whether f is a terminal: one whose modes can be read (/dev/null, a
// character device too, is not one).
func ttyIn(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// readHidden prompts on w and reads one line from the terminal f with echo turned off,
// restoring the terminal's mode afterwards.
func readHidden(f *os.File, w io.Writer, prompt string) (string, error) {
	fd := int(f.Fd())
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return "", fmt.Errorf("read the terminal's mode: %w", err)
	}
	quiet := *old
	quiet.Lflag &^= unix.ECHO
	quiet.Lflag |= unix.ICANON | unix.ISIG
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &quiet); err != nil {
		return "", fmt.Errorf("turn echo off: %w", err)
	}
	defer unix.IoctlSetTermios(fd, unix.TCSETS, old) //nolint:errcheck // best effort: nothing to do if it fails
	fmt.Fprint(w, prompt)
	line, err := readPasswordLine(f)
	fmt.Fprintln(w)
	return line, err
}
