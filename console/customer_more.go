package console

import (
	"context"
	"net/http"

	"go.uber.org/zap"

	"github.com/rapporthq/rapport/results"
	"github.com/rapporthq/rapport/rewards"
)

// UnsentReader gives a customer's latest decisions that sent nothing, with their reasons
// (results.Store): the customer's file shows why they were held out or skipped.
type UnsentReader interface {
	Unsent(ctx context.Context, customer string) ([]results.Decision, error)
}

// Wallets gives a customer's points and coupons (rewards.Ledger).
type Wallets interface {
	Wallet(ctx context.Context, customer string) (rewards.Wallet, error)
}

// customerExtras fills the parts of a customer's file that come from other stores than the
// profile: the decisions that sent nothing, and the wallet. A store the console was not
// given, or that fails, leaves its part out (logged); the rest of the file still shows.
func (h *handler) customerExtras(r *http.Request, f *customerFile) {
	ctx := r.Context()
	if u, ok := h.cfg.Results.(UnsentReader); ok && h.cfg.Results != nil {
		ds, err := u.Unsent(ctx, f.ID)
		if err != nil {
			h.cfg.Log.Error("console: unsent decisions", zap.Error(err))
		}
		f.Unsent = ds
	}
	if wl, ok := h.cfg.Rewards.(Wallets); ok && h.cfg.Rewards != nil {
		w, err := wl.Wallet(ctx, f.ID)
		if err != nil {
			h.cfg.Log.Error("console: wallet", zap.Error(err))
			return
		}
		f.Wallet = &w
	}
}
