-- Predictive CLV (docs/kpi-spec.md "clv": predictive, beside the historical one). The ETL fits BG/NBD
-- (purchase count) and Gamma–Gamma (spend) on the store's own orders once a day
-- (etl/src/kpi/predictive/) and writes the parameters with the fit date, and one prediction per
-- customer, here (the views over them are in sql/views/customers.sql). Purchases are counted per
-- local store day (several orders on one day are one purchase of their summed value); values are
-- net of refunds issued before the fit instant.

CREATE TABLE clv_fits (
  fit_id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  fit_date           date NOT NULL UNIQUE,  -- local store day of calibration_end; a refit that day replaces it
  calibration_end    timestamptz NOT NULL,  -- only orders placed (and refunds issued) before it were used
  fitted_at          timestamptz NOT NULL DEFAULT now(),
  horizon_days       integer NOT NULL,
  customers          integer NOT NULL,
  repeat_customers   integer NOT NULL,
  bg_r               double precision NOT NULL,
  bg_alpha           double precision NOT NULL,
  bg_a               double precision NOT NULL,
  bg_b               double precision NOT NULL,
  bg_log_likelihood  double precision NOT NULL,
  bg_converged       boolean NOT NULL,
  gg_p               double precision NOT NULL,
  gg_q               double precision NOT NULL,
  gg_gamma           double precision NOT NULL,
  gg_log_likelihood  double precision NOT NULL,
  gg_converged       boolean NOT NULL
);

-- Kept for the latest fit only; clv_fits keeps every day's parameters.
CREATE TABLE clv_predictions (
  fit_id                    bigint NOT NULL REFERENCES clv_fits (fit_id) ON DELETE CASCADE,
  customer_id               text NOT NULL,
  repeat_purchases          integer NOT NULL,
  recency_days              double precision NOT NULL,  -- first to last purchase
  age_days                  double precision NOT NULL,  -- first purchase to calibration_end
  avg_repeat_value_cents    double precision,
  prob_alive                double precision NOT NULL,
  expected_purchases        double precision NOT NULL,  -- in the next horizon_days
  expected_avg_value_cents  double precision NOT NULL,
  expected_clv_cents        double precision NOT NULL,  -- expected_purchases × expected_avg_value, undiscounted revenue
  PRIMARY KEY (fit_id, customer_id)
);
REVOKE ALL ON clv_fits, clv_predictions FROM PUBLIC;
