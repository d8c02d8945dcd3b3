// Main dashboard, section "Cohorts and segments" (row 80): cohort grids, RFM segments and
// predictive CLV. The panel builders are shared with the recovery dashboard (sections/customers).
import type { PanelSpec } from '../../panels';
import { customerDepthPanels } from '../sections/customers';
import type { MainContext } from './context';

export function cohortsSegments({ role, cat }: MainContext): PanelSpec[] {
  return customerDepthPanels(role, cat);
}
