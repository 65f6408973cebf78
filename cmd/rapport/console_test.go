package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.uber.org/zap"
	"golang.org/x/crypto/bcrypt"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/internal/testenv"
)

func TestConsoleHashPasswordPrintsABcryptHashOfStdin(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, input, wantErr string
	}{
		{name: "one line", input: "correct horse battery\n"},
		{name: "no newline", input: "correct horse battery"},
		{name: "crlf", input: "correct horse battery\r\n"},
		{name: "empty", input: "\n", wantErr: "empty password"},
		{name: "short", input: "abc\n", wantErr: "shorter than 8"},
		{name: "too long for bcrypt", input: strings.Repeat("x", 73), wantErr: "longer than 72 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := filepath.Join(t.TempDir(), "password")
			if err := os.WriteFile(p, []byte(tc.input), 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var out, errOut bytes.Buffer
			err = hashPasswordFrom(f, &out, &errOut)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			hash := strings.TrimSpace(out.String())
			if err := bcrypt.CompareHashAndPassword([]byte(hash), []byte("correct horse battery")); err != nil {
				t.Fatalf("hash %q does not match: %v", hash, err)
			}
			if cost, _ := bcrypt.Cost([]byte(hash)); cost < config.MinConsoleBcryptCost {
				t.Errorf("cost %d", cost)
			}
			if errOut.Len() != 0 {
				t.Errorf("stderr = %q, want nothing when stdin is not a terminal", errOut.String())
			}
		})
	}
}

func TestTheAPIRoleServesTheConsoleNextToTheAPI(t *testing.T) {
	r := testenv.NewRedis(t)
	cfg := configWith(t, r, map[string]string{
		"campaigns/thanks.yaml": "id: thanks\ntrigger: {event: Order Completed}\nchannels: [email]\nvariants:\n  - id: a\n    email: {subject: Thanks, html: thanks.html}\n",
		"templates/thanks.html": "<p>Thanks</p>",
	})
	loaded, err := loadConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, err := openApp(context.Background(), loaded, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	srv := httptest.NewServer(a.apiHandler())
	defer srv.Close()
	for path, want := range map[string]int{"/console/login": http.StatusOK, "/healthz": http.StatusOK, "/v1/customers/x": http.StatusUnauthorized} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, want)
		}
		if strings.HasPrefix(path, "/console/") && resp.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("GET %s: no CSP, so not the console", path)
		}
	}
}

// `rapport demo` prints the console's address and a login that works.
func TestDemoPrintsAConsoleLoginThatWorks(t *testing.T) {
	t.Setenv("RAPPORT_LISTEN", freePort(t))
	t.Setenv("RAPPORT_ADMIN_LISTEN", "localhost:0")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out signalBuffer
	done := make(chan error, 1)
	go func() { done <- demoCmd(ctx, "--outbox", t.TempDir())(&out) }()
	m := out.waitFor(t, regexp.MustCompile(`Console on (http://\S+/console/) \(log in as (\S+), password (\S+)\)`), done)
	base, name, pw := m[1], m[2], m[3]

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(base + "login")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	token := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(body)
	if token == nil {
		t.Fatalf("no login form:\n%s", body)
	}
	resp, err = c.PostForm(base+"login", url.Values{"csrf": {string(token[1])}, "name": {name}, "password": {pw}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/" {
		t.Errorf("login with the printed password: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	cancel()
	<-done
}
