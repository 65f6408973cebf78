package config

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Error is one problem found in a file or in the environment. File and Line are empty when
// the value did not come from a file (a default, or an environment variable named in Field or
// Msg).
type Error struct {
	File      string
	Line, Col int
	// Field is the key path of the value ("email.smtp_url", "variants[1].id"), or the
	// environment variable that carried it.
	Field string
	Msg   string
}

// Error formats "file:line:col: field: message", leaving out what is unknown.
func (e Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d:%d", e.Line, e.Col)
		}
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ErrorList is every problem found by one load, sorted by file and position. Loaders return
// it whole so that a marketer fixes a file in one round rather than one error at a time.
type ErrorList []Error

// Error formats one problem per line.
func (l ErrorList) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Err returns nil for an empty list and the list otherwise; returning an empty ErrorList as an
// error would make a non-nil error interface.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	l.sort()
	return l
}

// sort orders by file then position; problems at one position keep the order they were found.
func (l ErrorList) sort() {
	slices.SortStableFunc(l, func(a, b Error) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
}

// add appends a problem at a position of a file.
func (l *ErrorList) add(file string, p Pos, field, format string, args ...any) {
	*l = append(*l, Error{File: file, Line: p.Line, Col: p.Col, Field: field, Msg: fmt.Sprintf(format, args...)})
}
