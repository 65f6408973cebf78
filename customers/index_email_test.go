package customers

import (
	"errors"
	"strings"
	"testing"
)

func TestFindByEmailFollowsIdentifyImportAndErase(t *testing.T) {
	b := setup(t)
	csv := "userId,email,first_name\nu1,Jane@Example.org,Jane\nu2,bob@example.org,Bob\n"
	if _, err := Import(b.ctx, b.store, strings.NewReader(csv), "people.csv", ImportOptions{Now: day(3)}); err != nil {
		t.Fatal(err)
	}
	b.apply(t, identify("u3", "m1", day(2), map[string]any{"email": "zoe@example.org"}))
	// u2 changes address: the old one no longer finds anybody.
	b.apply(t, identify("u2", "m2", day(1), map[string]any{"email": "robert@example.org"}))
	if _, err := b.store.Delete(b.ctx, "u3"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		email, want string
	}{
		{"jane@example.org", "u1"},    // imported; the search ignores case
		{"  JANE@EXAMPLE.ORG ", "u1"}, // and surrounding spaces
		{"robert@example.org", "u2"},  // identify's new address
		{"bob@example.org", ""},       // the address it replaced
		{"zoe@example.org", ""},       // erased
		{"nobody@example.org", ""},    // never seen
		{"", ""},                      // empty
	} {
		got, err := b.store.FindByEmail(b.ctx, c.email)
		if c.want == "" {
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("FindByEmail(%q) = %q, %v; want ErrNotFound", c.email, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("FindByEmail(%q) = %q, %v; want %s", c.email, got, err, c.want)
		}
	}
}

// TestFindByEmailReadsNoCustomerIndex proves the search is not a scan: it touches the address
// index and one profile, never the customer index that Page walks.
func TestFindByEmailReadsNoCustomerIndex(t *testing.T) {
	b := setup(t)
	b.apply(t, identify("u1", "m1", day(1), map[string]any{"email": "ann@example.org"}))
	before := b.redis.Client.Info(b.ctx, "commandstats").Val()
	if id, err := b.store.FindByEmail(b.ctx, "ann@example.org"); err != nil || id != "u1" {
		t.Fatalf("%q %v", id, err)
	}
	after := b.redis.Client.Info(b.ctx, "commandstats").Val()
	for _, cmd := range []string{"cmdstat_zrangebylex", "cmdstat_zrange", "cmdstat_scan", "cmdstat_keys"} {
		if count(after, cmd) != count(before, cmd) {
			t.Errorf("FindByEmail ran %s", cmd)
		}
	}
}

// count returns the calls= figure of a command in INFO commandstats ("" when absent).
func count(info, cmd string) string {
	for _, line := range strings.Split(info, "\n") {
		if rest, ok := strings.CutPrefix(line, cmd+":calls="); ok {
			n, _, _ := strings.Cut(rest, ",")
			return n
		}
	}
	return ""
}
