package channels

import (
	"strings"
	"unicode/utf8"
)

// RFC 5322 §2.1.1 allows 998 octets per line; a header line longer than that is refused by
// strict relays (Exchange, Gmail: 5.6.0 / "line too long"), and go-smtp-based ones read it
// while parsing the pipelined commands and answer MAIL FROM with 500. go-mail folds headers
// at 76 characters, but only at spaces: a value with a long run of non-space characters (a
// first name of 10,000 letters from a trait) stays on one line. So Rapport caps what it does
// not need in full and encodes what it must keep in full.

// maxDisplayName caps the recipient's display name, in characters: the longest real names
// are far shorter, and whatever a trait holds beyond it cannot make the To line longer than
// 998 octets (200 characters, quoted or RFC 2047-encoded, plus an address of at most 254).
const maxDisplayName = 200

// maxHeaderWord is the longest run of non-space characters that go-mail's folding can still
// place on a line of its own under its 76-character limit, after "Subject: ".
const maxHeaderWord = 66

// displayName flattens line breaks and runs of spaces to one space (a multi-line name from a
// trait reads as one line) and cuts the name to maxDisplayName characters.
func displayName(name string) string {
	name = strings.Join(strings.Fields(name), " ")
	if utf8.RuneCountInString(name) <= maxDisplayName {
		return name
	}
	n := 0
	for i := range name {
		if n == maxDisplayName {
			return strings.TrimRight(name[:i], " ")
		}
		n++
	}
	return name
}

// subjectValue returns the Subject header's value. A subject that go-mail can write as it is
// goes back unchanged (go-mail Q-encodes non-ASCII text into words of at most 75 characters,
// which fold). Two kinds are encoded here instead, whole, as RFC 2047 encoded words:
//   - one that contains "=?": a mail client would decode a literal "=?utf-8?q?...?=" that a
//     trait or a template produced, and show something else than what was written;
//   - one with a run of non-space characters too long to fold.
//
// go-mail leaves the result alone (it is ASCII) and folds it between the words.
func subjectValue(subject string) string {
	if !strings.Contains(subject, "=?") && !hasLongWord(subject) {
		return subject
	}
	return encodeWords(subject)
}

func hasLongWord(s string) bool {
	run := 0
	for _, r := range s {
		if r == ' ' || r == '\t' {
			run = 0
			continue
		}
		if run++; run > maxHeaderWord {
			return true
		}
	}
	return false
}

// encodeWords encodes s as RFC 2047 Q-encoded UTF-8 words of at most 75 characters, separated
// by spaces. Spaces inside s become "_" within the words, so a decoder (which drops the white
// space between adjacent encoded words) gives back s exactly. Only letters, digits and the
// characters RFC 2047 §5(3) allows in any header are left as they are.
func encodeWords(s string) string {
	const (
		prefix  = "=?utf-8?q?"
		suffix  = "?="
		maxText = 75 - len(prefix) - len(suffix)
	)
	var b strings.Builder
	b.Grow(len(s) * 2)
	word := make([]byte, 0, maxText)
	flush := func() {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(prefix)
		b.Write(word)
		b.WriteString(suffix)
		word = word[:0]
	}
	var enc [4 * 3]byte
	for _, r := range s {
		e := enc[:0]
		switch {
		case r == ' ':
			e = append(e, '_')
		case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!*+-/", r)):
			e = append(e, byte(r))
		default:
			var u [utf8.UTFMax]byte
			for _, c := range u[:utf8.EncodeRune(u[:], r)] {
				e = append(e, '=', "0123456789ABCDEF"[c>>4], "0123456789ABCDEF"[c&15])
			}
		}
		// A character's bytes stay in one word: RFC 2047 §5 forbids splitting one across two.
		if len(word)+len(e) > maxText {
			flush()
		}
		word = append(word, e...)
	}
	if len(word) > 0 || b.Len() == 0 {
		flush()
	}
	return b.String()
}
