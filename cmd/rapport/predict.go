package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rapporthq/rapport/analytics"
	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/internal/redisconn"
	"github.com/rapporthq/rapport/predict"
)

// predictCommands are the subcommands of `rapport predict`.
var predictCommands = map[string]command{
	"fit":      {"fit BG/NBD and Gamma-Gamma on the customer base (and store the model) or on a summary CSV", runPredictFit},
	"customer": {"show one customer's predictions", runPredictCustomer},
	"backtest": {"fit on a calibration period and compare with what happened after it", runPredictBacktest},
}

func runPredict(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runSubcommand("predict", predictCommands, ctx, args, stdout, stderr)
}

// runSubcommand dispatches `rapport NAME SUB ...` to subs.
func runSubcommand(name string, subs map[string]command, ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		if sub, ok := subs[args[0]]; ok {
			return sub.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "Usage: rapport %s COMMAND [flags]\n\nCommands:\n", name)
	for _, n := range sortedKeys(subs) {
		fmt.Fprintf(stderr, "  %-9s %s\n", n, subs[n].summary)
	}
	switch {
	case len(args) == 0:
		return exitError{2}
	case args[0] == "-h" || args[0] == "--help" || args[0] == "help":
		return flag.ErrHelp
	}
	return fmt.Errorf("unknown command %q", args[0])
}

// parseArgs parses flags placed before or after the positional arguments (`predict customer
// 42 --json` as well as `predict customer --json 42`), which the flag package alone does not.
// parseFlagsOnly parses a command's flags and refuses any other argument.
func parseFlagsOnly(fs *flag.FlagSet, args []string) error {
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		fs.Usage()
		return fmt.Errorf("unexpected argument %q", pos[0])
	}
	return nil
}

func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// parseInstant reads the instant of a flag with config.ParseInstant: RFC 3339, or a date or
// date and time in UTC. UTC rather than the configuration's time zone because the models
// count purchases by UTC day (predict fit's --as-of is "this instant's UTC day"): a date read
// as midnight in Berlin would fall on the UTC day before.
func parseInstant(flagName, s string) (time.Time, error) {
	t, err := config.ParseInstant(s, time.UTC)
	if err != nil {
		return time.Time{}, fmt.Errorf("--%s: %w", flagName, err)
	}
	return t, nil
}

// unitOf returns the --unit flag, or config predict.unit when it is empty.
func unitOf(flagValue string, cfg *config.Config) (predict.Unit, error) {
	if flagValue == "" {
		flagValue = cfg.Predict.Unit
	}
	u, err := predict.ParseUnit(flagValue)
	if err != nil {
		return u, fmt.Errorf("--unit: %w", err)
	}
	return u, nil
}

// openStore connects to the configured Redis for the analytics commands, which read the
// customer base and so need a real one.
func openStore(cfg *config.Config, what string) (redis.UniversalClient, *customers.Store, error) {
	if cfg.RedisURL == "" {
		return nil, nil, fmt.Errorf("%s reads the customers from Redis: set redis_url or RAPPORT_REDIS_URL", what)
	}
	rdb, err := redisconn.Open(cfg.RedisURL)
	if err != nil {
		return nil, nil, err
	}
	return rdb, customers.NewStore(rdb, customerOptions(cfg, nil)), nil
}

// fitOutput is the JSON of `rapport predict fit`: the model (bgnbd, gamma_gamma, customers,
// seconds, ...) and whether it was stored. GammaGamma shadows the model's: null for a CSV
// without monetary_value.
type fitOutput struct {
	*analytics.Model
	GammaGamma *analytics.GammaGammaParams `json:"gamma_gamma"`
	Stored     bool                        `json:"stored"`
}

func runPredictFit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfgPath := newFlags("predict fit", "predict fit [--config F] [--input summary.csv] [--as-of RFC3339|YYYY-MM-DD[THH:MM]] [--unit days|weeks] [--dry-run] [--json]", stderr)
	input := fs.String("input", "", "fit on this CSV of customer_id,frequency,recency,T[,monetary_value] (the lifetimes convention; time in --unit) instead of the customers in Redis; never stored")
	asOfFlag := fs.String("as-of", "", "fit on the purchases up to this instant's UTC day: RFC 3339, or YYYY-MM-DD[THH:MM[:SS]] in UTC (default now)")
	unitFlag := fs.String("unit", "", "time unit of the fit, days or weeks (default config predict.unit)")
	dryRun := fs.Bool("dry-run", false, "fit and print without storing the model")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := parseFlagsOnly(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	mo, err := analytics.ModelOptionsOf(cfg.Predict)
	if err != nil {
		return err
	}
	if mo.Unit, err = unitOf(*unitFlag, cfg); err != nil {
		return err
	}
	asOf := time.Now()
	if *asOfFlag != "" {
		if asOf, err = parseInstant("as-of", *asOfFlag); err != nil {
			return err
		}
	}
	var (
		m      *analytics.Model
		stored bool
	)
	spend := true
	if *input != "" {
		m, spend, err = fitCSV(*input, asOf, mo)
	} else {
		rdb, store, oerr := openStore(cfg, "predict fit")
		if oerr != nil {
			return oerr
		}
		defer rdb.Close()
		rf := &analytics.Refitter{Customers: store, Models: analytics.NewModels(rdb, analytics.ModelsOptions{}), Options: analytics.RefitOptions{ModelOptions: mo}}
		if *dryRun {
			m, err = rf.Fit(ctx, asOf)
		} else {
			m, err = rf.Refit(ctx, asOf)
			stored = err == nil
		}
	}
	if err != nil {
		if m != nil && !*asJSON {
			printFit(stdout, m, false, *input != "")
		}
		return err
	}
	if *asJSON {
		out := fitOutput{Model: m, Stored: stored}
		if spend {
			out.GammaGamma = &m.GammaGamma
		}
		return writeJSON(stdout, out)
	}
	printFit(stdout, m, stored, *input != "")
	return nil
}

// printFit prints a fit for people.
func printFit(w io.Writer, m *analytics.Model, stored, csv bool) {
	bg, gg := m.BGNBD, m.GammaGamma
	fmt.Fprintf(w, "BG/NBD on %d customers, in %s, as of %s:\n  r = %.4f, α = %.4f, a = %.4f, b = %.4f\n  log-likelihood %.4f, %d iterations, converged: %v\n",
		m.Customers, m.Unit, m.AsOf.Format(time.DateOnly), bg.R, bg.Alpha, bg.A, bg.B, bg.LL, bg.Iterations, bg.Converged)
	switch {
	case m.Spend == analytics.SpendOwnMean:
		fmt.Fprintf(w, "Gamma-Gamma refused (%s):\n  CLV values each customer's purchases at their own mean order value\n", m.SpendRefused)
	case gg.Customers > 0:
		fmt.Fprintf(w, "Gamma-Gamma on %d repeat customers:\n  p = %.4f, q = %.4f, γ = %.4f%s\n  log-likelihood %.4f (of the mean spend; %.4f of the total spend), converged: %v\n",
			gg.Customers, gg.P, gg.Q, gg.Gamma, inCurrency(m.SpendCurrency), gg.LL, gg.LLTotalSpend, gg.Converged)
		if len(m.SpendScales) > 1 {
			fmt.Fprintf(w, "  spends normalised per currency (price level against %s):", currencyName(m.SpendCurrency))
			for _, c := range sortedKeys(m.SpendScales) {
				fmt.Fprintf(w, " %s %.4g", currencyName(c), m.SpendScales[c])
			}
			fmt.Fprintln(w)
		}
	}
	fmt.Fprintf(w, "%.3f s (reading %.3f s, %d groups). ", m.Seconds, m.ReadSeconds, m.Groups)
	switch {
	case csv:
		fmt.Fprintln(w, "A fit on a CSV is not stored.")
	case stored:
		fmt.Fprintln(w, "Stored: predictions now come from this model.")
	default:
		fmt.Fprintln(w, "Not stored.")
	}
}

// inCurrency returns " in C" for a named currency, "" otherwise.
func inCurrency(c string) string {
	if c == "" {
		return ""
	}
	return " in " + c
}

// currencyName names the bucket of customers whose orders carry no currency.
func currencyName(c string) string {
	if c == "" {
		return "(none)"
	}
	return c
}

// fitCSV fits on a summary CSV, timing the read too. Without a monetary_value column only
// the BG/NBD is fitted (spend is false).
func fitCSV(path string, asOf time.Time, mo analytics.ModelOptions) (m *analytics.Model, spend bool, err error) {
	start := time.Now()
	f, err := os.Open(path)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	// A CSV's times are arbitrary decimals (2 in lifetimes' files): group them exactly.
	st, err := predict.NewStats(predict.StatsOptions{})
	if err != nil {
		return nil, false, err
	}
	if spend, err = readSummaryCSV(f, path, st); err != nil {
		return nil, false, err
	}
	read := time.Since(start)
	if spend {
		m, err = analytics.FitStats(st, nil, asOf, mo, predict.FitOptions{})
	} else {
		m, err = fitBGNBDOnly(st, asOf, mo.Unit)
	}
	if m != nil {
		m.ReadSeconds = read.Seconds()
		m.Seconds = time.Since(start).Seconds()
		m.FittedAt = time.Now().UTC()
	}
	return m, spend, err
}

// fitBGNBDOnly fits the purchase model alone, for a CSV without spend.
func fitBGNBDOnly(st *predict.Stats, asOf time.Time, unit predict.Unit) (*analytics.Model, error) {
	fit, err := predict.FitBGNBD(st.Groups(), predict.FitOptions{})
	m := &analytics.Model{AsOf: asOf.UTC(), Unit: unit.String(), Customers: st.Customers(), Groups: len(st.Groups()),
		BGNBD: analytics.BGNBDParams{R: fit.Params.R, Alpha: fit.Params.Alpha, A: fit.Params.A, B: fit.Params.B,
			LL: fit.LL, Iterations: fit.Iterations, Converged: fit.Converged}}
	if err != nil {
		return nil, fmt.Errorf("fit on %d customers, refused: %w", st.Customers(), err)
	}
	return m, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// errNoModel is returned by the commands that need a published model.
var errNoModel = errors.New("no model has been fitted yet: run `rapport predict fit` (the scheduler also refits daily, config predict.refit)")

func runPredictCustomer(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfgPath := newFlags("predict customer", "predict customer [--config F] [--at RFC3339|YYYY-MM-DD[THH:MM]] [--json] ID", stderr)
	atFlag := fs.String("at", "", "predict as of this instant: RFC 3339, or YYYY-MM-DD[THH:MM[:SS]] in UTC (default now)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return fmt.Errorf("one customer id is required")
	}
	at := time.Now()
	if *atFlag != "" {
		if at, err = parseInstant("at", *atFlag); err != nil {
			return err
		}
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	rdb, store, err := openStore(cfg, "predict customer")
	if err != nil {
		return err
	}
	defer rdb.Close()
	m, err := analytics.NewModels(rdb, analytics.ModelsOptions{}).Load(ctx)
	if err != nil {
		return err
	}
	if m == nil {
		return errNoModel
	}
	prof, err := store.Get(ctx, pos[0])
	if err != nil {
		return err
	}
	out := customerPrediction(prof, m, at)
	if *asJSON {
		return writeJSON(stdout, out)
	}
	printCustomerPrediction(stdout, out)
	return nil
}

// predictionOutput is the JSON of `rapport predict customer`.
type predictionOutput struct {
	Customer string    `json:"customer"`
	At       time.Time `json:"at"`
	// ModelAsOf and Unit describe the model; the summary's times are in Unit.
	ModelAsOf time.Time `json:"model_as_of"`
	Unit      string    `json:"unit"`
	// Summary is the customer's (x, t_x, T, m) as of At, in the lifetimes convention; nil
	// without a purchase by then.
	Summary *summaryOutput `json:"summary"`
	// Currency is the currency the money amounts are in: the customer's Profile.DaysCurrency,
	// the reporting currency (config currency.base) whenever their orders convert into it.
	Currency string `json:"currency,omitempty"`
	// ExpectedOrderValue is the expected value of a future purchase in Currency
	// (analytics.Model.ExpectedOrderValue).
	ExpectedOrderValue *float64 `json:"expected_order_value"`
	// Predictions are what conditions and templates see; null without a purchase by At.
	Predictions any `json:"predictions"`
}

type summaryOutput struct {
	Frequency     float64 `json:"frequency"`
	Recency       float64 `json:"recency"`
	T             float64 `json:"T"`
	MonetaryValue float64 `json:"monetary_value"`
}

func customerPrediction(prof *customers.Profile, m *analytics.Model, at time.Time) predictionOutput {
	out := predictionOutput{Customer: prof.ID, At: at.UTC(), ModelAsOf: m.AsOf, Unit: m.Unit, Currency: prof.DaysCurrency}
	s, ok := predict.Summarize(prof.Days, at, m.TimeUnit())
	if !ok {
		return out
	}
	out.Summary = &summaryOutput{Frequency: s.X, Recency: s.Tx, T: s.T, MonetaryValue: s.Monetary}
	if v, err := m.ExpectedOrderValue(prof.Days, out.Currency, at); err == nil {
		out.ExpectedOrderValue = &v
	}
	if p, err := m.Predict(prof.Days, out.Currency, at); err == nil {
		out.Predictions = p
	}
	return out
}

func printCustomerPrediction(w io.Writer, o predictionOutput) {
	fmt.Fprintf(w, "customer %s at %s (model as of %s, in %s)\n", o.Customer, o.At.Format(time.RFC3339), o.ModelAsOf.Format(time.DateOnly), o.Unit)
	if o.Summary == nil {
		fmt.Fprintln(w, "  no purchase yet: nothing to predict from")
		return
	}
	s := o.Summary
	fmt.Fprintf(w, "  repeat purchases %.0f, recency %.2f, age %.2f, mean repeat spend %.2f\n", s.Frequency, s.Recency, s.T, s.MonetaryValue)
	if o.ExpectedOrderValue != nil {
		fmt.Fprintf(w, "  expected order value %.2f %s\n", *o.ExpectedOrderValue, o.Currency)
	}
	raw, _ := json.Marshal(o.Predictions)
	var fields map[string]any
	_ = json.Unmarshal(raw, &fields)
	for _, k := range []string{"p_alive", "expected_orders_90d", "clv", "next_order_at", "rfm", "lifecycle"} {
		if v, ok := fields[k]; ok {
			fmt.Fprintf(w, "  %-20s %s\n", strings.ReplaceAll(k, "_", " "), forPeople(v))
		}
	}
}

// forPeople rounds a prediction for reading: two decimals (0.88, not 0.8763962761124754:
// the models are not that precise) and a date for an instant. --json keeps full precision.
func forPeople(v any) string {
	switch v := v.(type) {
	case float64:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case string:
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return t.UTC().Format(time.DateOnly)
		}
		return v
	}
	return fmt.Sprint(v)
}
