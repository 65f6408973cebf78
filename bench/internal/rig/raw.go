package rig

import (
	"context"
	"fmt"
	"net"
	netmail "net/mail"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"github.com/rapporthq/rapport/channels"
)

// RawResult is go-mail's own send rate: conns goroutines, each with one connection opened
// with DialToSMTPClientWithContext before the clock starts, calling SendWithSMTPClient in a
// loop.
type RawResult struct {
	Label     string  `json:"label"`
	Messages  int     `json:"messages"`
	PerS      float64 `json:"messages_per_s"`
	PerCPUSec float64 `json:"messages_per_cpu_s"`
	AvgBytes  float64 `json:"avg_message_bytes"`
	CPU       Phase   `json:"cpu"`
}

// RawSend sends n messages to the sink over conns go-mail connections. tuned uses the options
// of channels.SMTPPool (no NOOP before and no RSET after each message); otherwise go-mail's
// defaults. Each message is built in the loop, as a sender builds each email: the same
// headers as channels.buildMessage (From, To with a name, Subject, Message-ID, Date,
// List-Unsubscribe with one-click Post, X-Rapport-Campaign) and a text part with an HTML
// alternative the size of the benchmark campaign's.
func RawSend(ctx context.Context, r *Redis, sink *Sink, label string, n, conns int, tuned bool, dur time.Duration) (RawResult, error) {
	res := RawResult{Label: label}
	host, portS, _ := net.SplitHostPort(sink.Addr)
	port, _ := strconv.Atoi(portS)
	opts := []mail.Option{mail.WithPort(port), mail.WithTLSPolicy(mail.NoTLS), mail.WithTimeout(10 * time.Second)}
	if tuned {
		opts = append(opts, mail.WithoutNoop(), mail.WithoutRset())
	}
	clients := make([]*mail.Client, conns)
	for i := range clients {
		c, err := mail.NewClient(host, opts...)
		if err != nil {
			return res, err
		}
		clients[i] = c
	}
	sessions := make([]*smtpSession, conns)
	for i, c := range clients {
		sc, err := c.DialToSMTPClientWithContext(ctx)
		if err != nil {
			return res, fmt.Errorf("go-mail dial: %w", err)
		}
		sessions[i] = &smtpSession{c: c, sc: sc}
	}
	from := &netmail.Address{Name: "Shop", Address: "shop@example.com"}
	defer func() {
		for _, s := range sessions {
			_ = s.c.CloseWithSMTPClient(s.sc)
		}
	}()
	return drive(r, sink, label, n, conns, dur, "go-mail", func(w, i int) error {
		return sessions[w].c.SendWithSMTPClient(sessions[w].sc, RawMessage(from, i))
	})
}

// drive sends n messages (send(worker, i)) from conns goroutines until done or dur passed,
// and measures them at the sink.
func drive(r *Redis, sink *Sink, label string, n, conns int, dur time.Duration, what string, send func(w, i int) error) (RawResult, error) {
	res := RawResult{Label: label}
	sink.Reset()
	deadline := time.Now().Add(dur)
	var (
		next, failed atomic.Int64
		wg           sync.WaitGroup
	)
	cpu := StartCPU(r)
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || time.Now().After(deadline) {
					return
				}
				if err := send(w, i); err != nil {
					if failed.Add(1) <= 3 {
						Logf("%s send %d: %v", what, i, err)
					}
					return
				}
			}
		}()
	}
	wg.Wait()
	res.CPU = cpu.Stop()
	if failed.Load() > 0 {
		return res, fmt.Errorf("%d %s sends failed", failed.Load(), what)
	}
	res.Messages = int(sink.Count())
	res.PerS = Round(float64(res.Messages) / res.CPU.Seconds)
	res.PerCPUSec = Round(float64(res.Messages) / (res.CPU.Seconds * (res.CPU.GoCores + res.CPU.RedisCores)))
	if res.Messages > 0 {
		res.AvgBytes = Round(float64(sink.Bytes()) / float64(res.Messages))
	}
	return res, nil
}

type smtpSession struct {
	c  *mail.Client
	sc *smtp.Client
}

// RawMessage is the i-th message of the ceiling: what the benchmark campaign renders for an
// order, filled in by hand.
func RawMessage(from *netmail.Address, i int) *mail.Msg {
	id := "raw-" + strconv.Itoa(i)
	total := strconv.Itoa(20+i%180) + " EUR"
	msg := mail.NewMsg(mail.WithNoDefaultUserAgent())
	msg.FromMailAddress(from)
	msg.ToMailAddress(&netmail.Address{Name: "Anna Example", Address: CustomerID(i) + "@example.org"})
	msg.Subject("Order " + id)
	msg.SetMessageIDWithValue("rapport." + id + "@example.com")
	msg.SetDateWithValue(time.Now())
	msg.SetListUnsubscribe("https://news.example.com/u/" + id + ".eyJjIjoiYzAwMDAwMDEiLCJwIjoidW5zdWJzY3JpYmUifQ.0123456789abcdef0123456789abcdef")
	msg.SetListUnsubscribePost()
	msg.SetGenHeader("X-Rapport-Campaign", CampaignID)
	msg.SetBodyString(mail.TypeTextPlain, fmt.Sprintf(rawText, id, total, id, total))
	msg.AddAlternativeString(mail.TypeTextHTML, fmt.Sprintf(rawHTML, id, total, id, total, id))
	return msg
}

const rawText = `Thank you, Anna!

We have received your order %s of %s and are getting it ready. You will hear from us again
when it leaves our warehouse.

Questions about your order? Reply to this email and a person from our team will answer,
usually within a working day.

Order %s
Total %s

Thank you for shopping with us.
The Rapport Demo Shop team

You receive this email because you ordered from the Rapport Demo Shop. Unsubscribe:
https://news.example.com/u/0123456789abcdef0123456789abcdef
`

const rawHTML = `<!doctype html>
<html><body style="font-family: sans-serif; color: #222">
<h1>Thank you, Anna!</h1>
<p>We have received your order <b>%s</b> of %s
and are getting it ready. You will hear from us again when it leaves our warehouse.</p>
<p>Questions about your order? Reply to this email and a person from our team will answer,
usually within a working day.</p>
<table role="presentation" style="border-collapse: collapse">
<tr><td style="padding: 4px 8px">Order</td><td style="padding: 4px 8px">%s</td></tr>
<tr><td style="padding: 4px 8px">Total</td><td style="padding: 4px 8px">%s</td></tr>
</table>
<p>Thank you for shopping with us.<br>The Rapport Demo Shop team</p>
<p style="font-size: 12px; color: #777">You receive this email because you ordered from the
Rapport Demo Shop. <a href="https://news.example.com/u/%s.eyJjIjoiYzAwMDAwMDEifQ.0123456789abcdef">Unsubscribe</a></p>
</body></html>
`

// PoolSend is RawSend through Rapport's own transport, channels.SMTPPool with conns
// connections (PIPELINING when the sink offers it, as it does), with the same messages: what
// the scheduled path could reach if everything but the send cost nothing.
func PoolSend(ctx context.Context, r *Redis, sink *Sink, label string, n, conns int, dur time.Duration) (RawResult, error) {
	res := RawResult{Label: label}
	pool, err := channels.NewSMTPPool(channels.SMTPConfig{URL: sink.URL(), From: "Shop <shop@example.com>", Size: conns, Timeout: 10 * time.Second}, nil)
	if err != nil {
		return res, err
	}
	defer pool.Close()
	// Open the connections before the clock starts, as RawSend does.
	var warm sync.WaitGroup
	for i := range conns {
		warm.Add(1)
		go func() {
			defer warm.Done()
			_, _ = pool.SendEmail(ctx, RawEmail(-1-i))
		}()
	}
	warm.Wait()
	return drive(r, sink, label, n, conns, dur, "pool", func(_, i int) error {
		_, err := pool.SendEmail(ctx, RawEmail(i))
		return err
	})
}

// RawEmail is RawMessage as a channels.Email.
func RawEmail(i int) *channels.Email {
	id := "raw-" + strconv.Itoa(i)
	total := strconv.Itoa(20+i%180) + " EUR"
	return &channels.Email{
		To: CustomerID(i) + "@example.org", ToName: "Anna Example", Subject: "Order " + id,
		Text:            fmt.Sprintf(rawText, id, total, id, total),
		HTML:            fmt.Sprintf(rawHTML, id, total, id, total, id),
		MessageID:       "rapport." + id + "@example.com",
		ListUnsubscribe: "https://news.example.com/u/" + id + ".eyJjIjoiYzAwMDAwMDEiLCJwIjoidW5zdWJzY3JpYmUifQ.0123456789abcdef0123456789abcdef",
		Headers:         map[string]string{"X-Rapport-Campaign": CampaignID},
	}
}
