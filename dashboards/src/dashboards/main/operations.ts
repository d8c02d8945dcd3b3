// Main dashboard, section "Operations" (row 70).
import { sql, stat, type PanelSpec } from '../../panels';
import type { MainContext } from './context';

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
      queries: [sql(`SELECT ${col} FROM ${S}.operations_range(${range})`, [col])],
    });
  return [
    ops(71, 'Verification completion', 'verification_completion_rate', 'verification_completion_rate', 'percentunit', 5),
    ops(72, 'Time to verification', 'time_to_verification', 'time_to_verification_hours', 'h', 5),
    ops(73, 'Refunds (unverified)', 'refund_rate_unverified', 'refund_rate_unverified', 'percentunit', 5),
    ops(74, 'Shipping time', 'shipping_time', 'shipping_time_hours', 'h', 5),
    ops(75, 'Support response', 'support_response_time', 'support_response_hours', 'h', 4),
  ];
}
