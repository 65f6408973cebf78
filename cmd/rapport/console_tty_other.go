//go:build !linux

package main

import (
	"fmt"
	"io"
	"os"
)

// ttyIn reports whether f is a character device.
func ttyIn(f *os.File) bool { return isTerminal(f) }

// readHidden reads one line from f. Only Linux turns echo off (without a new dependency
// for the terminal modes of every system); elsewhere pipe the password in instead.
func readHidden(f *os.File, w io.Writer, prompt string) (string, error) {
	fmt.Fprint(w, "(echo is on: pipe the password in to hide it) "+prompt)
	return readPasswordLine(f)
}
