package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/rapporthq/rapport/config"
)

// consoleCommands are the subcommands of `rapport console`.
var consoleCommands = map[string]command{
	"hash-password": {"read a password from stdin and print its bcrypt hash for console.users", runConsoleHashPassword},
}

func runConsole(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runSubcommand("console", consoleCommands, ctx, args, stdout, stderr)
}

// runConsoleHashPassword is `rapport console hash-password`: the password is read from
// stdin, without echo when stdin is a terminal (then asked twice), so that it never lands in
// the shell's history or in ps; the hash goes to stdout alone, ready for
// `password_hash:` in rapport.yaml.
func runConsoleHashPassword(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs, _ := newFlags("console hash-password", "console hash-password < password.txt", stderr)
	if err := parseFlagsOnly(fs, args); err != nil {
		return err
	}
	return hashPasswordFrom(os.Stdin, stdout, stderr)
}

// hashPasswordFrom reads the password from in and prints its hash.
func hashPasswordFrom(in *os.File, stdout, stderr io.Writer) error {
	var password string
	if ttyIn(in) {
		first, err := readHidden(in, stderr, "Password: ")
		if err != nil {
			return err
		}
		again, err := readHidden(in, stderr, "Again: ")
		if err != nil {
			return err
		}
		if first != again {
			return errors.New("the two passwords differ")
		}
		password = first
	} else {
		line, err := readPasswordLine(in)
		if err != nil {
			return err
		}
		password = line
	}
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, hash)
	return nil
}

// readPasswordLine reads the first line of r, without its line ending.
func readPasswordLine(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password from stdin: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// hashPassword returns the bcrypt hash of a console password at the cost the console
// requires. bcrypt reads at most 72 bytes, so a longer password is refused rather than
// silently cut.
func hashPassword(password string) (string, error) {
	switch {
	case password == "":
		return "", errors.New("empty password")
	case len(password) < 8:
		return "", errors.New("the password is shorter than 8 characters")
	case len(password) > 72:
		return "", errors.New("the password is longer than 72 bytes, which bcrypt cannot tell apart")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), config.MinConsoleBcryptCost)
	if err != nil {
		return "", fmt.Errorf("hash the password: %w", err)
	}
	return string(h), nil
}
