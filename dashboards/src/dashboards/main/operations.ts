// Main dashboard, section "Operations" (row 70).
import { sql, stat, type PanelSpec } from '../../panels';
import type { MainContext } from './context';

/** The operations_range columns the five stats show, in panel order (71 runs the one query). */
const OPS_COLUMNS = ['verification_completion_rate', 'time_to_verification_hours', 'refund_rate_unverified', 'shipping_time_hours', 'support_response_hours'];
const OPS_SOURCE = 71;

export function operations({ S, range, cat }: MainContext): PanelSpec[] {
  const ops = (id: number, title: string, kpi: string, col: string, unit: string, w: number): PanelSpec =>
    stat({
      id,
      title,
      w,
      h: 5,
      unit,
      decimals: 1,
      thresholds: cat.thresholds(kpi),
      description: cat.get(kpi).definition,
      // One row, five columns: panel 71 reads it, the others show their column of its result.
      ...(id === OPS_SOURCE
        ? { queries: [sql(`SELECT ${OPS_COLUMNS.join(', ')} FROM ${S}.operations_range(${range})`, OPS_COLUMNS)] }
        : { queries: [], reuse: { panelId: OPS_SOURCE, fields: [col] } }),
      fields: `/^${col}$/`,
    });
  return [
    ops(71, 'Verification completion', 'verification_completion_rate', 'verification_completion_rate', 'percentunit', 5),
    ops(72, 'Time to verification', 'time_to_verification', 'time_to_verification_hours', 'h', 5),
    ops(73, 'Refunds (unverified)', 'refund_rate_unverified', 'refund_rate_unverified', 'percentunit', 5),
    ops(74, 'Shipping time', 'shipping_time', 'shipping_time_hours', 'h', 5),
    ops(75, 'Support response', 'support_response_time', 'support_response_hours', 'h', 4),
  ];
}
