package analytics

import (
	"context"
	"fmt"
	"time"

	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/predict"
)

// BacktestReport is what `rapport predict backtest --json` prints: the BG/NBD fitted on the
// calibration period and its comparison with the holdout (predict.BacktestResult).
type BacktestReport struct {
	CalibrationEnd time.Time   `json:"calibration_end"`
	HoldoutEnd     time.Time   `json:"holdout_end"`
	Unit           string      `json:"unit"`
	BGNBD          BGNBDParams `json:"bgnbd"`
	predict.BacktestResult
}

// Backtest reads the whole base, fits the BG/NBD on the purchases up to calibrationEnd's UTC
// day and compares its forecasts with the purchases through holdoutEnd's. It publishes
// nothing. Memory grows with the distinct purchase days and (x, t_x, T) groups only.
func Backtest(ctx context.Context, p CustomerPager, calibrationEnd, holdoutEnd time.Time, unit predict.Unit, fo predict.FitOptions) (*BacktestReport, error) {
	bt, err := predict.NewBacktest(calibrationEnd, holdoutEnd, unit)
	if err != nil {
		return nil, err
	}
	err = EachCustomer(ctx, p, 0, func(prof *customers.Profile) error {
		if err := bt.Add(prof.Days); err != nil {
			return fmt.Errorf("customer %s: %w", prof.ID, err)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("backtest: %w", err)
	}
	rep := &BacktestReport{CalibrationEnd: calibrationEnd.UTC(), HoldoutEnd: holdoutEnd.UTC(), Unit: unit.String()}
	fit, err := predict.FitBGNBD(bt.Stats().Groups(), fo)
	if err != nil {
		return nil, fmt.Errorf("backtest: fit on the calibration period to %s: %w", calibrationEnd.UTC().Format(time.DateOnly), err)
	}
	rep.BGNBD = BGNBDParams{R: fit.Params.R, Alpha: fit.Params.Alpha, A: fit.Params.A, B: fit.Params.B,
		LL: fit.LL, Iterations: fit.Iterations, Converged: fit.Converged}
	if rep.BacktestResult, err = bt.Result(fit.Params); err != nil {
		return nil, err
	}
	return rep, nil
}
