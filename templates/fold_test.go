package templates

import (
	"strings"
	"testing"

	"github.com/rapporthq/rapport/config"
)

// foldCases hold white space of every kind foldSpace must treat as strings.Fields does:
// ASCII, U+0085 and U+00A0, other Unicode spaces, invalid UTF-8, and "<no value>" runs.
var foldCases = []string{
	"", " ", "Hello", "  Happy  Bench Day,\n\tAnna!  ", "a\u00a0b\u0085c\u2003d\u3000e", "\xff \xfe\x80 x",
	"Спасибо,\n  Анна!", "<no value>", "a<no value>b", "<no <no value>value>", "<no value><no value> x <no value",
	"\v\f\r", "tab\there", "é\u200bé", // a zero-width space is not white space
}

func TestFoldSpaceIsJoinOfFields(t *testing.T) {
	t.Parallel()
	for _, in := range foldCases {
		want := strings.Join(strings.Fields(in), " ")
		if got := string(foldSpace([]byte(in))); got != want {
			t.Errorf("foldSpace(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRemoveAllIsReplaceAll(t *testing.T) {
	t.Parallel()
	for _, in := range foldCases {
		want := strings.ReplaceAll(in, "<no value>", "")
		if got := string(removeAll([]byte(in), noValue)); got != want {
			t.Errorf("removeAll(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzFoldSpaceAndRemoveAll(f *testing.F) {
	for _, in := range foldCases {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if got, want := string(foldSpace([]byte(in))), strings.Join(strings.Fields(in), " "); got != want {
			t.Errorf("foldSpace(%q) = %q, want %q", in, got, want)
		}
		if got, want := string(removeAll([]byte(in), noValue)), strings.ReplaceAll(in, "<no value>", ""); got != want {
			t.Errorf("removeAll(%q) = %q, want %q", in, got, want)
		}
	})
}

func TestSubjectFoldsWhiteSpaceAndDropsMissingKeysOfEveryKind(t *testing.T) {
	t.Parallel()
	s := loadSet(t, map[string]string{
		"a.html": "{{define \"subject\"}}\n  Hi {{.Event.nope}}\u00a0{{.Customer.FirstName}},\n\t{{.Event.name}}!\n{{end}}<p>x</p>",
	})
	d := &Data{Customer: CustomerData{FirstName: "Anna"}, Event: map[string]any{"name": "sale  now"}}
	for _, v := range []*config.Variant{
		emailVariant("", "a.html"),
		emailVariant("  Hi {{.Event.nope}}\u00a0{{.Customer.FirstName}},\n\t{{.Event.name}}! ", "a.html"),
	} {
		m, err := s.Render(v, ChannelEmail, "en", nil, d)
		if err != nil {
			t.Fatal(err)
		}
		if want := "Hi Anna, sale now!"; m.Subject != want {
			t.Errorf("subject = %q, want %q", m.Subject, want)
		}
	}
}
