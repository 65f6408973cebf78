package templates

import (
	"errors"
	"strings"
	"testing"

	"github.com/rapporthq/rapport/config"
)

// campaign builds a triggered campaign from variants, as the config loader would.
func campaign(variants ...config.Variant) *config.Campaign {
	return &config.Campaign{
		ID: "thank-you", Name: "Thank you", File: "campaigns/thank-you.yaml", Pos: config.Pos{Line: 1, Col: 5},
		Trigger:  config.Trigger{Event: "Order Completed"},
		Variants: variants,
		Rewards:  []config.Reward{{ID: "points", Kind: "points", Value: "200"}},
	}
}

// joined formats the problems one per line, for failure messages and matching.
func joined(errs []error) string {
	lines := make([]string, len(errs))
	for i, e := range errs {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

func TestCheckPassesTheTestdataCampaign(t *testing.T) {
	t.Parallel()
	s, err := Load("testdata")
	if err != nil {
		t.Fatal(err)
	}
	c := campaign(config.Variant{ID: "gold", Pos: config.Pos{Line: 10, Col: 5},
		Email: &config.EmailContent{Subject: "Thank you, {{default \"friend\" .Customer.FirstName}}", HTML: "thank-you/gold.html"},
		SMS:   &config.SMSContent{Text: "{{default \"Hi\" .Customer.FirstName}}, thank you! {{with .Reward}}{{.Text}}{{end}}"},
	})
	if errs := s.Check([]*config.Campaign{c}, SampleData(fixedNow)); len(errs) > 0 {
		t.Errorf("Check found problems in a good campaign:\n%s", joined(errs))
	}
	if errs := s.Check([]*config.Campaign{c}, nil); len(errs) > 0 {
		t.Errorf("Check with the default sample:\n%s", joined(errs))
	}
}

func TestCheckReportsMissingFileAndBrokenSubjectAtTheCampaignPosition(t *testing.T) {
	t.Parallel()
	s := loadSet(t, map[string]string{"ok.html": "<p>ok</p>", "only.ru.html": "<p>ru</p>", "page.html": "<p>x</p>"})
	c := campaign(
		config.Variant{ID: "broken-subject", Pos: config.Pos{Line: 10, Col: 5},
			Email: &config.EmailContent{Subject: "Hi {{.Customer.FirstName", HTML: "ok.html", Pos: config.Pos{Line: 11, Col: 12}}},
		config.Variant{ID: "missing-html", Pos: config.Pos{Line: 20, Col: 5},
			Email: &config.EmailContent{Subject: "Hi", HTML: "thank-you/nope.html", Pos: config.Pos{Line: 21, Col: 12}}},
		config.Variant{ID: "no-default", Pos: config.Pos{Line: 30, Col: 5},
			Email: &config.EmailContent{Subject: "Hi", HTML: "only.html", Pos: config.Pos{Line: 31, Col: 12}}},
		config.Variant{ID: "bad-sms", Pos: config.Pos{Line: 40, Col: 5},
			SMS: &config.SMSContent{Text: "{{nofunc}}", Pos: config.Pos{Line: 41, Col: 10}}},
		config.Variant{ID: "html-as-sms", Pos: config.Pos{Line: 50, Col: 5},
			SMS: &config.SMSContent{File: "page.html"}},
	)
	errs := s.Check([]*config.Campaign{c}, SampleData(fixedNow))
	want := []string{
		"campaigns/thank-you.yaml:11:12: variant broken-subject: email subject:1: unclosed action",
		"campaigns/thank-you.yaml:21:12: variant missing-html: email: thank-you/nope.html in ",
		"campaigns/thank-you.yaml:31:12: variant no-default: email: only.html in ",
		"campaigns/thank-you.yaml:41:10: variant bad-sms: sms text:1: function \"nofunc\" not defined",
		"campaigns/thank-you.yaml:50:5: variant html-as-sms: sms: page.html is an HTML template",
	}
	got := joined(errs)
	if len(errs) != len(want) {
		t.Errorf("got %d problems, want %d:\n%s", len(errs), len(want), got)
	}
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("no problem starting %q in:\n%s", w, got)
		}
	}
	notFound := 0
	for _, e := range errs {
		if errors.Is(e, ErrNotFound) {
			notFound++
		}
		var te *Error
		if !errors.As(e, &te) || te.File != "campaigns/thank-you.yaml" || te.Line == 0 {
			t.Errorf("%v is not an *Error at a campaign position", e)
		}
	}
	if notFound != 2 {
		t.Errorf("%d problems are ErrNotFound, want 2", notFound)
	}
}

func TestCheckRendersEveryTranslation(t *testing.T) {
	t.Parallel()
	s := loadSet(t, map[string]string{
		"m/a.html":    "<p>{{.Customer.FirstName}}</p>",
		"m/a.de.html": "<p>{{.Customer.FirstName}}</p>",
		"m/a.ru.html": "<p>\n{{.Customer.Vorname}}</p>",
		"m/s.sms":     "Hi {{.Customer.FirstName}}",
		"m/s.fa.sms":  "{{date .Now \"lnog\"}}",
	})
	c := campaign(config.Variant{ID: "v", Pos: config.Pos{Line: 7, Col: 5},
		Email: &config.EmailContent{Subject: "Hi", HTML: "m/a.html", Pos: config.Pos{Line: 8, Col: 12}},
		SMS:   &config.SMSContent{File: "m/s.sms", Pos: config.Pos{Line: 9, Col: 10}},
	})
	errs := s.Check([]*config.Campaign{c}, SampleData(fixedNow))
	got := joined(errs)
	if len(errs) != 2 {
		t.Errorf("got %d problems, want 2:\n%s", len(errs), got)
	}
	for _, w := range []string{
		"campaigns/thank-you.yaml:8:12: variant v: email (locale ru): ",
		"a.ru.html:2:11: at <.Customer.Vorname>: ",
		"can't evaluate field Vorname",
		"campaigns/thank-you.yaml:9:10: variant v: sms (locale fa): ",
		`unknown style "lnog"`,
	} {
		if !strings.Contains(got, w) {
			t.Errorf("no %q in:\n%s", w, got)
		}
	}
}

func TestCheckCatchesTemplatesThatOnlyWorkForTheSample(t *testing.T) {
	t.Parallel()
	s := loadSet(t, map[string]string{
		"clv.html":     "<p>{{.Customer.Predicted.CLV}}</p>",
		"guarded.html": "<p>{{with .Customer.Predicted}}{{.CLV}}{{end}}{{with .Reward}}{{.Code}}{{end}}</p>",
		"code.html":    "<p>{{.Reward.Code}}</p>",
		"city.html":    "<p>{{.Customer.Traits.address.city}}</p>",
	})
	variant := func(id, html, subject string) config.Variant {
		return config.Variant{ID: id, Pos: config.Pos{Line: 3, Col: 5}, Email: &config.EmailContent{Subject: subject, HTML: html}}
	}
	conditional := campaign(
		variant("clv", "clv.html", "Hi"),
		variant("guarded", "guarded.html", "Hi"),
		variant("code", "code.html", "Hi"),
		variant("city", "city.html", "Hi"),
		variant("name-only-subject", "guarded.html", "{{.Customer.FirstName}}"),
	)
	conditional.Rewards = []config.Reward{{ID: "c", Kind: "coupon", When: &config.Condition{Source: "customer.orders > 1"}}}
	got := joined(s.Check([]*config.Campaign{conditional}, SampleData(fixedNow)))
	for _, w := range []string{
		"variant clv: email fails for a customer without",
		"variant code: email fails for a customer without",
		"variant city: email fails for a customer without",
		"variant name-only-subject: email fails for a customer without name",
	} {
		if !strings.Contains(got, w) {
			t.Errorf("no %q in:\n%s", w, got)
		}
	}
	if strings.Contains(got, "variant guarded") {
		t.Errorf("a guarded template was reported:\n%s", got)
	}

	// A campaign that always gives a reward may use .Reward unguarded.
	always := campaign(variant("code", "code.html", "Hi"))
	if errs := s.Check([]*config.Campaign{always}, SampleData(fixedNow)); len(errs) > 0 {
		t.Errorf("unguarded reward in a campaign that always rewards:\n%s", joined(errs))
	}
}

func TestCheckLeavesTheEventOutOfScheduledCampaigns(t *testing.T) {
	t.Parallel()
	s := loadSet(t, map[string]string{"e.html": "<p>{{money .Event.total .Event.currency}}</p><p>{{index .Event \"order_id\"}}</p>"})
	c := campaign(config.Variant{ID: "v", Email: &config.EmailContent{Subject: "Hi", HTML: "e.html"}})
	c.Trigger = config.Trigger{Schedule: &config.Schedule{Cron: "0 10 * * MON"}}
	if errs := s.Check([]*config.Campaign{c}, SampleData(fixedNow)); len(errs) > 0 {
		t.Errorf("an event template in a scheduled campaign renders empty, not an error:\n%s", joined(errs))
	}
}

func TestSampleDataRendersEveryFunction(t *testing.T) {
	t.Parallel()
	s := loadSet(t, map[string]string{
		"all.html": `<p>{{default "friend" .Customer.FirstName}}|{{title "anna smith"}}|{{upper .Customer.FirstName}}|` +
			`{{lower .Customer.LastName}}|{{trait "tier"}}|{{trait "address.city"}}|{{date .Customer.LastOrderAt "long"}}|` +
			`{{date .Customer.Birthday "monthday"}}|{{time .Reward.ExpiresAt}}|{{number .Customer.Predicted.CLV 0}}|` +
			`{{money .Event.total .Event.currency}}|{{.Reward.Code}}|{{.Campaign.Name}}|{{.Customer.Predicted.Lifecycle}}</p>` +
			`<a href="{{safeURL .Links.ViewOnline}}">v</a>`,
	})
	m, err := s.Render(emailVariant("{{upper (trait \"tier\")}}", "all.html"), "email", "en", nil, SampleData(fixedNow))
	if err != nil {
		t.Fatal(err)
	}
	want := "Anna|Anna Smith|ANNA|sample|gold|Springfield|February 21, 2026|May 17|12:00|812|€59.90|THANKS-7Q2K|Sample campaign|loyal\n\nv (https://news.example.com/v/sample-token)"
	if m.Text != want {
		t.Errorf("text\n got %q\nwant %q", m.Text, want)
	}
	if m.Subject != "GOLD" {
		t.Errorf("subject = %q", m.Subject)
	}
}
