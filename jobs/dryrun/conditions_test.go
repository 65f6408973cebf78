package dryrun

import "testing"

func TestConditionErrorsGroupByConditionAndKeepTheFirstError(t *testing.T) {
	var c conditionErrors
	for _, r := range []string{
		// segments.Audience.Matches
		"audience where \"customer.order.total > 1\" failed: evaluate \"customer.order.total > 1\": cannot fetch total from <nil> (1:16)\n | customer.order.total > 1\n | ...............^",
		// decide, with the facts of the customer
		`trigger where "event.total >= x" failed: unknown name x (1:16) (total=42)`,
		"audience where \"customer.order.total > 1\" failed: evaluate \"customer.order.total > 1\": another error",
	} {
		c.add(r)
	}
	got := c.sorted()
	want := []ConditionError{
		{Condition: `audience where "customer.order.total > 1"`, Customers: 2, Error: "cannot fetch total from <nil> (1:16)"},
		{Condition: `trigger where "event.total >= x"`, Customers: 1, Error: "unknown name x (1:16) (total=42)"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}
