package channels

import (
	"context"
	netmail "net/mail"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wneessen/go-mail"
	"go.uber.org/zap"

	"github.com/rapporthq/rapport/internal/testenv"
)

// benchConns is the number of SMTP connections in every benchmark, so the figures compare.
const benchConns = 8

// Run with: go test -run '^$' -bench 'SMTPPool|GoMail' -benchtime 5000x ./channels/
// Each reports msgs/s; the sink parses every message, so the absolute figures are the sink's
// as much as the client's, and only the ratio between benchmarks means much.

// BenchmarkSMTPPool sends through SMTPPool (8 connections) from 8 goroutines.
func BenchmarkSMTPPool(b *testing.B) {
	sink := testenv.NewSMTP(b)
	pool, err := NewSMTPPool(SMTPConfig{URL: sink.URL(), From: "Shop <shop@example.com>", Size: benchConns}, zap.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	var seq atomic.Int64
	b.SetParallelism((benchConns + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := pool.SendEmail(context.Background(), testEmail(int(seq.Add(1)))); err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportRate(b)
	if s := sink.Sessions(); s > benchConns {
		b.Fatalf("%d sessions for a pool of %d", s, benchConns)
	}
}

// BenchmarkGoMailRaw is go-mail used directly, the floor the pool is measured against: 8
// goroutines, each holding one DialToSMTPClientWithContext connection and calling
// SendWithSMTPClient in a loop. "defaults" keeps go-mail's NOOP before and RSET after every
// message; "no-noop-rset" drops them as the pool does.
func BenchmarkGoMailRaw(b *testing.B) {
	b.Run("defaults", func(b *testing.B) { benchRaw(b) })
	b.Run("no-noop-rset", func(b *testing.B) { benchRaw(b, mail.WithoutNoop(), mail.WithoutRset()) })
}

func benchRaw(b *testing.B, extra ...mail.Option) {
	sink := testenv.NewSMTP(b)
	opts := append([]mail.Option{mail.WithPort(sink.Port), mail.WithTLSPolicy(mail.NoTLS), mail.WithTimeout(30 * time.Second)}, extra...)
	client, err := mail.NewClient(sink.Host, opts...)
	if err != nil {
		b.Fatal(err)
	}
	from, _ := netmail.ParseAddress("Shop <shop@example.com>")
	var seq atomic.Int64
	b.ResetTimer()
	var wg sync.WaitGroup
	for g := range benchConns {
		n := b.N / benchConns
		if g < b.N%benchConns {
			n++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc, err := client.DialToSMTPClientWithContext(context.Background())
			if err != nil {
				b.Error(err)
				return
			}
			defer func() { _ = client.CloseWithSMTPClient(sc) }()
			for range n {
				msg, err := buildMessage(from, testEmail(int(seq.Add(1))), time.Now())
				if err == nil {
					err = client.SendWithSMTPClient(sc, msg)
				}
				if err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	reportRate(b)
}

// BenchmarkGoMailDialAndSend opens a connection per message (DialAndSend) from 8 goroutines:
// what the pool exists to avoid.
func BenchmarkGoMailDialAndSend(b *testing.B) {
	sink := testenv.NewSMTP(b)
	client, err := mail.NewClient(sink.Host, mail.WithPort(sink.Port), mail.WithTLSPolicy(mail.NoTLS))
	if err != nil {
		b.Fatal(err)
	}
	from, _ := netmail.ParseAddress("Shop <shop@example.com>")
	var seq atomic.Int64
	b.SetParallelism((benchConns + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			msg, err := buildMessage(from, testEmail(int(seq.Add(1))), time.Now())
			if err == nil {
				err = client.DialAndSendWithContext(context.Background(), msg)
			}
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportRate(b)
}

func reportRate(b *testing.B) {
	b.Helper()
	b.StopTimer()
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(b.N)/s, "msgs/s")
	}
}
