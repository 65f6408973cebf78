package config

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// dirSpec is one directory of a Set and whether the operator named it.
type dirSpec struct {
	key      string // "dirs.campaigns", for errors about the directory itself
	path     string
	explicit bool
}

// loader accumulates a Set and every problem found while reading it.
type loader struct {
	cfg  *Config
	set  *Set
	errs ErrorList
	// needSender: the configuration is the operator's, so a marketing campaign without
	// email.sender_address is an error (LoadSet). LoadDir lints content with the default
	// configuration, which has no address to check.
	needSender bool
}

// LoadSet reads the campaigns, segments and holidays of the configuration's directories
// (relative to rapport.yaml; nil means the defaults). A missing directory is fine unless the
// configuration names it.
//
// Every problem of every file is reported in the returned ErrorList, and the Set is returned
// all the same: it holds whatever could be read, including campaigns with problems, so that
// lint can go on to check their templates. A Set that came with an error must not be run.
func LoadSet(cfg *Config) (*Set, error) {
	if cfg == nil {
		cfg = Default()
	}
	dir := func(key, path string) dirSpec {
		return dirSpec{key: key, path: cfg.Dir(path), explicit: cfg.origin.explicit(key)}
	}
	return loadSet(cfg, true,
		dir("dirs.campaigns", cfg.Dirs.Campaigns),
		dir("dirs.segments", cfg.Dirs.Segments),
		dir("dirs.templates", cfg.Dirs.Templates),
		dir("dirs.holidays", cfg.Dirs.Holidays))
}

// LoadDir reads a directory holding campaigns/, segments/, templates/ and holidays/, as
// `rapport lint DIR` checks it, with the default configuration. Subdirectories may be
// missing, but not all of them: that is most likely the wrong directory.
func LoadDir(dir string) (*Set, error) {
	empty := &Set{Segments: map[string]*Segment{}}
	fi, err := os.Stat(dir)
	var pe *fs.PathError
	switch {
	case errors.Is(err, fs.ErrNotExist) || (err == nil && !fi.IsDir()):
		return empty, ErrorList{{File: dir, Msg: "not a directory"}}
	case errors.As(err, &pe):
		return empty, ErrorList{{File: dir, Msg: pe.Err.Error()}}
	case err != nil:
		return empty, ErrorList{{File: dir, Msg: err.Error()}}
	}
	names := []string{"campaigns", "segments", "templates", "holidays"}
	found := slices.ContainsFunc(names, func(n string) bool {
		fi, err := os.Stat(filepath.Join(dir, n))
		return err == nil && fi.IsDir()
	})
	if !found {
		return empty, ErrorList{{File: dir, Msg: "holds none of campaigns/, segments/, templates/, holidays/"}}
	}
	specs := make([]dirSpec, len(names))
	for i, n := range names {
		specs[i] = dirSpec{key: "dirs." + n, path: filepath.Join(dir, n)}
	}
	return loadSet(Default(), false, specs[0], specs[1], specs[2], specs[3])
}

func loadSet(cfg *Config, needSender bool, campaigns, segments, templates, holidays dirSpec) (*Set, error) {
	l := &loader{cfg: cfg, set: &Set{Segments: map[string]*Segment{}, Templates: templates.path}, needSender: needSender}
	l.checkDir(templates)
	// Segments first: campaigns refer to them.
	for _, f := range l.files(segments) {
		l.loadSegment(f)
	}
	for _, f := range l.files(holidays) {
		l.loadHolidays(f)
	}
	for _, f := range l.files(campaigns) {
		l.loadCampaign(f)
	}
	l.reportDuplicateCampaigns()
	slices.SortStableFunc(l.set.Campaigns, func(a, b *Campaign) int {
		return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(a.File, b.File))
	})
	return l.set, l.errs.Err()
}

// checkDir reports an explicitly configured directory that is not there. It says whether
// the directory exists.
func (l *loader) checkDir(d dirSpec) bool {
	fi, err := os.Stat(d.path)
	switch {
	case err == nil && fi.IsDir():
		return true
	case err == nil:
		l.dirError(d, "%s is not a directory", d.path)
	case errors.Is(err, fs.ErrNotExist):
		if d.explicit {
			l.dirError(d, "directory %s does not exist", d.path)
		}
	default:
		l.dirError(d, "%v", err)
	}
	return false
}

// dirError reports a problem with a directory at the place the configuration names it.
func (l *loader) dirError(d dirSpec, format string, args ...any) {
	k := &configChecker{c: l.cfg}
	k.errorf(d.key, format, args...)
	l.errs = append(l.errs, k.errs...)
}

// files lists the YAML files under a directory, in lexical order, skipping hidden files and
// directories (editor backups, .git).
func (l *loader) files(d dirSpec) []string {
	if !l.checkDir(d) {
		return nil
	}
	var out []string
	err := filepath.WalkDir(d.path, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			l.errs = append(l.errs, Error{File: path, Msg: err.Error()})
			return nil
		}
		if path != d.path && strings.HasPrefix(e.Name(), ".") {
			if e.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if ext := filepath.Ext(path); !e.IsDir() && (ext == ".yaml" || ext == ".yml") {
			out = append(out, path)
		}
		return nil
	})
	if err != nil {
		l.errs = append(l.errs, Error{File: d.path, Msg: err.Error()})
	}
	return out
}

// readDoc reads and parses one file. body is nil when there is nothing to decode; the
// problem, if any, is already reported.
func (l *loader) readDoc(file string) (*doc, ast.Node) {
	data, err := readYAML(file)
	if err != nil {
		l.errs = append(l.errs, Error{File: file, Msg: readError(err)})
		return nil, nil
	}
	d, body := parseDoc(file, data)
	if body == nil && len(d.errs) == 0 {
		d.errs.add(file, Pos{Line: 1, Col: 1}, "", "empty file")
	}
	if body != nil {
		d.root = posOf(body)
	}
	if body == nil {
		l.errs = append(l.errs, d.errs...)
	}
	return d, body
}

func (l *loader) loadCampaign(file string) {
	d, body := l.readDoc(file)
	if body == nil {
		return
	}
	c := &Campaign{}
	d.decode(body, reflect.ValueOf(c).Elem(), "")
	if !d.isMapping(body) {
		l.errs = append(l.errs, d.errs...)
		return
	}
	c.File = file
	c.Pos = d.root
	if s, ok := d.spots["id"]; ok {
		c.Pos = s.Value
	}
	checkCampaign(d, c, l.set.Segments, l.cfg.DefaultTimezone)
	if l.needSender {
		l.checkSender(d, c)
	}
	l.errs = append(l.errs, d.errs...)
	if c.ID != "" {
		l.set.Campaigns = append(l.set.Campaigns, c)
	}
}

// checkSender reports a marketing campaign that may send email while rapport.yaml gives no
// postal address for its footer: CAN-SPAM requires one in every commercial email, and a
// footer that renders {{.Sender.Address}} as nothing would break the law silently.
func (l *loader) checkSender(d *doc, c *Campaign) {
	if c.Transactional || !slices.Contains(c.Channels, ChannelEmail) || strings.TrimSpace(l.cfg.Email.SenderAddress) != "" {
		return
	}
	d.errorAt("channels", "the campaign sends marketing email, which must carry the sender's postal address "+
		"(CAN-SPAM): set email.sender_address in rapport.yaml (or RAPPORT_EMAIL_SENDER_ADDRESS), "+
		"or mark the campaign transactional: true")
}

// reportDuplicateCampaigns names every file of a duplicated campaign id, each pointing at the
// others: either may be the one to rename.
func (l *loader) reportDuplicateCampaigns() {
	byID := map[string][]*Campaign{}
	for _, c := range l.set.Campaigns {
		byID[c.ID] = append(byID[c.ID], c)
	}
	for id, cs := range byID {
		if len(cs) < 2 {
			continue
		}
		for _, c := range cs {
			var others []string
			for _, o := range cs {
				if o != c {
					others = append(others, fmt.Sprintf("%s:%d:%d", o.File, o.Pos.Line, o.Pos.Col))
				}
			}
			l.errs.add(c.File, c.Pos, "id", "duplicate campaign id %q (also in %s)", id, strings.Join(others, ", "))
		}
	}
}

func (l *loader) loadSegment(file string) {
	d, body := l.readDoc(file)
	if body == nil {
		return
	}
	s := &Segment{}
	d.decode(body, reflect.ValueOf(s).Elem(), "")
	if !d.isMapping(body) {
		l.errs = append(l.errs, d.errs...)
		return
	}
	s.File = file
	s.Pos = d.root
	if sp, ok := d.spots["id"]; ok {
		s.Pos = sp.Value
	}
	if checkID(d, "id", s.ID, idPattern, "lower-case letters, digits and dashes") {
		if first := l.set.Segments[s.ID]; first != nil {
			d.errorAt("id", "duplicate segment id %q (also in %s:%d:%d)", s.ID, first.File, first.Pos.Line, first.Pos.Col)
			d.errs.add(first.File, first.Pos, "id", "duplicate segment id %q (also in %s:%d:%d)", s.ID, file, s.Pos.Line, s.Pos.Col)
		} else {
			l.set.Segments[s.ID] = s
		}
	}
	if s.Where == nil {
		d.errorAt("where", "required: the condition customers of the segment meet")
	}
	checkCondition(d, "where", s.Where)
	l.errs = append(l.errs, d.errs...)
}

// holidayFile is the layout of holidays/*.yaml.
type holidayFile struct {
	Holidays []*Holiday `yaml:"holidays"`
}

func (l *loader) loadHolidays(file string) {
	d, body := l.readDoc(file)
	if body == nil {
		return
	}
	var hf holidayFile
	d.decode(body, reflect.ValueOf(&hf).Elem(), "")
	if !d.isMapping(body) {
		l.errs = append(l.errs, d.errs...)
		return
	}
	if !d.written("holidays") && len(d.errs) == 0 {
		d.errorAt("holidays", "required: a list of holidays")
	}
	for i, h := range hf.Holidays {
		if h == nil {
			continue // an empty entry, already reported
		}
		h.File = file
		l.checkHoliday(d, fmt.Sprintf("holidays[%d]", i), h)
	}
	l.errs = append(l.errs, d.errs...)
}

func (l *loader) checkHoliday(d *doc, p string, h *Holiday) {
	if checkID(d, p+".id", h.ID, holidayPattern, "lower-case letters, digits and underscores") {
		for _, o := range l.set.Holidays {
			if o.ID == h.ID {
				d.errorAt(p+".id", "duplicate holiday id %q (also in %s:%d:%d)", h.ID, o.File, o.Pos.Line, o.Pos.Col)
				return
			}
		}
		l.set.Holidays = append(l.set.Holidays, h)
	}
	if strings.TrimSpace(h.Name) == "" {
		d.errorAt(p+".name", "required")
	}
	for j, c := range h.Countries {
		if !countryCode.MatchString(c) {
			d.errorAt(fmt.Sprintf("%s.countries[%d]", p, j), "%q is not an ISO 3166 alpha-2 code such as DE", c)
		}
	}
	switch {
	case h.Date == "" && len(h.Dates) == 0:
		d.errorAt(p, "needs date (MM-DD, every year) or dates (a list of YYYY-MM-DD)")
	case h.Date != "" && len(h.Dates) > 0:
		d.errorAt(p+".dates", "set date or dates, not both")
	case h.Date != "":
		if _, _, err := ParseMonthDay(h.Date); err != nil {
			d.errorAt(p+".date", "%v", err)
		}
	}
	for j, s := range h.Dates {
		dp := fmt.Sprintf("%s.dates[%d]", p, j)
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			d.errorAt(dp, "invalid date %q (want YYYY-MM-DD)", s)
		} else if slices.Index(h.Dates, s) < j {
			d.errorAt(dp, "%s is listed twice", s)
		}
	}
}

// ParseMonthDay parses a yearly date "MM-DD"; 02-29 is valid (it falls only in leap years).
func ParseMonthDay(s string) (time.Month, int, error) {
	t, err := time.Parse("01-02-2006", s+"-2000") // 2000 is a leap year
	if err != nil || len(s) != 5 {
		return 0, 0, fmt.Errorf("invalid date %q (want MM-DD)", s)
	}
	return t.Month(), t.Day(), nil
}
