package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hibiken/asynqmon"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/rapporthq/rapport/api"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/jobs/refit"
	"github.com/rapporthq/rapport/jobs/schedule"
	"github.com/rapporthq/rapport/jobs/worker"
	"github.com/rapporthq/rapport/results"
)

var osEnviron = os.Environ

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfgPath := newFlags("serve", "serve [--config F] [--roles api,scheduler,worker]", stderr)
	roles := fs.String("roles", "api,scheduler,worker", "comma-separated roles to run")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	format := cfg.Log
	if format == "" {
		format = "json"
	}
	log := newLogger(format)
	defer log.Sync() //nolint:errcheck
	want, err := parseRoles(*roles)
	if err != nil {
		return err
	}
	if want["worker"] {
		worker.TuneRuntime(cfg.Worker.GOGC, int64(cfg.Worker.MemoryLimit), log)
	}
	// Links, unsubscribe tokens and coupon codes are signed with the secret: without one,
	// anybody could unsubscribe anybody or mint coupons.
	if len(cfg.Signing()) == 0 {
		return fmt.Errorf("secret is empty: set secret in rapport.yaml or RAPPORT_SECRET (a long random string)")
	}
	if len(cfg.Keys) == 0 && want["api"] {
		return fmt.Errorf("api_keys is empty: set api_keys in rapport.yaml or RAPPORT_API_KEYS, or the ingest API accepts nobody")
	}
	a, err := openApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	return a.serve(ctx, want, nil)
}

func parseRoles(s string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, r := range strings.Split(s, ",") {
		r = strings.TrimSpace(r)
		switch r {
		case "api", "scheduler", "worker":
			out[r] = true
		case "":
		default:
			return nil, fmt.Errorf("--roles: unknown role %q (api, scheduler, worker)", r)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--roles: no role given")
	}
	return out, nil
}

// serve runs the roles until ctx ends, then stops them in this order, each step waiting for
// the previous one:
//
//  1. the public HTTP listener stops accepting (no new events; requests in flight finish);
//  2. the scheduler stops ticking and releases its lease, and the daily refit trigger stops;
//  3. the worker drains: in-flight sends finish within worker.shutdown_timeout, unfinished
//     tasks go back to their queue (their claims keep them from sending twice);
//  4. the admin listener (/metrics, /monitoring/) stops, so the last counters were scrapable;
//
// and the caller (runServe, demo) then closes the SMTP and SMS pools and Redis (app.Close).
// started, when not nil, is called with the API address once it listens.
func (a *app) serve(ctx context.Context, roles map[string]bool, started func(addr string)) error {
	var svcs lifecycle
	defer svcs.stop(a.log)
	if roles["worker"] {
		h := worker.Handlers{Send: a.deliverer, Batch: a.batcher, Fanout: a.fanout, Refit: refit.Handler{Refitter: a.refitter}}
		w, err := worker.New(a.rdb, worker.Config{
			Concurrency: a.cfg.Worker.Concurrency, ShutdownTimeout: a.cfg.Worker.ShutdownTimeout.D(),
			PollInterval: a.cfg.Worker.PollInterval.D(),
		}, h, a.log)
		if err != nil {
			return err
		}
		if err := w.Start(); err != nil {
			return err
		}
		// Pushed first, stopped after the scheduler and the API: the worker drains last.
		svcs.push("worker", func(context.Context) error { w.Shutdown(); return nil })
		a.log.Info("worker started", zap.Int("concurrency", a.cfg.Worker.Concurrency))
	}
	if roles["scheduler"] {
		sched, err := schedule.NewScheduler(schedule.Config{Catalog: a.catalog, RDB: a.rdb, Enqueue: a.client,
			DefaultTZ: a.cfg.Location(), CatchUp: a.cfg.CatchUp.D(), Log: a.log, Pauses: a.states})
		if err != nil {
			return err
		}
		sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); sched.Run(sctx) }()
		go func() { defer wg.Done(); _ = a.refits.Run(sctx) }() // Run returns nil when sctx ends
		// The scheduler releases its lease when stopped, so another takes over at once.
		svcs.push("scheduler", func(context.Context) error { cancel(); wg.Wait(); return nil })
		a.log.Info("scheduler started; it fires while it holds the lease")
	}
	go a.reloadOnHUP(ctx)

	errc := make(chan error, 2)
	if err := a.serveAdmin(&svcs, errc); err != nil {
		return err
	}
	if roles["api"] {
		addr, err := a.serveHTTP(&svcs, "api", a.cfg.Listen, a.apiLn, a.apiHandler(), errc)
		if err != nil {
			return fmt.Errorf("listen on %s (listen, RAPPORT_LISTEN): %w", a.cfg.Listen, err)
		}
		if started != nil {
			started(addr)
		}
	}
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	a.log.Info("shutting down")
	return runErr
}

// serveHTTP serves h on ln, or on a new listener on addr when ln is nil, until the lifecycle
// stops it; it returns the address it listens on.
func (a *app) serveHTTP(svcs *lifecycle, name, addr string, ln net.Listener, h http.Handler, errc chan<- error) (string, error) {
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", addr); err != nil {
			return "", err
		}
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	a.log.Info(name+" listening", zap.String("addr", ln.Addr().String()))
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("%s listener: %w", name, err)
		}
	}()
	svcs.push(name+" listener", func(ctx context.Context) error {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	})
	return ln.Addr().String(), nil
}

// serveAdmin starts the operations listener of every role (admin_listen): Prometheus metrics,
// so that `--roles worker` processes expose their send counters too, and asynqmon behind the
// API key, read-only unless monitoring.read_only is false. It is stopped after the worker.
func (a *app) serveAdmin(svcs *lifecycle, errc chan<- error) error {
	if a.cfg.AdminListen == "" || a.cfg.AdminListen == "off" {
		return nil
	}
	readOnly := a.cfg.Monitoring.ReadOnly == nil || *a.cfg.Monitoring.ReadOnly
	mon := asynqmon.New(asynqmon.Options{RootPath: "/monitoring", RedisConnOpt: redisConnOpt{a.rdb}, ReadOnly: readOnly})
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.Handler())
	mux.Handle("/monitoring/", api.RequireKey(nil, apiKeys(a.cfg), mon))
	var admin lifecycle
	if _, err := a.serveHTTP(&admin, "admin", a.cfg.AdminListen, a.adminLn, mux, errc); err != nil {
		return fmt.Errorf("listen on %s (admin_listen, RAPPORT_ADMIN_LISTEN): %w", a.cfg.AdminListen, err)
	}
	// The admin listener goes first on the stack: it stops last, after the worker drained.
	svcs.pushBottom(admin.steps...)
	return nil
}

func (a *app) apiHandler() http.Handler {
	var counts api.ResultCounter
	if rs, err := results.New(a.rdb, 0); err == nil { // fails only without a client
		counts = rs
	}
	s := &api.Server{
		Results: counts,
		Ingest:  a.ingester, Customers: predictedCustomers{a.store, a.models}, Keys: apiKeys(a.cfg), Links: a.signer,
		BodyLimit: a.cfg.BodyLimit, Log: a.log, Records: exportReaders(),
		Ready: func(ctx context.Context) error { return a.rdb.Ping(ctx).Err() },
		Runs:  &schedule.Runs{RDB: a.rdb, Catalog: a.catalog}, Reports: a.reports(),
		States:   &api.States{Store: a.states, Known: func(id string) bool { return a.catalog.Load().Set.Campaign(id) != nil }},
		Reload:   func(context.Context) error { return a.reload() },
		Coupons:  a.ledger,
		Tracking: &api.Tracking{Keyring: a.keyring, Hits: a.store, Rules: &a.cfg.Tracking},
		Webhooks: api.Webhooks{PublicURL: a.cfg.PublicURL, TwilioAuthToken: a.cfg.SMS.Twilio.AuthToken,
			StopWords: a.cfg.SMS.StopWords, StartWords: a.cfg.SMS.StartWords, SoftBounceLimit: a.cfg.Email.SoftBounceLimit},
	}
	return a.withConsole(s.Handler())
}

// reloadOnHUP reloads campaigns, segments and templates on SIGHUP; a configuration that does
// not load keeps the previous one running.
func (a *app) reloadOnHUP(ctx context.Context) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			a.reload()
		}
	}
}

// reload loads campaigns, segments, holidays and templates again, and the currency rates of
// rapport.yaml (currency.rates, currency.rates_file, which an operator refreshes); the other
// keys of rapport.yaml need a restart. Whatever it reads, it never takes the process down: a
// configuration that does not load (or a bug while loading it) keeps the previous one.
func (a *app) reload() (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("reload: %v", p)
			a.log.Error("reload failed; keeping the previous campaigns", zap.Error(err))
		}
	}()
	cat, err := loadCatalog(a.cfg)
	if err != nil {
		a.log.Error("reload failed; keeping the previous campaigns", zap.Error(err))
		return err
	}
	a.catalog.Store(cat)
	a.store.SetSendHistory(sendHistory(a.cfg, cat))
	a.log.Info("campaigns reloaded", zap.Int("campaigns", len(cat.Set.Campaigns)))
	if cfg, err := loadConfig(a.cfg.File); err != nil {
		a.log.Error("rapport.yaml does not load; keeping the previous currency rates", zap.Error(err))
	} else {
		a.store.SetMoney(customers.Money{Base: cfg.Currency.Base, Rates: cfg.Currency.Rates})
		a.log.Info("currency rates reloaded", zap.String("base", cfg.Currency.Base), zap.Int("rates", len(cfg.Currency.Rates)))
	}
	return nil
}

// redisConnOpt hands asynqmon the process's own Redis client, so the monitoring UI sees the
// same topology (single, Sentinel, Cluster) as the worker. asynqmon is never closed, so the
// shared client is not closed under the other roles.
type redisConnOpt struct{ c redis.UniversalClient }

func (o redisConnOpt) MakeRedisClient() any { return o.c }
