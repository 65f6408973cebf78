package customers

import (
	"context"
	"encoding/binary"
	"fmt"
	"reflect"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/rapporthq/rapport/internal/testenv"
	"github.com/rapporthq/rapport/predict"
)

// tourOrders are the README tour's customer u0028: three orders in roubles, then one of
// 80 EUR.
func tourOrders(id string) []Event {
	var events []Event
	for i, total := range []float64{17010, 12390, 12910} {
		ev := orderEvent(id, fmt.Sprintf("r%d", i), day(300-90*i), total)
		ev.Properties["currency"] = "RUB"
		events = append(events, ev)
	}
	ev := orderEvent(id, "tour-1", day(1), 80)
	ev.Properties["currency"] = "EUR"
	return append(events, ev)
}

func TestOrdersInDifferentCurrenciesAreNeverAddedTogether(t *testing.T) {
	rub, eur := predict.DayOf(day(300)), predict.DayOf(day(1))
	for _, tc := range []struct {
		name         string
		money        Money
		revenue      float64
		currency     string
		unconverted  map[string]float64
		lastTotal    float64
		daysCurrency string
		firstDay     float64 // value of the first purchase day, 17,010 RUB, in daysCurrency
		lastDay      float64 // value of the last, 80 EUR
	}{
		{name: "no base: the latest order's currency, the others left out",
			revenue: 80, currency: "EUR", unconverted: map[string]float64{"RUB": 42310}, lastTotal: 80,
			daysCurrency: "EUR", firstDay: 0, lastDay: 80},
		{name: "base EUR with a rouble rate",
			money:   Money{Base: "EUR", Rates: map[string]float64{"RUB": 0.0102}},
			revenue: 511.562, currency: "EUR", lastTotal: 80, daysCurrency: "EUR", firstDay: 173.502, lastDay: 80},
		{name: "base RUB with a euro rate",
			money:   Money{Base: "RUB", Rates: map[string]float64{"EUR": 98}},
			revenue: 42310 + 7840, currency: "RUB", lastTotal: 7840, daysCurrency: "RUB", firstDay: 17010, lastDay: 7840},
		{name: "base EUR without a rouble rate",
			money:   Money{Base: "EUR", Rates: map[string]float64{"USD": 0.92}},
			revenue: 80, currency: "EUR", unconverted: map[string]float64{"RUB": 42310}, lastTotal: 80,
			daysCurrency: "EUR", firstDay: 0, lastDay: 80},
		{name: "base USD, nothing converts: the models get the latest order's currency",
			money:   Money{Base: "USD"},
			revenue: 0, currency: "USD", unconverted: map[string]float64{"RUB": 42310, "EUR": 80}, lastTotal: 0,
			daysCurrency: "EUR", firstDay: 0, lastDay: 80},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := testenv.NewRedis(t)
			store := NewStore(r.Client, Options{Now: func() time.Time { return testNow }, Money: tc.money})
			if _, err := store.Apply(context.Background(), tourOrders("u0028")); err != nil {
				t.Fatal(err)
			}
			p, err := store.Get(context.Background(), "u0028")
			if err != nil {
				t.Fatal(err)
			}
			s := p.Summary
			if s.Orders != 4 || s.Revenue != tc.revenue || s.Currency != tc.currency || s.LastOrderTotal != tc.lastTotal {
				t.Errorf("orders %d revenue %v %s last total %v; want 4, %v %s, %v", s.Orders, s.Revenue, s.Currency,
					s.LastOrderTotal, tc.revenue, tc.currency, tc.lastTotal)
			}
			if !reflect.DeepEqual(s.Unconverted, tc.unconverted) {
				t.Errorf("unconverted %v, want %v", s.Unconverted, tc.unconverted)
			}
			if want := map[string]float64{"RUB": 42310, "EUR": 80}; !reflect.DeepEqual(s.ByCurrency, want) {
				t.Errorf("by currency %v, want %v", s.ByCurrency, want)
			}
			if len(p.Days) != 4 || p.Days[0].Day != rub || p.Days[3].Day != eur || p.DaysCurrency != tc.daysCurrency ||
				p.Days[0].Value != tc.firstDay || p.Days[3].Value != tc.lastDay {
				t.Errorf("days %+v in %s; want 4, the first worth %v, the last %v, in %s", p.Days, p.DaysCurrency,
					tc.firstDay, tc.lastDay, tc.daysCurrency)
			}
		})
	}
}

func TestOrderWithoutCurrencyIsInTheBaseCurrency(t *testing.T) {
	r := testenv.NewRedis(t)
	store := NewStore(r.Client, Options{Money: Money{Base: "EUR", Rates: map[string]float64{"USD": 0.5}}})
	usd := orderEvent("u1", "m2", day(1), 10)
	usd.Properties["currency"] = "USD"
	if _, err := store.Apply(context.Background(), []Event{orderEvent("u1", "m1", day(2), 20), usd}); err != nil {
		t.Fatal(err)
	}
	p, err := store.Get(context.Background(), "u1")
	if err != nil {
		t.Fatal(err)
	}
	if s := p.Summary; s.Revenue != 25 || s.Unconverted != nil || !reflect.DeepEqual(s.ByCurrency, map[string]float64{"EUR": 20, "USD": 10}) {
		t.Fatalf("summary %+v", s)
	}
}

func TestSetMoneyConvertsProfilesReadAfterwards(t *testing.T) {
	b := setup(t)
	b.apply(t, tourOrders("u0028")...)
	if s := b.get(t, "u0028").Summary; s.Revenue != 80 {
		t.Fatalf("before: revenue %v", s.Revenue)
	}
	b.store.SetMoney(Money{Base: "EUR", Rates: map[string]float64{"RUB": 0.01}})
	if s := b.get(t, "u0028").Summary; s.Revenue != 503.1 || s.Unconverted != nil {
		t.Fatalf("after: revenue %v unconverted %v", s.Revenue, s.Unconverted)
	}
}

func TestCurrencyWithoutRateIsLoggedOncePerCurrency(t *testing.T) {
	core, logs := observer.New(zapcore.WarnLevel)
	r := testenv.NewRedis(t)
	store := NewStore(r.Client, Options{Log: zap.New(core), Money: Money{Base: "USD"}})
	events := tourOrders("a")
	events = append(events, tourOrders("b")...)
	if _, err := store.Apply(context.Background(), events); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := store.GetMany(context.Background(), []string{"a", "b"}); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]int{}
	for _, e := range logs.All() {
		got[e.ContextMap()["currency"].(string)]++
		if _, leaks := e.ContextMap()["customer"]; leaks {
			t.Errorf("the warning names a customer: %v", e.ContextMap())
		}
	}
	if !reflect.DeepEqual(got, map[string]int{"RUB": 1, "EUR": 1}) {
		t.Fatalf("warnings per currency %v, want one each for RUB and EUR", got)
	}
}

func TestMoneyValidateRefusesWhatCannotConvert(t *testing.T) {
	for _, tc := range []struct {
		money Money
		ok    bool
	}{
		{Money{}, true},
		{Money{Base: "EUR", Rates: map[string]float64{"RUB": 0.0102, "EUR": 1}}, true},
		{Money{Rates: map[string]float64{"RUB": 0.0102}}, false},
		{Money{Base: "eur"}, false},
		{Money{Base: "EURO"}, false},
		{Money{Base: "EUR", Rates: map[string]float64{"RUB": 0}}, false},
		{Money{Base: "EUR", Rates: map[string]float64{"RUB": -1}}, false},
		{Money{Base: "EUR", Rates: map[string]float64{"XYZ": 1}}, false},
		{Money{Base: "EUR", Rates: map[string]float64{"EUR": 2}}, false},
	} {
		if err := tc.money.Validate(); (err == nil) != tc.ok {
			t.Errorf("%+v: error %v, want ok=%v", tc.money, err, tc.ok)
		}
	}
}

// encodeOrdersV1 is orderLog.encode as formatV1 wrote it, for profiles stored before
// currencies were kept apart.
func encodeOrdersV1(b []byte, days []orderDay, firstAt, lastAt int64, lastMilli int64, currency, coupon string) []byte {
	b = binary.AppendUvarint(b, uint64(len(days)))
	if len(days) == 0 {
		return b
	}
	var prev int32
	for _, d := range days {
		b = binary.AppendVarint(b, int64(d.day-prev))
		b = binary.AppendUvarint(b, uint64(d.orders))
		b = binary.AppendVarint(b, d.milli)
		prev = d.day
	}
	b = binary.AppendVarint(b, firstAt)
	b = binary.AppendUvarint(b, uint64(lastAt-firstAt))
	b = binary.AppendUvarint(b, 7) // lastRank
	b = binary.AppendVarint(b, lastMilli)
	b = appendString(b, currency)
	b = appendString(b, coupon)
	return binary.AppendUvarint(b, 0) // categories
}

func TestProfileOfTheFirstFormatStillDecodes(t *testing.T) {
	b := setup(t)
	st := newState("old")
	st.seen, st.firstSeen, st.updated = true, day(60).UnixMilli(), day(30).UnixMilli()
	st.stamps["firstName"] = day(60).UnixMilli()
	v1 := []byte{formatV1}
	v1 = st.encodeMeta(v1)
	days := []orderDay{{day: dayOf(day(60).UnixMilli()), orders: 1, milli: 17010_000}, {day: dayOf(day(30).UnixMilli()), orders: 2, milli: 25300_000}}
	v1 = encodeOrdersV1(v1, days, day(60).UnixMilli(), day(30).UnixMilli(), 12910_000, "RUB", "SPRING")
	v1 = appendString(v1, "") // phone
	v1 = append(v1, `{"firstName":"Olga"}`...)
	if err := b.redis.Client.HSet(b.ctx, profileKey("old"), "v", "3", "p", v1).Err(); err != nil {
		t.Fatal(err)
	}
	p := b.get(t, "old")
	s := p.Summary
	if p.FirstName != "Olga" || s.Orders != 3 || s.Revenue != 42310 || s.Currency != "RUB" || s.LastCoupon != "SPRING" ||
		s.LastOrderTotal != 12910 || !s.LastOrderAt.Equal(day(30)) || len(p.Days) != 2 || p.Days[1].Value != 25300 {
		t.Fatalf("profile of the first format: %+v, days %+v", s, p.Days)
	}

	// The next change writes the second format, with the orders read from the first.
	eur := orderEvent("old", "tour-1", day(1), 80)
	eur.Properties["currency"] = "EUR"
	b.apply(t, eur)
	raw, err := b.redis.Client.HGet(b.ctx, profileKey("old"), "p").Result()
	if err == nil && raw[0] == chunkedFormat {
		raw = raw[1:]
	}
	if err != nil || raw[0] != formatV2 {
		t.Fatalf("format after a write: %q, %v", raw[:1], err)
	}
	s = b.get(t, "old").Summary
	if s.Orders != 4 || s.Revenue != 80 || !reflect.DeepEqual(s.Unconverted, map[string]float64{"RUB": 42310}) {
		t.Fatalf("after a write: %+v", s)
	}
}

func TestCorruptCurrenciesAreAnErrorNotAPanic(t *testing.T) {
	b := setup(t)
	good := newState("g")
	good.orders.add(day(2).UnixMilli(), 1, order{milli: 1000, currency: "EUR"})
	good.orders.add(day(1).UnixMilli(), 2, order{milli: 1000, currency: "RUB"})
	enc := good.orders.encode(nil)
	for i, mutate := range []func([]byte) []byte{
		// the second day's currency index (after count, ncur, "EUR", "RUB", the first day:
		// delta, cur, orders, milli, then the second day's delta) set to 9
		func(e []byte) []byte { e[1+1+4+4+(3+1+1+2)+1] = 9; return e },
		// the currencies out of order
		func(e []byte) []byte { copy(e[3:6], "ZZZ"); return e },
	} {
		e := mutate(append([]byte(nil), enc...))
		var l orderLog
		r := &reader{b: e}
		l.decode(r)
		if r.err == nil {
			t.Errorf("case %d: want an error decoding %x", i, e)
		}
	}
	// And the whole path through the store.
	st := newState("bad")
	st.orders = good.orders
	st.orders.days[1].cur = 5
	p := append([]byte{formatV2}, st.encodeMeta(nil)...)
	p = st.orders.encode(p)
	p = appendString(p, "")
	if err := b.redis.Client.HSet(b.ctx, profileKey("bad"), "v", "1", "p", p).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.Get(b.ctx, "bad"); err == nil {
		t.Fatal("a currency index out of range must be an error")
	}
}
