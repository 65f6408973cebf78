package console

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/rapporthq/rapport/config"
)

func TestSessionCookieCannotBeForged(t *testing.T) {
	t.Parallel()
	users := map[string]config.ConsoleUser{
		"olga":   {Name: "olga", PasswordHash: "$2a$10$olga", Role: config.RoleViewer},
		"maryam": {Name: "maryam", PasswordHash: "$2a$10$maryam", Role: config.RoleEditor},
	}
	lookup := func(n string) (config.ConsoleUser, bool) { u, ok := users[n]; return u, ok }
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	k, err := newKeys([]string{"s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	good := k.encode(session{User: users["olga"], Expires: now.Add(time.Hour), Nonce: "n1"})
	if s, ok := k.decode(good, lookup, now); !ok || s.User.Name != "olga" || s.User.Role != config.RoleViewer {
		t.Fatalf("a valid session is refused: %+v %v", s, ok)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(good)
	f := strings.Split(string(raw), "|")
	forge := func(parts ...string) string {
		return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, "|")))
	}
	other, _ := newKeys([]string{"another secret"})
	for name, v := range map[string]string{
		"another user, same signature": forge("maryam", f[1], f[2], f[3]),
		"a later expiry":               forge(f[0], "99999999999", f[2], f[3]),
		"signed with another secret":   other.encode(session{User: users["olga"], Expires: now.Add(time.Hour), Nonce: "n1"}),
		"no signature":                 forge(f[0], f[1], f[2], ""),
		"not base64":                   "%%%",
		"too few fields":               forge(f[0], f[1]),
		"a user no longer configured":  k.encode(session{User: config.ConsoleUser{Name: "ghost"}, Expires: now.Add(time.Hour), Nonce: "n"}),
	} {
		if _, ok := k.decode(v, lookup, now); ok {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, ok := k.decode(good, lookup, now.Add(time.Hour)); ok {
		t.Error("accepted at its expiry")
	}
	// A role changed in rapport.yaml ends the session (the editor does not stay one).
	users["olga"] = config.ConsoleUser{Name: "olga", PasswordHash: "$2a$10$olga", Role: config.RoleEditor}
	if _, ok := k.decode(good, lookup, now); ok {
		t.Error("accepted after a change of role")
	}
}

func TestSessionsAndTokensSurviveASecretRotation(t *testing.T) {
	t.Parallel()
	u := config.ConsoleUser{Name: "olga", PasswordHash: "$2a$10$olga", Role: config.RoleViewer}
	lookup := func(n string) (config.ConsoleUser, bool) { return u, n == "olga" }
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	old, _ := newKeys([]string{"old"})
	rotated, _ := newKeys([]string{"new", "old"})
	cookie := old.encode(session{User: u, Expires: now.Add(time.Hour), Nonce: "n1"})
	if _, ok := rotated.decode(cookie, lookup, now); !ok {
		t.Error("a session signed with the old secret is refused after secrets: [new, old]")
	}
	if !rotated.checkCSRF("session", "n1", old.csrf("session", "n1")) {
		t.Error("a CSRF token of the old secret is refused")
	}
	if rotated.checkCSRF("session", "n2", old.csrf("session", "n1")) || rotated.checkCSRF("login", "n1", old.csrf("session", "n1")) {
		t.Error("a CSRF token passes for another session or form")
	}
	if _, err := newKeys(nil); err == nil {
		t.Error("a console without a secret starts")
	}
}
