package decide

import "testing"

// BenchmarkDecide is one eligible decision for a gold customer: trigger where, three variant
// and reward conditions, email address check and window, with reasons.
func BenchmarkDecide(b *testing.B) {
	in := input(b)
	in.Policy.PerCustomer = limit(b, "3/7d")
	in.Customer.Sends = []Send{{Campaign: "x", Channel: "email", At: now.AddDate(0, 0, -1)}}
	b.ReportAllocs()
	for b.Loop() {
		if d := Decide(in); !d.Eligible {
			b.Fatal(d.Reasons)
		}
	}
}

// BenchmarkDecideSMS adds phone number parsing, the costliest step.
func BenchmarkDecideSMS(b *testing.B) {
	in := input(b)
	in.Customer.Consent.Email = no()
	b.ReportAllocs()
	for b.Loop() {
		if d := Decide(in); d.Channel != "sms" {
			b.Fatal(d.Reasons)
		}
	}
}
