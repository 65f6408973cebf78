package templates

import (
	"testing"
	"time"
)

// BenchmarkRenderEmail measures one localised email (subject block, HTML body, generated text
// part) once the pool holds escaped instances: the per-message cost of a send batch.
func BenchmarkRenderEmail(b *testing.B) {
	s, err := Load("testdata")
	if err != nil {
		b.Fatal(err)
	}
	v := emailVariant("Thank you, {{.Customer.FirstName}}", "thank-you/gold.html")
	d := SampleData(time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Render(v, "email", "ru-RU", time.UTC, d); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
