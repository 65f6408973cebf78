package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestAudienceSegmentMustBeLoaded(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "campaigns/a.yaml", "id: a\ntrigger: {event: E}\naudience: {segment: loyal}\n"+variantsOK)
	set, got := loadLines(t, dir)
	sameLines(t, got, []string{`campaigns/a.yaml:3:21: audience.segment: unknown segment "loyal" (no segments are loaded)`})
	if set.Campaign("a") == nil {
		t.Error("the campaign is missing from the partial Set")
	}
}

func TestSegmentRules(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// loyal-again.yml comes first in lexical order, so its definition is the one kept.
	writeFile(t, dir, "segments/loyal.yaml", loyalSegment)
	writeFile(t, dir, "segments/loyal-again.yml", "id: loyal\nwhere: customer.orders > 5\n")
	writeFile(t, dir, "segments/no-where.yaml", "id: lapsed\nname: Lapsed\n")
	writeFile(t, dir, "segments/broken.yaml", "id: Big Spenders\nwhere: customer.revenue >\n")
	writeFile(t, dir, "segments/.#loyal.yaml", "not: [yaml") // an editor's lock file
	set, got := loadLines(t, dir)
	sameLines(t, got, []string{
		`segments/broken.yaml:1:5: id: "Big Spenders" must be lower-case letters, digits and dashes`,
		`segments/broken.yaml:2:8: where: unexpected token EOF (column 18 of "customer.revenue >")`,
		`segments/loyal-again.yml:1:5: id: duplicate segment id "loyal" (also in segments/loyal.yaml:1:5)`,
		`segments/loyal.yaml:1:5: id: duplicate segment id "loyal" (also in segments/loyal-again.yml:1:5)`,
		`segments/no-where.yaml:1:1: where: required: the condition customers of the segment meet`,
	})
	if len(set.Segments) != 2 || set.Segments["loyal"].Where.Source != "customer.orders > 5" || set.Segments["lapsed"] == nil {
		t.Errorf("segments = %v", set.Segments)
	}
}

func TestDuplicateCampaignIDNamesBothFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	body := "trigger: {event: E}\n" + variantsOK
	writeFile(t, dir, "campaigns/a.yaml", "id: promo\n"+body)
	writeFile(t, dir, "campaigns/seasonal/b.yml", "name: again\nid: promo\n"+body)
	writeFile(t, dir, "campaigns/c.yaml", "id: other\n"+body)
	set, got := loadLines(t, dir)
	sameLines(t, got, []string{
		`campaigns/a.yaml:1:5: id: duplicate campaign id "promo" (also in campaigns/seasonal/b.yml:2:5)`,
		`campaigns/seasonal/b.yml:2:5: id: duplicate campaign id "promo" (also in campaigns/a.yaml:1:5)`,
	})
	var ids []string
	for _, c := range set.Campaigns {
		ids = append(ids, c.ID+" "+filepath.Base(c.File))
	}
	if want := []string{"other c.yaml", "promo a.yaml", "promo b.yml"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("campaigns = %v, want sorted by id then file: %v", ids, want)
	}
}

func TestHolidaysFileLoads(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := writeFile(t, dir, "holidays/shop.yaml", `holidays:
  - id: shop_birthday
    name: Our shop's birthday
    date: "05-17"
  - id: nowruz_extra
    name: Nowruz (observed)
    countries: [IR, AF]
    dates: ["2025-03-21", "2026-03-21"]
`)
	set, got := loadLines(t, dir)
	sameLines(t, got, nil)
	want := []*Holiday{
		{ID: "shop_birthday", Name: "Our shop's birthday", Date: "05-17", File: file, Pos: Pos{Line: 2, Col: 5}},
		{ID: "nowruz_extra", Name: "Nowruz (observed)", Countries: []string{"IR", "AF"}, Dates: []string{"2025-03-21", "2026-03-21"},
			File: file, Pos: Pos{Line: 5, Col: 5}},
	}
	if !reflect.DeepEqual(set.Holidays, want) {
		t.Errorf("holidays:\n%+v\n%+v\nwant\n%+v\n%+v", set.Holidays[0], set.Holidays[1], want[0], want[1])
	}
}

func TestHolidayRules(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "holidays/a.yaml", "holidays:\n  - {id: day_one, name: Day one, date: \"01-01\"}\n")
	writeFile(t, dir, "holidays/b.yaml", `holidays:
  - {id: day_one, name: Again, date: "01-02"}
  - {id: Bad-Id, countries: [de, DEU], date: "02-30"}
  - {id: both, name: Both, date: "03-01", dates: ["2025-03-01"]}
  - {id: neither, name: Neither}
  - {id: listed, name: Listed, dates: ["2025-13-01", "2025-01-01", "2025-01-01"]}
  -
`)
	writeFile(t, dir, "holidays/c.yaml", "days: []\n")
	_, got := loadLines(t, dir)
	sameLines(t, got, []string{
		`holidays/b.yaml:2:10: holidays[0].id: duplicate holiday id "day_one" (also in holidays/a.yaml:2:5)`,
		`holidays/b.yaml:3:5: holidays[1].name: required`,
		`holidays/b.yaml:3:10: holidays[1].id: "Bad-Id" must be lower-case letters, digits and underscores`,
		`holidays/b.yaml:3:30: holidays[1].countries[0]: "de" is not an ISO 3166 alpha-2 code such as DE`,
		`holidays/b.yaml:3:34: holidays[1].countries[1]: "DEU" is not an ISO 3166 alpha-2 code such as DE`,
		`holidays/b.yaml:3:46: holidays[1].date: invalid date "02-30" (want MM-DD)`,
		`holidays/b.yaml:4:50: holidays[2].dates: set date or dates, not both`,
		`holidays/b.yaml:5:5: holidays[3]: needs date (MM-DD, every year) or dates (a list of YYYY-MM-DD)`,
		`holidays/b.yaml:6:40: holidays[4].dates[0]: invalid date "2025-13-01" (want YYYY-MM-DD)`,
		`holidays/b.yaml:6:68: holidays[4].dates[2]: 2025-01-01 is listed twice`,
		`holidays/b.yaml:7:3: holidays[5]: empty list entry`,
		`holidays/c.yaml:1:1: days: unknown key; expected one of: holidays`,
	})
}

func TestFileProblemsDoNotStopTheOtherFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "campaigns/1-empty.yaml", "# to do\n")
	writeFile(t, dir, "campaigns/2-syntax.yaml", "id: x\ntrigger: {event: E\n")
	writeFile(t, dir, "campaigns/3-two-docs.yaml", "id: two\ntrigger: {event: E}\n"+variantsOK+"---\nid: three\n")
	writeFile(t, dir, "campaigns/4-list.yaml", "- id: x\n")
	writeFile(t, dir, "campaigns/5-good.yaml", "id: good\ntrigger: {event: E}\n"+variantsOK)
	writeFile(t, dir, "campaigns/notes.txt", "not a campaign")
	set, got := loadLines(t, dir)
	sameLines(t, got, []string{
		`campaigns/1-empty.yaml:1:1: empty file`,
		`campaigns/2-syntax.yaml:2:10: invalid YAML: could not find flow mapping end token '}'`,
		`campaigns/3-two-docs.yaml:6:1: a file holds one YAML document; this is a second one`,
		`campaigns/4-list.yaml:1:1: expected a mapping of keys, got a list`,
	})
	var ids []string
	for _, c := range set.Campaigns {
		ids = append(ids, c.ID)
	}
	if !reflect.DeepEqual(ids, []string{"good", "two"}) {
		t.Errorf("campaigns = %v", ids)
	}
}

func TestAnchorsAndMergeKeysShareContent(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "campaigns/a.yaml", `id: a
trigger: {event: E}
variants:
  - &base
    id: one
    email: {subject: Hi, html: a.html}
  - <<: *base
    id: two
  - *base
`)
	set, got := loadLines(t, dir)
	// The third entry repeats id "one": the alias is read as written, and the duplicate is
	// reported where the shared text is.
	sameLines(t, got, []string{`campaigns/a.yaml:5:9: variants[2].id: duplicate variant id "one" (first at line 5:9)`})
	c := set.Campaign("a")
	if len(c.Variants) != 3 || c.Variants[1].ID != "two" || c.Variants[1].Email.HTML != "a.html" {
		t.Errorf("variants = %+v", c.Variants)
	}
}

func TestScheduleWithoutZoneGetsTheDefaultTimezone(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfgPath := writeFile(t, dir, "rapport.yaml", "default_timezone: Europe/Paris\n"+senderOK)
	writeFile(t, dir, "campaigns/a.yaml", "id: a\ntrigger: {schedule: {cron: \"0 10 * * MON\"}}\n"+variantsOK)
	writeFile(t, dir, "campaigns/b.yaml", "id: b\ntrigger: {schedule: {cron: \"@daily\", local: true}}\n"+variantsOK)
	cfg, err := Load(cfgPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	set, err := LoadSet(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if tz := set.Campaign("a").Trigger.Schedule.TZ; tz != "Europe/Paris" {
		t.Errorf("a: tz = %q", tz)
	}
	if tz := set.Campaign("b").Trigger.Schedule.TZ; tz != "" {
		t.Errorf("b is local: tz = %q", tz)
	}
	if c := set.Campaign("a"); c.SendTime != SendTimeExact || !reflect.DeepEqual(c.Channels, []string{"email"}) {
		t.Errorf("defaults: send_time %q channels %v", c.SendTime, c.Channels)
	}
}

func TestDirectoriesMissingByDefaultAreFineButNotWhenConfigured(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "campaigns/a.yaml", "id: a\ntrigger: {event: E}\n"+variantsOK)

	// Defaults: segments/, templates/ and holidays/ are missing, and that is fine.
	cfgPath := writeFile(t, dir, "rapport.yaml", "listen: 127.0.0.1:8080\n"+senderOK)
	cfg, err := Load(cfgPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	set, err := LoadSet(cfg)
	if err != nil || set.Campaign("a") == nil || set.Templates != filepath.Join(dir, "templates") {
		t.Fatalf("set = %+v, err = %v", set, err)
	}

	// Named in the file or the environment: a missing directory is a mistake.
	cfgPath = writeFile(t, dir, "rapport.yaml", "dirs:\n  segments: segs\n  templates: tpl\n"+senderOK)
	cfg, err = Load(cfgPath, []string{"RAPPORT_DIRS_HOLIDAYS=/nonexistent/holidays"})
	if err != nil {
		t.Fatal(err)
	}
	set, err = LoadSet(cfg)
	want := []string{
		`dirs.holidays: directory /nonexistent/holidays does not exist (set by RAPPORT_DIRS_HOLIDAYS)`,
		`rapport.yaml:2:13: dirs.segments: directory segs does not exist`,
		`rapport.yaml:3:14: dirs.templates: directory tpl does not exist`,
	}
	sameLines(t, errorLines(err, dir), want)
	if set.Campaign("a") == nil {
		t.Error("the campaigns still load")
	}
}

func TestLoadDirRefusesADirectoryWithoutAnyOfTheFolders(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct {
		path, want string
	}{
		{filepath.Join(dir, "missing"), filepath.Join(dir, "missing") + ": not a directory"},
		{dir, dir + ": holds none of campaigns/, segments/, templates/, holidays/"},
	} {
		set, err := LoadDir(tc.path)
		if set == nil || err == nil || err.Error() != tc.want {
			t.Errorf("LoadDir(%s) = %v, %v; want %s", tc.path, set, err, tc.want)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "templates"), 0o755); err != nil {
		t.Fatal(err)
	}
	set, err := LoadDir(dir)
	if err != nil || len(set.Campaigns) != 0 || !strings.HasSuffix(set.Templates, "templates") {
		t.Errorf("a directory with only templates/: %+v, %v", set, err)
	}
}
