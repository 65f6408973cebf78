package config

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// mergeBomb is ten lines whose merge keys name the previous anchor nine times, nested nine
// deep: 9^9 ≈ 387 million mappings once expanded.
func mergeBomb() string {
	var b strings.Builder
	b.WriteString("m0: &m0 {idx: x}\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "m%d: &m%d\n  <<: [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*m%d, ", i-1), 9), ", "))
	}
	b.WriteString("<<: *m9\n")
	return b.String()
}

// Not parallel: TotalAlloc counts the whole process, and the package's parallel tests only
// start once the sequential ones are done, so this one measures its loads alone.
func TestHostileYAMLFailsFastWithSmallMemory(t *testing.T) {
	deep := 100_000
	for _, tc := range []struct {
		name, content string
		want          string // the error line, relative to the test's directory
		maxAlloc      uint64 // bytes allocated by the whole load
	}{
		{"merge-key bomb", mergeBomb(), "campaigns/x.yaml:7:8: aliases and merge keys expand to more than 10000 values", 16 << 20},
		{"flow lists nested 100,000 deep", "id: x\nname: " + strings.Repeat("[", deep) + strings.Repeat("]", deep) + "\n",
			"campaigns/x.yaml:2:70: nested more than 64 levels deep", 128 << 20},
		{"flow mappings nested 100,000 deep", "id: x\nname: " + strings.Repeat("{a: ", deep) + "1" + strings.Repeat("}", deep) + "\n",
			"campaigns/x.yaml:2:259: nested more than 64 levels deep", 192 << 20},
		{"block lists nested 100,000 deep", "id: x\nname: " + strings.Repeat("- ", deep) + "x\n",
			"campaigns/x.yaml:2:133: nested more than 64 levels deep", 64 << 20},
		{"block mappings nested 65 deep", blockNest(65), "campaigns/x.yaml:66:129: nested more than 64 levels deep", 16 << 20},
		{"file over 1 MiB", "id: x\nname: " + strings.Repeat("a", 1<<20) + "\n", "campaigns/x.yaml: read: larger than 1 MiB", 8 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, "campaigns/x.yaml", tc.content)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := LoadDir(dir)
			runtime.ReadMemStats(&after)
			if got := strings.Join(errorLines(err, dir), "\n"); !strings.Contains(got, tc.want) {
				t.Errorf("errors:\n%s\nwant a line starting %q", got, tc.want)
			}
			// The subtests do not call t.Parallel and the test is not parallel (see above), so
			// TotalAlloc counts this load alone.
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > tc.maxAlloc {
				t.Errorf("allocated %d MiB, want at most %d MiB", alloc>>20, tc.maxAlloc>>20)
			}
		})
	}
}

// blockNest writes a campaign nested depth levels deep in block style: the top mapping, and
// under name a mapping of one key per level.
func blockNest(depth int) string {
	var b strings.Builder
	b.WriteString("id: x\nname:\n")
	for i := 1; i < depth; i++ {
		fmt.Fprintf(&b, "%sk:", strings.Repeat("  ", i))
		if i == depth-1 {
			b.WriteString(" 1")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestNestingAndAliasesWithinTheLimitsStillLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// Sixty levels of lists is absurd for a campaign but within the limit: the file is read
	// and the only problem is the type of name.
	writeFile(t, dir, "campaigns/deep.yaml", "id: deep\nname: "+strings.Repeat("[", 60)+strings.Repeat("]", 60)+"\n")
	writeFile(t, dir, "campaigns/deep2.yaml", blockNest(64))
	// One email block shared by 200 variants expands to about 1,000 values.
	var b strings.Builder
	b.WriteString("id: shared\ntrigger: {event: E}\nx-email: &mail {subject: Hi, html: a.html}\nvariants:\n")
	for i := range 200 {
		fmt.Fprintf(&b, "  - {id: v%d, email: *mail}\n", i)
	}
	writeFile(t, dir, "campaigns/shared.yaml", b.String())
	set, got := loadLines(t, dir)
	sameLines(t, got, []string{
		`campaigns/deep.yaml:1:1: trigger: needs one of event, schedule, date or holiday`,
		`campaigns/deep.yaml:1:1: variants: at least one variant is required`,
		`campaigns/deep.yaml:2:7: name: expected text, got a list`,
		`campaigns/deep2.yaml:1:1: trigger: needs one of event, schedule, date or holiday`,
		`campaigns/deep2.yaml:1:1: variants: at least one variant is required`,
		`campaigns/deep2.yaml:3:3: name: expected text, got a mapping`,
		`campaigns/shared.yaml:3:1: x-email: unknown key; expected one of: id, name, trigger, audience, holdout, repeat, channels, window, send_time, priority, limits, on_cap, transactional, tracking, goal, variants, rewards, reward_policy, max_discount, budget, select, explore, channel_select, max_delay`,
	})
	if c := set.Campaign("shared"); c == nil || len(c.Variants) != 200 || c.Variants[199].Email.HTML != "a.html" {
		t.Errorf("shared campaign = %+v", c)
	}
}

func TestConfigurationFileOverOneMiBIsRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := writeFile(t, dir, "rapport.yaml", "# "+strings.Repeat("x", 1<<20)+"\n")
	_, err := Load(p, nil)
	if got := strings.Join(errorLines(err, dir), "\n"); got != "rapport.yaml: larger than 1 MiB: not a configuration file" {
		t.Errorf("err = %q", got)
	}
}
