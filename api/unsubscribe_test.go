package api_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rapporthq/rapport/customers"
)

func (b *hookBundle) page(t *testing.T, method, path string, form url.Values) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, b.srv.URL+path, strings.NewReader(form.Encode()))
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func unsubPath(b *hookBundle, channel string) string {
	link := b.signer.Unsubscribe("c1", "thank-you", channel)
	u, _ := url.Parse(link)
	return u.Path
}

func TestPreferencesPageSpeaksTheCustomersLanguageAndMasksAddresses(t *testing.T) {
	b := setupHooks(t)
	for locale, want := range map[string][]string{
		"ru-RU": {`lang="ru" dir="ltr"`, "Отписаться", "Приостановить на 30 дней"},
		"fa-IR": {`lang="fa" dir="rtl"`, "لغو اشتراک"},
		"de":    {`lang="de"`, "Abmelden", "30 Tage pausieren"},
		"zh-CN": {`lang="zh"`, "退订"},
		"ja-JP": {`lang="ja"`, "配信を停止する"},
		"pt-BR": {`lang="en"`, "Unsubscribe", "Pause for 30 days"},
	} {
		if _, err := b.store.Apply(context.Background(), []customers.Event{{Type: customers.TypeIdentify, UserID: "c1",
			MessageID: "l-" + locale, Timestamp: time.Now(), Traits: map[string]any{"locale": locale}}}); err != nil {
			t.Fatal(err)
		}
		code, body := b.page(t, "GET", unsubPath(b, "email"), nil)
		if code != 200 {
			t.Fatalf("%s: %d", locale, code)
		}
		for _, w := range append(want, `<form method="post">`, `value="email" checked`, `value="sms"`, "a***@example.org", "1415*****00") {
			if !strings.Contains(body, w) {
				t.Errorf("%s: page lacks %q", locale, w)
			}
		}
		if strings.Contains(body, "ann@example.org") || strings.Contains(body, "4155550100") || strings.Contains(body, "<script") {
			t.Errorf("%s: page shows an address in clear or needs JavaScript", locale)
		}
	}
	if p := b.customer(t); len(p.Unsubscribed) != 0 {
		t.Fatal("GET changed the customer")
	}
}

func TestOneClickPostUnsubscribesAndIsRecorded(t *testing.T) {
	b := setupHooks(t)
	code, _ := b.page(t, "POST", unsubPath(b, "email"), url.Values{"List-Unsubscribe": {"One-Click"}})
	if code != 200 {
		t.Fatalf("one-click: %d", code)
	}
	p := b.customer(t)
	if p.Unsubscribed["email"].IsZero() || p.ConsentHistory[0].Source != customers.SourceOneClick {
		t.Fatalf("one-click: unsubscribed %v, history %+v", p.Unsubscribed, p.ConsentHistory)
	}
	if _, ok := p.Unsubscribed["sms"]; ok {
		t.Fatal("one-click of an email link unsubscribed SMS")
	}
}

func TestPreferencesFormStopsOrPausesTheChosenChannels(t *testing.T) {
	b := setupHooks(t)
	code, body := b.page(t, "POST", unsubPath(b, "email"), url.Values{"channel": {"sms", "email", "fax"}, "action": {"pause"}})
	if code != 200 || !strings.Contains(body, "Готово") {
		t.Fatalf("pause: %d %s", code, body)
	}
	p := b.customer(t)
	if len(p.Unsubscribed) != 0 || len(p.PausedUntil) != 2 || p.PausedUntil["sms"].Before(time.Now().AddDate(0, 0, 29)) {
		t.Fatalf("pause: unsubscribed %v, paused %v", p.Unsubscribed, p.PausedUntil)
	}
	if code, _ := b.page(t, "POST", unsubPath(b, "email"), url.Values{"channel": {"sms"}, "action": {"unsubscribe"}}); code != 200 {
		t.Fatalf("unsubscribe: %d", code)
	}
	p = b.customer(t)
	if _, ok := p.Unsubscribed["sms"]; !ok || len(p.Unsubscribed) != 1 {
		t.Fatalf("unsubscribe from sms only: %v", p.Unsubscribed)
	}
	if code, _ := b.page(t, "POST", unsubPath(b, "email")+"x", url.Values{"channel": {"email"}}); code != 400 {
		t.Fatalf("forged token: %d", code)
	}
}

func TestCustomerViewShowsTheConsentHistory(t *testing.T) {
	b := setupHooks(t)
	b.twilio(t, "/v1/webhooks/twilio/sms", twilioToken, url.Values{"From": {"+14155550100"}, "Body": {"STOP"}})
	code, out := b.do(t, "GET", "/v1/customers/c1", "", bearer)
	h, _ := out["consent_history"].([]any)
	if code != 200 || len(h) == 0 {
		t.Fatalf("%d %v", code, out)
	}
	if first := h[0].(map[string]any); first["source"] != "sms_keyword" || first["action"] != "opt_out" || first["channel"] != "sms" {
		t.Fatalf("newest entry %v", first)
	}
}
