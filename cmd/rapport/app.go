package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/mail"
	"os"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/rapporthq/rapport/analytics"
	"github.com/rapporthq/rapport/campaignstate"
	"github.com/rapporthq/rapport/channels"
	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/internal/redisconn"
	"github.com/rapporthq/rapport/jobs/delivery"
	"github.com/rapporthq/rapport/jobs/refit"
	"github.com/rapporthq/rapport/jobs/schedule"
	"github.com/rapporthq/rapport/jobs/tasks"
	"github.com/rapporthq/rapport/jobs/trigger"
	"github.com/rapporthq/rapport/links"
	"github.com/rapporthq/rapport/results"
	"github.com/rapporthq/rapport/rewards"
	"github.com/rapporthq/rapport/templates"
)

// app holds every wired component of one process.
type app struct {
	cfg       *config.Config
	log       *zap.Logger
	rdb       redis.UniversalClient
	embedded  *miniredis.Miniredis
	store     *customers.Store
	catalog   *delivery.CatalogRef
	claims    *delivery.Claims
	states    *campaignstate.Store // paused campaigns; shared by delivery, scheduler, API and console
	ledger    *rewards.Ledger
	signer    *links.Signer
	keyring   *links.Keyring
	client    *asynq.Client
	email     channels.EmailSender
	sms       channels.SMSSender
	deliverer *delivery.Deliverer
	ingester  *trigger.Ingester
	results   *results.Store
	fanout    *schedule.Fanout
	batcher   *schedule.Batcher
	models    *analytics.Models
	refitter  *analytics.Refitter
	refits    *refit.Schedule
	// apiLn and adminLn, when set before serve, are listeners already open for the api role
	// and the admin listener: the demo listens before it imports, so that a port in use
	// fails at once rather than after the import.
	apiLn, adminLn net.Listener
}

// appOptions are the hooks some commands need on the wired components.
type appOptions struct {
	// observe is called with every final delivery outcome (the demo's summary).
	observe func(p *tasks.SendPayload, out delivery.Outcome)
	// quiet, when set, is the logger of the delivery path (the demo's plays).
	quiet *zap.Logger
	// dryRun opens no channel (preview, simulate): they send nothing, so they neither connect
	// to a provider nor create or mention the outbox.
	dryRun bool
}

// newLogger returns a JSON logger for production or a console one for people, writing to
// stderr; the console one is coloured only when stderr is a terminal.
func newLogger(format string) *zap.Logger {
	return newLoggerTo(format, os.Stderr, isTerminal(os.Stderr))
}

// newLoggerTo is newLogger on any output. Times are ISO 8601 with the zone
// (2026-11-23T12:00:00.123Z), durations strings ("1.5s"), in both formats: zap's production
// defaults write epoch floats (1796598122.45) that nobody reads without a converter. Colour
// codes go to a terminal only: written to a file or a pipe they are noise (\x1b[34mINFO).
func newLoggerTo(format string, out zapcore.WriteSyncer, colour bool) *zap.Logger {
	var enc zapcore.Encoder
	level := zap.InfoLevel
	if format == "console" {
		ec := zap.NewDevelopmentEncoderConfig()
		ec.EncodeTime = zapcore.ISO8601TimeEncoder
		ec.EncodeDuration = zapcore.StringDurationEncoder
		ec.EncodeLevel = zapcore.CapitalLevelEncoder
		if colour {
			ec.EncodeLevel = zapcore.CapitalColorLevelEncoder
		}
		enc = zapcore.NewConsoleEncoder(ec)
		level = zap.DebugLevel
	} else {
		ec := zap.NewProductionEncoderConfig()
		ec.EncodeTime = zapcore.ISO8601TimeEncoder
		ec.EncodeDuration = zapcore.StringDurationEncoder
		enc = zapcore.NewJSONEncoder(ec)
	}
	core := zapcore.NewCore(enc, zapcore.Lock(out), level)
	opts := []zap.Option{zap.AddCaller(), zap.ErrorOutput(zapcore.Lock(os.Stderr))}
	if format != "console" {
		// As zap.NewProduction: stack traces on errors, and at most 100 identical lines a
		// second then every 100th, so a failing loop cannot flood the log.
		opts = append(opts, zap.AddStacktrace(zap.ErrorLevel), zap.WrapCore(func(c zapcore.Core) zapcore.Core {
			return zapcore.NewSamplerWithOptions(c, time.Second, 100, 100)
		}))
	}
	return zap.New(core, opts...)
}

// isTerminal reports whether f is a character device (a terminal, or /dev/null, which
// does not mind colours), rather than a file or a pipe.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// loadConfig reads rapport.yaml (or defaults) with environment overrides.
func loadConfig(path string) (*config.Config, error) {
	cfg, err := config.Load(path, osEnviron())
	if err != nil {
		return nil, err
	}
	return cfg, nil
}

// loadCatalog loads campaigns, segments, holidays and templates and checks them the way
// `rapport lint` does: a process does not start on a configuration lint would refuse.
func loadCatalog(cfg *config.Config) (*delivery.Catalog, error) {
	set, err := config.LoadSet(cfg)
	if err != nil {
		return nil, err
	}
	tpl, err := templates.Load(set.Templates)
	if err != nil {
		return nil, err
	}
	if errs := tpl.Check(set.Campaigns, templates.SampleData(time.Now())); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	cat := delivery.NewCatalog(set, tpl)
	cat.IslamicOffsets = cfg.Calendar.IslamicOffset
	return cat, nil
}

// customerOptions are the customer store's options from the configuration; log (nil for
// none) receives the warning about orders in a currency without a rate.
func customerOptions(cfg *config.Config, log *zap.Logger) customers.Options {
	return customers.Options{DedupeTTL: cfg.DedupeTTL.D(), DefaultRegion: cfg.SMS.DefaultRegion,
		Money: customers.Money{Base: cfg.Currency.Base, Rates: cfg.Currency.Rates}, Log: log,
		MaxProfileBytes: int(cfg.MaxProfileBytes), MaxTraitBytes: int(cfg.MaxTraitBytes), Secret: cfg.Secret,
		SendHistory: config.LongestCap(cfg, nil)}
}

// sendHistory is how long the customers' send logs must reach back: the longest frequency
// cap of rapport.yaml and the campaigns (customers.Options.SendHistory).
func sendHistory(cfg *config.Config, cat *delivery.Catalog) time.Duration {
	return config.LongestCap(cfg, cat.Set.Campaigns)
}

// openApp connects to Redis (or starts the embedded one) and wires the delivery pipeline.
func openApp(ctx context.Context, cfg *config.Config, log *zap.Logger) (*app, error) {
	return openAppWith(ctx, cfg, log, appOptions{})
}

// openAppWith is openApp with hooks.
func openAppWith(ctx context.Context, cfg *config.Config, log *zap.Logger, opts appOptions) (*app, error) {
	a := &app{cfg: cfg, log: log}
	if cfg.RedisURL == "" {
		m, err := miniredis.Run()
		if err != nil {
			return nil, fmt.Errorf("start embedded redis: %w", err)
		}
		a.embedded = m
		a.rdb = redis.NewClient(&redis.Options{Addr: m.Addr()})
		log.Warn("NO REDIS CONFIGURED: using an embedded in-memory Redis. NOTHING IS KEPT when this process stops. Set redis_url or RAPPORT_REDIS_URL for real use.")
	} else {
		rdb, err := redisconn.Open(cfg.RedisURL)
		if err != nil {
			return nil, err
		}
		a.rdb = rdb
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := a.rdb.Ping(pctx).Err(); err != nil {
		a.Close()
		return nil, fmt.Errorf("connect to redis: %w", err)
	}
	cat, err := loadCatalog(cfg)
	if err != nil {
		a.Close()
		return nil, err
	}
	a.catalog = delivery.NewCatalogRef(cat)
	a.ledger = rewards.NewLedger(a.rdb, cfg.Secret)
	storeOpts := customerOptions(cfg, log)
	storeOpts.SendHistory = sendHistory(cfg, cat)
	// An erasure also removes the customer's grant fields and queued send tasks.
	storeOpts.Erasers = []customers.Eraser{a.ledger, &tasks.Eraser{Inspector: asynq.NewInspectorFromRedisClient(a.rdb)}}
	a.store = customers.NewStore(a.rdb, storeOpts)
	a.claims = delivery.NewClaims(a.rdb)
	a.states = campaignstate.NewStore(a.rdb, campaignstate.Options{Log: log})
	a.signer = links.NewSigner(cfg.Secret, cfg.PublicURL)
	a.client = asynq.NewClientFromRedisClient(a.rdb)
	if opts.dryRun {
		a.email, a.sms = noChannel{}, noChannel{}
	} else if a.email, a.sms, err = openChannels(cfg, a.rdb, log); err != nil {
		a.Close()
		return nil, err
	}
	if err := a.openModels(); err != nil {
		a.Close()
		return nil, err
	}
	if err := a.wire(opts); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

// wire builds the job components on the app's connections: the deliverer, the ingester,
// and the fan-out and batch handlers.
func (a *app) wire(opts appOptions) error {
	dlog := a.log
	if opts.quiet != nil {
		dlog = opts.quiet
	}
	kr, err := links.NewKeyring(a.cfg.Signing(), a.cfg.PublicURL)
	if err != nil {
		return fmt.Errorf("secrets: %w", err)
	}
	a.keyring = kr
	if a.results, err = resultsOf(a.cfg, a.rdb); err != nil {
		return err
	}
	a.deliverer, err = delivery.New(delivery.Config{
		Catalog: a.catalog, Profiles: a.store, Claims: a.claims, Rewards: a.ledger,
		Email: a.email, SMS: a.sms, Links: a.signer, Enqueue: a.client, Policy: policyOf(a.cfg),
		Predictor: a.models, MessageDomain: domainOf(a.cfg.Email.From), Now: time.Now, Log: dlog, Observe: opts.observe,
		Sender: templates.NewSender(a.cfg.Email.From, a.cfg.Email.SenderAddress), ShopURL: a.cfg.ShopURL,
		Tracking: &delivery.Tracking{Keyring: kr, Store: a.store, TTL: a.cfg.Tracking.LinkTTL.D()},
		Pauses:   a.states,
		Results:  a.results,
		Variants: results.NewVariantCache(a.results, 0, nil),
		Base:     analytics.NewBaseCache(a.rdb, 0, nil),
	})
	if err != nil {
		return err
	}
	a.ingester, err = trigger.New(trigger.Config{Catalog: a.catalog, Store: a.store, Enqueue: a.client,
		MaxAge: a.cfg.TriggerMaxAge.D(), Now: time.Now, Log: a.log, Predictor: a.models, Results: a.results, Coupons: a.ledger})
	if err != nil {
		return err
	}
	a.fanout, err = schedule.NewFanout(schedule.FanoutConfig{Catalog: a.catalog, Store: a.store, RDB: a.rdb, Enqueue: a.client,
		DefaultTZ: a.cfg.Location(), CatchUp: a.cfg.CatchUp.D(), Predictor: a.models, Log: dlog})
	if err != nil {
		return err
	}
	a.batcher, err = schedule.NewBatcher(schedule.BatchConfig{Deliverer: a.deliverer, RDB: a.rdb, Log: dlog})
	return err
}

// dkimKeys are email.dkim with their files resolved against rapport.yaml.
func dkimKeys(cfg *config.Config) []channels.DKIMKey {
	var keys []channels.DKIMKey
	for _, k := range cfg.Email.DKIM {
		keys = append(keys, channels.DKIMKey{Domain: k.Domain, Selector: k.Selector, PrivateKeyFile: cfg.Dir(k.PrivateKeyFile)})
	}
	return keys
}

// openChannels picks a provider per channel; a channel without one writes to the outbox.
func openChannels(cfg *config.Config, rdb redis.UniversalClient, log *zap.Logger) (channels.EmailSender, channels.SMSSender, error) {
	var outbox *channels.Outbox
	outboxFor := func(what string) (*channels.Outbox, error) {
		if outbox == nil {
			o, err := channels.NewOutbox(cfg.Dir(cfg.Outbox))
			if err != nil {
				return nil, err
			}
			if cfg.Email.From != "" {
				o.From = cfg.Email.From
			}
			if o.DKIM, err = channels.NewDKIMSigner(dkimKeys(cfg)); err != nil {
				return nil, err
			}
			outbox = o
		}
		log.Info("channel writes to the file outbox", zap.String("channel", what), zap.String("dir", cfg.Dir(cfg.Outbox)))
		return outbox, nil
	}
	var email channels.EmailSender
	if cfg.Email.SMTPURL != "" {
		sc := channels.SMTPConfig{
			URL: cfg.Email.SMTPURL, From: cfg.Email.From, Size: cfg.Email.Pool,
			Timeout: cfg.Email.Timeout.D(), RatePerSecond: cfg.Email.RatePerSecond,
			TLSServerName: cfg.Email.TLSServerName, DKIM: dkimKeys(cfg),
		}
		if cfg.Email.TLSCAFile != "" {
			sc.TLSCAFile = cfg.Dir(cfg.Email.TLSCAFile)
		}
		// The pacer always slows a domain down on "too much mail" answers; shared limits
		// (email.rate_limit, email.domain_limits) count in Redis across every worker.
		pacer, err := channels.NewPacer(channels.PaceConfig{RateLimit: cfg.Email.RateLimit, DomainLimits: cfg.Email.DomainLimits}, rdb, log)
		if err != nil {
			return nil, nil, fmt.Errorf("email.rate_limit: %w", err)
		}
		sc.Pacer = pacer
		pool, err := channels.NewSMTPPool(sc, log)
		if err != nil {
			return nil, nil, err
		}
		email = pool
	} else {
		o, err := outboxFor("email")
		if err != nil {
			return nil, nil, err
		}
		email = o
	}
	hc := &http.Client{Timeout: cfg.SMS.Timeout.D()}
	var sms channels.SMSSender
	switch cfg.SMS.Provider {
	case "twilio":
		t := cfg.SMS.Twilio
		tc := channels.TwilioConfig{AccountSID: t.AccountSID, AuthToken: t.AuthToken, From: t.From, BaseURL: t.BaseURL, Timeout: cfg.SMS.Timeout.D()}
		if err := tc.Validate(); err != nil {
			_ = email.Close()
			return nil, nil, fmt.Errorf("sms.twilio: %w", err)
		}
		sms = channels.NewTwilio(tc, hc)
	case "webhook":
		wc := channels.WebhookConfig{URL: cfg.SMS.Webhook.URL, Token: cfg.SMS.Webhook.Token, Timeout: cfg.SMS.Timeout.D()}
		if err := wc.Validate(); err != nil {
			_ = email.Close()
			return nil, nil, fmt.Errorf("sms.webhook: %w", err)
		}
		sms = channels.NewWebhook(wc, hc)
	default:
		o, err := outboxFor("sms")
		if err != nil {
			_ = email.Close()
			return nil, nil, err
		}
		sms = o
	}
	return email, sms, nil
}

func policyOf(cfg *config.Config) decide.Policy {
	return decide.Policy{
		DefaultTimezone: cfg.Location(), DefaultLocale: cfg.DefaultLocale, Window: cfg.Window,
		PerCustomer: cfg.Limits.PerCustomer, SMS: cfg.Limits.SMS, DefaultRegion: cfg.SMS.DefaultRegion,
		ControlGroup:        float64(cfg.ControlGroup),
		EmailCostPerMessage: cfg.Email.CostPerMessage, SMSCostPerSegment: cfg.SMS.CostPerSegment,
	}
}

// domainOf returns the domain of the From address, used in Message-IDs.
func domainOf(from string) string {
	if a, err := mail.ParseAddress(from); err == nil {
		if _, d, ok := strings.Cut(a.Address, "@"); ok {
			return d
		}
	}
	return "rapport.local"
}

// Close releases connections; safe on a partly opened app.
func (a *app) Close() {
	if a.client != nil {
		_ = a.client.Close()
	}
	if a.email != nil {
		_ = a.email.Close()
	}
	if a.sms != nil && any(a.sms) != any(a.email) {
		_ = a.sms.Close()
	}
	if a.rdb != nil {
		_ = a.rdb.Close()
	}
	if a.embedded != nil {
		a.embedded.Close()
	}
}
