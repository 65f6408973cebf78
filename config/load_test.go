package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// writeFile writes content to dir/name, creating parent directories, and returns the path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// errorLines returns the lines of an error, with the test's temporary directory removed so
// that expectations read "rapport.yaml:3:5: ...".
func errorLines(err error, dir string) []string {
	if err == nil {
		return nil
	}
	s := strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), "")
	return strings.Split(s, "\n")
}

// public drops the unexported bookkeeping so that two Configs compare by their values.
func public(c *Config) Config {
	r := *c
	r.origin, r.loc = nil, nil
	return r
}

func TestDefaultHasEveryDocumentedDefault(t *testing.T) {
	t.Parallel()
	c := Default()
	d := func(s string) Duration {
		v, err := ParseDuration(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name      string
		got, want any
	}{
		{"listen", c.Listen, "127.0.0.1:8080"},
		{"public_url", c.PublicURL, "http://127.0.0.1:8080"},
		{"dirs", c.Dirs, Dirs{Campaigns: "campaigns", Segments: "segments", Templates: "templates", Holidays: "holidays"}},
		{"default_timezone", c.DefaultTimezone, "UTC"},
		{"default_locale", c.DefaultLocale, "en"},
		{"window", c.Window.String(), "09:00-20:00"},
		{"limits.per_customer", c.Limits.PerCustomer, Limit{Count: 3, Period: d("7d")}},
		{"limits.sms", c.Limits.SMS, Limit{Count: 1, Period: d("1d")}},
		{"trigger_max_age", c.TriggerMaxAge, d("24h")},
		{"catch_up", c.CatchUp, d("6h")},
		{"body_limit", c.BodyLimit, int64(1 << 20)},
		{"max_profile_bytes", c.MaxProfileBytes, Size(256 << 10)},
		{"max_trait_bytes", c.MaxTraitBytes, Size(16 << 10)},
		{"dedupe_ttl", c.DedupeTTL, d("7d")},
		{"email.pool", c.Email.Pool, 8},
		{"email.timeout", c.Email.Timeout, d("30s")},
		{"sms.provider", c.SMS.Provider, "outbox"},
		{"sms.timeout", c.SMS.Timeout, d("10s")},
		{"sms.default_region", c.SMS.DefaultRegion, "US"},
		{"sms.twilio.base_url", c.SMS.Twilio.BaseURL, "https://api.twilio.com"},
		{"outbox", c.Outbox, "./outbox"},
		{"worker.concurrency", c.Worker.Concurrency, 32},
		{"worker.shutdown_timeout", c.Worker.ShutdownTimeout, d("30s")},
		{"worker.gogc", c.Worker.GOGC, 400},
		{"worker.memory_limit", c.Worker.MemoryLimit, Size(0)},
		{"predict.refit", c.Predict.Refit, "0 3 * * *"},
		{"predict.unit", c.Predict.Unit, "weeks"},
		{"predict.horizon", c.Predict.Horizon, d("365d")},
		{"predict.discount_rate", c.Predict.DiscountRate, 0.01},
		{"predict.margin", c.Predict.Margin, 0.3},
	} {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	if err := c.validate().Err(); err != nil {
		t.Errorf("the defaults do not validate: %v", err)
	}
}

func TestLoadWithoutFileIsTheDefaults(t *testing.T) {
	t.Parallel()
	c, err := Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := public(c), public(Default()); !reflect.DeepEqual(got, want) {
		t.Errorf("Load(\"\") = %+v\nwant %+v", got, want)
	}
	if c.Location() != time.UTC {
		t.Errorf("Location() = %v, want UTC", c.Location())
	}
}

func TestLoadFileOverridesOnlyTheKeysItSets(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := writeFile(t, dir, "rapport.yaml", `# production
redis_url: redis://127.0.0.1:6379/0
listen: 0.0.0.0:9090
api_keys: [k1, k2]
secret: s3cret
dirs: {campaigns: marketing/campaigns}
default_timezone: Europe/Berlin
window: "08:00-21:00"
limits: {per_customer: 0/0}
email:
  from: "Shop <shop@example.com>"
  smtp_url: smtps://user:pass@mail.example.com:465?tls=required
  pool: 4
sms:
  provider: webhook
  webhook: {url: https://sms.example.com/send}
worker: {concurrency: 8}
predict: {unit: days, margin: 0.25}
`)
	c, err := Load(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := public(Default())
	want.File = p
	want.RedisURL = "redis://127.0.0.1:6379/0"
	want.Listen = "0.0.0.0:9090"
	want.PublicURL = "http://localhost:9090" // derived: a wildcard address is not a link target
	want.Keys = []APIKey{{"k1", AllScopes}, {"k2", AllScopes}}
	want.APIKeys = []string{"k1", "k2"}
	want.Secret = "s3cret"
	want.Dirs.Campaigns = "marketing/campaigns"
	want.DefaultTimezone = "Europe/Berlin"
	want.Window = mustWindow(t, "08:00-21:00")
	want.Limits.PerCustomer = Limit{}
	want.Email.From = "Shop <shop@example.com>"
	want.Email.SMTPURL = "smtps://user:pass@mail.example.com:465?tls=required"
	want.Email.Pool = 4
	want.SMS.Provider = "webhook"
	want.SMS.Webhook.URL = "https://sms.example.com/send"
	want.Worker.Concurrency = 8
	want.Predict.Unit = "days"
	want.Predict.Margin = 0.25
	if got := public(c); !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if c.Location().String() != "Europe/Berlin" {
		t.Errorf("Location() = %v", c.Location())
	}
}

func TestLoadReportsEveryProblemOfTheFileAtItsPosition(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		yaml string
		want []string
	}{
		{
			name: "unknown keys at root and nested, with suggestions",
			yaml: "listen: 127.0.0.1:8080\nlistn: x\nemail:\n  from: a@b.c\n  poool: 3\n",
			want: []string{
				`rapport.yaml:2:1: listn: unknown key; did you mean "listen"?`,
				`rapport.yaml:5:3: email.poool: unknown key; did you mean "pool"?`,
			},
		},
		{
			name: "unknown key far from any known one lists the keys",
			yaml: "worker:\n  zzzzzzzz: 1\n",
			want: []string{`rapport.yaml:2:3: worker.zzzzzzzz: unknown key; expected one of: concurrency, shutdown_timeout, poll_interval, gogc, memory_limit`},
		},
		{
			name: "wrong types and unparsable values",
			yaml: "email: {pool: many}\nwindow: 9-20\nworker: {concurrency: [1]}\ncatch_up: soon\n",
			want: []string{
				`rapport.yaml:1:15: email.pool: expected a whole number, got "many"`,
				`rapport.yaml:2:9: window: invalid window "9-20": invalid time of day "9" (want HH:MM)`,
				`rapport.yaml:3:23: worker.concurrency: expected a whole number, got a list`,
				`rapport.yaml:4:11: catch_up: invalid duration "soon" (use e.g. 30m, 2h, 30d, 2w)`,
			},
		},
		{
			name: "duplicate key",
			yaml: "listen: a:1\nlisten: b:2\n",
			want: []string{`rapport.yaml:2:1: listen: duplicate key (first written at line 1)`},
		},
		{
			name: "syntax error",
			yaml: "email: {pool: 3\n",
			want: []string{`rapport.yaml:1:8: invalid YAML: could not find flow mapping end token '}'`},
		},
		{
			name: "validation names the field at its position",
			yaml: `default_timezone: Mars/Olympus
public_url: news.example.com
api_keys: [ok, ""]
email:
  smtp_url: http://mail.example.com
  pool: 0
sms:
  provider: twilio
  twilio: {account_sid: AC1}
worker: {concurrency: 0}
predict: {refit: "61 * * * *"}
`,
			want: []string{
				`rapport.yaml:1:19: default_timezone: unknown time zone "Mars/Olympus" (want an IANA name such as Europe/Berlin)`,
				`rapport.yaml:2:13: public_url: "news.example.com" is not an absolute http(s) URL`,
				`rapport.yaml:3:16: api_keys[1]: empty API key`,
				`rapport.yaml:5:13: email.smtp_url: scheme "http" is not smtp or smtps`,
				`rapport.yaml:6:9: email.pool: must be at least 1, got 0`,
				`rapport.yaml:9:3: sms.twilio.auth_token: required when sms.provider is twilio`,
				`rapport.yaml:9:3: sms.twilio.from: required when sms.provider is twilio`,
				`rapport.yaml:10:23: worker.concurrency: must be at least 1, got 0`,
				`rapport.yaml:11:18: predict.refit: invalid cron spec "61 * * * *": end of range (61) above maximum (59): 61`,
			},
		},
		{
			name: "api keys with scopes",
			yaml: "api_keys:\n  - bare\n  - {key: shop, scopes: [ingest, write]}\n  - {key: crm}\n  - bare\n  - {key: \"\", scopes: [read]}\n",
			want: []string{
				`rapport.yaml:3:34: api_keys[1].scopes[1]: unknown scope "write": want ingest, read, admin`,
				`rapport.yaml:4:5: api_keys[2].scopes: required: one or more of ingest, read, admin`,
				`rapport.yaml:5:5: api_keys[3]: the same key as api_keys[0]`,
				`rapport.yaml:6:5: api_keys[4]: empty API key`,
			},
		},
		{
			name: "size limits",
			yaml: "max_profile_bytes: 64KiB\nmax_trait_bytes: 1MiB\n",
			want: []string{`rapport.yaml:2:18: max_trait_bytes: cannot be larger than max_profile_bytes (64KiB), got 1MiB`},
		},
		{
			name: "smtp tls mode and webhook provider",
			yaml: "email: {smtp_url: \"smtp://h:25?tls=maybe\"}\nsms: {provider: webhook}\n",
			want: []string{
				`rapport.yaml:1:19: email.smtp_url: tls="maybe" is not required, none or opportunistic`,
				`rapport.yaml:2:1: sms.webhook.url: required when sms.provider is webhook`,
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			p := writeFile(t, dir, "rapport.yaml", tc.yaml)
			c, err := Load(p, nil)
			if c != nil {
				t.Errorf("Load returned a Config with an error")
			}
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("err = %v (%T), want an ErrorList", err, err)
			}
			if got := errorLines(err, dir); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestLoadEmptyFileIsTheDefaults(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := writeFile(t, dir, "rapport.yaml", "# nothing yet\n")
	c, err := Load(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Worker.Concurrency != 32 || c.File != p {
		t.Errorf("got %+v", c)
	}
}

func TestLoadMissingFileIsAnError(t *testing.T) {
	t.Parallel()
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), nil)
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v, want a not-exist error", err)
	}
}

func TestDirResolvesAgainstTheConfigFile(t *testing.T) {
	t.Parallel()
	c := &Config{File: filepath.Join("etc", "rapport", "rapport.yaml")}
	for _, tc := range []struct{ in, want string }{
		{"campaigns", filepath.Join("etc", "rapport", "campaigns")},
		{"../shared/templates", filepath.Join("etc", "shared", "templates")},
		{"/var/rapport/outbox", "/var/rapport/outbox"},
	} {
		if got := c.Dir(tc.in); got != tc.want {
			t.Errorf("Dir(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := Default().Dir("campaigns"); got != "campaigns" {
		t.Errorf("without a file Dir = %q, want it unchanged", got)
	}
}

func TestRedactedHidesEverySecret(t *testing.T) {
	t.Parallel()
	c := Default()
	c.APIKeys = []string{"key-one", "key-two"}
	c.Keys = []APIKey{{"key-one", AllScopes}, {"key-two", AllScopes}, {"key-three", []string{ScopeIngest}}}
	c.Secret = "signing-secret"
	c.RedisURL = "redis://:redis-pass@10.0.0.1:6379/0"
	c.Email.SMTPURL = "smtp://user:smtp-pass@mail.example.com:587?tls=required"
	c.SMS.Twilio.AuthToken = "twilio-token"
	c.SMS.Webhook.Token = "webhook-token"

	r := c.Redacted()
	printed := strings.Join([]string{strings.Join(r.APIKeys, ","), fmt.Sprint(r.Keys), r.Secret, r.RedisURL, r.Email.SMTPURL,
		r.SMS.Twilio.AuthToken, r.SMS.Webhook.Token}, " ")
	for _, secret := range []string{"key-one", "key-two", "key-three", "signing-secret", "redis-pass", "smtp-pass", "twilio-token", "webhook-token"} {
		if strings.Contains(printed, secret) {
			t.Errorf("redacted config still shows %q: %s", secret, printed)
		}
	}
	if r.Email.SMTPURL != "smtp://user:****@mail.example.com:587?tls=required" {
		t.Errorf("smtp_url = %q: the user and host should stay readable", r.Email.SMTPURL)
	}
	if len(r.APIKeys) != 2 || r.APIKeys[0] != "****" {
		t.Errorf("api_keys = %v", r.APIKeys)
	}
	if c.APIKeys[0] != "key-one" || c.Secret != "signing-secret" {
		t.Error("Redacted changed the original")
	}
	if r := Default().Redacted(); r.Secret != "" || r.Email.SMTPURL != "" {
		t.Errorf("unset secrets should stay visibly empty: %+v", r)
	}
}

func TestLocationFollowsDefaultTimezone(t *testing.T) {
	t.Parallel()
	c := Default()
	c.DefaultTimezone = "Asia/Tokyo"
	if got := c.Location().String(); got != "Asia/Tokyo" {
		t.Errorf("Location() = %s", got)
	}
	c.DefaultTimezone = "Not/AZone"
	if got := c.Location(); got != time.UTC {
		t.Errorf("Location() for a bad zone = %v, want UTC", got)
	}
}

func TestAPIKeysAreBareOrScoped(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := writeFile(t, dir, "rapport.yaml", "api_keys:\n  - all-of-it\n  - {key: shop, scopes: [ingest]}\n  - key: ops\n    scopes: [admin, read, ingest]\n")
	c, err := Load(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []APIKey{{"all-of-it", AllScopes}, {"shop", []string{"ingest"}}, {"ops", []string{"admin", "read", "ingest"}}}
	if !reflect.DeepEqual(c.Keys, want) || !reflect.DeepEqual(c.APIKeys, []string{"all-of-it", "ops"}) {
		t.Fatalf("keys %v, every scope %v", c.Keys, c.APIKeys)
	}
	c, err = Load(p, []string{"RAPPORT_API_KEYS=k1,k2"})
	if err != nil || !reflect.DeepEqual(c.Keys, []APIKey{{"k1", AllScopes}, {"k2", AllScopes}}) {
		t.Fatalf("from the environment: %v %v", err, c.Keys)
	}
}

func TestRefitMoreOftenThanOnceAMinuteIsRefusedAtItsPosition(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := writeFile(t, dir, "rapport.yaml", "predict:\n  refit: \"@every 2s\"\n")
	_, err := Load(p, nil)
	got := strings.Join(errorLines(err, dir), "\n")
	if !strings.HasPrefix(got, `rapport.yaml:2:10: predict.refit: invalid cron spec "@every 2s": fires more often than once a minute`) {
		t.Errorf("err = %q", got)
	}
}

func TestCapAboveTheKeptSendsIsRefusedAtItsPosition(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := writeFile(t, dir, "rapport.yaml", "limits: {per_customer: 300/7d, sms: 2/1d}\n")
	_, err := Load(p, nil)
	want := `rapport.yaml:1:24: limits.per_customer: invalid limit "300/7d": a cap counts the sends kept on the profile, ` +
		`at most 200, so a cap above 200 could never bind`
	if got := strings.Join(errorLines(err, dir), "\n"); got != want {
		t.Errorf("err = %q\nwant %q", got, want)
	}
	_, err = Load("", []string{"RAPPORT_LIMITS_SMS=250/1d"})
	if err == nil || !strings.Contains(err.Error(), "RAPPORT_LIMITS_SMS") || !strings.Contains(err.Error(), "never bind") {
		t.Errorf("environment: err = %v", err)
	}
}

func TestSharedEmailRateLimitsLoadAndBadOnesAreRefusedAtTheirPlace(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := writeFile(t, dir, "rapport.yaml", "email:\n  rate_limit: 200\n  domain_limits: {gmail.com: 50, yahoo.com: 20}\n")
	c, err := Load(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Email.RateLimit != 200 || c.Email.DomainLimits["gmail.com"] != 50 || c.Email.DomainLimits["yahoo.com"] != 20 {
		t.Fatalf("email %+v", c.Email)
	}
	p = writeFile(t, dir, "bad.yaml", "email:\n  rate_limit: -1\n  domain_limits: {gmail.com: 0}\n")
	_, err = Load(p, nil)
	got := strings.Join(errorLines(err, dir), "\n")
	for _, want := range []string{"bad.yaml:2:15: email.rate_limit: must not be negative", "bad.yaml:3:30: email.domain_limits.gmail.com: want a domain"} {
		if !strings.Contains(got, want) {
			t.Errorf("errors %q\nwant %q", got, want)
		}
	}
}
