package customers

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

const customersCSV = "\ufeffuserId,email,phone,first_name,country,timezone,consent_email,consent_sms,plan\n" +
	"u1,Jane@Example.org,030 901820,Jane,DE,Europe/Berlin,yes,no,gold\n" +
	"u2,bob@example.org,,Bob,,,,,\n" +
	"u3,not-an-email,,Eve,,,,,\n" + // line 4: bad email
	"\n" +
	"u4,ann@example.org,,Ann,,,maybe,,\n" + // line 6: bad consent
	"u5,\"multi\nline@x.org\",,Zed,,,,,\n" + // line 7: a quoted newline; the address is invalid
	"u6,\"zoe@example.org\",,Zoe,,,,,\n" + // line 9
	"u7,bad@,,,,,,,\n" // line 10

func TestImportCSVWithBadRowsReportsEveryLineAndLoadsNothing(t *testing.T) {
	b := setup(t)
	rep, err := Import(b.ctx, b.store, strings.NewReader(customersCSV), "people.csv", ImportOptions{Now: testNow})
	if !errors.Is(err, ErrBadRows) {
		t.Fatalf("want ErrBadRows, got %v", err)
	}
	var got []string
	for _, e := range rep.Errors {
		got = append(got, fmt.Sprintf("%d:%s", e.Line, e.Field))
	}
	if strings.Join(got, " ") != "4:email 6:consent_email 7:email 10:email" {
		t.Fatalf("errors %v", rep.Errors)
	}
	if rep.Errors[0].Error() != `people.csv:4: email: is not an email address` {
		t.Fatalf("error text %q", rep.Errors[0].Error())
	}
	if rep.Rows != 7 || rep.Events != 3 || rep.Bad != 4 {
		t.Fatalf("report %+v", rep)
	}
	if n, _ := b.redis.Client.DBSize(b.ctx).Result(); n != 0 {
		t.Fatalf("%d keys written", n)
	}
}

func TestImportCSVWithSkipBadLoadsTheGoodRows(t *testing.T) {
	b := setup(t)
	rep, err := Import(b.ctx, b.store, strings.NewReader(customersCSV), "people.csv", ImportOptions{Now: testNow, SkipBad: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Customers != 3 || rep.Skipped != 4 || len(rep.Errors) != 4 {
		t.Fatalf("report %+v", rep)
	}
	p := b.get(t, "u1")
	if p.Email != "Jane@example.org" || p.Phone != "+4930901820" || p.FirstName != "Jane" || p.Country != "DE" ||
		p.Timezone != "Europe/Berlin" || !p.Consent.Allows("email") || p.Consent.SMS == nil || *p.Consent.SMS || p.Traits["plan"] != "gold" {
		t.Fatalf("u1 %+v", p.Customer)
	}
	if p := b.get(t, "u2"); p.Traits["plan"] != nil || len(p.Traits) != 2 {
		t.Fatalf("empty cells must set nothing: %v", p.Traits)
	}
	if n, _ := b.store.Count(b.ctx); n != 3 {
		t.Fatalf("count %d", n)
	}
}

func TestImportDryRunWritesNothing(t *testing.T) {
	b := setup(t)
	rep, err := Import(b.ctx, b.store, strings.NewReader(ordersCSV), "orders.csv", ImportOptions{Now: testNow, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows != 4 || rep.Orders != 4 || rep.Customers != 2 {
		t.Fatalf("report %+v", rep)
	}
	if n, _ := b.redis.Client.DBSize(b.ctx).Result(); n != 0 {
		t.Fatalf("%d keys written", n)
	}
}

const ordersCSV = "userId,timestamp,total,order_id,currency,coupon,channel\n" +
	"u1,2025-01-10T10:00:00Z,20.5,A1,eur,,web\n" +
	"u1,2025-01-10 18:00:00,9.5,,EUR,WINTER,\n" +
	"u1,2025-02-01,30,A3,EUR,,\n" +
	"u2,2024-12-24T08:00:00+01:00,100,B1,USD,,store\n"

func TestReimportingTheSameOrdersIsIdempotent(t *testing.T) {
	b := setup(t)
	for run := range 2 {
		// the second run reads through a pipe-like reader: buffered to a temp file
		var r io.Reader = strings.NewReader(ordersCSV)
		if run == 1 {
			r = io.MultiReader(r)
		}
		rep, err := Import(b.ctx, b.store, r, "orders.csv", ImportOptions{Now: testNow, BatchSize: 3})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Duplicates != run*4 {
			t.Fatalf("run %d: %d duplicates", run, rep.Duplicates)
		}
	}
	s := b.get(t, "u1").Summary
	if s.Orders != 3 || s.Revenue != 60 || s.Currency != "EUR" || s.LastOrderTotal != 30 || s.LastCoupon != "" {
		t.Fatalf("u1 summary %+v", s)
	}
	if p := b.get(t, "u1"); len(p.Days) != 2 || p.Days[0].Orders != 2 {
		t.Fatalf("days %+v", p.Days)
	}
	if s := b.get(t, "u2").Summary; s.Orders != 1 || s.LastOrderAt.Format("2006-01-02T15") != "2024-12-24T07" {
		t.Fatalf("u2 summary %+v", s)
	}
}

func TestImportOrdersCSVRowErrorsNameTheColumn(t *testing.T) {
	b := setup(t)
	csv := "user_id,timestamp,total,currency\n" +
		"u1,yesterday,10,EUR\n" +
		"u1,2025-01-01,ten,EUR\n" +
		"u1,2025-01-01,10,EURO\n" +
		"u1,2030-01-01,10,EUR\n" +
		",2025-01-01,10,EUR\n" +
		"u1,2025-01-01\n"
	rep, err := Import(b.ctx, b.store, strings.NewReader(csv), "o.csv", ImportOptions{Now: testNow})
	if !errors.Is(err, ErrBadRows) {
		t.Fatal(err)
	}
	var got []string
	for _, e := range rep.Errors {
		got = append(got, fmt.Sprintf("%d:%s", e.Line, e.Field))
	}
	if strings.Join(got, " ") != "2:timestamp 3:total 4:currency 5:timestamp 6:user_id 7:" {
		t.Fatalf("errors %v", rep.Errors)
	}
}

func TestImportRefusesABadHeader(t *testing.T) {
	b := setup(t)
	for name, csv := range map[string]string{
		"no userId":        "email,phone\na@b.org,\n",
		"duplicate column": "userId,email,Email\nu1,a@b.org,c@d.org\n",
		"empty file":       "",
	} {
		rep, err := Import(b.ctx, b.store, strings.NewReader(csv), "x.csv", ImportOptions{Now: testNow, SkipBad: true})
		if err == nil || len(rep.Errors) != 1 || rep.Errors[0].Line != 1 {
			t.Errorf("%s: %v %+v", name, err, rep.Errors)
		}
	}
}

func TestImportJSONL(t *testing.T) {
	b := setup(t)
	jsonl := `{"type":"identify","userId":"u1","traits":{"email":"a@b.org","locale":"de-DE"},"timestamp":"2025-01-01T00:00:00Z"}
{"type":"track","userId":"u1","event":"Order Completed","properties":{"total":12,"order_id":"X1"},"timestamp":"2025-01-05T10:00:00Z"}

{"type":"track","userId":"u1","event":"Product Viewed","timestamp":"2025-01-06T10:00:00Z"}
{"type":"identify","userId":"u2","traits":{"email":"broken"}}
{"type":"page","userId":"u3"}
`
	rep, err := Import(b.ctx, b.store, strings.NewReader(jsonl), "events.jsonl", ImportOptions{Now: testNow})
	if !errors.Is(err, ErrBadRows) || len(rep.Errors) != 2 || rep.Errors[0].Line != 5 ||
		rep.Errors[0].Field != "traits.email" || rep.Errors[1].Line != 6 || rep.Errors[1].Field != "type" {
		t.Fatalf("%v %+v", err, rep.Errors)
	}
	for run := range 2 {
		rep, err = Import(b.ctx, b.store, strings.NewReader(jsonl), "events.jsonl", ImportOptions{Now: testNow, SkipBad: true})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Events != 3 || rep.Orders != 1 || rep.Customers != 1 || rep.Duplicates != 3*run {
			t.Fatalf("run %d: report %+v", run, rep)
		}
	}
	p := b.get(t, "u1")
	if p.Email != "a@b.org" || p.Locale != "de-DE" || p.Summary.Orders != 1 || p.Summary.Revenue != 12 {
		t.Fatalf("profile %+v", p.Customer)
	}
}

func TestImportGuessesTheFormatOfAnUnnamedFile(t *testing.T) {
	b := setup(t)
	rep, err := Import(b.ctx, b.store, strings.NewReader("\n"+`{"type":"identify","userId":"u1"}`), "-", ImportOptions{Now: testNow})
	if err != nil || rep.Events != 1 {
		t.Fatalf("jsonl on stdin: %v %+v", err, rep)
	}
	rep, err = Import(b.ctx, b.store, strings.NewReader("userId,plan\nu2,gold\n"), "-", ImportOptions{Now: testNow})
	if err != nil || rep.Events != 1 {
		t.Fatalf("csv on stdin: %v %+v", err, rep)
	}
}

func TestImportWithoutAStoreValidatesOnADryRunAndRefusesToLoad(t *testing.T) {
	opts := ImportOptions{Now: testNow, DryRun: true, StoreOptions: Options{DefaultRegion: "DE"}}
	rep, err := Import(t.Context(), nil, strings.NewReader("userId,phone\nu1,030 901820\n"), "p.csv", opts)
	if err != nil || rep.Events != 1 {
		t.Fatalf("dry run without a store: %v %+v", err, rep)
	}
	opts.DryRun = false
	if _, err := Import(t.Context(), nil, strings.NewReader("userId\nu1\n"), "p.csv", opts); err == nil {
		t.Fatal("a load without a store succeeded")
	}
}
