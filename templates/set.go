package templates

import (
	"cmp"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	texttemplate "text/template"

	"golang.org/x/text/language"
)

// Set holds every template file under a root directory, parsed once at load. It is safe for
// concurrent use.
type Set struct {
	root string
	// files maps the lower-cased slash path under root ("thank-you/gold.ru-ru.html") to the
	// file: locales are matched case-insensitively, so names are too.
	files map[string]*file
	// locales maps the lower-cased default path of a template ("thank-you/gold.html") to the
	// locale suffixes its localised siblings carry ("ru", "ru-RU"), for Check.
	locales map[string][]string
	// inline caches the parsed inline templates of campaigns (subjects, SMS texts), by name
	// and source; campaigns are loaded once, so it holds as many entries as they have texts.
	inline sync.Map
	// resolved caches lookup's answer by (ref, locale): parsing the locale and trying its
	// candidates cost ~3% of a worker's CPU per message when done every time. Files never
	// change after Load, so an answer stays true; at most maxResolved entries are kept, as
	// locales come from customers' profiles.
	resolved  sync.Map // lookupKey -> *file
	nResolved atomic.Int64
}

// lookupKey is a key of Set.resolved.
type lookupKey struct{ ref, locale string }

// maxResolved bounds Set.resolved; past it lookups are computed every time.
const maxResolved = 4096

// kind tells which engine parses a file.
type kind int

const (
	kindHTML kind = iota + 1
	kindText
)

func (k kind) String() string {
	if k == kindHTML {
		return "HTML"
	}
	return "text"
}

// kindOf returns the kind of a file name, or 0 for a file that is not a template.
func kindOf(name string) kind {
	switch strings.ToLower(path.Ext(name)) {
	case ".html", ".htm":
		return kindHTML
	case ".txt", ".text", ".sms":
		return kindText
	}
	return 0
}

// file is one template file.
type file struct {
	rel  string // slash path under root, as on disk
	kind kind
	tmpl *compiled
}

// source is a file read by Load before parsing.
type source struct {
	rel, display string
	kind         kind
	text         string
}

// Load reads and parses every template file under root. When some files fail to parse it
// returns an ErrorList with one entry per broken file (file:line[:col]: message) together with
// a Set of the files that did parse, so that lint can go on and check campaigns against it;
// callers that only serve may treat any error as fatal.
func Load(root string) (*Set, error) {
	info, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("load templates: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("load templates: %s is not a directory", root)
	}
	var srcs []source
	var errs ErrorList
	err = filepath.WalkDir(root, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, &Error{File: p, Msg: err.Error(), Err: err})
			if de != nil && de.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if p != root && strings.HasPrefix(de.Name(), ".") {
			// Editors and VCS leave .swp files and .git directories; they are not templates.
			if de.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if de.IsDir() || kindOf(p) == 0 {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			errs = append(errs, &Error{File: p, Msg: err.Error(), Err: err})
			return nil
		}
		srcs = append(srcs, source{rel: filepath.ToSlash(rel), display: p, kind: kindOf(p), text: string(b)})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load templates from %s: %w", root, err)
	}
	s := &Set{root: root, files: map[string]*file{}, locales: map[string][]string{}}
	b, perrs := parseBases(srcs)
	errs = append(errs, perrs...)
	for _, src := range srcs {
		if isPartial(src.rel) {
			continue
		}
		key := strings.ToLower(src.rel)
		if other, dup := s.files[key]; dup {
			errs = append(errs, &Error{File: src.display, Msg: fmt.Sprintf("same name as %s except for case; "+
				"locales are matched case-insensitively, so keep one", other.rel)})
			continue
		}
		c, err := b.compileFile(src)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s.files[key] = &file{rel: src.rel, kind: src.kind, tmpl: c}
		if def, loc, ok := splitLocale(src.rel); ok {
			k := strings.ToLower(def)
			s.locales[k] = append(s.locales[k], loc)
		}
	}
	if len(errs) > 0 {
		slices.SortStableFunc(errs, func(a, b *Error) int {
			return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
		})
		return s, errs
	}
	return s, nil
}

// isPartial reports whether a file holds shared blocks rather than a message.
func isPartial(rel string) bool { return strings.HasPrefix(path.Base(rel), "_") }

// splitLocale splits "thank-you/gold.ru-RU.html" into "thank-you/gold.html" and "ru-RU" when
// the part before the extension is a BCP 47 tag.
func splitLocale(rel string) (def, locale string, ok bool) {
	ext := path.Ext(rel)
	stem := strings.TrimSuffix(rel, ext)
	i := strings.LastIndexByte(stem, '.')
	if i < 0 || i < strings.LastIndexByte(stem, '/') {
		return "", "", false
	}
	if _, err := language.Parse(stem[i+1:]); err != nil {
		return "", "", false
	}
	return stem[:i] + ext, stem[i+1:], true
}

// localeCandidates lists the locale suffixes to try for a locale, most specific first:
// zh-Hant-TW gives zh-Hant-TW, zh-Hant, zh-TW, zh; zh-TW gives zh-TW, zh-Hant, zh. An empty
// or unparsable locale gives none, which means the default file.
func localeCandidates(locale string) []string {
	locale = strings.TrimSpace(locale)
	if locale == "" {
		return nil
	}
	tag, err := language.Parse(locale)
	if err != nil {
		return nil
	}
	base, script, region := tag.Raw()
	b := base.String()
	if b == "und" {
		return nil
	}
	var sc, rg string
	if script != (language.Script{}) {
		sc = script.String()
	}
	if region != (language.Region{}) {
		rg = region.String()
	}
	var out []string
	switch {
	case sc != "" && rg != "":
		out = append(out, b+"-"+sc+"-"+rg, b+"-"+sc, b+"-"+rg)
	case sc != "":
		out = append(out, b+"-"+sc)
	case rg != "":
		out = append(out, b+"-"+rg)
		// A region implies a script where it matters (zh-TW is written in Hant), so a
		// zh-Hant file serves Taiwan and Hong Kong alike.
		if s, conf := tag.Script(); conf != language.No && s != (language.Script{}) {
			out = append(out, b+"-"+s.String())
		}
	}
	return append(out, b)
}

// cleanRef checks a template path named by a campaign: relative, slash-separated, inside root.
func cleanRef(ref string) (string, error) {
	if ref == "" {
		return "", errors.New("empty template path")
	}
	c := path.Clean(strings.ReplaceAll(ref, `\`, "/"))
	if path.IsAbs(c) || c == ".." || strings.HasPrefix(c, "../") {
		return "", fmt.Errorf("template path %q must be relative to the templates directory", ref)
	}
	return c, nil
}

// lookup finds the file serving ref in locale, trying the locale candidates then the default.
func (s *Set) lookup(ref, locale string) (*file, error) {
	key := lookupKey{ref, locale}
	if f, ok := s.resolved.Load(key); ok {
		return f.(*file), nil
	}
	f, err := s.resolve(ref, locale)
	if err == nil && s.nResolved.Load() < maxResolved {
		if _, loaded := s.resolved.LoadOrStore(key, f); !loaded {
			s.nResolved.Add(1)
		}
	}
	return f, err
}

// resolve is lookup without the cache.
func (s *Set) resolve(ref, locale string) (*file, error) {
	c, err := cleanRef(ref)
	if err != nil {
		return nil, err
	}
	if isPartial(c) {
		return nil, fmt.Errorf("%s is a partial (its name starts with _): name the file that uses it", ref)
	}
	ext := path.Ext(c)
	stem := strings.TrimSuffix(c, ext)
	for _, l := range localeCandidates(locale) {
		if f := s.files[strings.ToLower(stem+"."+l+ext)]; f != nil {
			return f, nil
		}
	}
	if f := s.files[strings.ToLower(c)]; f != nil {
		return f, nil
	}
	return nil, fmt.Errorf("%s in %s: %w", ref, s.root, ErrNotFound)
}

// Resolve returns the path under the root of the file that serves ref for locale, for
// previews that show which translation was used.
func (s *Set) Resolve(ref, locale string) (string, error) {
	f, err := s.lookup(ref, locale)
	if err != nil {
		return "", err
	}
	return f.rel, nil
}

// bases hold the partials every file of a kind is parsed on top of. HTML partials are parsed
// twice: as HTML for bodies and as text for the subject and sms blocks, which may call them.
type bases struct {
	html     *htmltemplate.Template
	htmlText *texttemplate.Template
	text     *texttemplate.Template
}

// parseBases parses the partials. A partial may not define subject or sms: it would override
// the inline subject of every campaign at once, silently.
func parseBases(srcs []source) (*bases, ErrorList) {
	b := &bases{
		html:     htmltemplate.New("").Option("missingkey=zero").Funcs(htmlFuncs(&renderCtx{})),
		htmlText: texttemplate.New("").Option("missingkey=zero").Funcs(textFuncs(&renderCtx{})),
		text:     texttemplate.New("").Option("missingkey=zero").Funcs(textFuncs(&renderCtx{})),
	}
	var errs ErrorList
	for _, src := range srcs {
		if !isPartial(src.rel) {
			continue
		}
		var textBase *texttemplate.Template
		if src.kind == kindHTML {
			if _, err := b.html.New(src.display).Parse(src.text); err != nil {
				errs = append(errs, positionError(err))
				continue
			}
			textBase = b.htmlText
		} else {
			textBase = b.text
		}
		before := definedBlocks(textBase)
		if _, err := textBase.New(src.display).Parse(src.text); err != nil {
			errs = append(errs, positionError(err))
			continue
		}
		for name, ok := range definedBlocks(textBase) {
			if ok && !before[name] {
				errs = append(errs, &Error{File: src.display, Msg: fmt.Sprintf(
					"a partial may not define %q: it would apply to every campaign; define it in the message file", name)})
			}
		}
	}
	return b, errs
}
