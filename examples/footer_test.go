package examples_test

import (
	"cmp"
	"html"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/templates"
)

// exampleLocales are the languages every example template is written in ("" is English).
var exampleLocales = []string{"", "de", "es", "fa", "ru", "zh"}

// renderAll renders every email variant of the demo and scheduled examples in every language
// with the sample data as changed by edit, and hands each message to check.
func renderAll(t *testing.T, edit func(d *templates.Data, c *config.Campaign, locale string),
	check func(t *testing.T, c *config.Campaign, locale, name string, m *templates.Message)) {
	t.Helper()
	dir := unpack(t)
	cfg, err := config.Load(filepath.Join(dir, "rapport.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	demo, err := config.LoadSet(cfg)
	if err != nil {
		t.Fatal(err)
	}
	scheduled, err := config.LoadDir(filepath.Join(dir, "scheduled"))
	if err != nil {
		t.Fatal(err)
	}
	for _, set := range []*config.Set{demo, scheduled} {
		ts, err := templates.Load(set.Templates)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range set.Campaigns {
			for i := range c.Variants {
				v := &c.Variants[i]
				if v.Email == nil {
					continue
				}
				for _, locale := range exampleLocales {
					d := templates.SampleData(time.Date(2027, 3, 21, 10, 0, 0, 0, time.UTC))
					d.Sender = templates.NewSender(cfg.Email.From, cfg.Email.SenderAddress)
					d.Links.Shop = cfg.ShopURL
					d.Customer.Locale = locale
					edit(d, c, locale)
					m, err := ts.Render(v, templates.ChannelEmail, locale, time.UTC, d)
					if err != nil {
						t.Fatalf("%s/%s in %q: %v", c.ID, v.ID, locale, err)
					}
					check(t, c, locale, c.ID+"/"+v.ID+" in "+cmp.Or(locale, "en"), m)
				}
			}
		}
	}
}

// CAN-SPAM requires a postal address in every commercial email; the examples show the one of
// rapport.yaml in every footer, in every language.
func TestEveryExampleEmailShowsTheSenderAddress(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load("rapport.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	lines := templates.NewSender(cfg.Email.From, cfg.Email.SenderAddress).AddressLines()
	if len(lines) < 2 {
		t.Fatalf("rapport.yaml: email.sender_address has %d lines, want a postal address", len(lines))
	}
	renderAll(t, func(*templates.Data, *config.Campaign, string) {}, func(t *testing.T, c *config.Campaign, locale, name string, m *templates.Message) {
		for _, l := range lines {
			if !strings.Contains(html.UnescapeString(m.HTML), l) || !strings.Contains(m.Text, l) {
				t.Errorf("%s: the email does not show the sender address line %q", name, l)
			}
		}
	})
}

func TestHolidayGreetingsLinkBackToTheShop(t *testing.T) {
	t.Parallel()
	renderAll(t, func(*templates.Data, *config.Campaign, string) {}, func(t *testing.T, c *config.Campaign, locale, name string, m *templates.Message) {
		if c.ID != "nowruz" && c.ID != "lunar-new-year" {
			return
		}
		if !strings.Contains(m.HTML, `href="https://shop.example.com"`) {
			t.Errorf("%s: no link to the shop", name)
		}
	})
}

// A Chinese customer reads their name family name first, and a reward in yuan as ¥88; a
// Persian one reads a percentage in Persian digits.
func TestExampleEmailsWriteNamesAndRewardsTheLocaleWay(t *testing.T) {
	t.Parallel()
	edit := func(d *templates.Data, c *config.Campaign, locale string) {
		if locale == "zh" {
			d.Customer.FirstName, d.Customer.LastName = "芳", "杨"
			d.Reward.Value = "88 CNY"
		}
	}
	renderAll(t, edit, func(t *testing.T, c *config.Campaign, locale, name string, m *templates.Message) {
		body := m.Subject + m.HTML
		switch locale {
		case "zh":
			if strings.Contains(body, "芳 杨") || strings.Contains(body, "芳杨") {
				t.Errorf("%s: given name first", name)
			}
			if strings.Contains(body, "CNY") {
				t.Errorf("%s: reward written as configured (88 CNY), not ¥88", name)
			}
		case "fa":
			// Only where the campaign can give a coupon: otherwise the template shows the
			// sample reward's (English) text.
			if givesCoupon(c) && strings.Contains(body, "10%") {
				t.Errorf("%s: a Latin 10%% in Persian text", name)
			}
		}
	})
	// And the greeting that gives a coupon does show it.
	want := map[string]string{"zh": "立减¥88", "fa": "۱۰٪", "de": "10\u00a0%", "ru": "10\u00a0%", "es": "10\u00a0%", "": "10%"}
	renderAll(t, edit, func(t *testing.T, c *config.Campaign, locale, name string, m *templates.Message) {
		if c.ID == "lunar-new-year" && !strings.Contains(m.HTML, want[locale]) {
			t.Errorf("%s: no %q in the coupon", name, want[locale])
		}
	})
}

func givesCoupon(c *config.Campaign) bool {
	for _, r := range c.Rewards {
		if r.Kind == "coupon" {
			return true
		}
	}
	return false
}
