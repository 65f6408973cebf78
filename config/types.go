// Package config owns everything a marketer or an operator writes: rapport.yaml, campaigns,
// segments, rewards and holidays. Loading is strict (an unknown key is an error) and every
// error names file:line:col, so a typo fails at lint time and not at 9:00 on New Year's morning.
package config

import "time"

// Config is rapport.yaml. Every key can be overridden by an environment variable named after
// it: RAPPORT_ + the key path joined by "_" in upper case (RAPPORT_EMAIL_SMTP_URL).
type Config struct {
	// RedisURL is redis://, rediss://, redis-cluster:// or redis-sentinel://. Empty means an
	// embedded in-memory Redis that keeps nothing (demo only).
	RedisURL string `yaml:"redis_url"`
	// Listen is the HTTP address of the api role. Default 127.0.0.1:8080.
	Listen string `yaml:"listen"`
	// AdminListen is the address of the operations listener of every role: /metrics
	// (Prometheus) and /monitoring/ (asynqmon, API key required). It must not be reachable
	// from the internet. Default 127.0.0.1:9464; "off" serves no operations endpoints.
	AdminListen string `yaml:"admin_listen"`
	// Monitoring configures the task console at /monitoring/ on the admin listener.
	Monitoring Monitoring `yaml:"monitoring"`
	// PublicURL is the base of tracking and unsubscribe links. Default http://{Listen}, with
	// localhost for a wildcard host (0.0.0.0:8080 gives http://localhost:8080).
	PublicURL string `yaml:"public_url"`
	// ShopURL is the shop's own home page, which messages link back to as {{.Links.Shop}}
	// (the greetings have no order to link to). Default none: templates guard it with
	// {{with .Links.Shop}}. Unlike PublicURL it is not where Rapport answers.
	ShopURL string `yaml:"shop_url"`
	// Keys authorise /v1/*: a bare key may do everything; {key: K, scopes: [ingest, read,
	// admin]} only what its scopes name (see APIKey). RAPPORT_API_KEYS=k1,k2 gives bare keys.
	// Compared in constant time, never logged.
	Keys []APIKey `yaml:"api_keys"`
	// APIKeys are the keys of Keys that have every scope, filled by Load: for the callers
	// that predate scopes, which must not hand a restricted key every scope.
	APIKeys []string `yaml:"-"`
	// Secret signs links, tokens and coupon codes.
	Secret string `yaml:"secret"`
	// Secrets, when set, sign tracking links instead of Secret, for rotation: the first
	// signs, every one is accepted ([new, old] keeps the links already sent working).
	Secrets []string `yaml:"secrets"`
	// Tracking tells opens and clicks of people from those of machines.
	Tracking Tracking `yaml:"tracking"`
	// Dirs are relative to the directory of rapport.yaml.
	Dirs Dirs `yaml:"dirs"`
	// DefaultTimezone is used for customers without a valid timezone trait. Default UTC.
	DefaultTimezone string `yaml:"default_timezone"`
	// DefaultLocale is used for customers without a locale trait. Default en.
	DefaultLocale string `yaml:"default_locale"`
	// Window is the default local sending window. Default 09:00-20:00; "any" for none.
	Window Window `yaml:"window"`
	// Limits are frequency caps across campaigns.
	Limits Limits `yaml:"limits"`
	// TriggerMaxAge: an event older than this updates the profile but triggers nothing. Default 24h.
	TriggerMaxAge Duration `yaml:"trigger_max_age"`
	// CatchUp: a scheduled occurrence missed by less than this is fired on start. Default 6h.
	CatchUp Duration `yaml:"catch_up"`
	// BodyLimit is the largest accepted HTTP request body in bytes. Default 1 MiB.
	BodyLimit int64 `yaml:"body_limit"`
	// MaxProfileBytes bounds a stored profile (traits, their stamps, purchase days): an
	// identify that would make it larger is refused (HTTP 413, a bad row on import); orders
	// and sends are never refused for it. A size such as 256KiB or 1MiB; default 256KiB.
	MaxProfileBytes Size `yaml:"max_profile_bytes"`
	// MaxTraitBytes bounds one trait as JSON: a larger one is refused (HTTP 400, a bad row on
	// import). Default 16KiB: any real name, address, note or list of preferences.
	MaxTraitBytes Size `yaml:"max_trait_bytes"`
	// DedupeTTL is how long a messageId is remembered to drop replays. Default 7d.
	DedupeTTL Duration `yaml:"dedupe_ttl"`
	Email     Email    `yaml:"email"`
	SMS       SMS      `yaml:"sms"`
	// Outbox is the directory used by any channel with no provider. Default ./outbox.
	Outbox  string  `yaml:"outbox"`
	Worker  Worker  `yaml:"worker"`
	Predict Predict `yaml:"predict"`
	// Calendar adjusts the built-in holiday calendars.
	Calendar Calendar `yaml:"calendar"`
	// Currency is the shop's reporting currency and the rates into it.
	Currency Currency `yaml:"currency"`
	// ControlGroup: this share of customers, stable per customer, gets only transactional campaigns.
	ControlGroup Percent `yaml:"control_group"`
	// Attribution gives a conversion to each campaign's last_touch (default) or first_touch.
	Attribution string `yaml:"attribution"`
	// Console configures the marketers' web console (config/console.go).
	Console Console `yaml:"console"`
	// Log selects the log format: json (default for serve) or console.
	Log string `yaml:"log"`
	// Traits names the profile traits conditions may read as customer.NAME (tier,
	// preferred_channel, ...), besides the computed names. Lint warns about any other name
	// under customer., most often a typo; customer.traits.NAME is always allowed.
	Traits []string `yaml:"traits"`

	// File is the path rapport.yaml was read from ("" when built from defaults).
	File string `yaml:"-"`

	// origin remembers where values came from (file positions, environment variables), for
	// error messages and to tell an explicitly configured directory from a default one.
	origin *origin
	// loc is DefaultTimezone, loaded once by Load.
	loc *time.Location
}

// Monitoring configures asynqmon, the task console.
type Monitoring struct {
	// ReadOnly keeps the console from deleting, running or archiving tasks. Default true.
	ReadOnly *bool `yaml:"read_only"`
}

// Dirs locates campaigns, segments, templates and holidays.
type Dirs struct {
	Campaigns string `yaml:"campaigns"` // default campaigns
	Segments  string `yaml:"segments"`  // default segments
	Templates string `yaml:"templates"` // default templates
	Holidays  string `yaml:"holidays"`  // default holidays
}

// Limits are frequency caps: at most N messages in a period.
type Limits struct {
	PerCustomer Limit `yaml:"per_customer"` // default 3/7d; "none" or 0/0 disables
	SMS         Limit `yaml:"sms"`          // default 1/1d
}

// Email configures the email channel.
type Email struct {
	// From is the sender, "Shop <shop@example.com>"; its display name is also {{.Sender.Name}}.
	From string `yaml:"from"`
	// SenderAddress is the sender's postal address, on as many lines as it takes, shown in the
	// footer of every marketing email as {{.Sender.Address}}: CAN-SPAM requires a valid
	// physical postal address in commercial email, and EU law (the e-Commerce Directive's
	// information duties) the sender's identity and geographic address. Required when any
	// campaign that is not transactional can send email; LoadSet reports its absence.
	SenderAddress string `yaml:"sender_address"`
	// SMTPURL: smtp://user:pass@host:587 (STARTTLS when offered), smtps:// (implicit TLS);
	// ?tls=required|none. Empty means the file outbox.
	SMTPURL string `yaml:"smtp_url"`
	// Pool is the number of persistent SMTP connections per worker. Default 8.
	Pool int `yaml:"pool"`
	// Timeout bounds each SMTP dial and command. Default 30s.
	Timeout Duration `yaml:"timeout"`
	// RatePerSecond caps messages per second per worker; 0 means no cap.
	RatePerSecond float64 `yaml:"rate_per_second"`
	// RateLimit caps messages per second of all workers together, counted in a Redis token
	// bucket (rp:pace:all); 0 means no shared cap.
	RateLimit float64 `yaml:"rate_limit"`
	// DomainLimits caps messages per second of all workers to one recipient domain
	// ({gmail.com: 50}), counted in Redis (rp:pace:d:DOMAIN). Whatever the limits, a domain
	// answering "too much mail" (421/450/451) is slowed down by each worker, then recovers.
	DomainLimits map[string]float64 `yaml:"domain_limits"`
	// TLSCAFile is a PEM file of certificate authorities trusted for the SMTP server besides
	// the system's (a relay with its own CA); relative to this file. Default: none.
	TLSCAFile string `yaml:"tls_ca_file"`
	// TLSServerName is the name the SMTP server's certificate must carry when it is not the
	// host of smtp_url (a relay reached by IP address). Default: that host.
	TLSServerName string `yaml:"tls_server_name"`
	// DKIM lists signing keys; every message gets one DKIM-Signature per entry. Two entries
	// rotate a key: the new selector first, the old one until its successor's DNS record has
	// propagated. Default: none (unsigned). Not settable from the environment.
	DKIM []DKIMKey `yaml:"dkim"`
	// SoftBounceLimit is how many soft bounces in a row (mailbox full, temporary failures)
	// stop an address, as a hard bounce does at once; a delivery, open or click in between
	// starts the count again. Default 3.
	SoftBounceLimit int `yaml:"soft_bounce_limit"`
	// CostPerMessage is what one email costs, in the unit of sms.cost_per_segment:
	// channel_select: best sends the cheaper of two channels that engage alike. Default 0.
	CostPerMessage float64 `yaml:"cost_per_message"`
}

// DKIMKey is one DKIM signing key, published as a TXT record at
// <selector>._domainkey.<domain>.
type DKIMKey struct {
	Domain   string `yaml:"domain"`
	Selector string `yaml:"selector"`
	// PrivateKeyFile is a PEM file, relative to rapport.yaml: RSA (2048 bits recommended,
	// 1024 at least) or Ed25519 (PKCS #8).
	PrivateKeyFile string `yaml:"private_key_file"`
}

// SMS configures the SMS channel.
type SMS struct {
	Provider string  `yaml:"provider"` // twilio | webhook | outbox; default outbox
	Twilio   Twilio  `yaml:"twilio"`
	Webhook  Webhook `yaml:"webhook"`
	// Timeout bounds each provider request. Default 10s.
	Timeout Duration `yaml:"timeout"`
	// DefaultRegion parses national phone numbers (ISO 3166 alpha-2) when the customer has no
	// country. Default US.
	DefaultRegion string `yaml:"default_region"`
	// StopWords and StartWords are inbound keywords, besides Twilio's own (STOP, STOPALL,
	// UNSUBSCRIBE, CANCEL, END, QUIT; START, UNSTOP), that opt a customer out of SMS or back
	// in: the customers' languages' words ("СТОП", "لغو"). Matched case-insensitively on the
	// whole trimmed message. Default none.
	StopWords  []string `yaml:"stop_words"`
	StartWords []string `yaml:"start_words"`
	// CostPerSegment is what one SMS segment costs (a 2-segment SMS costs twice that), in the
	// unit of email.cost_per_message. Default 0.
	CostPerSegment float64 `yaml:"cost_per_segment"`
}

// Twilio is a Twilio-compatible REST provider.
type Twilio struct {
	AccountSID string `yaml:"account_sid"`
	AuthToken  string `yaml:"auth_token"`
	From       string `yaml:"from"`
	BaseURL    string `yaml:"base_url"` // default https://api.twilio.com
}

// Webhook is a generic JSON SMS provider.
type Webhook struct {
	URL   string `yaml:"url"`
	Token string `yaml:"token"` // sent as Authorization: Bearer when set
}

// Worker configures the asynq server of the worker role.
type Worker struct {
	// Concurrency is the number of tasks processed at once. Default 32.
	Concurrency int `yaml:"concurrency"`
	// ShutdownTimeout is how long in-flight sends get to finish on SIGTERM. Default 30s.
	ShutdownTimeout Duration `yaml:"shutdown_timeout"`
	// PollInterval is how often an idle worker asks Redis for a task (asynq's
	// TaskCheckInterval, jittered ±50%). It is what a triggered message waits at most before a
	// worker sees it, and what an idle worker costs. Measured on a quiet machine (bench/idle,
	// bench/latency at 200 events/s): 10ms costs an idle worker 0.065 core and Redis 0.021, for
	// a triggered p50/p99 of 7/17 ms; 25ms 0.031 and 0.011, 15/37 ms; 50ms 0.018 and 0.007,
	// 28/71 ms. Default 50ms: an idle worker under 0.02 core, a triggered message still under
	// 100 ms at p99; set 10ms where a p50 under 20 ms matters more than idle CPU.
	PollInterval Duration `yaml:"poll_interval"`
	// GOGC is the garbage collector's heap growth target in percent, as runtime/debug.SetGCPercent
	// takes it. Default 400 (0 means the default): the worker's live heap is small and almost
	// everything it allocates dies with the message, so collecting four times less often buys
	// back most of the CPU the collector takes at GOGC=100, for a few tens of MiB of heap. -1
	// leaves the Go runtime alone. The GOGC environment variable, when set, wins.
	GOGC int `yaml:"gogc"`
	// MemoryLimit is a soft limit on the memory of the Go runtime ("512MiB"), as
	// runtime/debug.SetMemoryLimit takes it: near it the collector runs more often, whatever
	// GOGC says. Default none. The GOMEMLIMIT environment variable, when set, wins.
	MemoryLimit Size `yaml:"memory_limit"`
}

// Calendar adjusts the built-in holiday calendars.
type Calendar struct {
	// IslamicOffset shifts the Islamic holidays of a country (Ramadan, Eid al-Fitr, Eid
	// al-Adha, Iran's Mother's Day) by whole days from the Umm al-Qura date that Saudi
	// Arabia keeps, -2 to 2: {IR: 1} where they are announced a day later. Keys are ISO
	// 3166 alpha-2 codes in capitals. Default none. From the environment:
	// RAPPORT_CALENDAR_ISLAMIC_OFFSET=IR=1,PK=1.
	IslamicOffset CountryDays `yaml:"islamic_offset"`
}

// CountryDays maps ISO 3166 alpha-2 country codes to a number of days.
type CountryDays map[string]int

// MaxIslamicOffset bounds calendar.islamic_offset: countries announce the Islamic feasts a
// day, seldom two, from the Umm al-Qura calendar; more is a mistake.
const MaxIslamicOffset = 2

// Predict configures the customer-base models.
type Predict struct {
	Refit        string   `yaml:"refit"`         // cron; default "0 3 * * *"
	Unit         string   `yaml:"unit"`          // days | weeks; default weeks
	Horizon      Duration `yaml:"horizon"`       // CLV horizon; default 365d
	DiscountRate float64  `yaml:"discount_rate"` // monthly; default 0.01
	Margin       float64  `yaml:"margin"`        // share of revenue; default 0.3
	// Lifecycle sets the thresholds of the lifecycle stages; zero keeps a default.
	Lifecycle Lifecycle `yaml:"lifecycle"`
}

// Lifecycle holds the thresholds of the stages new, active, loyal, champion, at_risk and
// lapsed (predict.LifecycleThresholds documents the rules). Zero means the default.
type Lifecycle struct {
	NewDays        float64 `yaml:"new_days"`        // a one-order customer is new this many days; default 30
	LoyalOrders    int     `yaml:"loyal_orders"`    // purchase days to be loyal; default 3
	ChampionOrders int     `yaml:"champion_orders"` // purchase days to be a champion; default 8
	AtRiskGaps     float64 `yaml:"at_risk_gaps"`    // days since the last purchase, in the customer's own gaps; default 2
	LapsedGaps     float64 `yaml:"lapsed_gaps"`     // default 4
	MinGapDays     float64 `yaml:"min_gap_days"`    // smallest gap used for that test; default 14
	AtRiskPAlive   float64 `yaml:"at_risk_p_alive"` // P(alive) below which a repeat customer is at risk; default 0.5
	LapsedPAlive   float64 `yaml:"lapsed_p_alive"`  // default 0.15
	AtRiskDays     float64 `yaml:"at_risk_days"`    // one-order customers: days since the purchase; default 90
	LapsedDays     float64 `yaml:"lapsed_days"`     // default 365
}

// Campaign is one file of campaigns/.
type Campaign struct {
	ID       string   `yaml:"id"`
	Name     string   `yaml:"name"`
	Trigger  Trigger  `yaml:"trigger"`
	Audience Audience `yaml:"audience"`
	Holdout  Percent  `yaml:"holdout"`
	Repeat   Repeat   `yaml:"repeat"`
	Channels []string `yaml:"channels"`  // email | sms; default [email] (filled by the loader)
	Window   *Window  `yaml:"window"`    // nil: the configuration's window; "any": no window
	SendTime string   `yaml:"send_time"` // optimize | exact; default exact (filled by the loader)
	Priority string   `yaml:"priority"`  // high | normal | low (critical, default: their queue names); see caps.go
	Limits   Limits   `yaml:"limits"`    // frequency caps on this campaign's own sends; default none
	OnCap    string   `yaml:"on_cap"`    // skip | defer (default): what a message at a cap does
	// Transactional marks messages a customer needs whatever their marketing consent (an
	// order or delivery notice): they are not held out by the global control group, and need
	// no email.sender_address in rapport.yaml, which every other email campaign does.
	// Default false.
	Transactional bool `yaml:"transactional"`
	// Tracking turns click and open tracking of the campaign's emails off; both default on.
	Tracking *CampaignTracking `yaml:"tracking"`
	Goal     *Goal             `yaml:"goal"` // what converts; default Order Completed within 5d (goal.go)
	Variants []Variant         `yaml:"variants"`
	Rewards  []Reward          `yaml:"rewards"`
	// RewardPolicy, MaxDiscount and Budget choose and cap rewards: config/reward_policy.go.
	RewardPolicy string       `yaml:"reward_policy"`
	MaxDiscount  *MaxDiscount `yaml:"max_discount"`
	Budget       *Budget      `yaml:"budget"`

	// Learning (config/learn.go): how variants, channels and the send time are chosen.
	Select        Select   `yaml:"select"`         // first | learn | {weights: {a: 50}}; default first
	Explore       Percent  `yaml:"explore"`        // select: learn's floor of exploration; default 5%
	ChannelSelect string   `yaml:"channel_select"` // order | best; default best with several channels
	MaxDelay      Duration `yaml:"max_delay"`      // triggered send_time: optimize looks this far ahead; 0: 24h

	// File is the path the campaign was read from; Pos the position of its id.
	File string `yaml:"-"`
	Pos  Pos    `yaml:"-"`
}

// Triggered reports whether the campaign reacts to events rather than a schedule.
func (c *Campaign) Triggered() bool { return c.Trigger.Event != "" }

// Trigger is exactly one of Event, Schedule, Date or Holiday.
type Trigger struct {
	Event    string          `yaml:"event"`
	Where    *Condition      `yaml:"where"`
	Delay    Duration        `yaml:"delay"`
	Schedule *Schedule       `yaml:"schedule"`
	Date     *DateTrigger    `yaml:"date"`
	Holiday  *HolidayTrigger `yaml:"holiday"`
}

// Schedule is a cron schedule, in one time zone or in each customer's own.
type Schedule struct {
	Cron  string `yaml:"cron"`
	Local bool   `yaml:"local"` // at that wall-clock time in each customer's time zone
	TZ    string `yaml:"tz"`    // when not local; default the configuration's default_timezone (filled by the loader)
}

// DateTrigger fires yearly on a profile date trait (YYYY-MM-DD), at local time: in each
// customer's time zone, or in TZ when it is set.
type DateTrigger struct {
	Trait  string    `yaml:"trait"`
	At     TimeOfDay `yaml:"at"`
	Offset Duration  `yaml:"offset"` // whole days, may be negative
	// TZ, an IANA name, makes At the same instant for everybody: 09:00 in TZ on the date as
	// TZ reads it. Empty: 09:00 on each customer's own clock (the default).
	TZ string `yaml:"tz"`
}

// HolidayTrigger fires on a holiday as the customer's country keeps it, at local time: in
// each customer's time zone, or in TZ when it is set (as DateTrigger.TZ).
type HolidayTrigger struct {
	Name string    `yaml:"name"`
	At   TimeOfDay `yaml:"at"`
	TZ   string    `yaml:"tz"`
}

// Audience restricts who a campaign is for.
type Audience struct {
	Segment string     `yaml:"segment"`
	Where   *Condition `yaml:"where"`
}

// Variant is one version of the message.
type Variant struct {
	ID    string        `yaml:"id"`
	When  *Condition    `yaml:"when"`
	Email *EmailContent `yaml:"email"`
	SMS   *SMSContent   `yaml:"sms"`
	Pos   Pos           `yaml:"-"`
}

// EmailContent names the templates of an email. Subject is an inline text/template; HTML and
// Text are template files under the templates directory (Text optional: generated from HTML).
type EmailContent struct {
	Subject string `yaml:"subject"`
	HTML    string `yaml:"html"`
	Text    string `yaml:"text"`
	Pos     Pos    `yaml:"-"`
}

// SMSContent is an inline text/template, or a template file when File is set.
type SMSContent struct {
	Text string `yaml:"text"`
	File string `yaml:"file"`
	Pos  Pos    `yaml:"-"`
}

// Reward is one entry of a campaign's reward list; the decision picks the first that fits.
type Reward struct {
	ID    string     `yaml:"id"`
	Kind  string     `yaml:"kind"` // coupon | points | perk | gift | none
	When  *Condition `yaml:"when"`
	Value string     `yaml:"value"` // "10%", "5 EUR", "200"
	// MaxValue caps what a percentage coupon takes off one order ("30", "30 EUR"); it is
	// also what one such coupon counts against an amount budget (FaceValue).
	MaxValue string   `yaml:"max_value"`
	Text     string   `yaml:"text"`
	Expires  Duration `yaml:"expires"`
	Budget   *Budget  `yaml:"budget"`
	Pos      Pos      `yaml:"-"`
	// For and MinOrder: config/reward_policy.go.
	For      string `yaml:"for"`
	MinOrder string `yaml:"min_order"`
}

// Budget caps a reward; never overspent whatever the concurrency.
type Budget struct {
	// Count caps the number of grants; 0 is no cap.
	Count int `yaml:"count"`
	// Amount caps the total face value granted (Reward.FaceValue: an amount coupon's amount,
	// a percentage coupon's max_value, a gift's or perk's value, a number of points), in the
	// unit the reward's value is written in; 0 is no cap. A reward whose grants have no face
	// value cannot have one.
	Amount float64 `yaml:"amount"`
}

// Segment is one file of segments/.
type Segment struct {
	ID    string     `yaml:"id"`
	Name  string     `yaml:"name"`
	Where *Condition `yaml:"where"`
	File  string     `yaml:"-"`
	Pos   Pos        `yaml:"-"`
}

// Holiday is a custom holiday from holidays/*.yaml.
type Holiday struct {
	ID        string   `yaml:"id"`
	Name      string   `yaml:"name"`
	Countries []string `yaml:"countries"` // ISO alpha-2; empty means every country
	Date      string   `yaml:"date"`      // MM-DD, every year
	Dates     []string `yaml:"dates"`     // YYYY-MM-DD, explicit list
	File      string   `yaml:"-"`
	Pos       Pos      `yaml:"-"`
}

// Pos is a position in a YAML file.
type Pos struct {
	Line, Col int
}

// Set is everything loaded from the configured directories.
type Set struct {
	Campaigns []*Campaign
	Segments  map[string]*Segment
	Holidays  []*Holiday
	// Templates is the root directory of the template files.
	Templates string
}

// Campaign returns the campaign with this id, or nil.
func (s *Set) Campaign(id string) *Campaign {
	for _, c := range s.Campaigns {
		if c.ID == id {
			return c
		}
	}
	return nil
}
