package templates

import (
	"errors"
	"fmt"
	htmltemplate "html/template"
	"regexp"
	"strconv"
	"strings"
)

// Error is one problem in a template file, or in a campaign's use of templates. It formats as
// "file:line:col: message", leaving out what is unknown, like the errors of package config.
type Error struct {
	File      string
	Line, Col int
	Msg       string
	// Err is the underlying error, when there is one.
	Err error
}

// Error formats "file:line:col: message".
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
			if e.Col > 0 {
				fmt.Fprintf(&b, ":%d", e.Col)
			}
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// ErrorList is every problem found by Load, one per broken file.
type ErrorList []*Error

// Error formats one problem per line.
func (l ErrorList) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// ErrNotFound is returned (wrapped) when a campaign names a template file that does not exist.
var ErrNotFound = errors.New("template file not found")

// templatePos matches what text/template and html/template put in front of their messages
// once their "template: " or "html/template:" prefix is gone: the template name, a line and
// sometimes a column. Parse errors carry only a line; execution errors a line and a column.
var templatePos = regexp.MustCompile(`(?s)^(.*?):(\d+)(?::(\d+))?: (.*)$`)

// positionError turns an error of text/template or html/template into an *Error whose File
// is the template's name (a file path, or "email subject" for inline templates), so messages
// read "templates/thank-you/gold.html:3:14: ..." rather than "template: ...".
func positionError(err error) *Error {
	msg := err.Error()
	var he *htmltemplate.Error
	if errors.As(err, &he) {
		msg = strings.TrimPrefix(msg, "html/template:")
	}
	msg = strings.TrimPrefix(msg, "template: ")
	m := templatePos.FindStringSubmatch(msg)
	if m == nil {
		return &Error{Msg: msg, Err: err}
	}
	line, _ := strconv.Atoi(m[2])
	col, _ := strconv.Atoi(m[3])
	// Execution errors name the template twice ("a.html:3:14: executing "a.html" at <.X>");
	// once is enough when it is the file itself.
	text := strings.TrimPrefix(m[4], `executing "`+m[1]+`" `)
	return &Error{File: m[1], Line: line, Col: col, Msg: text, Err: err}
}
