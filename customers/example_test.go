package customers_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/rapporthq/rapport/customers"
)

// An API handler decodes a /v1/batch body and, when an item is bad, refuses the whole request
// naming every bad field.
func ExampleDecodeBatch() {
	body := `{"batch": [
		{"type": "identify", "userId": "u1", "traits": {"email": "jane@example.org"}},
		{"type": "track", "userId": 42, "event": "Order Completed"},
		{"type": "track", "anonymousId": "a-1", "event": "Product Viewed"}
	]}`
	events, err := customers.DecodeBatch([]byte(body), time.Now())
	fmt.Println(len(events), "valid event")
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var fe *customers.FieldError
		if errors.As(e, &fe) {
			fmt.Println(fe.Field)
		}
	}
	// Output:
	// 1 valid event
	// batch[1].userId
	// batch[2].userId
}
