package channels

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/rapporthq/rapport/internal/testenv"
)

type smtpBundle struct {
	sink *testenv.SMTP
	pool *SMTPPool
}

// setupSMTP starts a sink and a pool on it; change adjusts the config before the pool starts.
func setupSMTP(t *testing.T, change func(*SMTPConfig)) *smtpBundle {
	t.Helper()
	sink := testenv.NewSMTP(t)
	cfg := SMTPConfig{URL: sink.URL(), From: "Shop <shop@example.com>", Size: 4, Timeout: 5 * time.Second}
	if change != nil {
		change(&cfg)
	}
	pool, err := NewSMTPPool(cfg, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("NewSMTPPool: %v", err)
	}
	t.Cleanup(func() { _ = pool.Close() })
	return &smtpBundle{sink: sink, pool: pool}
}

func testEmail(n int) *Email {
	return &Email{
		To: fmt.Sprintf("anna%d@example.com", n), ToName: "Анна Петрова",
		Subject: "Спасибо, Анна", Text: "Спасибо за заказ!\nВаш купон: THANKS10",
		HTML:      "<p>Спасибо за <b>заказ</b>!</p>",
		MessageID: fmt.Sprintf("rapport.%04d@shop.example.com", n),
	}
}

func TestEmailArrivesWithUTF8PartsMessageIDAndUnsubscribeHeaders(t *testing.T) {
	t.Parallel()
	b := setupSMTP(t, nil)
	m := testEmail(1)
	m.ListUnsubscribe = "https://news.example.com/u/tok123"
	m.Headers = map[string]string{"X-Rapport-Campaign": "thank-you"}
	r, err := b.pool.SendEmail(context.Background(), m)
	if err != nil {
		t.Fatalf("SendEmail: %v", err)
	}
	if r.ProviderID != "rapport.0001@shop.example.com" {
		t.Errorf("ProviderID = %q, want the Message-ID (the sink names no queue id)", r.ProviderID)
	}
	got := b.sink.Wait(t, 1, 2*time.Second)[0]
	checks := []struct{ name, got, want string }{
		{"subject", got.Subject, "Спасибо, Анна"},
		{"text", strings.TrimSpace(got.Text), "Спасибо за заказ!\r\nВаш купон: THANKS10"},
		{"html", strings.TrimSpace(got.HTML), "<p>Спасибо за <b>заказ</b>!</p>"},
		{"message-id", got.Header.Get("Message-ID"), "<rapport.0001@shop.example.com>"},
		{"list-unsubscribe", got.Header.Get("List-Unsubscribe"), "<https://news.example.com/u/tok123>"},
		{"list-unsubscribe-post", got.Header.Get("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click"},
		{"campaign header", got.Header.Get("X-Rapport-Campaign"), "thank-you"},
		{"envelope from", got.From, "shop@example.com"},
		{"envelope to", strings.Join(got.To, ","), "anna1@example.com"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	to, err := got.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Name != "Анна Петрова" || to[0].Address != "anna1@example.com" {
		t.Errorf("To header = %q (%v), want Анна Петрова <anna1@example.com>", got.Header.Get("To"), err)
	}
	if _, err := got.Header.Date(); err != nil {
		t.Errorf("Date header: %v", err)
	}
	if ct := got.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/alternative") {
		t.Errorf("Content-Type = %q, want multipart/alternative", ct)
	}
}

func TestTextOnlyEmailHasNoAlternative(t *testing.T) {
	t.Parallel()
	b := setupSMTP(t, nil)
	m := testEmail(2)
	m.HTML = ""
	if _, err := b.pool.SendEmail(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := b.sink.Wait(t, 1, 2*time.Second)[0]
	if ct := got.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type = %q, want text/plain", ct)
	}
	if got.HTML != "" || !strings.Contains(got.Text, "THANKS10") {
		t.Errorf("text %q html %q", got.Text, got.HTML)
	}
}

func TestPoolReusesConnectionsForManyMessages(t *testing.T) {
	t.Parallel()
	b := setupSMTP(t, nil)
	const n = 200
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := b.pool.SendEmail(context.Background(), testEmail(i)); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := b.sink.Count(); got != n {
		t.Fatalf("sink accepted %d messages, want %d", got, n)
	}
	if s := b.sink.Sessions(); s > 4 {
		t.Fatalf("%d SMTP sessions for %d messages over a pool of 4: connections are not reused", s, n)
	}
	if st := b.pool.Stats(); st.Open > 4 || st.Idle != st.Open {
		t.Fatalf("stats after the burst = %+v, want at most 4 open, all idle", st)
	}
}

func TestConcurrentSendsFromSixteenGoroutines(t *testing.T) {
	t.Parallel()
	b := setupSMTP(t, func(c *SMTPConfig) { c.Size = 3 })
	var wg sync.WaitGroup
	var mu sync.Mutex
	ids := map[string]bool{}
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				r, err := b.pool.SendEmail(context.Background(), testEmail(g*100+i))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				ids[r.ProviderID] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(ids) != 160 || b.sink.Count() != 160 {
		t.Fatalf("%d distinct receipts, %d accepted, want 160", len(ids), b.sink.Count())
	}
	if s := b.sink.Sessions(); s > 3 {
		t.Fatalf("%d sessions over a pool of 3", s)
	}
}

func TestAuthPlainWithCredentialsFromURL(t *testing.T) {
	t.Parallel()
	sink := testenv.NewSMTP(t)
	sink.User, sink.Pass = "mailer", "s3cr:t/pass"
	send := func(url string) error {
		pool, err := NewSMTPPool(SMTPConfig{URL: url, From: "shop@example.com", Timeout: 3 * time.Second}, zaptest.NewLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		defer pool.Close()
		_, err = pool.SendEmail(context.Background(), testEmail(7))
		return err
	}
	good := fmt.Sprintf("smtp://mailer:%s@%s?tls=none", "s3cr%3At%2Fpass", sink.Addr)
	if err := send(good); err != nil {
		t.Fatalf("with the right password: %v", err)
	}
	sink.Wait(t, 1, 2*time.Second)

	// go-smtp answers a bad password with 454 (temporary authentication failure), so the
	// reply's class decides; a 535 is a configuration error (TestDialErrorsAreClassified).
	err := send(fmt.Sprintf("smtp://mailer:wrong@%s?tls=none", sink.Addr))
	if !errors.Is(err, ErrTemporary) || !strings.Contains(err.Error(), "AUTH") {
		t.Fatalf("with a wrong password: %v, want a temporary AUTH failure as the server said 454", err)
	}
	if sink.Count() != 1 {
		t.Fatal("a message went out with a wrong password")
	}
	if strings.Contains(err.Error(), "wrong") || strings.Contains(err.Error(), "anna7@") {
		t.Fatalf("error leaks the password or the address: %v", err)
	}
}

func TestTLSRequiredFailsAgainstPlainServer(t *testing.T) {
	t.Parallel()
	b := setupSMTP(t, func(c *SMTPConfig) { c.URL = strings.Replace(c.URL, "tls=none", "tls=required", 1) })
	_, err := b.pool.SendEmail(context.Background(), testEmail(1))
	if !IsConfig(err) || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("err = %v, want a configuration error naming STARTTLS", err)
	}
	if b.sink.Count() != 0 {
		t.Fatal("a message went out without the required TLS")
	}
}

func TestServerOutageIsTemporaryAndRecoversOnRestart(t *testing.T) {
	t.Parallel()
	const timeout = 2 * time.Second
	b := setupSMTP(t, func(c *SMTPConfig) { c.Timeout = timeout })
	ctx := context.Background()
	if _, err := b.pool.SendEmail(ctx, testEmail(1)); err != nil {
		t.Fatal(err)
	}
	b.sink.Stop()
	start := time.Now()
	_, err := b.pool.SendEmail(ctx, testEmail(2))
	if !errors.Is(err, ErrTemporary) {
		t.Fatalf("during the outage: %v, want ErrTemporary", err)
	}
	if took := time.Since(start); took > timeout {
		t.Fatalf("failing took %s, more than the %s timeout", took, timeout)
	}
	if st := b.pool.Stats(); st.Open != 0 {
		t.Fatalf("stats during the outage = %+v, want the dead connection dropped", st)
	}
	before := b.sink.Sessions()
	b.sink.Restart(t)
	if _, err := b.pool.SendEmail(ctx, testEmail(3)); err != nil {
		t.Fatalf("after restart: %v", err)
	}
	if b.sink.Sessions() != before+1 {
		t.Fatalf("sessions %d -> %d, want one fresh connection", before, b.sink.Sessions())
	}
}

func TestStaleConnectionIsRedialledOnce(t *testing.T) {
	t.Parallel()
	b := setupSMTP(t, func(c *SMTPConfig) { c.Size = 1 })
	ctx := context.Background()
	if _, err := b.pool.SendEmail(ctx, testEmail(1)); err != nil {
		t.Fatal(err)
	}
	// The server drops every session (a restart, an idle cut) between two messages: the pool
	// only learns it at the next MAIL FROM, and must still deliver that message.
	b.sink.Stop()
	b.sink.Restart(t)
	if _, err := b.pool.SendEmail(ctx, testEmail(2)); err != nil {
		t.Fatalf("send over a dropped session: %v", err)
	}
	if got := b.sink.Wait(t, 2, 2*time.Second); len(got) != 2 {
		t.Fatalf("%d messages, want 2 (none lost, none doubled)", len(got))
	}
}

func TestRejectionsAreClassifiedAndPoolStaysUsable(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		code     int
		wantPerm bool
	}{
		{"550 mailbox unavailable is permanent", 550, true},
		{"554 transaction failed is permanent", 554, true},
		{"451 local error is temporary", 451, false},
		{"452 insufficient storage is temporary", 452, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := setupSMTP(t, func(cfg *SMTPConfig) { cfg.Size = 1 })
			b.sink.Respond(func(r testenv.Received) error {
				return testenv.Reject(c.code, "no thanks, <"+strings.ToUpper(r.To[0])+">")
			})
			_, err := b.pool.SendEmail(context.Background(), testEmail(1))
			if IsPermanent(err) != c.wantPerm || errors.Is(err, ErrTemporary) == c.wantPerm {
				t.Fatalf("err = %v, want permanent=%v", err, c.wantPerm)
			}
			if IsConfig(err) {
				t.Fatalf("a rejection at DATA is not a configuration error: %v", err)
			}
			if !strings.Contains(err.Error(), "a***@example.com") || !strings.Contains(err.Error(), fmt.Sprint(c.code)) {
				t.Fatalf("error should name the masked recipient and the code: %v", err)
			}
			if strings.Contains(strings.ToLower(err.Error()), "anna1@") {
				t.Fatalf("error leaks the address the server quoted back: %v", err)
			}
			b.sink.Respond(nil)
			if _, err := b.pool.SendEmail(context.Background(), testEmail(2)); err != nil {
				t.Fatalf("next send after the rejection: %v", err)
			}
			if s := b.sink.Sessions(); s != 1 {
				t.Fatalf("%d sessions, want the rejected session reused", s)
			}
		})
	}
}

func TestContextDeadlineIsRespected(t *testing.T) {
	t.Parallel()
	b := setupSMTP(t, func(c *SMTPConfig) { c.Timeout = 10 * time.Second })
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	b.sink.Respond(func(testenv.Received) error {
		<-release // the server hangs after the content: the outcome is unknown to the client
		return nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := b.pool.SendEmail(ctx, testEmail(1))
	took := time.Since(start)
	if !errors.Is(err, ErrTemporary) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want temporary wrapping the deadline", err)
	}
	if !strings.Contains(err.Error(), "outcome unknown") || !errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("a cut after DATA must say the outcome is unknown: %v", err)
	}
	if took > time.Second {
		t.Fatalf("returned after %s, the context allowed 200ms", took)
	}
}

func TestCancelledContextFailsBeforeSending(t *testing.T) {
	t.Parallel()
	b := setupSMTP(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := b.pool.SendEmail(ctx, testEmail(1))
	if !errors.Is(err, ErrTemporary) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want temporary wrapping context.Canceled", err)
	}
	if b.sink.Count() != 0 {
		t.Fatal("a cancelled send went out")
	}
}

func TestIdleConnectionsAreClosed(t *testing.T) {
	t.Parallel()
	b := setupSMTP(t, func(c *SMTPConfig) { c.IdleTimeout = 100 * time.Millisecond })
	if _, err := b.pool.SendEmail(context.Background(), testEmail(1)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for b.pool.Stats().Open != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("stats = %+v after the idle timeout, want no open connection", b.pool.Stats())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := b.pool.SendEmail(context.Background(), testEmail(2)); err != nil {
		t.Fatalf("send after the idle close: %v", err)
	}
	if s := b.sink.Sessions(); s != 2 {
		t.Fatalf("%d sessions, want a second one after the idle close", s)
	}
}

func TestRateLimitSpacesMessages(t *testing.T) {
	t.Parallel()
	b := setupSMTP(t, func(c *SMTPConfig) { c.RatePerSecond = 20 })
	start := time.Now()
	for i := range 5 {
		if _, err := b.pool.SendEmail(context.Background(), testEmail(i)); err != nil {
			t.Fatal(err)
		}
	}
	// Burst 1 at 20/s: the 5th message waits for 4 intervals of 50ms.
	if took := time.Since(start); took < 180*time.Millisecond {
		t.Fatalf("5 messages at 20/s took %s, want at least 200ms", took)
	}
}

func TestClosedPoolRefusesSendsAndClosesTwice(t *testing.T) {
	t.Parallel()
	b := setupSMTP(t, nil)
	if _, err := b.pool.SendEmail(context.Background(), testEmail(1)); err != nil {
		t.Fatal(err)
	}
	if err := b.pool.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.pool.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if st := b.pool.Stats(); st.Open != 0 {
		t.Fatalf("stats after Close = %+v", st)
	}
	_, err := b.pool.SendEmail(context.Background(), testEmail(2))
	if !errors.Is(err, ErrTemporary) || !errors.Is(err, errPoolClosed) {
		t.Fatalf("send after Close: %v, want temporary pool-closed", err)
	}
}

func TestInvalidMessagesFailBeforeConnecting(t *testing.T) {
	t.Parallel()
	b := setupSMTP(t, nil)
	cases := []struct {
		name       string
		change     func(*Email)
		wantConfig bool // false: the recipient's address is at fault
	}{
		{"malformed recipient blames the address", func(m *Email) { m.To = "not-an-address" }, false},
		{"recipient with a display name blames the address", func(m *Email) { m.To = "Anna <anna@example.com>" }, false},
		{"missing text part", func(m *Email) { m.Text = " " }, true},
		{"header injection in a value", func(m *Email) { m.Headers = map[string]string{"X-A": "1\r\nBcc: x@evil.test"} }, true},
		{"header name with a colon", func(m *Email) { m.Headers = map[string]string{"X-A:": "1"} }, true},
		{"header overriding From", func(m *Email) { m.Headers = map[string]string{"from": "x@evil.test"} }, true},
		{"message id without a domain", func(m *Email) { m.MessageID = "rapport-123" }, true},
		{"message id with a space", func(m *Email) { m.MessageID = "a b@example.com" }, true},
		{"unsubscribe url with angle bracket", func(m *Email) { m.ListUnsubscribe = "https://x.test/u>, <https://evil.test" }, true},
		{"unsubscribe url too long for a header line", func(m *Email) { m.ListUnsubscribe = "https://x.test/u/" + strings.Repeat("t", 1000) }, true},
		{"unsubscribe url of another scheme", func(m *Email) { m.ListUnsubscribe = "javascript:alert(1)" }, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := testEmail(1)
			c.change(m)
			_, err := b.pool.SendEmail(context.Background(), m)
			if !IsPermanent(err) || IsConfig(err) != c.wantConfig {
				t.Fatalf("err = %v, want permanent with config=%v", err, c.wantConfig)
			}
		})
	}
	if s := b.sink.Sessions(); s != 0 {
		t.Fatalf("%d sessions opened for messages that cannot be built", s)
	}
}

func TestMultiLineSubjectIsFolded(t *testing.T) {
	t.Parallel()
	b := setupSMTP(t, nil)
	m := testEmail(1)
	m.Subject = "Спасибо,\r\nАнна"
	m.MessageID = "<rapport.angle@shop.example.com>"
	if _, err := b.pool.SendEmail(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := b.sink.Wait(t, 1, 2*time.Second)[0]
	if got.Subject != "Спасибо, Анна" {
		t.Errorf("subject = %q", got.Subject)
	}
	if id := got.Header.Get("Message-ID"); id != "<rapport.angle@shop.example.com>" {
		t.Errorf("Message-ID = %q, want the brackets not doubled", id)
	}
}
