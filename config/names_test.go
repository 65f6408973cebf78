package config

import (
	"testing"
)

func TestLintWarnsAboutUnknownCustomerNamesWithASuggestion(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "segments/loyal.yaml", "id: loyal\nwhere: customer.order >= 3\n")
	writeFile(t, dir, "campaigns/c.yaml", `id: c
trigger: {event: Order Completed, where: "event.total > 1 && customer.tierr == 'gold'"}
audience:
  where: |
    customer.orders >= 1 &&
    customer.favourite_colour == "red"
variants:
  - {id: a, when: customer.traits.anything == 1 && customer.tier == "gold", email: {subject: Hi, html: a.html}}
  - {id: b, when: 'customer["p_aliv"] > 0.5', email: {subject: Hi, html: a.html}}
rewards:
  - {id: r, kind: perk, when: customer.preferred_channel == "смс" && customer.Orders > 1}
`)
	set, got := loadLines(t, dir)
	sameLines(t, got, nil)
	warnings := errorLines(set.CheckCustomerNames([]string{"tier", "preferred_channel"}).Err(), dir)
	sameLines(t, warnings, []string{
		`campaigns/c.yaml:2:42: trigger.where: warning: customer.tierr (column 20 of "event.total > 1 && customer.tierr == 'gold'") ` +
			`is neither a computed name nor a known trait; did you mean customer.tier?`,
		`campaigns/c.yaml:4:10: audience.where: warning: customer.favourite_colour (line 2, column 1 of the condition) ` +
			`is neither a computed name nor a known trait; declare it under traits in rapport.yaml, or write customer.traits.favourite_colour`,
		`campaigns/c.yaml:9:19: variants[1].when: warning: customer.p_aliv (column 1 of "customer[\"p_aliv\"] > 0.5") ` +
			`is neither a computed name nor a known trait; did you mean customer.p_alive?`,
		`campaigns/c.yaml:11:31: rewards[0].when: warning: customer.Orders (column 40 of "customer.preferred_channel == \"смс\" && customer.Orders > 1") ` +
			`is neither a computed name nor a known trait; did you mean customer.orders?`,
		`segments/loyal.yaml:2:8: where: warning: customer.order (column 1 of "customer.order >= 3") ` +
			`is neither a computed name nor a known trait; did you mean customer.orders?`,
	})
}

func TestTraitsDeclaredInTheConfigurationAreKnown(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := writeFile(t, dir, "rapport.yaml", "traits: [tier, preferred_channel]\nemail: {sender_address: \"Shop Ltd, 1 Example Street\"}\n")
	writeFile(t, dir, "campaigns/c.yaml", "id: c\ntrigger: {event: E}\naudience: {where: customer.tier == 'gold'}\n"+variantsOK)
	cfg, err := Load(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	set, err := LoadSet(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if w := set.CheckCustomerNames(cfg.Traits); len(w) != 0 {
		t.Errorf("warnings: %v", w)
	}
	if w := set.CheckCustomerNames(nil); len(w) != 1 {
		t.Errorf("without the declared traits: warnings %v, want one about tier", w)
	}
}
