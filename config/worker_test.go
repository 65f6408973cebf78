package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestWorkerGOGCZeroOrAbsentMeansTheDefault(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct {
		name, yaml string
		env        []string
		want       int
	}{
		{"absent", "worker: {concurrency: 4}\n", nil, DefaultGOGC},
		{"zero in the file", "worker: {gogc: 0}\n", nil, DefaultGOGC},
		{"zero in the environment", "worker: {gogc: 150}\n", []string{"RAPPORT_WORKER_GOGC=0"}, DefaultGOGC},
		{"leave the runtime alone", "worker: {gogc: -1}\n", nil, -1},
		{"a percentage", "worker: {gogc: 800}\n", nil, 800},
		{"the environment wins over the file", "worker: {gogc: 800}\n", []string{"RAPPORT_WORKER_GOGC=200"}, 200},
	} {
		c, err := Load(writeFile(t, dir, strings.ReplaceAll(tc.name, " ", "-")+".yaml", tc.yaml), tc.env)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if c.Worker.GOGC != tc.want {
			t.Errorf("%s: gogc = %d, want %d", tc.name, c.Worker.GOGC, tc.want)
		}
	}
}

func TestWorkerMemoryLimitIsASizeWithABinaryUnit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c, err := Load(writeFile(t, dir, "rapport.yaml", "worker:\n  memory_limit: 512MiB\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Worker.MemoryLimit != 512<<20 || c.Worker.MemoryLimit.String() != "512MiB" {
		t.Errorf("memory_limit = %d (%s), want 512MiB", c.Worker.MemoryLimit, c.Worker.MemoryLimit)
	}
	c, err = Load(writeFile(t, dir, "bytes.yaml", "worker: {memory_limit: 1073741824}\n"), []string{"RAPPORT_WORKER_MEMORY_LIMIT="})
	if err != nil {
		t.Fatal(err)
	}
	if c.Worker.MemoryLimit.String() != "1GiB" {
		t.Errorf("memory_limit = %s, want 1GiB", c.Worker.MemoryLimit)
	}
}

func TestWorkerGCSettingsErrorsArePositioned(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{
			name: "a decimal unit is refused while decoding",
			yaml: "worker:\n  memory_limit: 512MB\n",
			want: []string{`rapport.yaml:2:17: worker.memory_limit: invalid size "512MB" (want e.g. 512MiB or 2GiB; units B, KiB, MiB, GiB, TiB)`},
		},
		{
			name: "a negative gogc other than -1 and a limit without its unit",
			yaml: "worker:\n  gogc: -50\n  memory_limit: 512\n",
			want: []string{
				`rapport.yaml:2:9: worker.gogc: must be a percentage, 0 for the default (400) or -1 to leave the Go runtime alone, got -50`,
				`rapport.yaml:3:17: worker.memory_limit: 512B is below 16MiB: the worker would spend its time collecting garbage (write the unit, e.g. 512MiB)`,
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			_, err := Load(writeFile(t, dir, "rapport.yaml", tc.yaml), nil)
			if got := errorLines(err, dir); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestParseSize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want Size
		str  string
	}{
		{"512MiB", 512 << 20, "512MiB"},
		{"2GiB", 2 << 30, "2GiB"},
		{"1536MiB", 1536 << 20, "1536MiB"},
		{"64KiB", 64 << 10, "64KiB"},
		{"1TiB", 1 << 40, "1TiB"},
		{" 256 MiB ", 256 << 20, "256MiB"},
		{"1000B", 1000, "1000B"},
		{"1048576", 1 << 20, "1MiB"},
		{"", 0, "none"},
		{"none", 0, "none"},
	} {
		got, err := ParseSize(tc.in)
		if err != nil || got != tc.want || got.String() != tc.str {
			t.Errorf("ParseSize(%q) = %d (%s), %v; want %d (%s)", tc.in, got, got, err, tc.want, tc.str)
		}
	}
	for _, in := range []string{"512MB", "1.5GiB", "-1MiB", "MiB", "lots", "9999999999TiB", "512mib"} {
		if got, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) = %s, want an error", in, got)
		}
	}
}
