// The template-variable values and time range the database suites expand every query with:
// the dashboards' defaults (tier = All, top_n = 10) over the hand-made data set's two days.
import { datasourceJsonData } from '../src/all';
import { TIERS } from '../src/dashboards/common';
import type { ExpandOptions } from '../src/macros';
import { RANGE } from './helpers/seed';

export const EXPAND: ExpandOptions = {
  range: RANGE,
  intervalMs: 60_000,
  timescaledb: datasourceJsonData().timescaledb === true,
  variables: { tier: { value: TIERS, multi: true, includeAll: true }, top_n: { value: '10' }, conversion_window: { value: '1 day' } },
};
