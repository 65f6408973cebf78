package config

import (
	"fmt"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// Console is rapport.yaml's console: who may open the marketers' web console at /console/
// and what they see. Without users the console answers every page with its login form and
// lets nobody in.
type Console struct {
	// Users are the people who may log in. Not settable from the environment.
	Users []ConsoleUser `yaml:"users"`
	// ShowPII shows viewers email addresses and phone numbers in clear; by default a viewer
	// sees them masked (j***@example.com), and only editors see them whole. Default false.
	ShowPII bool `yaml:"show_pii"`
}

// ConsoleUser is one console login.
type ConsoleUser struct {
	Name string `yaml:"name"`
	// PasswordHash is a bcrypt hash ($2a$, $2b$ or $2y$), as `rapport console hash-password`
	// prints it; the password itself is never written in rapport.yaml.
	PasswordHash string `yaml:"password_hash"`
	// Role is viewer (reads every page) or editor (may also pause, resume and simulate).
	Role string `yaml:"role"`
}

// Console roles.
const (
	RoleViewer = "viewer"
	RoleEditor = "editor"
)

// MinConsoleBcryptCost is the lowest bcrypt cost the console accepts: bcrypt's default
// (10), about 60 ms a guess on one core, which is what makes a stolen rapport.yaml slow to
// crack. `rapport console hash-password` uses it.
const MinConsoleBcryptCost = bcrypt.DefaultCost

// checkConsole validates console.users: every hash must be a bcrypt hash, every role
// known and every name given once.
func (k *configChecker) checkConsole() {
	seen := map[string]int{}
	for i, u := range k.c.Console.Users {
		at := func(key string) string { return fmt.Sprintf("console.users[%d].%s", i, key) }
		name := strings.TrimSpace(u.Name)
		switch {
		case name == "":
			k.errorf(at("name"), "required")
		case name != u.Name || strings.ContainsAny(name, "\x00\r\n"):
			k.errorf(at("name"), "%q has surrounding spaces or control characters", u.Name)
		default:
			if first, dup := seen[strings.ToLower(name)]; dup {
				k.errorf(at("name"), "%q is already console.users[%d]", u.Name, first)
			} else {
				seen[strings.ToLower(name)] = i
			}
		}
		if u.PasswordHash == "" {
			k.errorf(at("password_hash"), "required: make one with `rapport console hash-password`")
		} else if cost, err := bcrypt.Cost([]byte(u.PasswordHash)); err != nil {
			k.errorf(at("password_hash"), "not a bcrypt hash (%v): make one with `rapport console hash-password`", err)
		} else if cost < MinConsoleBcryptCost {
			k.errorf(at("password_hash"), "bcrypt cost %d is below %d", cost, MinConsoleBcryptCost)
		}
		switch u.Role {
		case RoleViewer, RoleEditor:
		case "":
			k.errorf(at("role"), "required: viewer or editor")
		default:
			k.errorf(at("role"), "%q is not viewer or editor", u.Role)
		}
	}
}

// ConsoleUser returns the user with this name (compared case-insensitively, as
// checkConsole keeps names unique that way), or false.
func (c *Config) ConsoleUser(name string) (ConsoleUser, bool) {
	for _, u := range c.Console.Users {
		if strings.EqualFold(u.Name, name) {
			return u, true
		}
	}
	return ConsoleUser{}, false
}
