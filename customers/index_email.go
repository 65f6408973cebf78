package customers

import (
	"context"
	"fmt"
	"strings"
)

// FindByEmail returns the id of the customer whose email address is email (compared after
// trimming, case-insensitively), or an error wrapping ErrNotFound. It answers from the address
// index (feedback_index.go: one HGET on the bucket of the address's digest, then the profile
// to confirm the entry is not stale), never by a scan, so a search costs the same two round
// trips at a million customers as at ten. The index is kept by Apply (identify and import) and
// by Delete (erasure).
func (s *Store) FindByEmail(ctx context.Context, email string) (string, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return "", fmt.Errorf("find customer by email: empty address: %w", ErrNotFound)
	}
	p, err := s.CustomerByEmail(ctx, email)
	if err != nil {
		return "", err
	}
	return p.ID, nil
}
