package worker_test

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/rapporthq/rapport/analytics"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/internal/testenv"
	"github.com/rapporthq/rapport/predict"
)

// refitted is a base refitted by refitOn: the model, and another process's view of it.
type refitted struct {
	m      *analytics.Model
	models *analytics.Models // a fresh cache on the same Redis, as another worker reads it
	rf     *analytics.Refitter
	store  *customers.Store
}

// refitOn seeds a fresh Redis with the bases (600 customers each, the same seed) and refits
// it as of fitDate.
func refitOn(t *testing.T, bases ...baseSpend) refitted {
	t.Helper()
	r := testenv.NewRedis(t)
	rf, store := newRefitter(t, r)
	for _, b := range bases {
		seedBaseIn(t, store, 600, 7, b)
	}
	m, err := rf.Refit(context.Background(), fitDate)
	if err != nil {
		t.Fatal(err)
	}
	return refitted{m: m, models: analytics.NewModels(r.Client, analytics.ModelsOptions{}), rf: rf, store: store}
}

func relClose(a, b, tol float64) bool { return math.Abs(a/b-1) <= tol }

func TestABaseInOneCurrencyFitsExactlyAsWithoutCurrencies(t *testing.T) {
	t.Parallel()
	plain := refitOn(t, baseSpend{prefix: "c", price: 1}).m
	eur := refitOn(t, baseSpend{prefix: "c", currency: "EUR", price: 1}).m
	if plain.SpendScales != nil || plain.SpendCurrency != "" || plain.Spend != analytics.SpendGammaGamma {
		t.Errorf("a base without currencies has spend %q in %q, scales %v; want none", plain.Spend, plain.SpendCurrency, plain.SpendScales)
	}
	if eur.SpendCurrency != "EUR" || len(eur.SpendScales) != 1 || eur.SpendScales["EUR"] != 1 {
		t.Errorf("a base in euros: γ in %q, scales %v; want EUR at 1", eur.SpendCurrency, eur.SpendScales)
	}
	if eur.GammaGamma != plain.GammaGamma || eur.BGNBD != plain.BGNBD {
		t.Errorf("in euros %+v, without a currency %+v: want the same fit bit for bit", eur.GammaGamma, plain.GammaGamma)
	}
}

func TestASecondCurrencyAtNinetyTimesThePricesFitsTheSameShapeAndValuesEachInItsOwn(t *testing.T) {
	t.Parallel()
	one := refitOn(t, baseSpend{prefix: "c", currency: "EUR", price: 1}).m
	// The same customers again, paying in roubles at 90 times the prices: the currencies tie
	// on customers, so the reference is the first by name, EUR.
	base := refitOn(t, baseSpend{prefix: "c", currency: "EUR", price: 1}, baseSpend{prefix: "r", currency: "RUB", price: 90})
	two, ms, store := base.m, base.models, base.store
	if two.SpendCurrency != "EUR" || !relClose(two.SpendScales["RUB"], 90, 1e-9) {
		t.Fatalf("γ in %q, scales %v; want EUR, RUB at 90", two.SpendCurrency, two.SpendScales)
	}
	g1, g2 := one.GammaGamma, two.GammaGamma
	if !relClose(g2.P, g1.P, 1e-5) || !relClose(g2.Q, g1.Q, 1e-5) || !relClose(g2.Gamma, g1.Gamma, 1e-5) || g2.Customers != 2*g1.Customers {
		t.Errorf("two currencies %+v; one currency %+v: want the same p, q, γ on twice the customers", g2, g1)
	}

	// The published model values a rouble customer at 90 times their euro twin.
	m, err := ms.Current(context.Background())
	if err != nil || m == nil {
		t.Fatal(m, err)
	}
	// The reference currency's model is the fitted one as it is.
	if gg, ok := m.SpendModel("EUR"); !ok || gg != (predict.GammaGamma{P: g2.P, Q: g2.Q, Gamma: g2.Gamma}) {
		t.Errorf("the reference currency's model %+v is not the fitted one", gg)
	}
	now := fitDate.AddDate(0, 0, 1)
	ctx := context.Background()
	// RFM too: the monetary cut points are on totals divided by each currency's scale.
	for _, id := range []string{"0003", "0042", "0100", "0321", "0500", "0599"} {
		c, _ := store.Get(ctx, "c"+id)
		r, _ := store.Get(ctx, "r"+id)
		if c.Summary.Currency != "EUR" || r.Summary.Currency != "RUB" {
			t.Fatalf("currencies %q, %q", c.Summary.Currency, r.Summary.Currency)
		}
		pc, _ := ms.Predict(ctx, c, now)
		pr, _ := ms.Predict(ctx, r, now)
		vc, err1 := m.ExpectedOrderValue(c.Days, "EUR", now)
		vr, err2 := m.ExpectedOrderValue(r.Days, "RUB", now)
		if pc == nil || pr == nil || err1 != nil || err2 != nil {
			t.Fatalf("customer %s: %+v, %+v, %v, %v", id, pc, pr, err1, err2)
		}
		if pr.PAlive != pc.PAlive || !relClose(pr.CLV, 90*pc.CLV, 1e-6) || !relClose(vr, 90*vc, 1e-6) || pr.RFM != pc.RFM {
			t.Errorf("customer %s: in roubles CLV %.2f, order value %.2f, P(alive) %v, RFM %s; in euros %.2f, %.2f, %v, %s",
				id, pr.CLV, vr, pr.PAlive, pr.RFM, pc.CLV, vc, pc.PAlive, pc.RFM)
		}
	}
}

func TestACurrencyUnknownToTheFitIsValuedAtTheCustomersOwnMean(t *testing.T) {
	t.Parallel()
	m, err := refitOn(t, baseSpend{prefix: "c", currency: "EUR", price: 1}).models.Current(context.Background())
	if err != nil || m == nil {
		t.Fatal(m, err)
	}
	now := fitDate.AddDate(0, 0, 1)
	days := []predict.Day{{Day: day(now) - 100, Value: 3000, Orders: 1}, {Day: day(now) - 40, Value: 5000, Orders: 2}}
	if v, err := m.ExpectedOrderValue(days, "JPY", now); err != nil || v != 4000 {
		t.Errorf("a yen customer in a euro base: order value %v, %v; want their own mean 4000", v, err)
	}
	p, err := m.Predict(days, "JPY", now)
	bg, _ := m.Params()
	s, _ := predict.Summarize(days, now, predict.Weeks)
	want, _ := predict.CLVOfValue(bg, 4000, s.X, s.Tx, s.T, predict.CLVOptions{Months: 12, MonthlyDiscount: 0.01, Margin: 0.3, Unit: predict.Weeks})
	if err != nil || p.CLV != want {
		t.Errorf("CLV %+v, %v; want %v", p, err, want)
	}
}

func TestARefusedGammaGammaStillPublishesTheBGNBDWithCLVAtTheCustomersOwnMean(t *testing.T) {
	t.Parallel()
	// One product at one price: every mean spend is 25, which no Gamma-Gamma describes.
	base := refitOn(t, baseSpend{prefix: "c", currency: "EUR", price: 25, flat: true})
	m, rf, ms, store := base.m, base.rf, base.models, base.store
	if m.Spend != analytics.SpendOwnMean || !strings.Contains(m.SpendRefused, "Gamma-Gamma") || !m.BGNBD.Converged || m.GammaGamma.Converged {
		t.Fatalf("model spend %q (%s), BG/NBD converged %v, Gamma-Gamma %+v", m.Spend, m.SpendRefused, m.BGNBD.Converged, m.GammaGamma)
	}
	hist, err := rf.Models.History(context.Background())
	if err != nil || len(hist) != 1 || !hist[0].Published || hist[0].Spend != analytics.SpendOwnMean || hist[0].SpendRefused == "" {
		t.Errorf("history %+v, %v; want the published fit with the refusal of its Gamma-Gamma", hist, err)
	}
	// Another process reads it and predicts for every customer: CLV at each one's own mean.
	pub, err := ms.Current(context.Background())
	if err != nil || pub == nil || pub.Spend != analytics.SpendOwnMean {
		t.Fatalf("published %+v, %v", pub, err)
	}
	bg, _ := pub.Params()
	now := fitDate.AddDate(0, 0, 1)
	n := 0
	err = analytics.EachCustomer(context.Background(), store, 0, func(p *customers.Profile) error {
		pred, err := ms.Predict(context.Background(), p, now)
		if err != nil || pred == nil {
			t.Fatalf("customer %s: %+v, %v", p.ID, pred, err)
		}
		s, _ := predict.Summarize(p.Days, now, predict.Weeks)
		v, _ := predict.RFMValuesOf(p.Days, now)
		want, _ := predict.CLVOfValue(bg, v.Monetary/v.Frequency, s.X, s.Tx, s.T, predict.CLVOptions{Months: 12, MonthlyDiscount: 0.01, Margin: 0.3, Unit: predict.Weeks})
		if pred.CLV != want || !(pred.PAlive > 0) || pred.Lifecycle == "" {
			t.Errorf("customer %s: %+v, want CLV %v", p.ID, pred, want)
		}
		n++
		return nil
	})
	if err != nil || n != 600 {
		t.Fatalf("%d customers, %v", n, err)
	}
}

// TestLoyaltyReportRanksCustomersOfEveryCurrencyAtOnePriceLevel: a rouble customer and their
// euro twin have the same value; the report's deciles and at-risk ranking must see that.
func TestLoyaltyReportRanksCustomersOfEveryCurrencyAtOnePriceLevel(t *testing.T) {
	t.Parallel()
	base := refitOn(t, baseSpend{prefix: "c", currency: "EUR", price: 1}, baseSpend{prefix: "r", currency: "RUB", price: 90})
	m, err := base.models.Current(context.Background())
	if err != nil || m == nil {
		t.Fatal(m, err)
	}
	rep, err := analytics.LoyaltyReportOf(context.Background(), base.store, m, analytics.LoyaltyOptions{At: fitDate.AddDate(0, 0, 1), Top: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if rep.CLVCurrency != "EUR" {
		t.Errorf("CLV currency %q, want EUR", rep.CLVCurrency)
	}
	byID := map[string]analytics.AtRiskCustomer{}
	for _, a := range rep.TopAtRisk {
		byID[a.ID] = a
	}
	twins := 0
	for id, c := range byID {
		if id[0] != 'c' {
			continue
		}
		r, ok := byID["r"+id[1:]]
		if !ok {
			continue
		}
		twins++
		if !relClose(r.CLV, c.CLV, 1e-6) || !relClose(r.OwnCLV, 90*c.OwnCLV, 1e-6) || r.Currency != "RUB" {
			t.Errorf("twins %s: euro %+v, rouble %+v; want the same ranked CLV, 90 times in roubles", id, c, r)
		}
	}
	if twins == 0 {
		t.Fatal("no at-risk twins to compare")
	}
}
