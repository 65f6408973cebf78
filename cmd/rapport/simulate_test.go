package main

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/internal/testenv"
)

func TestSimulatePrintsCountsAsJSONAndWritesNothing(t *testing.T) {
	r := testenv.NewRedis(t)
	cfg := configWith(t, r, map[string]string{
		"campaigns/bday.yaml": `id: bday
trigger: {date: {trait: birthday, at: "09:00"}}
channels: [email]
variants:
  - id: v
    email: {subject: "Happy birthday", html: bday.html}
rewards:
  - {id: pts, kind: points, value: 200}
`,
		"templates/bday.html": `<p>Happy birthday {{.Customer.FirstName}}</p>`,
	})
	store := customers.NewStore(r.Client, customers.Options{})
	at := time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)
	var evs []customers.Event
	for id, bday := range map[string]string{"a": "1990-06-01", "b": "1985-06-01", "c": "1970-12-24"} {
		evs = append(evs, customers.Event{Type: "identify", UserID: id, MessageID: "i-" + id, Timestamp: at, ReceivedAt: at,
			Traits: map[string]any{"email": id + "@example.com", "birthday": bday, "timezone": "Europe/Paris", "consent": map[string]any{"email": true}}})
	}
	if _, err := store.Apply(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	before, _ := r.Client.DBSize(context.Background()).Result()
	code, out, errOut := runCmd("simulate", "--config", cfg, "--campaign", "bday", "--at", at.Format(time.RFC3339), "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var sim struct {
		Occurrence string             `json:"occurrence"`
		Customers  int                `json:"customers"`
		WouldSend  int                `json:"would_send"`
		Skipped    map[string]int     `json:"skipped"`
		Spend      map[string]float64 `json:"reward_spend"`
		Hours      map[string]int     `json:"hours_utc"`
	}
	if err := json.Unmarshal([]byte(out), &sim); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if sim.Occurrence != "2027-06-01" || sim.Customers != 3 || sim.WouldSend != 2 || sim.Skipped["not_today"] != 1 ||
		sim.Spend["points"] != 400 || sim.Hours["2027-06-01T07"] != 2 {
		t.Errorf("simulation %s", out)
	}
	if after, _ := r.Client.DBSize(context.Background()).Result(); after != before {
		t.Errorf("simulate wrote to Redis: %d keys before, %d after", before, after)
	}
}
