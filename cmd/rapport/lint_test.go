package main

import (
	"strings"
	"testing"
)

func TestLintWarnsAboutAMisspelledCustomerNameAndStrictFails(t *testing.T) {
	files := map[string]string{
		"campaigns/c.yaml": `id: c
trigger: {event: Order Completed}
audience: {where: customer.order >= 3 && customer.tier == "gold" && customer.vip_level > 1}
variants:
  - id: v
    email: {subject: "Hi", html: c.html}
`,
		"templates/c.html": "<p>Hi</p>",
		// Only the header is read: tier is a trait, email a profile field, userId the id.
		"customers/customers.csv": "userId,email,tier\nu1,a@example.com,gold\n",
		"customers/orders.csv":    "userId,timestamp,total,vip_level\n",
	}
	dir := writeTree(t, files)
	const order = `campaigns/c.yaml:3:19: audience.where: warning: customer.order (column 1 of`
	const vip = `audience.where: warning: customer.vip_level (column 51 of`
	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"warnings print and pass", []string{"lint", dir}, 0},
		{"strict makes them problems", []string{"lint", "--strict", dir}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCmd(tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tc.code, out, errOut)
			}
			got := strings.ReplaceAll(out, dir+"/", "")
			if !strings.Contains(got, order) || !strings.Contains(got, "did you mean customer.orders?") {
				t.Errorf("no warning about customer.order:\n%s", got)
			}
			// vip_level is a column of the orders CSV, which holds no traits.
			if !strings.Contains(got, vip) || strings.Contains(got, "warning: customer.tier") {
				t.Errorf("tier should be known from customers.csv, vip_level not:\n%s", got)
			}
		})
	}
}

func TestLintKnowsTheTraitsDeclaredInTheConfiguration(t *testing.T) {
	path := writeTree(t, map[string]string{
		"rapport.yaml": "traits: [tier]\nemail: {sender_address: \"1 Example Street, Springfield\"}\n",
		"campaigns/c.yaml": `id: c
trigger: {event: Order Completed}
audience: {where: customer.tier == "gold" && customer.traits.anything == 1}
variants:
  - id: v
    email: {subject: "Hi", html: c.html}
`,
		"templates/c.html": "<p>Hi</p>",
	}) + "/rapport.yaml"
	code, out, errOut := runCmd("lint", "--strict", "--config", path)
	if code != 0 || out != "" {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
}
