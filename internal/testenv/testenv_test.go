package testenv

import (
	"context"
	"net/smtp"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) { Main(m) }

func TestRedisDatabasesAreIsolated(t *testing.T) {
	a, b := NewRedis(t), NewRedis(t)
	ctx := context.Background()
	if err := a.Client.Set(ctx, "k", "a", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if n, _ := b.Client.Exists(ctx, "k").Result(); n != 0 {
		t.Fatalf("database %d sees a key of database %d", b.DB, a.DB)
	}
}

func TestSMTPSinkRecordsAndRejects(t *testing.T) {
	s := NewSMTP(t)
	body := "Subject: =?UTF-8?B?0J/RgNC40LLQtdGC?=\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhello\r\n"
	if err := smtp.SendMail(s.Addr, nil, "a@x.test", []string{"b@x.test"}, []byte(body)); err != nil {
		t.Fatal(err)
	}
	got := s.Wait(t, 1, 2*time.Second)
	if got[0].Subject != "Привет" || strings.TrimSpace(got[0].Text) != "hello" {
		t.Fatalf("got subject %q text %q", got[0].Subject, got[0].Text)
	}
	s.Respond(func(Received) error { return Reject(550, "no such user") })
	err := smtp.SendMail(s.Addr, nil, "a@x.test", []string{"c@x.test"}, []byte(body))
	if err == nil || !strings.Contains(err.Error(), "550") {
		t.Fatalf("want 550, got %v", err)
	}
	if s.Count() != 1 {
		t.Fatalf("rejected message was recorded")
	}
}

func TestClusterServesEverySlot(t *testing.T) {
	c, client := NewCluster(t)
	ctx := context.Background()
	for i := 0; i < 50; i++ {
		if err := client.Set(ctx, "k"+string(rune('a'+i%26))+string(rune('A'+i/26)), i, 0).Err(); err != nil {
			t.Fatalf("set on %s: %v", c.URL, err)
		}
	}
	if n, err := client.DBSize(ctx).Result(); err != nil || n == 0 {
		t.Fatalf("dbsize %d %v", n, err)
	}
}
