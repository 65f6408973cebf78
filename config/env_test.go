package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestEnvOverridesEveryKindOfKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env  string
		got  func(c *Config) any
		want any
	}{
		{"RAPPORT_REDIS_URL=redis://10.0.0.5:6379/1", func(c *Config) any { return c.RedisURL }, "redis://10.0.0.5:6379/1"},
		{"RAPPORT_EMAIL_SMTP_URL=smtp://mail:25", func(c *Config) any { return c.Email.SMTPURL }, "smtp://mail:25"},
		{"RAPPORT_SMS_TWILIO_BASE_URL=http://127.0.0.1:9999", func(c *Config) any { return c.SMS.Twilio.BaseURL }, "http://127.0.0.1:9999"},
		{"RAPPORT_DIRS_TEMPLATES=/srv/templates", func(c *Config) any { return c.Dirs.Templates }, "/srv/templates"},
		{"RAPPORT_API_KEYS=k1, k2,,k3", func(c *Config) any { return c.APIKeys }, []string{"k1", "k2", "k3"}},
		{"RAPPORT_WORKER_CONCURRENCY=64", func(c *Config) any { return c.Worker.Concurrency }, 64},
		{"RAPPORT_WORKER_GOGC=200", func(c *Config) any { return c.Worker.GOGC }, 200},
		{"RAPPORT_WORKER_MEMORY_LIMIT=512MiB", func(c *Config) any { return c.Worker.MemoryLimit }, Size(512 << 20)},
		{"RAPPORT_BODY_LIMIT=2048", func(c *Config) any { return c.BodyLimit }, int64(2048)},
		{"RAPPORT_MAX_PROFILE_BYTES=1MiB", func(c *Config) any { return c.MaxProfileBytes }, Size(1 << 20)},
		{"RAPPORT_PREDICT_MARGIN=0.45", func(c *Config) any { return c.Predict.Margin }, 0.45},
		{"RAPPORT_EMAIL_RATE_PER_SECOND=12.5", func(c *Config) any { return c.Email.RatePerSecond }, 12.5},
		{"RAPPORT_WINDOW=20:00-08:00", func(c *Config) any { return c.Window.String() }, "20:00-08:00"},
		{"RAPPORT_LIMITS_PER_CUSTOMER=5/14d", func(c *Config) any { return c.Limits.PerCustomer.String() }, "5/14d"},
		{"RAPPORT_LIMITS_SMS=none", func(c *Config) any { return c.Limits.SMS.IsZero() }, true},
		{"RAPPORT_CATCH_UP=90m", func(c *Config) any { return c.CatchUp.D() }, 90 * time.Minute},
		{"RAPPORT_DEDUPE_TTL=2w", func(c *Config) any { return c.DedupeTTL.D() }, 14 * day},
	} {
		c, err := Load("", []string{"HOME=/root", tc.env})
		if err != nil {
			t.Errorf("%s: %v", tc.env, err)
			continue
		}
		if got := tc.got(c); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.env, got, tc.want)
		}
	}
}

func TestEnvBoolAndValueTypesThatConfigDoesNotUseYetStillParse(t *testing.T) {
	t.Parallel()
	// The Config has no bool, Percent, TimeOfDay or Repeat key today; setFromString must
	// handle them when one is added.
	var s struct {
		B bool
		P Percent
		T TimeOfDay
		R Repeat
	}
	v := reflect.ValueOf(&s).Elem()
	for i, in := range []string{"true", "15%", "07:30", "every 30d"} {
		if err := setFromString(v.Field(i), in); err != nil {
			t.Errorf("%q: %v", in, err)
		}
	}
	if !s.B || s.P != 0.15 || s.T.String() != "07:30" || s.R.String() != "every 30d" {
		t.Errorf("got %+v", s)
	}
	if err := setFromString(v.Field(0), "yes please"); err == nil || err.Error() != `invalid boolean "yes please" (want true or false)` {
		t.Errorf("bad bool: %v", err)
	}
}

func TestEnvBadValueNamesTheVariable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ env, want string }{
		{"RAPPORT_WORKER_CONCURRENCY=x", `RAPPORT_WORKER_CONCURRENCY: invalid integer "x"`},
		{"RAPPORT_BODY_LIMIT=1MiB", `RAPPORT_BODY_LIMIT: invalid integer "1MiB"`},
		{"RAPPORT_PREDICT_DISCOUNT_RATE=one", `RAPPORT_PREDICT_DISCOUNT_RATE: invalid number "one"`},
		{"RAPPORT_WINDOW=late", `RAPPORT_WINDOW: invalid window "late" (want HH:MM-HH:MM)`},
		{"RAPPORT_LIMITS_PER_CUSTOMER=3", `RAPPORT_LIMITS_PER_CUSTOMER: invalid limit "3" (want e.g. 3/7d)`},
		{"RAPPORT_WORKER_MEMORY_LIMIT=512MB", `RAPPORT_WORKER_MEMORY_LIMIT: invalid size "512MB" (want e.g. 512MiB or 2GiB; units B, KiB, MiB, GiB, TiB)`},
		{"RAPPORT_WORKER_GOGC=-2", `worker.gogc: must be a percentage, 0 for the default (400) or -1 to leave the Go runtime alone, got -2 (set by RAPPORT_WORKER_GOGC)`},
		{"RAPPORT_EMAIL_TIMEOUT=fast", `RAPPORT_EMAIL_TIMEOUT: invalid duration "fast" (use e.g. 30m, 2h, 30d, 2w)`},
		// A value that parses but does not validate names the variable too.
		{"RAPPORT_EMAIL_POOL=0", `email.pool: must be at least 1, got 0 (set by RAPPORT_EMAIL_POOL)`},
		{"RAPPORT_SMS_PROVIDER=pigeon", `sms.provider: "pigeon" is not twilio, webhook or outbox (set by RAPPORT_SMS_PROVIDER)`},
	} {
		_, err := Load("", []string{tc.env})
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: err = %v\nwant %s", tc.env, err, tc.want)
		}
	}
}

func TestEnvWinsOverTheFileAndEmptyMeansUnset(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := writeFile(t, dir, "rapport.yaml", "redis_url: redis://file:6379\nworker: {concurrency: 4}\nemail: {pool: 2}\n")
	c, err := Load(p, []string{
		"RAPPORT_REDIS_URL=redis://env:6379",
		"RAPPORT_WORKER_CONCURRENCY=", // empty: a template that expanded a missing variable
		"RAPPORT_EMAIL_POOL=3",
		"RAPPORT_EMAIL_POOL=5", // later entries win, as in os.Environ
		"RAPPORT_NOT_A_KEY=1",  // other RAPPORT_* variables belong to others
		EnvConfigPath + "=/elsewhere.yaml",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.RedisURL != "redis://env:6379" || c.Worker.Concurrency != 4 || c.Email.Pool != 5 {
		t.Errorf("redis_url=%q concurrency=%d pool=%d", c.RedisURL, c.Worker.Concurrency, c.Email.Pool)
	}
}

func TestEnvErrorsAreReportedWithTheFileErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := writeFile(t, dir, "rapport.yaml", "worker: {concurency: 4}\n")
	_, err := Load(p, []string{"RAPPORT_EMAIL_POOL=many"})
	want := []string{
		`RAPPORT_EMAIL_POOL: invalid integer "many"`,
		`rapport.yaml:1:10: worker.concurency: unknown key; did you mean "concurrency"?`,
	}
	if got := errorLines(err, dir); !reflect.DeepEqual(got, want) {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestEveryConfigKeyHasAVariable(t *testing.T) {
	t.Parallel()
	fields := envFields(Default())
	for _, name := range []string{
		"RAPPORT_REDIS_URL", "RAPPORT_LISTEN", "RAPPORT_PUBLIC_URL", "RAPPORT_API_KEYS", "RAPPORT_SECRET",
		"RAPPORT_DIRS_CAMPAIGNS", "RAPPORT_DIRS_HOLIDAYS", "RAPPORT_DEFAULT_TIMEZONE", "RAPPORT_WINDOW",
		"RAPPORT_LIMITS_PER_CUSTOMER", "RAPPORT_EMAIL_SMTP_URL", "RAPPORT_SMS_TWILIO_AUTH_TOKEN",
		"RAPPORT_SMS_WEBHOOK_URL", "RAPPORT_OUTBOX", "RAPPORT_WORKER_SHUTDOWN_TIMEOUT", "RAPPORT_PREDICT_REFIT", "RAPPORT_LOG",
		"RAPPORT_CALENDAR_ISLAMIC_OFFSET",
	} {
		if _, ok := fields[name]; !ok {
			t.Errorf("%s sets nothing", name)
		}
	}
	if _, ok := fields["RAPPORT_FILE"]; ok {
		t.Error("File is not a key of rapport.yaml")
	}
	if _, ok := fields["RAPPORT_WINDOW_START"]; ok {
		t.Error("a value type must be set whole, not field by field")
	}
}
