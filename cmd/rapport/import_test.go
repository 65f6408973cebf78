package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rapporthq/rapport/internal/testenv"
)

func TestImportDryRunValidatesWithoutRedis(t *testing.T) {
	// No redis_url: a dry run must not need one. default_region decides how a phone number
	// written without a country code is read, as it does on a real import.
	dir := writeTree(t, map[string]string{
		"rapport.yaml": "secret: s\napi_keys: [k]\nsms: {default_region: DE}\n",
		"good.csv":     "userId,email,phone\n1,a@example.com,030 901820\n2,b@example.com,\n",
		"bad.csv":      "userId,email\n1,a@example.com\n2,not-an-email\n",
	})
	cfg := filepath.Join(dir, "rapport.yaml")
	for _, tc := range []struct {
		file     string
		wantCode int
		wantOut  string
	}{
		{"good.csv", 0, "would import (dry run) good.csv: 2 rows, 2 customers"},
		{"bad.csv", 1, "bad.csv:3: email: is not an email address"},
	} {
		code, out, errOut := runCmd("import", "--config", cfg, "--dry-run", filepath.Join(dir, tc.file))
		if code != tc.wantCode || !strings.Contains(out, tc.wantOut) {
			t.Errorf("%s: exit %d, want %d with %q:\n%s%s", tc.file, code, tc.wantCode, tc.wantOut, out, errOut)
		}
	}
}

func TestImportDryRunWritesNothingToRedis(t *testing.T) {
	r := testenv.NewRedis(t)
	cfg := configWith(t, r, map[string]string{})
	csv := filepath.Join(t.TempDir(), "customers.csv")
	if err := os.WriteFile(csv, []byte("userId,email\n1,a@example.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCmd("import", "--config", cfg, "--dry-run", csv); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if n, _ := r.Client.DBSize(t.Context()).Result(); n != 0 {
		t.Fatalf("a dry run wrote %d keys", n)
	}
}

func TestImportOfAFileWithAnOversizedCellLoadsNothingOrAllOfIt(t *testing.T) {
	r := testenv.NewRedis(t)
	cell := strings.Repeat("c", 300<<10)
	dir := writeTree(t, map[string]string{
		"people.csv":   "userId,firstName,bio\n1,Ann,short\n2,Bob," + cell + "\n",
		"default.yaml": "redis_url: " + r.URL + "\nsecret: s\n",
		"raised.yaml":  "redis_url: " + r.URL + "\nsecret: s\nmax_profile_bytes: 1MiB\nmax_trait_bytes: 512KiB\n",
	})
	csv := filepath.Join(dir, "people.csv")
	code, out, errOut := runCmd("import", "--config", filepath.Join(dir, "default.yaml"), csv)
	if code != 1 || !strings.Contains(out, "people.csv:3: bio: is more than 16384 bytes") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if n, _ := r.Client.Exists(t.Context(), "rp:{c:1}").Result(); n != 0 {
		t.Fatal("the good row of a file with a bad one was loaded")
	}
	code, out, errOut = runCmd("import", "--config", filepath.Join(dir, "raised.yaml"), csv)
	if code != 0 || !strings.Contains(out, "imported people.csv: 2 rows") {
		t.Fatalf("with max_trait_bytes raised: exit %d\n%s%s", code, out, errOut)
	}
}
