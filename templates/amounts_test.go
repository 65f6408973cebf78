package templates

import (
	"strings"
	"testing"
)

const nb = "\u00a0"

func TestRewardAmountIsWrittenTheLocaleWay(t *testing.T) {
	t.Parallel()
	tests := []struct {
		locale string
		value  any
		cur    []any
		want   string
	}{
		{"en", "88 CNY", nil, "CN¥88"},
		{"zh", "88 CNY", nil, "¥88"},
		{"zh-CN", "88 CNY", nil, "¥88"},
		{"ja", "1000 JPY", nil, "￥1,000"},
		{"ru", "500 RUB", nil, "500" + nb + "₽"},
		{"de", "10 EUR", nil, "10" + nb + "€"},
		{"de", "12.5 EUR", nil, "12,50" + nb + "€"},
		{"en", "12.5 EUR", nil, "€12.50"},
		{"fa-IR", "10 USD", nil, "۱۰" + nb + "$"},
		{"en", "10%", nil, "10%"},
		{"de", "10%", nil, "10" + nb + "%"},
		{"ru", "15%", nil, "15" + nb + "%"},
		{"fa", "15%", nil, "۱۵٪"},
		{"fa-IR", "15%", nil, "۱۵٪"},
		{"zh", "8%", nil, "8%"},
		{"ja", "12.5%", nil, "12.5%"},
		// Points, and an amount off in the order's currency.
		{"en", "200", nil, "200"},
		{"fa-IR", "200", nil, "۲۰۰"},
		{"de", "2000", nil, "2.000"},
		{"de", "5", []any{"EUR"}, "5" + nb + "€"},
		{"en", "5", []any{nil}, "5"},
		{"en", 200, nil, "200"},
		// What a marketer wrote that is not an amount is shown as given.
		{"en", "free shipping", nil, "free shipping"},
		{"en", "", nil, ""},
		{"en", nil, nil, ""},
	}
	for _, tt := range tests {
		got, err := newLang(tt.locale).amount(tt.value, tt.cur)
		if err != nil || got != tt.want {
			t.Errorf("amount %v %v in %q = %q, %v; want %q", tt.value, tt.cur, tt.locale, got, err, tt.want)
		}
	}
	if _, err := newLang("en").amount("5", []any{"EUR", "USD"}); err == nil {
		t.Error("two currencies: got no error")
	}
}

// Customers carry regional locales (fa-IR, ar-EG), for which golang.org/x/text forgets the
// language's digits; a Persian email must not mix ۱۴۰۴ in its dates with 15% in its offer.
func TestRegionalLocaleKeepsTheLanguageDigits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		locale string
		want   string // 1234.5 and 15%
	}{
		{"fa", "۱٬۲۳۴٫۵ ۱۵٪"},
		{"fa-IR", "۱٬۲۳۴٫۵ ۱۵٪"},
		{"fa-AF", "۱٬۲۳۴٫۵ ۱۵٪"},
		{"ar-EG", "١٬٢٣٤٫٥ ١٥٪؜"},
		{"ar-MA", "1.234,5 15\u200e%\u200e"},
		{"fa-IR-u-nu-latn", "1,234.5 15%"},
		{"de-CH", "1’234.5 15%"},
		{"ru-RU", "1" + nb + "234,5 15" + nb + "%"},
		{"en-US", "1,234.5 15%"},
	}
	for _, tt := range tests {
		l := newLang(tt.locale)
		n, err := l.number(1234.5, nil)
		if err != nil {
			t.Fatal(err)
		}
		p, err := l.percent(0.15, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := n + " " + p; got != tt.want {
			t.Errorf("%s: number and percent = %q, want %q", tt.locale, got, tt.want)
		}
	}
}

func TestPercentIsWrittenTheLocaleWay(t *testing.T) {
	t.Parallel()
	tests := []struct {
		locale   string
		v        any
		decimals []int
		want     string
	}{
		{"en", 0.15, nil, "15%"},
		{"de", 0.15, nil, "15" + nb + "%"},
		{"ru", 0.125, nil, "12,5" + nb + "%"},
		{"fa", 0.15, nil, "۱۵٪"},
		{"zh", 0.08, nil, "8%"},
		{"ja", 0.08, nil, "8%"},
		{"en", 0.1234, []int{1}, "12.3%"},
		{"en", "0.5", nil, "50%"},
		{"en", nil, nil, ""},
	}
	for _, tt := range tests {
		got, err := newLang(tt.locale).percent(tt.v, tt.decimals)
		if err != nil || got != tt.want {
			t.Errorf("percent %v %v in %q = %q, %v; want %q", tt.v, tt.decimals, tt.locale, got, err, tt.want)
		}
	}
}

// The reward value is "88 CNY" in the campaign; a Chinese customer reads 立减¥88.
func TestTemplateWritesTheRewardAmountInTheCustomersLocale(t *testing.T) {
	t.Parallel()
	set := loadSet(t, map[string]string{
		"offer.html":    `<p>{{with .Reward}}{{amount .Value}} off{{end}}</p>`,
		"offer.zh.html": `<p>{{with .Reward}}立减{{amount .Value}}{{end}}</p>`,
		"offer.fa.html": `<p>{{with .Reward}}{{amount .Value}} تخفیف{{end}}</p>`,
	})
	v := emailVariant("s", "offer.html")
	tests := []struct{ locale, value, want string }{
		{"zh-CN", "88 CNY", "<p>立减¥88</p>"},
		{"en-US", "88 CNY", "<p>CN¥88 off</p>"},
		{"fa-IR", "15%", "<p>۱۵٪ تخفیف</p>"},
		{"de-DE", "10 EUR", "<p>10" + nb + "€ off</p>"},
	}
	for _, tt := range tests {
		d := &Data{Reward: &RewardData{Kind: "coupon", Value: tt.value}}
		m, err := set.Render(v, ChannelEmail, tt.locale, nil, d)
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(m.HTML) != tt.want {
			t.Errorf("%s %s: got %q, want %q", tt.locale, tt.value, m.HTML, tt.want)
		}
	}
}
