// Command rapport is the one binary of Rapport: demo, serve, lint, preview, import and the
// analytics commands. It parses flags and wires packages together; behaviour lives in them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
	_ "time/tzdata" // customers' time zones must resolve even on a system without zoneinfo
)

// command is one subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{
	"demo":       {"run everything in memory with example campaigns and customers; prints the URLs it serves", runDemo},
	"serve":      {"run the api, scheduler and worker roles (all by default)", runServe},
	"lint":       {"validate campaigns, segments, templates and holidays; exit 1 on any problem", runLint},
	"preview":    {"show the decision and the rendered message for one customer; sends nothing", runPreview},
	"simulate":   {"dry-run one occurrence of a campaign over the whole audience; sends nothing", runSimulate},
	"import":     {"load customers and past orders from CSV or JSONL", runImport},
	"init":       {"write a starter project (rapport.yaml, a campaign, templates, a segment) into a new directory", runInit},
	"calendar":   {"list the holidays of a country over the next 12 months, or in a year", runCalendar},
	"predict":    {"customer-base models: fit, one customer's predictions, backtest", runPredict},
	"report":     {"reports on the customer base: loyalty", runReport},
	"deliveries": {"deliveries whose outcome is unknown; --resend after checking the relay", runDeliveries},
	"console":    {"the marketers' web console: hash-password", runConsole},
}

// exitError carries an exit code without printing anything more.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "rapport: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := cmd.run(ctx, args[1:], stdout, stderr)
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ee):
		return ee.code
	}
	fmt.Fprintf(stderr, "rapport %s: %v\n", args[0], err)
	return 1
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Rapport: one-to-one marketing automation.\n\nUsage: rapport COMMAND [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nEvery command takes --config FILE (or RAPPORT_CONFIG). Run 'rapport COMMAND --help' for its flags.")
}

// newFlags returns a flag set with the common --config flag.
func newFlags(name, usageLine string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := fs.String("config", os.Getenv("RAPPORT_CONFIG"), "path of rapport.yaml (env RAPPORT_CONFIG)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: rapport %s\n\nFlags:\n", usageLine)
		fs.PrintDefaults()
	}
	return fs, cfg
}
