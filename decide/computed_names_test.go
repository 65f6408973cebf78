package decide

import (
	"slices"
	"testing"
	"time"

	"github.com/rapporthq/rapport/config"
)

// Lint warns about a customer.NAME that is neither a trait nor one of
// config.ComputedCustomerNames: a name Env computes but the list lacks would be warned about
// wrongly, a name the list has but Env lacks would hide a typo.
func TestEnvComputesExactlyTheNamesLintKnows(t *testing.T) {
	t.Parallel()
	day := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	c := &Customer{
		ID: "c1", CreatedAt: day,
		Summary:   Summary{Orders: 3, FirstOrderAt: day, LastOrderAt: day, GapMeanDays: 20},
		Predicted: &Predictions{NextOrderAt: day},
	}
	m := Env(c, nil, day.Add(48*time.Hour))["customer"].(map[string]any)
	var got []string
	for k := range m {
		got = append(got, k)
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(config.ComputedCustomerNames))
	if !slices.Equal(got, want) {
		t.Errorf("Env computes %v\nconfig.ComputedCustomerNames is %v", got, want)
	}
}
