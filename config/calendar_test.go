package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestIslamicOffsetIsReadFromTheFileAndTheEnvironment(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeFile(t, dir, "rapport.yaml", "calendar:\n  islamic_offset: {IR: 1, TR: 0}\n")
	c, err := Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := (CountryDays{"IR": 1, "TR": 0}); !reflect.DeepEqual(c.Calendar.IslamicOffset, want) {
		t.Errorf("islamic_offset = %v, want %v", c.Calendar.IslamicOffset, want)
	}
	c, err = Load(path, []string{"RAPPORT_CALENDAR_ISLAMIC_OFFSET=IR=-1, PK=1"})
	if err != nil {
		t.Fatal(err)
	}
	if want := (CountryDays{"IR": -1, "PK": 1}); !reflect.DeepEqual(c.Calendar.IslamicOffset, want) {
		t.Errorf("islamic_offset from the environment = %v, want %v", c.Calendar.IslamicOffset, want)
	}
	if got := Default().Calendar.IslamicOffset; len(got) != 0 {
		t.Errorf("default islamic_offset = %v, want none", got)
	}
}

func TestIslamicOffsetProblemsAreReportedAtTheirPlace(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, yaml string
		env        []string
		want       []string
	}{
		{
			name: "not a number, duplicate",
			yaml: "calendar:\n  islamic_offset:\n    IR: 1\n    PK: one\n    IR: 1\n",
			want: []string{
				`rapport.yaml:4:9: calendar.islamic_offset.PK: expected a whole number, got "one"`,
				`rapport.yaml:5:5: calendar.islamic_offset.IR: duplicate key (first written at line 3)`,
			},
		},
		{
			name: "out of range, lower case",
			yaml: "calendar:\n  islamic_offset:\n    IR: 3\n    ir: 1\n",
			want: []string{
				`rapport.yaml:3:9: calendar.islamic_offset.IR: 3 days: want -2 to 2 (countries announce the Islamic feasts a day, seldom two, from the Umm al-Qura calendar)`,
				`rapport.yaml:4:9: calendar.islamic_offset.ir: "ir" is not an ISO 3166 alpha-2 code in capitals such as IR`,
			},
		},
		{
			name: "a list instead of a mapping",
			yaml: "calendar:\n  islamic_offset: [IR]\n",
			want: []string{`rapport.yaml:2:19: calendar.islamic_offset: expected a mapping of keys, got a list`},
		},
		{
			name: "environment",
			env:  []string{"RAPPORT_CALENDAR_ISLAMIC_OFFSET=IR"},
			want: []string{`RAPPORT_CALENDAR_ISLAMIC_OFFSET: invalid "IR": want COUNTRY=DAYS, e.g. IR=1`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := writeFile(t, dir, "rapport.yaml", tc.yaml)
			_, err := Load(path, tc.env)
			if got := errorLines(err, dir); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}
