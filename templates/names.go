package templates

import (
	"strings"
	"unicode"
)

// familyFirst are the languages that write the family name before the given name: Chinese,
// Japanese, Korean, Hungarian and Vietnamese (CLDR personNames, "surname-first" order).
var familyFirst = map[string]bool{"zh": true, "ja": true, "ko": true, "hu": true, "vi": true}

// DisplayName is a customer's full name as people of the locale write it: "Anna Sample" in
// English, "Nagy Anna" in Hungarian, "杨芳" in Chinese. It is the one place that orders names,
// for the templates' fullName function and for the display name of the To: header, so that
// a Chinese customer is not greeted 杨芳 in the body and addressed "芳 杨" on the envelope.
//
// The order is family name first for the locales of familyFirst, and also for a name written
// wholly in Han, kana or Hangul whatever the locale, as CLDR infers a name's own locale from
// its script: 王芳 stays 王芳 in an English email. Han, kana and Hangul names are joined
// without a space; any other pair with one. Either part may be empty; blanks are trimmed.
func DisplayName(first, last, locale string) string {
	return displayName(first, last, newLang(locale).base)
}

// displayName is DisplayName for a language already parsed ("zh").
func displayName(first, last, base string) string {
	first, last = strings.TrimSpace(first), strings.TrimSpace(last)
	switch {
	case first == "":
		return last
	case last == "":
		return first
	}
	cjk := isCJKName(first) && isCJKName(last)
	if !cjk && !familyFirst[base] {
		return first + " " + last
	}
	if cjk {
		return last + first
	}
	return last + " " + first
}

// isCJKName reports a name made of Han, Hiragana, Katakana or Hangul letters (with the
// middle dots and marks such names carry), which is written without spaces between its parts.
func isCJKName(s string) bool {
	letters := 0
	for _, r := range s {
		switch {
		case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul):
			letters++
		case r == '・' || r == '·' || r == 'ー' || unicode.IsMark(r):
		default:
			return false
		}
	}
	return letters > 0
}
