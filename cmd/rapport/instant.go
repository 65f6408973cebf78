package main

import (
	"fmt"
	"time"

	"github.com/rapporthq/rapport/config"
)

// atFlag reads --at in the configuration's default time zone (config.ParseInstant: a date,
// a date-time without zone, or RFC 3339); empty means now.
func atFlag(s string, loc *time.Location) (time.Time, error) {
	if s == "" {
		return time.Now(), nil
	}
	t, err := config.ParseInstant(s, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("--at: %w", err)
	}
	return t, nil
}
