package config

import (
	"reflect"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestConsoleUsersLoad(t *testing.T) {
	t.Parallel()
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), MinConsoleBcryptCost)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := writeFile(t, dir, "rapport.yaml", `console:
  show_pii: true
  users:
    - {name: maryam, password_hash: "`+string(hash)+`", role: editor}
    - {name: olga, password_hash: "`+string(hash)+`", role: viewer}
`)
	c, err := Load(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Console.ShowPII || len(c.Console.Users) != 2 || c.Console.Users[1].Role != RoleViewer {
		t.Fatalf("console = %+v", c.Console)
	}
	if u, ok := c.ConsoleUser("MARYAM"); !ok || u.Role != RoleEditor {
		t.Errorf("ConsoleUser(MARYAM) = %+v, %v", u, ok)
	}
	if r := c.Redacted(); strings.Contains(r.Console.Users[0].PasswordHash, "$2") {
		t.Errorf("Redacted keeps the hash: %q", r.Console.Users[0].PasswordHash)
	}
}

func TestConsoleUserProblemsAreReportedAtTheirPosition(t *testing.T) {
	t.Parallel()
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), MinConsoleBcryptCost)
	if err != nil {
		t.Fatal(err)
	}
	weak, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := writeFile(t, dir, "rapport.yaml", `console:
  users:
    - {name: maryam, password_hash: "plain-password", role: editor}
    - {name: olga, password_hash: "`+string(hash)+`", role: admin}
    - {name: Maryam, password_hash: "`+string(hash)+`", role: viewer}
    - {name: weak, password_hash: "`+string(weak)+`", role: viewer}
    - {name: nobody}
`)
	_, err = Load(p, nil)
	want := []string{
		"rapport.yaml:3:37: console.users[0].password_hash: not a bcrypt hash (crypto/bcrypt: hashedSecret too short to be a bcrypted password): make one with `rapport console hash-password`",
		`rapport.yaml:4:105: console.users[1].role: "admin" is not viewer or editor`,
		`rapport.yaml:5:14: console.users[2].name: "Maryam" is already console.users[0]`,
		`rapport.yaml:6:35: console.users[3].password_hash: bcrypt cost 4 is below 10`,
		"rapport.yaml:7:7: console.users[4].password_hash: required: make one with `rapport console hash-password`",
		`rapport.yaml:7:7: console.users[4].role: required: viewer or editor`,
	}
	if got := errorLines(err, dir); !reflect.DeepEqual(got, want) {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
