package config

import (
	"strings"
	"testing"
)

// senderOK is the email.sender_address a configuration needs for marketing email campaigns.
const senderOK = "email:\n  sender_address: |\n    Rapport Demo Shop\n    1 Example Street\n"

func TestMarketingEmailCampaignNeedsASenderAddress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		config    string
		env       []string
		campaign  string
		wantError string // "" for none
	}{
		{"marketing email without address", "listen: 127.0.0.1:8080\n", nil,
			"id: a\ntrigger: {event: E}\nchannels: [sms, email]\n" + variantsOK,
			"campaigns/a.yaml:3:11: channels: the campaign sends marketing email, which must carry the sender's postal address"},
		{"email by default", "listen: 127.0.0.1:8080\n", nil,
			"id: a\ntrigger: {event: E}\n" + variantsOK,
			"campaigns/a.yaml:1:1: channels: the campaign sends marketing email"},
		{"a blank address is none", "email:\n  sender_address: \"  \"\n", nil,
			"id: a\ntrigger: {event: E}\n" + variantsOK,
			"campaigns/a.yaml:1:1: channels: the campaign sends marketing email"},
		{"address in rapport.yaml", senderOK, nil, "id: a\ntrigger: {event: E}\n" + variantsOK, ""},
		{"address from the environment", "listen: 127.0.0.1:8080\n",
			[]string{"RAPPORT_EMAIL_SENDER_ADDRESS=1 Example Street, Springfield"},
			"id: a\ntrigger: {event: E}\n" + variantsOK, ""},
		{"transactional", "listen: 127.0.0.1:8080\n", nil,
			"id: a\ntrigger: {event: E}\ntransactional: true\n" + variantsOK, ""},
		{"sms only", "listen: 127.0.0.1:8080\n", nil,
			"id: a\ntrigger: {event: E}\nchannels: [sms]\nvariants:\n  - {id: a, sms: {text: Hi}}\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			cfgPath := writeFile(t, dir, "rapport.yaml", tt.config)
			writeFile(t, dir, "campaigns/a.yaml", tt.campaign)
			cfg, err := Load(cfgPath, tt.env)
			if err != nil {
				t.Fatal(err)
			}
			set, err := LoadSet(cfg)
			lines := errorLines(err, dir)
			switch {
			case tt.wantError == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.wantError != "" && (len(lines) != 1 || !strings.HasPrefix(lines[0], tt.wantError)):
				t.Fatalf("errors %q, want one starting %q", lines, tt.wantError)
			}
			if set.Campaign("a") == nil {
				t.Error("the campaign still loads")
			}
		})
	}
}

// rapport lint DIR checks content without the operator's rapport.yaml, so it cannot hold
// the address against the campaigns.
func TestLoadDirDoesNotAskForASenderAddress(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "campaigns/a.yaml", "id: a\ntrigger: {event: E}\n"+variantsOK)
	if _, err := LoadDir(dir); err != nil {
		t.Fatal(err)
	}
}

func TestSenderAddressShopURLAndTransactionalAreRead(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfgPath := writeFile(t, dir, "rapport.yaml", "shop_url: https://shop.example.com\n"+senderOK)
	writeFile(t, dir, "campaigns/a.yaml", "id: a\ntrigger: {event: E}\ntransactional: true\n"+variantsOK)
	cfg, err := Load(cfgPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ShopURL != "https://shop.example.com" || cfg.Email.SenderAddress != "Rapport Demo Shop\n1 Example Street\n" {
		t.Errorf("shop_url %q, sender_address %q", cfg.ShopURL, cfg.Email.SenderAddress)
	}
	set, err := LoadSet(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !set.Campaign("a").Transactional {
		t.Error("transactional: true was not read")
	}

	cfgPath = writeFile(t, dir, "rapport.yaml", "shop_url: shop.example.com\n")
	_, err = Load(cfgPath, nil)
	want := []string{`rapport.yaml:1:11: shop_url: "shop.example.com" is not an absolute http(s) URL`}
	sameLines(t, errorLines(err, dir), want)
}
