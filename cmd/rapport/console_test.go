package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
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
