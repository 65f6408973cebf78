package main

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"

	"github.com/rapporthq/rapport/config"
)

// demoConsoleUser gives `rapport demo` a console login: an editor "demo" with a new random
// password, unless rapport.yaml lists console users of its own (then name is ""). The
// password lives only in this process and in what the demo prints.
func demoConsoleUser(cfg *config.Config) (name, password string, err error) {
	if len(cfg.Console.Users) > 0 {
		return "", "", nil
	}
	b := make([]byte, 9)
	rand.Read(b) // never fails (crypto/rand.Read panics on failure since Go 1.24)
	password = base64.RawURLEncoding.EncodeToString(b)
	hash, err := hashPassword(password)
	if err != nil {
		return "", "", err
	}
	cfg.Console.Users = []config.ConsoleUser{{Name: "demo", PasswordHash: hash, Role: config.RoleEditor}}
	return "demo", password, nil
}

// printConsoleLogin says where the console is and, for the demo's own user, how to log in.
func printConsoleLogin(w io.Writer, api, name, password string) {
	if name == "" {
		fmt.Fprintf(w, "Console on http://%s/console/ (the users of rapport.yaml's console.users)\n", api)
		return
	}
	fmt.Fprintf(w, "Console on http://%s/console/ (log in as %s, password %s)\n", api, name, password)
}
