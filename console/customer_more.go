package console

import (
	"net/http"

	"go.uber.org/zap"
)

// customerExtras fills the parts of a customer's file that come from other stores than the
// profile: the decisions that sent nothing (Results), and the wallet (Rewards). A store the
// console was not given, or that fails, leaves its part out (logged); the rest of the file
// still shows.
func (h *handler) customerExtras(r *http.Request, f *customerFile) {
	ctx := r.Context()
	if h.cfg.Results != nil {
		ds, err := h.cfg.Results.Unsent(ctx, f.ID)
		if err != nil {
			h.cfg.Log.Error("console: unsent decisions", zap.Error(err))
		}
		f.Unsent = ds
	}
	if h.cfg.Rewards != nil {
		w, err := h.cfg.Rewards.Wallet(ctx, f.ID)
		if err != nil {
			h.cfg.Log.Error("console: wallet", zap.Error(err))
			return
		}
		f.Wallet = &w
	}
}
