-- Predictive CLV (KPI-SPEC "clv": predictive, beside the historical one). The ETL fits BG/NBD
-- (purchase count) and Gamma–Gamma (spend) on the store's own orders once a day
-- (etl/src/kpi/predictive/) and writes the parameters with the fit date, and one prediction per
-- customer, here. Purchases are counted per local store day (several orders on one day are one
-- purchase of their summed value); values are net of refunds issued before the fit instant.

-- object: public.clv_fits  family: customers (table written by the ETL)  roles: none (raw)  mgr drops: n/a
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

-- object: public.clv_predictions  family: customers (table written by the ETL)  roles: none (raw)  mgr drops: n/a
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

-- object: kpi.clv_predictive  family: customers  roles: adm,mgr  mgr drops: none
-- The latest fit: store-level expected revenue from today's customers in the next 12 months, its
-- mean per customer (clv_predictive_12m, the figure shown beside the historical CLV) and the
-- model parameters with the fit date.
CREATE VIEW kpi.clv_predictive AS
SELECT f.fit_date, f.calibration_end, f.fitted_at, f.horizon_days, f.customers, f.repeat_customers,
       round(sum(p.expected_purchases)::numeric, 2) AS expected_purchases_12m,
       kpi.money(sum(p.expected_clv_cents)::numeric) AS store_expected_clv_12m,
       round((avg(p.expected_clv_cents) / 100.0)::numeric, 2) AS clv_predictive_12m,
       round(avg(p.prob_alive)::numeric, 4) AS avg_prob_alive,
       round((sum(p.prob_alive))::numeric, 0)::bigint AS expected_active_customers,
       f.bg_r, f.bg_alpha, f.bg_a, f.bg_b, f.gg_p, f.gg_q, f.gg_gamma, f.bg_converged AND f.gg_converged AS converged,
       kpi.catalog_value('clv', 'target') AS target
FROM public.clv_fits f
JOIN public.clv_predictions p ON p.fit_id = f.fit_id
WHERE f.fit_id = (SELECT max(fit_id) FROM public.clv_fits WHERE fit_date = (SELECT max(fit_date) FROM public.clv_fits))
GROUP BY f.fit_id;

-- object: kpi.clv_predictive_customers  family: customers  roles: adm,mgr  mgr drops: none
CREATE VIEW kpi.clv_predictive_customers AS
SELECT f.fit_date, p.customer_id, c.name AS customer_name, p.repeat_purchases + 1 AS purchases,
       round(p.recency_days::numeric, 2) AS recency_days, round(p.age_days::numeric, 2) AS age_days,
       round(p.prob_alive::numeric, 4) AS prob_alive,
       round(p.expected_purchases::numeric, 4) AS expected_purchases_12m,
       kpi.money(p.expected_avg_value_cents::numeric) AS expected_avg_value,
       kpi.money(p.expected_clv_cents::numeric) AS expected_clv_12m
FROM public.clv_predictions p
JOIN public.clv_fits f ON f.fit_id = p.fit_id
LEFT JOIN public.customers c ON c.customer_id = p.customer_id
WHERE f.fit_id = (SELECT max(fit_id) FROM public.clv_fits WHERE fit_date = (SELECT max(fit_date) FROM public.clv_fits));

CREATE VIEW adm.clv_predictive AS SELECT * FROM kpi.clv_predictive;
CREATE VIEW mgr.clv_predictive AS SELECT * FROM kpi.clv_predictive;
CREATE VIEW adm.clv_predictive_customers AS SELECT * FROM kpi.clv_predictive_customers;
CREATE VIEW mgr.clv_predictive_customers AS SELECT * FROM kpi.clv_predictive_customers;
GRANT SELECT ON adm.clv_predictive, adm.clv_predictive_customers TO kpi_admin;
GRANT SELECT ON mgr.clv_predictive, mgr.clv_predictive_customers TO kpi_manager;
