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
	"syscall"
	"time"

	"github.com/hibiken/asynqmon"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/rapporthq/rapport/api"
	"github.com/rapporthq/rapport/jobs"
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
		jobs.TuneRuntime(cfg.Worker.GOGC, int64(cfg.Worker.MemoryLimit), log)
	}
	// Links, unsubscribe tokens and coupon codes are signed with the secret: without one,
	// anybody could unsubscribe anybody or mint coupons.
	if strings.TrimSpace(cfg.Secret) == "" {
		return fmt.Errorf("secret is empty: set secret in rapport.yaml or RAPPORT_SECRET (a long random string)")
	}
	if len(cfg.APIKeys) == 0 && want["api"] {
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

// serve runs the roles until ctx ends, then shuts down in order: stop accepting HTTP (no new
// events), then stop the worker (in-flight sends finish within the shutdown timeout).
// started, when not nil, is called with the API address once it listens.
func (a *app) serve(ctx context.Context, roles map[string]bool, started func(addr string)) error {
	var worker *jobs.Worker
	if roles["worker"] {
		worker = jobs.NewWorker(a.rdb, jobs.WorkerConfig{
			Concurrency: a.cfg.Worker.Concurrency, ShutdownTimeout: a.cfg.Worker.ShutdownTimeout.D(),
		}, a.deliverer, a.log)
		worker.Handle(jobs.TypeFanout, a.fanout())
		worker.Handle(jobs.TypeBatch, &jobs.Batcher{Deliverer: a.deliverer, Profiles: a.store, RDB: a.rdb, Log: a.log})
		worker.Handle(jobs.TypeRefit, a.refitter)
		if err := worker.Start(); err != nil {
			return err
		}
		a.log.Info("worker started", zap.Int("concurrency", a.cfg.Worker.Concurrency))
	}
	schedDone := make(chan struct{})
	sctx, stopSched := context.WithCancel(ctx)
	if roles["scheduler"] {
		sched := &jobs.Scheduler{Catalog: a.catalog, RDB: a.rdb, Enqueue: a.client, DefaultTZ: a.cfg.Location(),
			CatchUp: a.cfg.CatchUp.D(), Log: a.log}
		go func() { defer close(schedDone); sched.Run(sctx) }()
		go a.refits.Run(sctx) //nolint:errcheck // Run returns nil when sctx ends
		a.log.Info("scheduler started; it fires while it holds the lease")
	} else {
		close(schedDone)
	}
	// The scheduler releases its lease when ctx ends; wait for it, so another takes over at once.
	defer func() { stopSched(); <-schedDone }()
	go a.reloadOnHUP(ctx)

	var srv *http.Server
	errc := make(chan error, 1)
	if roles["api"] {
		handler := a.apiHandler()
		ln, err := net.Listen("tcp", a.cfg.Listen)
		if err != nil {
			if worker != nil {
				worker.Shutdown()
			}
			return fmt.Errorf("listen on %s: %w", a.cfg.Listen, err)
		}
		srv = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
		a.log.Info("api listening", zap.String("addr", ln.Addr().String()))
		if started != nil {
			started(ln.Addr().String())
		}
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}()
	}
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	a.log.Info("shutting down")
	if srv != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = srv.Shutdown(sctx)
		cancel()
	}
	if worker != nil {
		worker.Shutdown()
	}
	return runErr
}

func (a *app) apiHandler() http.Handler {
	mon := asynqmon.New(asynqmon.Options{RootPath: "/monitoring", RedisConnOpt: redisConnOpt{a.rdb}, ReadOnly: false})
	s := &api.Server{
		Ingest: a.ingester, Customers: predictedCustomers{a.store, a.models}, APIKeys: a.cfg.APIKeys, Links: a.signer,
		BodyLimit: a.cfg.BodyLimit, Log: a.log,
		Ready:  func(ctx context.Context) error { return a.rdb.Ping(ctx).Err() },
		Extra:  map[string]http.Handler{"/monitoring/": mon},
		Runs:   &jobs.Runs{RDB: a.rdb, Catalog: a.catalog},
		Reload: func(context.Context) error { return a.reload() },
	}
	return s.Handler()
}

// fanout builds the handler of fan-out tasks on the app's connections.
func (a *app) fanout() *jobs.Fanout {
	return &jobs.Fanout{Catalog: a.catalog, Store: a.store, RDB: a.rdb, Enqueue: a.client,
		DefaultTZ: a.cfg.Location(), CatchUp: a.cfg.CatchUp.D(), Predictor: a.deliverer.Predictor, Log: a.log}
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

func (a *app) reload() error {
	cat, err := loadCatalog(a.cfg)
	if err != nil {
		a.log.Error("reload failed; keeping the previous campaigns", zap.Error(err))
		return err
	}
	a.catalog.Store(cat)
	a.log.Info("campaigns reloaded", zap.Int("campaigns", len(cat.Set.Campaigns)))
	return nil
}

// redisConnOpt hands asynqmon the process's own Redis client, so the monitoring UI sees the
// same topology (single, Sentinel, Cluster) as the worker. asynqmon is never closed, so the
// shared client is not closed under the other roles.
type redisConnOpt struct{ c redis.UniversalClient }

func (o redisConnOpt) MakeRedisClient() any { return o.c }
