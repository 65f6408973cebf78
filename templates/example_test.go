package templates_test

import (
	"fmt"
	"log"
	"time"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/templates"
)

// A campaign names the default file; a Russian customer gets the Russian translation, whose
// "subject" block replaces the inline subject.
func ExampleSet_Render() {
	set, err := templates.Load("testdata")
	if err != nil {
		log.Fatal(err)
	}
	v := &config.Variant{ID: "gold", Email: &config.EmailContent{
		Subject: "Thank you, {{default \"friend\" .Customer.FirstName}}",
		HTML:    "thank-you/gold.html",
	}}
	data := templates.SampleData(time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC))
	for _, locale := range []string{"en-US", "ru-RU"} {
		m, err := set.Render(v, "email", locale, time.UTC, data)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(m.Subject)
	}
	// Output:
	// Thank you, Anna
	// Спасибо, Anna!
}

func ExampleHTMLToText() {
	fmt.Println(templates.HTMLToText(`<h1>Hello</h1><ul><li>One</li><li>Two</li></ul><p><a href="https://x.test">Shop</a></p>`))
	// Output:
	// Hello
	//
	// - One
	// - Two
	//
	// Shop (https://x.test)
}
