package templates

import (
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestLoadReportsEveryBrokenFileWithItsPosition(t *testing.T) {
	t.Parallel()
	dir := writeTemplates(t, map[string]string{
		"ok.html":                "<p>{{.Customer.FirstName}}</p>",
		"a/unclosed.html":        "<p>\n{{.Customer.FirstName</p>",
		"a/bad-if.txt":           "line one\nline two\n{{if}}x{{end}}",
		"b/unknown-func.sms":     "Hi {{shout .Customer.FirstName}}",
		"b/branches.html":        "<p>\n{{if .Reward}}<a href=\"{{end}}\">x</a>",
		"b/missing-partial.html": "<p>x</p>\n\n{{template \"footer\" .}}",
		"_broken-partial.html":   "{{define \"x\"}}{{.A}",
	})
	s, err := Load(dir)
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("Load: %v, want an ErrorList", err)
	}
	want := map[string]string{
		"a/unclosed.html":        `:2: `,
		"a/bad-if.txt":           `:3: missing value for if`,
		"b/unknown-func.sms":     `:1: function "shout" not defined`,
		"b/branches.html":        `:2:`,
		"b/missing-partial.html": `:3:`,
		"_broken-partial.html":   `:1: `,
	}
	if len(list) != len(want) {
		t.Errorf("got %d errors, want %d:\n%v", len(list), len(want), err)
	}
	for rel, pos := range want {
		prefix := filepath.Join(dir, filepath.FromSlash(rel)) + pos
		found := false
		for _, e := range list {
			found = found || strings.HasPrefix(e.Error(), prefix)
		}
		if !found {
			t.Errorf("no error starting with %q in:\n%v", prefix, err)
		}
	}
	if s == nil {
		t.Fatal("Load returned no set along with the errors")
	}
	if _, err := s.Resolve("ok.html", ""); err != nil {
		t.Errorf("the file that parsed is not in the set: %v", err)
	}
	if _, err := s.Resolve("a/unclosed.html", ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("a broken file is in the set: %v", err)
	}
}

func TestLoadMessagesNameFileAndLineOnly(t *testing.T) {
	t.Parallel()
	dir := writeTemplates(t, map[string]string{"x.txt": "{{end}}"})
	_, err := Load(dir)
	if err == nil {
		t.Fatal("no error")
	}
	re := regexp.MustCompile(`^` + regexp.QuoteMeta(filepath.Join(dir, "x.txt")) + `:1: unexpected \{\{end\}\}$`)
	if !re.MatchString(err.Error()) {
		t.Errorf("error %q does not read file:line: message", err)
	}
	if strings.Contains(err.Error(), "template:") {
		t.Errorf("error %q keeps the engine's prefix", err)
	}
}

func TestLoadRejectsSubjectInAPartial(t *testing.T) {
	t.Parallel()
	dir := writeTemplates(t, map[string]string{
		"_layout.html": `{{define "subject"}}Hello{{end}}`,
		"a.html":       "<p>x</p>",
	})
	_, err := Load(dir)
	if err == nil || !strings.Contains(err.Error(), `may not define "subject"`) {
		t.Errorf("got %v, want a complaint about the partial's subject", err)
	}
}

func TestLoadRejectsNamesThatDifferOnlyInCase(t *testing.T) {
	t.Parallel()
	dir := writeTemplates(t, map[string]string{"a.ru.html": "<p>1</p>", "a.RU.html": "<p>2</p>"})
	_, err := Load(dir)
	if err == nil || !strings.Contains(err.Error(), "except for case") {
		t.Errorf("got %v, want a case clash", err)
	}
}

func TestLoadIgnoresOtherFilesAndHiddenDirectories(t *testing.T) {
	t.Parallel()
	dir := writeTemplates(t, map[string]string{
		"README.md":         "{{ not a template",
		"logo.png":          "\x89PNG{{",
		".git/x.html":       "{{broken",
		"a/.draft.html":     "{{broken",
		"a/real.htm":        "<p>ok</p>",
		"a/real.text":       "ok",
		"a/welcome.fr.html": "<p>ok</p>",
	})
	s, err := Load(dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	for _, ref := range []string{"a/real.htm", "a/real.text"} {
		if _, err := s.Resolve(ref, ""); err != nil {
			t.Errorf("%s: %v", ref, err)
		}
	}
}

func TestLoadFailsOnAMissingDirectory(t *testing.T) {
	t.Parallel()
	if _, err := Load(filepath.Join(t.TempDir(), "nope")); err == nil {
		t.Error("no error for a missing directory")
	}
	if _, err := Load("testdata/thank-you/gold.html"); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("a file as root: %v", err)
	}
}

func TestSplitLocaleRecognisesLocaleSuffixes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rel, def, locale string
		ok               bool
	}{
		{"thank-you/gold.ru-RU.html", "thank-you/gold.html", "ru-RU", true},
		{"gold.fa.sms", "gold.sms", "fa", true},
		{"gold.html", "", "", false},
		{"v1.2/gold.html", "", "", false},
		{"gold.v2.html", "", "", false},
	}
	for _, tt := range tests {
		def, locale, ok := splitLocale(tt.rel)
		if def != tt.def || locale != tt.locale || ok != tt.ok {
			t.Errorf("splitLocale(%q) = %q, %q, %v", tt.rel, def, locale, ok)
		}
	}
}
